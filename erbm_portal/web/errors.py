"""Error pages in French, for full-page and htmx requests alike."""
from __future__ import annotations

import logging

from flask import Flask, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from .htmx import is_htmx, render

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Requête invalide", "La requête n'a pas pu être traitée. Rechargez la page et réessayez."),
    401: ("Connexion requise", "Connectez-vous pour accéder à cette page."),
    403: ("Accès refusé", "Vous n'avez pas les droits nécessaires pour cette action."),
    404: ("Page introuvable", "Cette page n'existe pas ou vous n'y avez pas accès."),
    405: ("Méthode non autorisée", "Cette action n'est pas possible de cette manière."),
    409: ("Conflit de modification", "Quelqu'un a modifié ce contenu entre-temps. Rechargez la page pour voir la dernière version."),
    413: ("Fichier trop volumineux", "Le fichier dépasse la taille maximale autorisée."),
    422: ("Saisie invalide", "Certaines informations saisies ne sont pas valides."),
    429: ("Trop de tentatives", "Trop de requêtes en peu de temps. Patientez quelques minutes avant de réessayer."),
    500: ("Erreur interne", "Une erreur inattendue s'est produite. Aucune modification n'a été enregistrée. L'équipe technique a été prévenue."),
}


def error_page(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    resp = render("errors/error.html", "error_content", status=code,
                  code=code, title=title, message=detail or message)
    if is_htmx():
        # Shown in the page's alert region rather than inside whatever was targeted.
        resp.headers["HX-Retarget"] = "#erbm-alerts"
        resp.headers["HX-Reswap"] = "innerHTML"
    return resp


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_page(400, "Le formulaire a expiré ou son jeton de sécurité est absent. Rechargez la page puis recommencez.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code in (301, 302, 303, 307, 308):
            return exc
        detail = exc.description if getattr(exc, "erbm_message", False) else None
        return error_page(exc.code or 500, detail)

    @app.errorhandler(Exception)
    def unexpected(exc):
        db.session.rollback()
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_page(500)


def abort_fr(code: int, message: str):
    """Abort with a specific French message shown on the error page."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[code](description=message)
    exc.erbm_message = True
    raise exc
