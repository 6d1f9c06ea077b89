"""Reference template page (secretariat): download, replace, return to the default, specimen."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_login import current_user

from ..core.errors import ServiceError
from ..core.forms import attach_service_error
from ..extensions import db
from ..web.errors import abort_fr
from ..web.htmx import hx_redirect, render
from . import services
from .forms import TemplateResetForm, TemplateUploadForm
from .http import docx_response, pdf_response
from .pdf import PDF_UNAVAILABLE_FR, pdf_available, to_pdf
from .sample import specimen

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _page(form=None, reset_form=None, status: int = 200):
    return render("exports/template.html", "template_form", status=status,
                  form=form or TemplateUploadForm(), reset_form=reset_form or TemplateResetForm(),
                  current=services.current_template(), history=services.history(),
                  pdf=pdf_available(), pdf_unavailable=PDF_UNAVAILABLE_FR)


@bp.route("/modele", methods=["GET", "POST"])
def template_page():
    form = TemplateUploadForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, status=422)
    upload = request.files.get(form.document.name)
    if not upload or not upload.filename:
        form.document.errors = ["Choisissez un fichier .docx."]
        return _page(form, status=422)
    try:
        services.replace_template(upload.read(), upload.filename, user=current_user._get_current_object())
    except ServiceError as exc:
        db.session.rollback()
        attach_service_error(form, exc)
        return _page(form, status=422)
    db.session.commit()
    return hx_redirect(url_for("exports.template_page"))


@bp.route("/modele/reinitialiser", methods=["POST"])
def template_reset():
    form = TemplateResetForm()
    if not form.validate_on_submit():
        return _page(reset_form=form, status=422)
    services.reset_template(user=current_user._get_current_object())
    db.session.commit()
    return hx_redirect(url_for("exports.template_page"))


@bp.route("/modele.docx")
def template_download():
    current = services.current_template()
    return docx_response(current.content, current.filename)


@bp.route("/modele-fourni.docx")
def template_default():
    from .builder import default_template_bytes

    return docx_response(default_template_bytes(), services.DEFAULT_FILENAME)


@bp.route("/modele/apercu.docx")
def template_specimen():
    return docx_response(specimen(services.current_template_bytes()), "apercu-modele.docx")


@bp.route("/modele/apercu.pdf")
def template_specimen_pdf():
    if not pdf_available():
        abort_fr(404, PDF_UNAVAILABLE_FR)
    data = to_pdf(specimen(services.current_template_bytes()))
    if data is None:
        abort_fr(503, "La conversion en PDF a échoué. Téléchargez la version Word.")
    return pdf_response(data, "apercu-modele.pdf")
