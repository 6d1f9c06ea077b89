from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, url_for
from flask_login import current_user

from ..extensions import db
from ..web.htmx import hx_redirect, render
from . import services

bp = Blueprint("feeds", __name__)


def _page(feed_url: str | None = None):
    user = current_user._get_current_object()
    return render("feeds/calendar.html", feed=services.has_feed(user.id), feed_url=feed_url)


@bp.route("/mon-agenda")
def calendar():
    return _page()


@bp.route("/mon-agenda/nouvelle-adresse", methods=["POST"])
def regenerate():
    token = services.regenerate_token(current_user._get_current_object())
    db.session.commit()
    # Shown once, in this response only (never in a flash message: the session cookie is not secret).
    resp = _page(feed_url=url_for("feeds.ics", token=token, _external=True))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/mon-agenda/desactiver", methods=["POST"])
def revoke():
    if services.revoke_token(current_user._get_current_object()):
        flash("Votre flux agenda est désactivé : l'ancienne adresse ne fonctionne plus.", "success")
    db.session.commit()
    return hx_redirect(url_for("feeds.calendar"))


@bp.route("/agenda/<token>.ics")
def ics(token: str):
    user = services.user_for_token(token)
    if user is None:
        abort(404)
    resp = make_response(services.feed_for(user))
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = 'inline; filename="erbm-mes-reunions.ics"'
    resp.headers["Cache-Control"] = "private, max-age=300"
    resp.headers["X-Robots-Tag"] = "noindex"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp
