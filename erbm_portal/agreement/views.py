"""The partnership agreement: text in force, versions, avenants, comparison, signature, files."""
from __future__ import annotations

from flask import Blueprint, Response, flash, request, url_for
from flask_login import current_user

from ..core.errors import ServiceError, StaleEdit
from ..core.forms import attach_service_error
from ..core.markdown import render_markdown
from ..extensions import db
from ..signoff import services as signoff
from ..web.htmx import hx_redirect, render
from ..web.principal import current_principal
from . import consolidation as c
from . import services
from .access import (
    get_agreement_or_404,
    get_amendment_or_404,
    get_file_or_404,
    get_version_or_404,
    visible_versions,
)
from .forms import AmendmentEditForm, AmendmentForm, AnnexForm, ChangeForm, CompareForm, SignedCopyForm
from .models import AgreementFile, FilePurpose, VersionState

bp = Blueprint("agreement", __name__, url_prefix="/convention")


@bp.context_processor
def _helpers():
    return {"markdown": render_markdown, "diff_to_html": c.diff_to_html}


def _user():
    return current_user._get_current_object()


def _files(agreement, purpose: FilePurpose, version_id: int | None = None) -> list[AgreementFile]:
    from sqlalchemy import select

    query = select(AgreementFile).where(AgreementFile.agreement_id == agreement.id,
                                        AgreementFile.purpose == purpose)
    if version_id is not None:
        query = query.where(AgreementFile.version_id == version_id)
    return db.session.execute(query.order_by(AgreementFile.id)).scalars().all()


def _rounds(versions):
    return signoff.rounds_for(services.SUBJECT_TYPE, [v.id for v in versions])


# --- Reading -----------------------------------------------------------------


@bp.route("/")
def index():
    agreement = get_agreement_or_404()
    principal = current_principal()
    in_force = services.version_in_force(agreement)
    articles = services.text_of(agreement, in_force.number) if in_force else []
    return render("agreement/index.html", agreement=agreement, in_force=in_force, articles=articles,
                  versions=visible_versions(agreement, principal),
                  draft=services.draft_amendment(agreement) if principal.is_secretariat else None,
                  annexes=_files(agreement, FilePurpose.ANNEX), annex_form=AnnexForm())


@bp.route("/versions")
def versions():
    agreement = get_agreement_or_404()
    shown = visible_versions(agreement)
    return render("agreement/versions.html", agreement=agreement, versions=shown, rounds=_rounds(shown),
                  in_force=services.version_in_force(agreement))


def _version_page(agreement, version, *, signed_copy_form=None, status=200):
    articles, errors = services.safe_text_of(agreement, version.number)
    rounds = _rounds([version])
    return render("agreement/version.html", agreement=agreement, version=version, articles=articles,
                  text_errors=errors, rounds=rounds, in_force=services.version_in_force(agreement),
                  signed_copies=_files(agreement, FilePurpose.SIGNED_COPY, version.id),
                  signed_copy_form=signed_copy_form or SignedCopyForm(), status=status)


@bp.route("/versions/<int:number>")
def version_detail(number: int):
    agreement = get_agreement_or_404()
    return _version_page(agreement, get_version_or_404(agreement, number))


def _amendment_page(agreement, version, *, edit_form=None, change_form=None, status=200, block=None):
    previous, previous_errors = services.safe_text_of(agreement, version.number - 1)
    if edit_form is None:
        edit_form = AmendmentEditForm(formdata=None, obj=version)
    if change_form is None:
        change_form = ChangeForm(formdata=None)
    _fill_change_choices(change_form, previous)
    by_key = {a.key: a for a in previous}
    diff = []
    articles, errors = services.safe_text_of(agreement, version.number)
    if not errors and not previous_errors:
        diff = [d for d in c.compare(previous, articles) if d.status != "unchanged"]
    return render("agreement/amendment.html", block, agreement=agreement, version=version, previous=by_key,
                  text_errors=previous_errors or errors, diff=diff, edit_form=edit_form,
                  change_form=change_form, status=status,
                  editable=current_principal().is_secretariat and version.state == VersionState.DRAFT)


def _fill_change_choices(form: ChangeForm, previous: list[c.Article]) -> None:
    labels = [(a.key, f"Article {a.number}" + (f" — {a.title}" if a.title else "")) for a in previous]
    form.article.choices = [("", "— Choisir un article —"), *labels]
    form.after.choices = [("", "— Au début du texte —"), *labels]
    if form.after.data is None and previous:
        form.after.data = previous[-1].key


@bp.route("/avenants/<int:amendment>")
def amendment_detail(amendment: int):
    agreement = get_agreement_or_404()
    return _amendment_page(agreement, get_amendment_or_404(agreement, amendment))


@bp.route("/comparer")
def compare():
    agreement = get_agreement_or_404()
    shown = visible_versions(agreement)
    form = CompareForm(request.args)
    choices = [(str(v.number), v.label) for v in shown]
    form.de.choices, form.a.choices = choices, choices
    numbers = {str(v.number) for v in shown}
    status, diff, old_v, new_v = 200, None, None, None
    if "de" not in request.args and "a" not in request.args:
        # Default: the previous signed version against the latest visible one.
        if len(shown) >= 2:
            form.de.data, form.a.data = str(shown[-2].number), str(shown[-1].number)
    else:
        for field in (form.de, form.a):
            if field.data not in numbers:
                field.errors = ["Choisissez une version dans la liste."]
                status = 422
        if status == 200 and form.de.data == form.a.data:
            form.a.errors = ["Choisissez deux versions différentes."]
            status = 422
    if status == 200 and form.de.data in numbers and form.a.data in numbers and form.de.data != form.a.data:
        old_v = next(v for v in shown if str(v.number) == form.de.data)
        new_v = next(v for v in shown if str(v.number) == form.a.data)
        old_text, old_errors = services.safe_text_of(agreement, old_v.number)
        new_text, new_errors = services.safe_text_of(agreement, new_v.number)
        if old_errors or new_errors:
            form.a.errors = old_errors + new_errors
            status = 422
        else:
            diff = c.compare(old_text, new_text)
    return render("agreement/compare.html", "comparison", agreement=agreement, form=form, diff=diff,
                  old_v=old_v, new_v=new_v, status=status)


@bp.route("/fichiers/<int:file_id>")
def file_download(file_id: int):
    agreement = get_agreement_or_404()
    stored = get_file_or_404(agreement, file_id)
    from urllib.parse import quote

    ascii_name = stored.filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stored.filename)}"
    return Response(stored.data, mimetype=stored.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})


# --- Secretariat: avenants ---------------------------------------------------


@bp.route("/avenants/nouveau", methods=["GET", "POST"])
def amendment_new():
    agreement = get_agreement_or_404()
    form = AmendmentForm()
    status = 200
    if form.validate_on_submit():
        try:
            version = services.create_amendment(agreement, title=form.title.data, statement=form.statement.data)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            attach_service_error(form, exc)
            status = 422
        else:
            flash(f"L'avenant n° {version.amendment_number} a été créé.", "success")
            return hx_redirect(url_for("agreement.amendment_detail", amendment=version.amendment_number))
    elif form.is_submitted():
        status = 422
    return render("agreement/amendment_new.html", agreement=agreement, form=form,
                  draft=services.draft_amendment(agreement), status=status)


@bp.route("/avenants/<int:amendment>/modifier", methods=["POST"])
def amendment_edit(amendment: int):
    agreement = get_agreement_or_404()
    version = get_amendment_or_404(agreement, amendment, "edit")
    form = AmendmentEditForm()
    if not form.validate_on_submit():
        return _amendment_page(agreement, version, edit_form=form, status=422, block="amendment_form")
    try:
        services.update_amendment(version, title=form.title.data, statement=form.statement.data,
                                  expected_version=form.version.data)
        db.session.commit()
    except StaleEdit as exc:
        db.session.rollback()
        agreement = get_agreement_or_404()
        version = get_amendment_or_404(agreement, amendment, "edit")
        fresh = AmendmentEditForm(formdata=None, obj=version)
        fresh.form_errors.append(exc.message)
        return _amendment_page(agreement, version, edit_form=fresh, status=409, block="amendment_form")
    except ServiceError as exc:
        db.session.rollback()
        agreement = get_agreement_or_404()
        version = get_amendment_or_404(agreement, amendment, "edit")
        attach_service_error(form, exc)
        return _amendment_page(agreement, version, edit_form=form, status=409 if exc.field is None else 422,
                               block="amendment_form")
    flash("L'avenant a été enregistré.", "success")
    return hx_redirect(url_for("agreement.amendment_detail", amendment=amendment))


@bp.route("/avenants/<int:amendment>/modifications", methods=["POST"])
def change_add(amendment: int):
    agreement = get_agreement_or_404()
    version = get_amendment_or_404(agreement, amendment, "edit")
    form = ChangeForm()
    if not form.validate_on_submit():
        return _amendment_page(agreement, version, change_form=form, status=422)
    try:
        services.add_change(version, op=form.op.data, article_key=form.article.data, after_key=form.after.data,
                            number=form.number.data, title=form.title.data, body=form.body.data)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        agreement = get_agreement_or_404()
        version = get_amendment_or_404(agreement, amendment, "edit")
        attach_service_error(form, exc)
        return _amendment_page(agreement, version, change_form=form,
                               status=409 if version.state != VersionState.DRAFT else 422)
    flash("La modification a été ajoutée à l'avenant.", "success")
    return hx_redirect(url_for("agreement.amendment_detail", amendment=amendment) + "#modifications")


@bp.route("/avenants/<int:amendment>/modifications/<int:change_id>/supprimer", methods=["POST"])
def change_delete(amendment: int, change_id: int):
    from flask import abort

    agreement = get_agreement_or_404()
    version = get_amendment_or_404(agreement, amendment, "edit")
    if not any(ch.id == change_id for ch in version.changes):
        abort(404)
    try:
        services.delete_change(version, change_id)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        agreement = get_agreement_or_404()
        version = get_amendment_or_404(agreement, amendment, "edit")
        change_form = ChangeForm(formdata=None)
        change_form.form_errors.append(exc.message)
        return _amendment_page(agreement, version, change_form=change_form, status=409)
    flash("La modification a été retirée de l'avenant.", "success")
    return hx_redirect(url_for("agreement.amendment_detail", amendment=amendment) + "#modifications")


@bp.route("/versions/<int:number>/signature", methods=["POST"])
def open_signature(number: int):
    agreement = get_agreement_or_404()
    version = get_version_or_404(agreement, number, "edit")
    try:
        round_ = services.open_for_signature(version, opened_by=_user())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        agreement = get_agreement_or_404()
        version = get_version_or_404(agreement, number, "edit")
        flash(exc.message, "error")
        return _version_page(agreement, version, status=409)
    flash(f"La version {number} est ouverte à la signature des parties (circuit n° {round_.id}).", "success")
    return hx_redirect(url_for("agreement.version_detail", number=number))


# --- Secretariat: files ------------------------------------------------------


def _upload(form):
    upload = request.files.get(form.document.name)
    if upload is None or not upload.filename:
        form.document.errors = ["Choisissez un fichier."]
        return None, None
    return upload.filename, upload.read(services.MAX_FILE_SIZE + 1)


@bp.route("/annexes", methods=["POST"])
def annex_upload():
    agreement = get_agreement_or_404()
    form = AnnexForm()
    valid = form.validate_on_submit()
    filename, data = _upload(form)
    if valid and data is not None:
        try:
            services.add_annex(agreement, title=form.title.data, filename=filename, data=data, uploaded_by=_user())
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            attach_service_error(form, exc)
        else:
            flash("L'annexe a été ajoutée.", "success")
            return hx_redirect(url_for("agreement.index") + "#annexes")
    agreement = get_agreement_or_404()
    in_force = services.version_in_force(agreement)
    return render("agreement/index.html", agreement=agreement, in_force=in_force,
                  articles=services.text_of(agreement, in_force.number) if in_force else [],
                  versions=visible_versions(agreement), draft=services.draft_amendment(agreement),
                  annexes=_files(agreement, FilePurpose.ANNEX), annex_form=form, status=422)


@bp.route("/versions/<int:number>/exemplaire-signe", methods=["POST"])
def signed_copy_upload(number: int):
    agreement = get_agreement_or_404()
    version = get_version_or_404(agreement, number, "edit")
    form = SignedCopyForm()
    valid = form.validate_on_submit()
    filename, data = _upload(form)
    if valid and data is not None:
        try:
            services.add_signed_copy(version, filename=filename, data=data, uploaded_by=_user())
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            attach_service_error(form, exc)
        else:
            flash("L'exemplaire signé a été joint ; son empreinte est reconnue par la page de vérification.",
                  "success")
            return hx_redirect(url_for("agreement.version_detail", number=number) + "#exemplaire-signe")
    agreement = get_agreement_or_404()
    version = get_version_or_404(agreement, number, "edit")
    return _version_page(agreement, version, signed_copy_form=form, status=422)
