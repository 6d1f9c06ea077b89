"""Committees, meetings, agenda builder, invitations, attendance and attachments (thin routes)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core import idempotency
from ..core.db import read_intent, utcnow
from ..core.errors import ServiceError, StaleEdit
from ..core.forms import attach_service_error
from ..core.timeutil import from_paris, to_paris
from ..directory.access import committee_access, get_committee_or_404
from ..directory.models import Committee, Organisation
from ..extensions import db
from ..web.htmx import hx_redirect, is_htmx, render
from ..web.principal import current_principal
from . import services
from .access import get_meeting_or_404, meeting_visible
from .forms import AgendaItemForm, MeetingForm, UploadForm
from .models import (
    ATTENDANCE_LABELS, RESPONSE_LABELS, AgendaAttachment, AgendaItem, AttachmentBlob, AttachmentVersion,
    InvitationResponse, Meeting, MeetingInvitee, MeetingState,
)

bp = Blueprint("meetings", __name__)

PAGE_OPTIONS = (
    selectinload(Meeting.agenda_items).selectinload(AgendaItem.presenter_user).selectinload(User.organisation),
    selectinload(Meeting.agenda_items).selectinload(AgendaItem.presenter_organisation),
    selectinload(Meeting.agenda_items).selectinload(AgendaItem.attachments)
    .selectinload(AgendaAttachment.versions),
    selectinload(Meeting.invitees).selectinload(MeetingInvitee.user).selectinload(User.organisation),
)


# --------------------------------------------------------------------------- committees

@bp.route("/comites/")
def committees():
    principal = current_principal()
    rows = db.session.execute(
        select(Committee).options(selectinload(Committee.invited), selectinload(Committee.spel))
        .order_by(Committee.kind, Committee.name)
    ).scalars().all()
    visible = [(c, committee_access(principal, c)) for c in rows]
    return render("meetings/committees.html", committees=[(c, a) for c, a in visible if a.read_published])


@bp.route("/comites/<int:committee_id>")
def committee(committee_id: int):
    committee, access = get_committee_or_404(committee_id)
    meetings = db.session.execute(
        select(Meeting).where(Meeting.committee_id == committee.id).order_by(Meeting.starts_at)
    ).scalars().all()
    meetings = [m for m in meetings if meeting_visible(access, m)]
    now = utcnow()
    upcoming = [m for m in meetings if m.ends_at >= now]
    past = [m for m in reversed(meetings) if m.ends_at < now]
    return render("meetings/committee.html", committee=committee, access=access, upcoming=upcoming, past=past)


def _paris_parts(value: datetime):
    local = to_paris(value)
    return local.date(), local.time().replace(second=0, microsecond=0)


def _form_times(form: MeetingForm) -> tuple[datetime, datetime]:
    return (from_paris(datetime.combine(form.date.data, form.start_time.data)),
            from_paris(datetime.combine(form.date.data, form.end_time.data)))


@bp.route("/comites/<int:committee_id>/reunions/nouvelle", methods=["GET", "POST"])
def meeting_new(committee_id: int):
    committee, _access = get_committee_or_404(committee_id, "manage")
    form = MeetingForm()
    if request.method == "GET":
        form.form_token.data = idempotency.new_token()
    if form.validate_on_submit():
        starts_at, ends_at = _form_times(form)
        try:
            meeting = services.create_meeting(
                committee, title=form.title.data, starts_at=starts_at, ends_at=ends_at, place=form.place.data,
                video_url=form.video_url.data, description=form.description.data,
                form_token=form.form_token.data)
        except idempotency.DuplicateSubmission as exc:
            db.session.rollback()
            if exc.prior and exc.prior.object_type == "meeting":
                return hx_redirect(url_for("meetings.meeting", meeting_id=exc.prior.object_id))
            return hx_redirect(url_for("meetings.committee", committee_id=committee.id))
        except ServiceError as exc:
            db.session.rollback()
            attach_service_error(form, exc)
        else:
            db.session.commit()
            flash("Réunion créée. Construisez son ordre du jour, puis envoyez la convocation.", "success")
            return hx_redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    status = 422 if form.is_submitted() else 200
    return render("meetings/meeting_form.html", committee=committee, form=form, meeting=None, status=status)


@bp.route("/reunions/<int:meeting_id>/modifier", methods=["GET", "POST"])
def meeting_edit(meeting_id: int):
    meeting, _access = get_meeting_or_404(meeting_id, "manage")
    form = MeetingForm(obj=None if request.method == "POST" else meeting)
    if request.method == "GET":
        form.date.data, form.start_time.data = _paris_parts(meeting.starts_at)
        form.end_time.data = _paris_parts(meeting.ends_at)[1]
        form.version.data = meeting.version
    conflict = None
    if form.validate_on_submit():
        starts_at, ends_at = _form_times(form)
        try:
            services.update_meeting(
                meeting, expected_version=int(form.version.data or 0), title=form.title.data,
                starts_at=starts_at, ends_at=ends_at, place=form.place.data, video_url=form.video_url.data,
                description=form.description.data)
        except StaleEdit:
            db.session.rollback()
            db.session.refresh(meeting)
            conflict = meeting
            form.version.data = meeting.version
            form.form_errors.append(StaleEdit(meeting).message)
            return render("meetings/meeting_form.html", committee=meeting.committee, form=form, meeting=meeting,
                          conflict=conflict, status=409)
        except ServiceError as exc:
            db.session.rollback()
            attach_service_error(form, exc)
        else:
            db.session.commit()
            flash("Réunion enregistrée.", "success")
            return hx_redirect(url_for("meetings.meeting", meeting_id=meeting.id))
    status = 422 if form.is_submitted() else 200
    return render("meetings/meeting_form.html", committee=meeting.committee, form=form, meeting=meeting,
                  status=status)


# --------------------------------------------------------------------------- meeting page

def _choices():
    users = db.session.execute(
        select(User).where(User.active.is_(True)).options(selectinload(User.organisation)).order_by(User.full_name)
    ).scalars().all()
    orgs = db.session.execute(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)).scalars().all()
    return users, orgs


def _load(meeting_id: int, need: str = "read"):
    return get_meeting_or_404(meeting_id, need, options=PAGE_OPTIONS)


from ..exports.pdf import PDF_UNAVAILABLE_FR  # noqa: E402


def _page(meeting: Meeting, access, *, block: str | None = None, status: int = 200, add_form=None,
          edit_form=None, editing_id=None, upload_forms=None, focus=None, announce=None, conflict=None,
          action_error=None, invitee_error=None, response_error=None):
    users = orgs = []
    if access.manage and meeting.state in services.EDITABLE_STATES:
        # The forms that list people (presenter, invitation) only show while the agenda is editable:
        # a held or closed meeting does not load every account.
        users, orgs = _choices()
    if access.manage and add_form is None:
        add_form = AgendaItemForm(formdata=None, prefix="agenda-add")
        add_form.form_token.data = idempotency.new_token()
    if add_form is not None:
        add_form.set_choices(users, orgs)
    if edit_form is not None:
        edit_form.set_choices(users, orgs)
    items = sorted(meeting.agenda_items, key=lambda i: i.position)
    total = sum(i.duration_minutes for i in items)
    slot = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    own = next((inv for inv in meeting.invitees if inv.id == access.invitee_id), None)
    open_actions, today = _open_actions(meeting, access) if block is None else (None, None)
    return render(
        "meetings/meeting.html", block, status=status, meeting=meeting, access=access, items=items,
        total=total, slot=slot, add_form=add_form, edit_form=edit_form, editing_id=editing_id,
        upload_forms=upload_forms or {}, focus=focus, announce=announce, conflict=conflict,
        action_error=action_error, invitee_error=invitee_error, response_error=response_error,
        users=users, own=own, editable=meeting.state in services.EDITABLE_STATES,
        targets=services.MEETING_WORKFLOW.targets(meeting.state), States=MeetingState,
        response_labels=RESPONSE_LABELS, attendance_labels=ATTENDANCE_LABELS, now=utcnow(),
        InvitationResponse=InvitationResponse, timedelta_1h=timedelta(hours=1),
        new_upload_form=_new_upload_form, open_actions=open_actions, today=today,
        pdf_available=pdf_available(), pdf_unavailable=PDF_UNAVAILABLE_FR, pack_sent=_pack_sent(meeting))


def _pack_sent(meeting: Meeting):
    """The latest pack frozen at convocation (without its bytes), or None."""
    from sqlalchemy import select

    from .models import MeetingPackSnapshot

    if meeting.state == MeetingState.PLANNED:
        return None
    return db.session.execute(
        select(MeetingPackSnapshot).where(MeetingPackSnapshot.meeting_id == meeting.id)
        .order_by(MeetingPackSnapshot.id.desc()).limit(1)
    ).scalar_one_or_none()


def _open_actions(meeting: Meeting, access):
    """For an upcoming meeting: the committee's follow-up actions still open (one query)."""
    if meeting.state not in (MeetingState.PLANNED, MeetingState.CONVENED) or not access.committee.read_published:
        return None, None
    from ..minutes import services as minutes_services

    return minutes_services.open_actions_for_committee(meeting.committee_id), minutes_services.paris_today()


def pdf_available() -> bool:
    from ..exports.pdf import pdf_available as available

    return available()


def _new_upload_form(item: AgendaItem) -> UploadForm:
    form = UploadForm(formdata=None, prefix=f"up{item.id}")
    form.attachment_id.choices = [("", "— Nouveau document —")] + [(str(a.id), a.title) for a in item.attachments]
    return form


@bp.route("/reunions/<int:meeting_id>")
def meeting(meeting_id: int):
    meeting, access = _load(meeting_id)
    return _page(meeting, access)


def _after_agenda_change(meeting_id: int, message: str, *, focus=None, announce=None):
    """htmx: the refreshed agenda fragment; plain form: back to the page (PRG)."""
    db.session.commit()
    if is_htmx():
        with read_intent():  # the refreshed fragment only reads: on SQLite, no write lock while it renders
            db.session.expire_all()
            meeting, access = _load(meeting_id)
            return _page(meeting, access, block="agenda", focus=focus, announce=announce or message)
    flash(message, "success")
    return hx_redirect(url_for("meetings.meeting", meeting_id=meeting_id) + "#ordre-du-jour")


def _agenda_error(meeting_id: int, status: int = 422, **kw):
    db.session.rollback()
    meeting, access = _load(meeting_id, "manage")
    return _page(meeting, access, block="agenda", status=status, **kw)


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour", methods=["POST"])
def item_add(meeting_id: int):
    meeting, _access = _load(meeting_id, "manage")
    form = AgendaItemForm(prefix="agenda-add")
    if form.validate_on_submit():
        try:
            item = services.add_item(
                meeting, title=form.title.data, kind=form.kind.data, duration=form.duration.data,
                presenter_user_id=form.presenter_user_id.data or None,
                presenter_organisation_id=form.presenter_organisation_id.data or None,
                notes=form.notes.data, form_token=form.form_token.data)
        except idempotency.DuplicateSubmission:
            db.session.rollback()
            return _after_agenda_change(meeting_id, "Ce point a déjà été ajouté (envoi en double ignoré).")
        except ServiceError as exc:
            attach_service_error(form, exc)
        else:
            title = item.title
            return _after_agenda_change(meeting_id, f"Point « {title} » ajouté à l'ordre du jour.",
                                        focus="agenda-add-title")
    return _agenda_error(meeting_id, add_form=form, focus="agenda-add-title")


def _item_or_404(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.agenda_items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour/<int:item_id>/modifier", methods=["GET", "POST"])
def item_edit(meeting_id: int, item_id: int):
    meeting, access = _load(meeting_id, "manage")
    item = _item_or_404(meeting, item_id)
    if request.method == "GET":
        form = AgendaItemForm(formdata=None, obj=item, prefix="edit")
        form.duration.data = item.duration_minutes
        form.kind.data = item.kind.value
        form.presenter_user_id.data = str(item.presenter_user_id or "")
        form.presenter_organisation_id.data = str(item.presenter_organisation_id or "")
        form.version.data = item.version
        return _page(meeting, access, block="agenda", edit_form=form, editing_id=item.id,
                     focus="edit-title")
    form = AgendaItemForm(prefix="edit")
    if form.validate_on_submit():
        try:
            services.update_item(
                item, expected_version=int(form.version.data or 0), title=form.title.data, kind=form.kind.data,
                duration=form.duration.data, presenter_user_id=form.presenter_user_id.data or None,
                presenter_organisation_id=form.presenter_organisation_id.data or None, notes=form.notes.data)
        except StaleEdit:
            db.session.rollback()
            meeting, access = _load(meeting_id, "manage")
            current = _item_or_404(meeting, item_id)
            form.version.data = current.version
            form.form_errors.append(StaleEdit(current).message)
            return _page(meeting, access, block="agenda", status=409, edit_form=form, editing_id=item_id,
                         conflict=current, focus="edit-title")
        except ServiceError as exc:
            attach_service_error(form, exc)
        else:
            return _after_agenda_change(meeting_id, f"Point « {item.title} » enregistré.",
                                        focus=f"item-edit-{item_id}")
    return _agenda_error(meeting_id, edit_form=form, editing_id=item_id, focus="edit-title")


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour/<int:item_id>/supprimer", methods=["POST"])
def item_delete(meeting_id: int, item_id: int):
    meeting, _access = _load(meeting_id, "manage")
    item = _item_or_404(meeting, item_id)
    title = item.title
    try:
        services.delete_item(item)
    except ServiceError as exc:
        return _agenda_error(meeting_id, action_error=exc.message)
    return _after_agenda_change(meeting_id, f"Point « {title} » supprimé.", focus="agenda-add-title")


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour/<int:item_id>/deplacer", methods=["POST"])
def item_move(meeting_id: int, item_id: int):
    meeting, _access = _load(meeting_id, "manage")
    item = _item_or_404(meeting, item_id)
    direction = request.form.get("direction", "")
    count = len(meeting.agenda_items)
    try:
        position = services.move_item(item, direction)
    except ServiceError as exc:
        return _agenda_error(meeting_id, action_error=exc.message)
    # Keep focus on the moved item's button; at either end, on the one still shown.
    button = direction
    if position == 1:
        button = "down"
    elif position == count:
        button = "up"
    message = f"« {item.title} » est maintenant en position {position} sur {count}."
    return _after_agenda_change(meeting_id, message, focus=f"move-{button}-{item_id}" if count > 1 else None,
                                announce=message)


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour/ordre", methods=["POST"])
def item_reorder(meeting_id: int):
    meeting, _access = _load(meeting_id, "manage")
    raw = request.form.get("order", "")
    try:
        ids = [int(x) for x in raw.split(",") if x.strip()]
    except ValueError:
        ids = []
    try:
        services.reorder_items(meeting, ids)
    except ServiceError as exc:
        return _agenda_error(meeting_id, action_error=exc.message)
    return _after_agenda_change(meeting_id, "Nouvel ordre du jour enregistré.")


@bp.route("/reunions/<int:meeting_id>/ordre-du-jour/<int:item_id>/pieces-jointes", methods=["POST"])
def attachment_upload(meeting_id: int, item_id: int):
    meeting, _access = _load(meeting_id, "manage")
    item = _item_or_404(meeting, item_id)
    form = UploadForm(prefix=f"up{item.id}")
    form.attachment_id.choices = [("", "— Nouveau document —")] + [(str(a.id), a.title) for a in item.attachments]
    if form.validate_on_submit():
        target = None
        if form.attachment_id.data:
            target = next((a for a in item.attachments if str(a.id) == form.attachment_id.data), None)
            if target is None:
                form.file.errors = ["Document inconnu : choisissez un document de ce point."]
        if not form.file.errors:
            upload = form.file.data
            try:
                services.upload_attachment(item, filename=upload.filename, data=upload.read(),
                                           uploaded_by=current_user._get_current_object(), attachment=target)
            except ServiceError as exc:
                attach_service_error(form, exc)
            else:
                return _after_agenda_change(meeting_id, f"Fichier « {upload.filename} » déposé.",
                                            focus=f"up{item.id}-file")
    return _agenda_error(meeting_id, upload_forms={item_id: form}, focus=f"up{item.id}-file")


@bp.route("/pieces-jointes/<int:version_id>")
def attachment_download(version_id: int):
    row = db.session.execute(
        select(AttachmentVersion, AgendaItem.meeting_id)
        .join(AgendaAttachment, AttachmentVersion.attachment_id == AgendaAttachment.id)
        .join(AgendaItem, AgendaAttachment.agenda_item_id == AgendaItem.id)
        .where(AttachmentVersion.id == version_id)
    ).one_or_none()
    if row is None:
        abort(404)
    version, meeting_id = row
    get_meeting_or_404(meeting_id, "read")
    data = db.session.execute(select(AttachmentBlob.data).where(AttachmentBlob.version_id == version.id)).scalar_one()
    return send_file(io.BytesIO(data), mimetype=version.mimetype, as_attachment=True,
                     download_name=version.filename, max_age=0)


@bp.route("/reunions/<int:meeting_id>/dossier.docx")
def export_pack(meeting_id: int):
    from ..exports.http import docx_response
    from .export import export_filename, pack_docx

    meeting, _access = _load(meeting_id)
    return docx_response(pack_docx(meeting), export_filename(meeting, "docx"))


@bp.route("/reunions/<int:meeting_id>/dossier-envoye.docx")
def export_pack_sent(meeting_id: int):
    """The pack exactly as sent with the convocation (latest convocation)."""
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    from ..exports.http import docx_response
    from .export import export_filename
    from .models import MeetingPackSnapshot

    meeting, _access = _load(meeting_id)
    snapshot = db.session.execute(
        select(MeetingPackSnapshot).where(MeetingPackSnapshot.meeting_id == meeting.id)
        .options(undefer(MeetingPackSnapshot.data))
        .order_by(MeetingPackSnapshot.id.desc()).limit(1)
    ).scalar_one_or_none()
    if snapshot is None:
        abort(404)
    return docx_response(snapshot.data, export_filename(meeting, "docx").replace(".docx", "-tel-qu-envoye.docx"))


@bp.route("/reunions/<int:meeting_id>/dossier.pdf")
def export_pack_pdf(meeting_id: int):
    from ..exports.http import pdf_response
    from ..exports.pdf import PDF_UNAVAILABLE_FR, pdf_available, to_pdf
    from ..web.errors import abort_fr
    from .export import export_filename, pack_docx

    meeting, _access = _load(meeting_id)
    if not pdf_available():
        abort_fr(404, PDF_UNAVAILABLE_FR)
    pdf = to_pdf(pack_docx(meeting))
    if pdf is None:
        abort_fr(500, "La conversion en PDF a échoué ; le document Word reste disponible.")
    return pdf_response(pdf, export_filename(meeting, "pdf"))


@bp.route("/reunions/<int:meeting_id>/invitation.ics")
def meeting_ics(meeting_id: int):
    meeting, _access = _load(meeting_id)
    body = services.meeting_ics(meeting)
    return send_file(io.BytesIO(body), mimetype="text/calendar", as_attachment=True,
                     download_name=f"reunion-{meeting.id}.ics", max_age=0)


# --------------------------------------------------------------------------- workflow

def _transition(meeting_id: int, fn, done: str):
    meeting, access = _load(meeting_id, "manage")
    try:
        fn(meeting)
    except ServiceError as exc:
        db.session.rollback()
        meeting, access = _load(meeting_id, "manage")
        return _page(meeting, access, status=422, action_error=exc.message)
    db.session.commit()
    flash(done, "success")
    return hx_redirect(url_for("meetings.meeting", meeting_id=meeting_id))


@bp.route("/reunions/<int:meeting_id>/convoquer", methods=["POST"])
def convene(meeting_id: int):
    return _transition(meeting_id, services.convene_meeting,
                       "Convocation envoyée : chaque personne invitée reçoit l'ordre du jour et l'invitation (.ics).")


@bp.route("/reunions/<int:meeting_id>/tenue", methods=["POST"])
def mark_held(meeting_id: int):
    return _transition(meeting_id, services.mark_held, "Réunion déclarée tenue.")


# --------------------------------------------------------------------------- invitees, answers, attendance

def _after_invitees(meeting_id: int, message: str, *, focus=None):
    db.session.commit()
    if is_htmx():
        db.session.expire_all()
        meeting, access = _load(meeting_id)
        return _page(meeting, access, block="invitees", focus=focus, announce=message)
    flash(message, "success")
    return hx_redirect(url_for("meetings.meeting", meeting_id=meeting_id) + "#invites")


def _invitees_error(meeting_id: int, **kw):
    db.session.rollback()
    meeting, access = _load(meeting_id)
    return _page(meeting, access, block="invitees", status=422, **kw)


@bp.route("/reunions/<int:meeting_id>/invites", methods=["POST"])
def invitee_add(meeting_id: int):
    meeting, _access = _load(meeting_id, "manage")
    try:
        invitee = services.add_invitee(meeting, request.form.get("user_id", "").strip() or None)
    except (ServiceError, ValueError) as exc:
        return _invitees_error(meeting_id, invitee_error=getattr(exc, "message", "Personne inconnue."),
                               focus="invitee-user")
    return _after_invitees(meeting_id, f"{invitee.user.full_name} ajouté·e aux personnes invitées.",
                           focus="invitee-user")


def _invitee_or_404(meeting: Meeting, invitee_id: int) -> MeetingInvitee:
    invitee = next((i for i in meeting.invitees if i.id == invitee_id), None)
    if invitee is None:
        abort(404)
    return invitee


@bp.route("/reunions/<int:meeting_id>/invites/<int:invitee_id>/retirer", methods=["POST"])
def invitee_remove(meeting_id: int, invitee_id: int):
    meeting, _access = _load(meeting_id, "manage")
    invitee = _invitee_or_404(meeting, invitee_id)
    name = invitee.user.full_name
    try:
        services.remove_invitee(invitee)
    except ServiceError as exc:
        return _invitees_error(meeting_id, invitee_error=exc.message)
    return _after_invitees(meeting_id, f"{name} retiré·e des personnes invitées.", focus="invitee-user")


@bp.route("/reunions/<int:meeting_id>/reponse", methods=["POST"])
def respond(meeting_id: int):
    meeting, access = _load(meeting_id)
    if access.invitee_id is None:
        abort(403)
    invitee = _invitee_or_404(meeting, access.invitee_id)
    try:
        services.respond(invitee, request.form.get("response", ""), request.form.get("represented_by", ""))
    except ServiceError as exc:
        return _invitees_error(meeting_id, response_error=exc, focus="response-present")
    return _after_invitees(meeting_id, f"Réponse enregistrée : {invitee.response_label}.", focus="response-present")


@bp.route("/reunions/<int:meeting_id>/presence/<int:invitee_id>", methods=["POST"])
def attendance_set(meeting_id: int, invitee_id: int):
    meeting, access = _load(meeting_id, "attend")
    invitee = _invitee_or_404(meeting, invitee_id)
    if not access.manage and invitee.id != access.invitee_id:
        abort(403)
    status = request.form.get("status", "")
    try:
        services.set_attendance(invitee, status, by=current_user._get_current_object())
    except ServiceError as exc:
        return _invitees_error(meeting_id, invitee_error=exc.message)
    return _after_invitees(meeting_id, f"{invitee.user.full_name} : {invitee.attendance_label}.",
                           focus=f"att-{invitee.id}-{status}")
