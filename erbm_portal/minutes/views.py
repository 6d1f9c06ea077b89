"""Minutes pages: thin routes over services.py; every object goes through access.py."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..core.db import read_intent
from ..core.errors import ServiceError, StaleEdit, TransitionRefused
from ..core.forms import attach_service_error
from ..core.markdown import render_markdown
from ..directory.access import get_committee_or_404
from ..directory.models import Organisation
from ..exports.pdf import PDF_UNAVAILABLE_FR, pdf_available
from ..extensions import db
from ..web.errors import abort_fr
from ..web.htmx import hx_redirect, is_htmx, render
from . import services
from .access import get_action_or_404, get_meeting_for_minutes_or_404, get_minutes_or_404
from .forms import (
    ActionForm, ActionStatusForm, CommentForm, CorrectionForm, DecisionForm, RegisterFilterForm, ReviewForm,
    SectionForm, _new_token,
)
from .models import ActionStatus, MinutesComment, MinutesSection

bp = Blueprint("minutes", __name__)


@bp.context_processor
def _helpers():
    return {"render_markdown": render_markdown, "new_form_token": _new_token, "today": services.paris_today(),
            "pdf_available": pdf_available(), "pdf_unavailable": PDF_UNAVAILABLE_FR}


def _status_for(exc: ServiceError) -> int:
    return 409 if isinstance(exc, (StaleEdit, TransitionRefused)) else 422


def _user():
    return current_user._get_current_object()


def _organisations():
    return db.session.execute(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    ).scalars().all()


def _section_of(minutes, section_id: int) -> MinutesSection:
    section = db.session.get(MinutesSection, section_id)
    if section is None or section.minutes_id != minutes.id:
        abort(404)
    return section


# --- Pages ----------------------------------------------------------------------------


@bp.route("/reunions/<int:meeting_id>/releve")
def meeting_minutes(meeting_id: int):
    """The versions of a meeting's minutes the person may see, and « Rédiger » for managers."""
    from .access import can_see

    meeting, access = get_meeting_for_minutes_or_404(meeting_id)
    versions = [m for m in services.versions_of(meeting.id) if can_see(m, access)]
    return render("minutes/meeting.html", meeting=meeting, access=access, versions=versions)


@bp.route("/reunions/<int:meeting_id>/releve", methods=["POST"])
def create(meeting_id: int):
    meeting, access = get_meeting_for_minutes_or_404(meeting_id)
    if not access.manage:
        abort(403)
    try:
        minutes = services.create_minutes(meeting, access=access, actor=_user())
    except ServiceError as exc:
        db.session.rollback()
        abort_fr(_status_for(exc), exc.message)
    db.session.commit()
    return hx_redirect(url_for("minutes.show", minutes_id=minutes.id))


def _show_context(minutes, rights, **overrides):
    minutes = services.load_minutes_page(minutes.id)
    decisions, actions = services.decisions_and_actions(minutes)
    versions = services.versions_of(minutes.meeting_id)
    latest = versions[-1] if versions else minutes
    editable = rights.manage and minutes.state in services.EDITABLE_STATES
    decision_form = overrides.pop("decision_form", None) or DecisionForm(formdata=None)
    decision_form.agenda_item_id.choices = [("", "— Aucun —")] + [
        (s.agenda_item_id, s.title) for s in minutes.sections if s.agenda_item_id]
    action_form = overrides.pop("action_form", None) or ActionForm(formdata=None)
    action_form.owner_organisation_id.choices = [("", "— Choisir —")] + [
        (o.id, o.name) for o in (_organisations() if editable else [])]
    action_form.decision_id.choices = [("", "— Aucune —")] + [(d.id, d.reference) for d in decisions]
    context = dict(
        minutes=minutes, meeting=minutes.meeting, committee=minutes.meeting.committee, rights=rights,
        decisions=decisions, actions=actions, versions=versions, latest=latest, editable=editable,
        review_form=overrides.pop("review_form", None) or ReviewForm(formdata=None),
        correction_form=overrides.pop("correction_form", None) or CorrectionForm(formdata=None),
        decision_form=decision_form, action_form=action_form,
        comment_errors=overrides.pop("comment_errors", {}), error=overrides.pop("error", None),
        transitions=services.MINUTES_WORKFLOW.targets(minutes.state),
    )
    context.update(overrides)
    return context


def _show(minutes, rights, status=200, **overrides):
    return render("minutes/show.html", status=status, **_show_context(minutes, rights, **overrides))


@bp.route("/releves/<int:minutes_id>")
def show(minutes_id: int):
    minutes, rights = get_minutes_or_404(minutes_id, "read")
    return _show(minutes, rights)


@bp.route("/releves/<int:minutes_id>/releve.docx")
def export_docx(minutes_id: int):
    from ..exports.http import docx_response
    from .export import export_filename, minutes_docx

    minutes, _rights = get_minutes_or_404(minutes_id, "read")
    return docx_response(minutes_docx(minutes), export_filename(minutes, "docx"))


@bp.route("/releves/<int:minutes_id>/releve.pdf")
def export_pdf(minutes_id: int):
    from ..exports.http import pdf_response
    from ..exports.pdf import PDF_UNAVAILABLE_FR, pdf_available, to_pdf
    from .export import export_filename, minutes_docx

    minutes, _rights = get_minutes_or_404(minutes_id, "read")
    if not pdf_available():
        abort_fr(404, PDF_UNAVAILABLE_FR)
    pdf = to_pdf(minutes_docx(minutes))
    if pdf is None:
        abort_fr(500, "La conversion en PDF a échoué ; le document Word reste disponible.")
    return pdf_response(pdf, export_filename(minutes, "pdf"))


# --- Sections (edited in place with htmx; full-page fallback) ------------------------------


def _section_context(minutes, rights, section):
    return dict(minutes=minutes, rights=rights, section=section, committee=minutes.meeting.committee,
                meeting=minutes.meeting,
                editable=rights.manage and minutes.state in services.EDITABLE_STATES,
                comment_errors={})


@bp.route("/releves/<int:minutes_id>/sections/<int:section_id>")
def section(minutes_id: int, section_id: int):
    minutes, rights = get_minutes_or_404(minutes_id, "read")
    sec = _section_of(minutes, section_id)
    if not is_htmx():
        return hx_redirect(url_for("minutes.show", minutes_id=minutes.id) + f"#section-{sec.id}")
    return render("minutes/show.html", "section_view", **_section_context(minutes, rights, sec))


def _render_section_form(minutes, rights, sec, form, status=200, conflict=None):
    return render("minutes/section_edit.html", "section_form", status=status, minutes=minutes, rights=rights,
                  section=sec, form=form, conflict=conflict, meeting=minutes.meeting,
                  committee=minutes.meeting.committee)


@bp.route("/releves/<int:minutes_id>/sections/<int:section_id>/modifier", methods=["GET", "POST"])
def edit_section(minutes_id: int, section_id: int):
    minutes, rights = get_minutes_or_404(minutes_id, "manage")
    sec = _section_of(minutes, section_id)
    if request.method == "GET":
        if minutes.state not in services.EDITABLE_STATES:
            abort_fr(409, "Ce relevé est publié : il ne peut plus être modifié. Pour le corriger, créez une "
                          "nouvelle version." if minutes.is_published else
                     f"Ce relevé est {minutes.state_label} : repassez-le en brouillon pour le modifier.")
        form = SectionForm(formdata=None, body=sec.body, version=sec.version)
        return _render_section_form(minutes, rights, sec, form)
    form = SectionForm()
    if not form.validate_on_submit():
        return _render_section_form(minutes, rights, sec, form, status=422)
    try:
        services.update_section(sec, access=rights.access, body=form.body.data or "",
                                expected_version=form.version.data, actor=_user())
        db.session.commit()
    except (StaleEdit, StaleDataError) as exc:
        db.session.rollback()
        minutes, rights = get_minutes_or_404(minutes_id, "manage")
        sec = _section_of(minutes, section_id)
        db.session.refresh(sec)
        message = exc.message if isinstance(exc, StaleEdit) else StaleEdit(sec).message
        form.form_errors.append(message)
        form.version.data = sec.version  # saving again now replaces what the other person wrote
        form.version.raw_data = None
        return _render_section_form(minutes, rights, sec, form, status=409, conflict=sec)
    except ServiceError as exc:
        db.session.rollback()
        minutes, rights = get_minutes_or_404(minutes_id, "manage")
        sec = _section_of(minutes, section_id)
        attach_service_error(form, exc)
        return _render_section_form(minutes, rights, sec, form, status=_status_for(exc))
    if is_htmx():
        return render("minutes/show.html", "section_view", **_section_context(minutes, rights, sec),
                      saved=True)
    flash(f"Section « {sec.title} » enregistrée.", "success")
    return hx_redirect(url_for("minutes.show", minutes_id=minutes.id) + f"#section-{sec.id}")


# --- Workflow ---------------------------------------------------------------------------------


def _transition(minutes_id: int, need: str, apply, success: str, **form_kw):
    minutes, rights = get_minutes_or_404(minutes_id, need)
    try:
        apply(minutes, rights)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        minutes, rights = get_minutes_or_404(minutes_id, "read")
        forms = {}
        for name, form in form_kw.items():
            if exc.field:
                attach_service_error(form, exc)
            forms[name] = form
        return _show(minutes, rights, status=_status_for(exc), error=None if exc.field else exc.message, **forms)
    flash(success, "success")
    return hx_redirect(url_for("minutes.show", minutes_id=minutes_id))


@bp.route("/releves/<int:minutes_id>/relecture", methods=["POST"])
def submit_review(minutes_id: int):
    form = ReviewForm()

    def apply(minutes, rights):
        if not form.validate_on_submit():
            message = " ".join(form.deadline.errors) or "Indiquez la date limite de relecture."
            form.deadline.errors = []
            raise ServiceError(message, field="deadline")
        services.submit_for_review(minutes, access=rights.access, deadline=form.deadline.data)

    return _transition(minutes_id, "manage", apply, "Relevé soumis en relecture aux membres du comité.",
                       review_form=form)


@bp.route("/releves/<int:minutes_id>/brouillon", methods=["POST"])
def back_to_draft(minutes_id: int):
    return _transition(minutes_id, "manage", lambda m, r: services.back_to_draft(m, access=r.access),
                       "Relevé repassé en brouillon.")


@bp.route("/releves/<int:minutes_id>/approbation", methods=["POST"])
def approve(minutes_id: int):
    return _transition(minutes_id, "manage",
                       lambda m, r: services.approve(m, access=r.access, actor=_user()), "Relevé approuvé.")


@bp.route("/releves/<int:minutes_id>/publication", methods=["POST"])
def publish(minutes_id: int):
    return _transition(minutes_id, "publish",
                       lambda m, r: services.publish(m, access=r.access, actor=_user()),
                       "Relevé publié : il est désormais visible de tous les partenaires du comité.")


@bp.route("/releves/<int:minutes_id>/correction", methods=["GET", "POST"])
def correct(minutes_id: int):
    minutes, rights = get_minutes_or_404(minutes_id, "read")
    if not (rights.manage or rights.publish):
        abort(403)
    form = CorrectionForm()
    if request.method == "GET":
        return render("minutes/correction.html", minutes=minutes, form=CorrectionForm(formdata=None),
                      meeting=minutes.meeting, committee=minutes.meeting.committee)
    status = 422
    if form.validate_on_submit():
        try:
            new = services.start_correction(minutes, access=rights.access, reason=form.reason.data, actor=_user())
            db.session.commit()
            flash(f"Version {new.number} ouverte en brouillon.", "success")
            return hx_redirect(url_for("minutes.show", minutes_id=new.id))
        except ServiceError as exc:
            db.session.rollback()
            minutes, rights = get_minutes_or_404(minutes_id, "read")
            attach_service_error(form, exc)
            status = _status_for(exc)
    return render("minutes/correction.html", "correction_form", status=status, minutes=minutes, form=form,
                  meeting=minutes.meeting, committee=minutes.meeting.committee)


@bp.route("/releves/<int:minutes_id>/comparaison")
def compare(minutes_id: int):
    from .access import can_see

    minutes, rights = get_minutes_or_404(minutes_id, "read")
    versions = [v for v in services.versions_of(minutes.meeting_id) if can_see(v, rights.access)]
    other_id = request.args.get("avec", type=int)
    if other_id is None:
        earlier = [v for v in versions if v.number < minutes.number]
        other_id = earlier[-1].id if earlier else minutes.id
    other = next((v for v in versions if v.id == other_id), None)
    if other is None:
        abort(404)  # another meeting's minutes, or a version the person may not see
    old, new = (other, minutes) if other.number <= minutes.number else (minutes, other)
    old, new = services.load_minutes_page(old.id), services.load_minutes_page(new.id)
    return render("minutes/compare.html", "comparison", minutes=minutes, old=old, new=new, versions=versions,
                  rows=services.compare_versions(old, new), meeting=minutes.meeting,
                  committee=minutes.meeting.committee)


# --- Comments ---------------------------------------------------------------------------------


@bp.route("/releves/<int:minutes_id>/sections/<int:section_id>/commentaires", methods=["POST"])
def add_comment(minutes_id: int, section_id: int):
    minutes, rights = get_minutes_or_404(minutes_id, "read")
    if not rights.see_comments:
        abort(403)
    sec = _section_of(minutes, section_id)
    form = CommentForm()
    status, errors = 422, []
    if form.validate_on_submit():
        try:
            services.add_comment(sec, access=rights.access, body=form.body.data, author=_user(),
                                 form_token=form.form_token.data)
            db.session.commit()
            if is_htmx():
                with read_intent():  # rendering only reads: on SQLite, no write lock meanwhile
                    return render("minutes/show.html", "section_view", **_section_context(minutes, rights, sec),
                                  announce="Commentaire ajouté.")
            flash("Commentaire ajouté.", "success")
            return hx_redirect(url_for("minutes.show", minutes_id=minutes.id) + f"#section-{sec.id}")
        except ServiceError as exc:
            db.session.rollback()
            minutes, rights = get_minutes_or_404(minutes_id, "read")
            sec = _section_of(minutes, section_id)
            errors, status = [exc.message], _status_for(exc)
    else:
        errors = [e for errs in form.errors.values() for e in errs]
    comment_errors = {sec.id: {"errors": errors, "body": form.body.data or ""}}
    if is_htmx():
        ctx = _section_context(minutes, rights, sec)
        ctx["comment_errors"] = comment_errors
        return render("minutes/show.html", "section_view", status=status, **ctx)
    return _show(minutes, rights, status=status, comment_errors=comment_errors)


@bp.route("/releves/commentaires/<int:comment_id>/traite", methods=["POST"])
def resolve_comment(comment_id: int):
    comment = db.session.get(MinutesComment, comment_id)
    if comment is None:
        abort(404)
    minutes, rights = get_minutes_or_404(comment.section.minutes_id, "read")
    if not rights.see_comments:
        abort(404)
    if not rights.resolve:
        abort(403)
    section_id = comment.section_id
    try:
        services.resolve_comment(comment, access=rights.access, actor=_user())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        abort_fr(_status_for(exc), exc.message)
    if is_htmx():
        minutes, rights = get_minutes_or_404(minutes.id, "read")
        sec = _section_of(minutes, section_id)
        return render("minutes/show.html", "section_view", **_section_context(minutes, rights, sec),
                      announce="Commentaire marqué comme traité.")
    flash("Commentaire marqué comme traité.", "success")
    return hx_redirect(url_for("minutes.show", minutes_id=minutes.id) + f"#section-{section_id}")


# --- Decisions and actions ----------------------------------------------------------------------


@bp.route("/releves/<int:minutes_id>/decisions", methods=["POST"])
def add_decision(minutes_id: int):
    minutes, rights = get_minutes_or_404(minutes_id, "manage")
    form = DecisionForm()
    status = 422
    if form.validate_on_submit():
        try:
            decision = services.add_decision(minutes, access=rights.access, text=form.text.data,
                                             agenda_item_id=form.agenda_item_id.data,
                                             form_token=form.form_token.data)
            db.session.commit()
            flash(f"Décision {decision.reference} enregistrée.", "success")
            return hx_redirect(url_for("minutes.show", minutes_id=minutes.id) + "#decisions")
        except ServiceError as exc:
            db.session.rollback()
            minutes, rights = get_minutes_or_404(minutes_id, "manage")
            attach_service_error(form, exc)
            status = _status_for(exc)
    return _show(minutes, rights, status=status, decision_form=form)


@bp.route("/releves/<int:minutes_id>/actions", methods=["POST"])
def add_action(minutes_id: int):
    minutes, rights = get_minutes_or_404(minutes_id, "manage")
    form = ActionForm()
    status = 422
    if form.validate_on_submit():
        try:
            services.add_action(minutes, access=rights.access, title=form.title.data,
                                owner_organisation_id=form.owner_organisation_id.data,
                                owner_person=form.owner_person.data, due_date=form.due_date.data,
                                decision_id=form.decision_id.data, form_token=form.form_token.data)
            db.session.commit()
            flash("Action de suivi enregistrée.", "success")
            return hx_redirect(url_for("minutes.show", minutes_id=minutes.id) + "#actions")
        except ServiceError as exc:
            db.session.rollback()
            minutes, rights = get_minutes_or_404(minutes_id, "manage")
            attach_service_error(form, exc)
            status = _status_for(exc)
    return _show(minutes, rights, status=status, action_form=form)


@bp.route("/suivi/actions/<int:action_id>/statut", methods=["POST"])
def set_action_status(action_id: int):
    action, rights = get_action_or_404(action_id)
    form = ActionStatusForm()
    status, error = 200, None
    if not form.validate_on_submit():
        status, error = 422, " ".join(e for errs in form.errors.values() for e in errs) or "Statut invalide."
    else:
        try:
            services.set_action_status(action, access=rights.access, status=ActionStatus(form.status.data),
                                       expected_version=form.version.data)
            db.session.commit()
        except (ServiceError, StaleDataError) as exc:
            db.session.rollback()
            action, rights = get_action_or_404(action_id)
            db.session.refresh(action)
            if isinstance(exc, StaleDataError):
                exc = StaleEdit(action)
            status, error = _status_for(exc), exc.message
    if is_htmx():
        return render("minutes/register.html", "action_row", status=status, action=action, can_follow_up=True,
                      row_error=error, announce=None if error else f"Statut : {action.status_label}.")
    if error:
        abort_fr(status, error)
    flash(f"Action « {action.title} » : {action.status_label}.", "success")
    return hx_redirect(request.referrer if _same_site(request.referrer) else
                       url_for("minutes.register", committee_id=action.committee_id))


def _same_site(url: str | None) -> bool:
    from urllib.parse import urlsplit

    if not url:
        return False
    parts = urlsplit(url)
    return parts.netloc in ("", request.host) and parts.path.startswith("/")


# --- Register ---------------------------------------------------------------------------------


@bp.route("/comites/<int:committee_id>/registre")
def register(committee_id: int):
    committee, access = get_committee_or_404(committee_id, "read_published")
    form = RegisterFilterForm(request.args, meta={"csrf": False})
    orgs = _organisations()
    form.owner.choices = [("", "Toutes")] + [(o.id, o.name) for o in orgs]
    decisions, actions, status = [], [], 200
    if form.validate():
        flt = services.RegisterFilter(
            status=ActionStatus(form.status.data) if form.status.data else None,
            owner_organisation_id=form.owner.data if form.owner.data and form.owner.data > 0 else None,
            overdue=bool(form.overdue.data))
        if form.owner.data == -1 or (form.owner.data and form.owner.data not in {o.id for o in orgs}):
            form.owner.errors = list(form.owner.errors) + ["Organisation inconnue."]
            status = 422
        else:
            decisions, actions = services.register(committee.id, flt)
    else:
        status = 422
    return render("minutes/register.html", "results", status=status, committee=committee, access=access,
                  form=form, decisions=decisions, actions=actions,
                  can_follow_up=access.manage or access.read_drafts)
