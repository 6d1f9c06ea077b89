"""Every change to meetings, agendas, invitations, attendance and attachments.

Services check the workflow, rights-independent rules and versions, write their
audit entry with ``record()`` and leave the commit to the view. Mail caused by a
change is queued in the same transaction (mail.services.queue).
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import Grant, Role, User
from ..audit.services import record, record_now
from ..core import idempotency
from ..core.db import utcnow
from ..core.errors import ServiceError, StaleEdit
from ..core.timeutil import format_datetime_fr, to_paris
from ..core.uploads import UploadRejected, detect_kind, safe_filename
from ..core.workflow import Workflow
from ..directory.models import Committee, Organisation
from ..extensions import db
from ..mail import services as mail
from ..notifications.services import notify
from .ics import build_meeting_ics
from .search_source import index_meeting
from .models import (
    MEETING_STATE_LABELS, AgendaAttachment, AgendaItem, AgendaItemKind, AttachmentBlob, AttachmentVersion,
    AttendanceStatus, InvitationResponse, Meeting, MeetingInvitee, MeetingState,
)

S = MeetingState
MEETING_WORKFLOW: Workflow[MeetingState] = Workflow(
    name="meeting",
    transitions={
        S.PLANNED: frozenset({S.CONVENED}),
        S.CONVENED: frozenset({S.HELD}),
        S.HELD: frozenset({S.CLOSED}),
        S.CLOSED: frozenset(),
    },
    labels=MEETING_STATE_LABELS,
)
EDITABLE_STATES = frozenset({S.PLANNED, S.CONVENED})
MAX_DURATION = 480


# --------------------------------------------------------------------------- meetings

def _check_meeting_fields(title: str, starts_at: datetime, ends_at: datetime, video_url: str) -> None:
    if not (title or "").strip():
        raise ServiceError("Saisissez l'intitulé de la réunion.", field="title")
    if ends_at <= starts_at:
        raise ServiceError("L'heure de fin doit être postérieure à l'heure de début.", field="end_time")
    if ends_at - starts_at > timedelta(hours=12):
        raise ServiceError("Une réunion dure au plus 12 heures.", field="end_time")
    if video_url and not video_url.lower().startswith("https://"):
        raise ServiceError("Le lien de visioconférence doit commencer par https://", field="video_url")


def default_invitees(committee: Committee, today: date | None = None) -> list[User]:
    """Members of the committee, plus its managers (co-chairs of the SPEL, or the secretariat)."""
    today = today or date.today()
    if committee.is_copil:
        manager = (Grant.role == Role.SECRETARIAT)
    else:
        manager = (Grant.role == Role.CO_CHAIR) & (Grant.scope_id == committee.spel_id)
    grants = db.session.execute(
        select(Grant).where(((Grant.role == Role.MEMBER) & (Grant.scope_id == committee.id)) | manager)
        .options(selectinload(Grant.user))
    ).scalars().all()
    users = {g.user.id: g.user for g in grants if g.is_valid_on(today) and g.user.active}
    return sorted(users.values(), key=lambda u: u.full_name)


def create_meeting(committee: Committee, *, title: str, starts_at: datetime, ends_at: datetime, place: str = "",
                   video_url: str = "", description: str = "", form_token: str | None = None) -> Meeting:
    """Create a planned meeting (times in naive UTC); its invitee list is pre-filled."""
    if form_token is not None:
        idempotency.check_token(form_token)
    _check_meeting_fields(title, starts_at, ends_at, video_url)
    meeting = Meeting(committee=committee, title=title.strip(), starts_at=starts_at, ends_at=ends_at,
                      place=(place or "").strip(), video_url=(video_url or "").strip(),
                      description=description or "", state=S.PLANNED)
    db.session.add(meeting)
    db.session.flush()
    for user in default_invitees(committee):
        db.session.add(MeetingInvitee(meeting=meeting, user_id=user.id))
    record("meeting.created", meeting, summary=f"{meeting.title} ({format_datetime_fr(starts_at)})",
           details={"committee_id": committee.id})
    if form_token is not None:
        idempotency.use_token(form_token, meeting)
    index_meeting(meeting)
    return meeting


def _require_editable(meeting: Meeting, what: str = "La réunion") -> None:
    if meeting.state not in EDITABLE_STATES:
        raise ServiceError(f"{what} ne peut plus être modifié·e : la réunion est {meeting.state_label}.")


def update_meeting(meeting: Meeting, *, expected_version: int, title: str, starts_at: datetime,
                   ends_at: datetime, place: str, video_url: str, description: str) -> Meeting:
    if meeting.version != expected_version:
        raise StaleEdit(meeting)
    _require_editable(meeting)
    _check_meeting_fields(title, starts_at, ends_at, video_url)
    before = {"title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at,
              "place": meeting.place, "video_url": meeting.video_url, "description": meeting.description}
    meeting.title, meeting.starts_at, meeting.ends_at = title.strip(), starts_at, ends_at
    meeting.place, meeting.video_url = (place or "").strip(), (video_url or "").strip()
    meeting.description = description or ""
    after = {"title": meeting.title, "starts_at": starts_at, "ends_at": ends_at, "place": meeting.place,
             "video_url": meeting.video_url, "description": meeting.description}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        record("meeting.updated", meeting, summary=meeting.title, details={"changed": changed})
        if meeting.state == S.CONVENED and changed.keys() & {"starts_at", "ends_at", "place", "video_url", "title"}:
            _renotify(meeting, "La date, le lieu ou l'intitulé de la réunion ont changé.")
        index_meeting(meeting)
    return meeting


def _refuse(meeting: Meeting, action: str, message: str, field: str | None = None):
    record_now(f"meeting.{action}_refused", object_type="meeting", object_id=meeting.id, summary=message)
    raise ServiceError(message, field=field)


def convene_meeting(meeting: Meeting, *, now: datetime | None = None) -> None:
    """planned -> convened: emails every invitee the agenda and an .ics (queued in this transaction)."""
    now = now or utcnow()
    MEETING_WORKFLOW.require(meeting, S.CONVENED)
    if meeting.starts_at <= now:
        _refuse(meeting, "convene", "Impossible de convoquer une réunion dont la date est passée : "
                "modifiez d'abord sa date.", field="starts_at")
    if not meeting.invitees:
        _refuse(meeting, "convene", "Ajoutez au moins une personne invitée avant d'envoyer la convocation.")
    MEETING_WORKFLOW.move(meeting, S.CONVENED, summary=f"Convocation envoyée : {meeting.title}",
                          details={"invitees": len(meeting.invitees)})
    meeting.convened_at = now
    ics = meeting_ics(meeting)
    for invitee in meeting.invitees:
        _queue_invitation(meeting, invitee, update_reason=None, ics=ics)
    freeze_pack(meeting, now=now)
    index_meeting(meeting)
    # The convocation itself (with its .ics) is already queued per invitee: in-app notification only.
    notify([inv.user_id for inv in meeting.invitees], "convocation_sent", f"Convocation : {meeting.title}",
           f"/reunions/{meeting.id}", f"Réunion du {format_datetime_fr(meeting.starts_at)}.", email=False)


def freeze_pack(meeting: Meeting, *, now: datetime | None = None) -> "MeetingPackSnapshot":
    """Keep the meeting pack as sent, with its SHA-256 (at convocation)."""
    from ..exports.builder import sha256_of
    from .export import pack_docx
    from .models import MeetingPackSnapshot

    data = pack_docx(meeting)
    snapshot = MeetingPackSnapshot(meeting_id=meeting.id, ics_sequence=meeting.ics_sequence, sha256=sha256_of(data),
                                   size=len(data), data=data, created_at=now or utcnow())
    db.session.add(snapshot)
    db.session.flush()
    record("meeting.pack_frozen", meeting, summary=f"Dossier de séance envoyé : {meeting.title}",
           details={"sha256": snapshot.sha256, "size": snapshot.size, "snapshot_id": snapshot.id})
    return snapshot


def mark_held(meeting: Meeting, *, now: datetime | None = None) -> None:
    """convened -> held, once the meeting has started."""
    now = now or utcnow()
    MEETING_WORKFLOW.require(meeting, S.HELD)
    if now < meeting.starts_at:
        _refuse(meeting, "held", "Une réunion ne peut être déclarée tenue avant son heure de début.")
    MEETING_WORKFLOW.move(meeting, S.HELD, summary=f"Réunion tenue : {meeting.title}")
    index_meeting(meeting)


def close_meeting(meeting: Meeting, *, summary: str = "") -> None:
    """held -> closed; called when the minutes are published. Refused (and audited) from any other state."""
    MEETING_WORKFLOW.move(meeting, S.CLOSED, summary=summary or f"Réunion close : {meeting.title}")
    index_meeting(meeting)


# --------------------------------------------------------------------------- mail and ICS

def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc)


def _items(meeting: Meeting) -> list[AgendaItem]:
    return sorted(meeting.agenda_items, key=lambda i: i.position)


def agenda_text(meeting: Meeting) -> str:
    lines = []
    for n, item in enumerate(_items(meeting), start=1):
        presenter = ", ".join(p for p in (item.presenter_user.full_name if item.presenter_user else "",
                                          item.presenter_organisation.display_name
                                          if item.presenter_organisation else "") if p)
        line = f"{n}. {item.title} — {item.kind_label}, {item.duration_minutes} min"
        lines.append(line + (f" ({presenter})" if presenter else ""))
    return "\n".join(lines) or "(ordre du jour à venir)"


def meeting_ics(meeting: Meeting) -> bytes:
    attendees = [(inv.user.full_name, inv.user.email) for inv in meeting.invitees]
    description = (meeting.description + "\n\n" if meeting.description else "") + "Ordre du jour :\n" + agenda_text(meeting)
    return build_meeting_ics(
        uid=meeting.ics_uid, sequence=meeting.ics_sequence, method="REQUEST", title=meeting.title,
        start=_utc(meeting.starts_at), end=_utc(meeting.ends_at), location=meeting.place,
        description=description, url=meeting.video_url or None,
        organizer_email=current_app.config["MAIL_DEFAULT_SENDER"],
        organizer_name=meeting.committee.name, attendees=attendees)


def _queue_invitation(meeting: Meeting, invitee: MeetingInvitee, update_reason: str | None,
                      ics: bytes | None = None) -> None:
    local = to_paris(meeting.starts_at)
    when = f"{format_datetime_fr(meeting.starts_at)} – {to_paris(meeting.ends_at):%H:%M}"
    prefix = "Mise à jour — " if update_reason else "Convocation — "
    base = current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    body = "\n".join(filter(None, [
        f"Bonjour {invitee.user.full_name},",
        "",
        update_reason or f"Vous êtes convoqué·e à la réunion « {meeting.title} » du {meeting.committee.name}.",
        "",
        f"Date : {when} (heure de Paris)",
        f"Lieu : {meeting.place}" if meeting.place else "",
        f"Visioconférence : {meeting.video_url}" if meeting.video_url else "",
        "",
        "Ordre du jour :",
        agenda_text(meeting),
        "",
        f"Répondez (présent·e, excusé·e, représenté·e, à distance) sur l'intranet : {base}/reunions/{meeting.id}",
        "",
        "L'invitation jointe (.ics) s'ajoute à votre agenda.",
    ]))
    mail.queue(recipient=invitee.user.email, subject=f"{prefix}{meeting.title} — {local:%d/%m/%Y}", body=body,
               ics=ics or meeting_ics(meeting), related_type="meeting_invitee", related_id=invitee.id)


def _renotify(meeting: Meeting, reason: str) -> None:
    """After convocation: new SEQUENCE and an updated invitation to every invitee."""
    meeting.ics_sequence += 1
    record("meeting.renotified", meeting, summary=reason, details={"sequence": meeting.ics_sequence})
    ics = meeting_ics(meeting)
    for invitee in meeting.invitees:
        _queue_invitation(meeting, invitee, update_reason=reason, ics=ics)


@mail.on_sent("meeting_invitee")
def _invitation_sent(invitee_id: int, sent_at: datetime) -> None:
    invitee = db.session.get(MeetingInvitee, invitee_id)
    if invitee is not None:
        invitee.sent_at = sent_at


def _agenda_changed(meeting: Meeting) -> None:
    index_meeting(meeting)
    if meeting.state == S.CONVENED:
        db.session.flush()
        db.session.expire(meeting, ["agenda_items"])
        _renotify(meeting, "L'ordre du jour de la réunion a changé.")
        notify([inv.user_id for inv in meeting.invitees], "agenda_changed",
               f"Ordre du jour modifié : {meeting.title}", f"/reunions/{meeting.id}", email=False)


# --------------------------------------------------------------------------- agenda

def _check_item(title: str, duration, kind, presenter_user_id, presenter_organisation_id):
    if not (title or "").strip():
        raise ServiceError("Saisissez l'intitulé du point.", field="title")
    if len(title.strip()) > 200:
        raise ServiceError("L'intitulé ne doit pas dépasser 200 caractères.", field="title")
    if duration is None or not 1 <= int(duration) <= MAX_DURATION:
        raise ServiceError("La durée doit être comprise entre 1 et 480 minutes (8 heures).", field="duration")
    try:
        kind = AgendaItemKind(kind)
    except ValueError:
        raise ServiceError("Choisissez la nature du point.", field="kind") from None
    user = org = None
    if presenter_user_id:
        user = db.session.get(User, int(presenter_user_id))
        if user is None or not user.active:
            raise ServiceError("Intervenant·e inconnu·e : choisissez une personne de la liste.",
                               field="presenter_user_id")
    if presenter_organisation_id:
        org = db.session.get(Organisation, int(presenter_organisation_id))
        if org is None or not org.active:
            raise ServiceError("Organisation inconnue : choisissez une organisation de la liste.",
                               field="presenter_organisation_id")
    return kind, user, org


def add_item(meeting: Meeting, *, title: str, kind, duration, presenter_user_id=None,
             presenter_organisation_id=None, notes: str = "", form_token: str | None = None) -> AgendaItem:
    if form_token is not None:
        idempotency.check_token(form_token)
    _require_editable(meeting, "L'ordre du jour")
    kind, user, org = _check_item(title, duration, kind, presenter_user_id, presenter_organisation_id)
    last = db.session.execute(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)).scalar()
    item = AgendaItem(meeting=meeting, position=(last or 0) + 1, title=title.strip(), kind=kind,
                      duration_minutes=int(duration), presenter_user=user, presenter_organisation=org,
                      notes=notes or "")
    db.session.add(item)
    db.session.flush()
    record("agenda_item.created", item, summary=item.title, details={"meeting_id": meeting.id})
    if form_token is not None:
        idempotency.use_token(form_token, item)
    _agenda_changed(meeting)
    return item


def update_item(item: AgendaItem, *, expected_version: int, title: str, kind, duration,
                presenter_user_id=None, presenter_organisation_id=None, notes: str = "") -> AgendaItem:
    if item.version != expected_version:
        raise StaleEdit(item)
    _require_editable(item.meeting, "L'ordre du jour")
    kind, user, org = _check_item(title, duration, kind, presenter_user_id, presenter_organisation_id)
    before = (item.title, item.kind, item.duration_minutes, item.presenter_user_id,
              item.presenter_organisation_id, item.notes)
    item.title, item.kind, item.duration_minutes = title.strip(), kind, int(duration)
    item.presenter_user, item.presenter_organisation, item.notes = user, org, notes or ""
    after = (item.title, kind, item.duration_minutes, user.id if user else None, org.id if org else None, item.notes)
    if before != after:
        record("agenda_item.updated", item, summary=item.title)
        _agenda_changed(item.meeting)
    return item


def delete_item(item: AgendaItem) -> None:
    meeting = item.meeting
    _require_editable(meeting, "L'ordre du jour")
    record("agenda_item.deleted", item, summary=item.title, details={"meeting_id": meeting.id})
    db.session.delete(item)
    db.session.flush()
    remaining = db.session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
    ).scalars().all()
    for n, other in enumerate(remaining, start=1):
        if other.position != n:
            other.position = n
    _agenda_changed(meeting)


def move_item(item: AgendaItem, direction: str) -> int:
    """Swap with the previous ("up") or next ("down") item; returns the new 1-based position."""
    meeting = item.meeting
    _require_editable(meeting, "L'ordre du jour")
    items = db.session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
    ).scalars().all()
    index = items.index(item)
    target = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if target is None:
        raise ServiceError("Sens de déplacement inconnu.")
    if not 0 <= target < len(items):
        return index + 1  # already first / last: nothing to do
    items[index], items[target] = items[target], items[index]
    for n, other in enumerate(items, start=1):
        if other.position != n:
            other.position = n
    record("agenda_item.moved", item, summary=f"{item.title} : position {target + 1}",
           details={"from": index + 1, "to": target + 1})
    _agenda_changed(meeting)
    return target + 1


def reorder_items(meeting: Meeting, ordered_ids: list[int]) -> None:
    """Drag and drop: the complete new order of the meeting's items."""
    _require_editable(meeting, "L'ordre du jour")
    items = {i.id: i for i in db.session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)).scalars()}
    if sorted(ordered_ids) != sorted(items):
        raise ServiceError("L'ordre du jour a changé entre-temps : rechargez la page et recommencez.")
    changed = False
    for n, item_id in enumerate(ordered_ids, start=1):
        if items[item_id].position != n:
            items[item_id].position = n
            changed = True
    if changed:
        record("agenda_item.reordered", meeting, summary="Ordre du jour réordonné", details={"order": ordered_ids})
        _agenda_changed(meeting)


# --------------------------------------------------------------------------- invitees, answers, attendance

def add_invitee(meeting: Meeting, user_id) -> MeetingInvitee:
    _require_editable(meeting, "La liste des personnes invitées")
    user = db.session.get(User, int(user_id)) if user_id else None
    if user is None or not user.active:
        raise ServiceError("Personne inconnue : choisissez une personne de la liste.", field="user_id")
    if any(inv.user_id == user.id for inv in meeting.invitees):
        raise ServiceError(f"{user.full_name} est déjà invité·e.", field="user_id")
    invitee = MeetingInvitee(meeting=meeting, user_id=user.id)
    db.session.add(invitee)
    db.session.flush()
    record("meeting.invitee_added", meeting, summary=user.full_name, details={"user_id": user.id})
    if meeting.state == S.CONVENED:
        invitee.user = user
        _queue_invitation(meeting, invitee, update_reason=None)
    return invitee


def remove_invitee(invitee: MeetingInvitee) -> None:
    meeting = invitee.meeting
    if meeting.state != S.PLANNED:
        raise ServiceError("La convocation est partie : la liste des personnes invitées ne peut plus être réduite.")
    record("meeting.invitee_removed", meeting, summary=invitee.user.full_name, details={"user_id": invitee.user_id})
    db.session.delete(invitee)


def respond(invitee: MeetingInvitee, response: str, represented_by: str = "", *, now: datetime | None = None) -> None:
    meeting = invitee.meeting
    if meeting.state != S.CONVENED:
        raise ServiceError("On répond à une convocation entre son envoi et la tenue de la réunion.", field="response")
    try:
        answer = InvitationResponse(response)
    except ValueError:
        raise ServiceError("Choisissez une réponse.", field="response") from None
    if answer == InvitationResponse.PENDING:
        raise ServiceError("Choisissez une réponse.", field="response")
    represented_by = (represented_by or "").strip()
    if answer == InvitationResponse.REPRESENTED and not represented_by:
        raise ServiceError("Indiquez le nom de la personne qui vous représente.", field="represented_by")
    invitee.response = answer
    invitee.represented_by = represented_by if answer == InvitationResponse.REPRESENTED else ""
    invitee.answered_at = now or utcnow()
    record("meeting.invitation_answered", meeting, summary=f"{invitee.user.full_name} : {invitee.response_label}",
           details={"invitee_id": invitee.id, "response": answer.value, "represented_by": invitee.represented_by})


def set_attendance(invitee: MeetingInvitee, status: str, *, by: User, now: datetime | None = None) -> None:
    meeting = invitee.meeting
    now = now or utcnow()
    if meeting.state not in (S.CONVENED, S.HELD):
        raise ServiceError(f"La présence ne se saisit pas pour une réunion {meeting.state_label}.")
    if now < meeting.starts_at - timedelta(hours=1):
        raise ServiceError("La présence se saisit pendant ou après la réunion.")
    try:
        value = AttendanceStatus(status)
    except ValueError:
        raise ServiceError("Statut de présence inconnu.") from None
    invitee.attendance = value
    invitee.attendance_recorded_at = now
    invitee.attendance_recorded_by_id = by.id
    record("meeting.attendance_recorded", meeting, summary=f"{invitee.user.full_name} : {invitee.attendance_label}",
           details={"invitee_id": invitee.id, "status": value.value})


# --------------------------------------------------------------------------- attachments

def upload_attachment(item: AgendaItem, *, filename: str, data: bytes, uploaded_by: User | None,
                      attachment: AgendaAttachment | None = None) -> AttachmentVersion:
    """Store a file (type checked from its content); with `attachment`, a new version of that document."""
    if item.meeting.state == S.CLOSED:
        raise ServiceError("La réunion est close : ses pièces jointes ne changent plus.", field="file")
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and len(data) > limit:
        raise ServiceError("Le fichier dépasse la taille maximale autorisée.", field="file")
    try:
        kind = detect_kind(data, filename or "")
    except UploadRejected as exc:
        raise ServiceError(exc.message_fr, field="file") from None
    name = safe_filename(filename) or f"piece-jointe.{kind.extension}"
    if attachment is None:
        attachment = AgendaAttachment(agenda_item=item, title=name.rsplit(".", 1)[0][:200])
        db.session.add(attachment)
        number = 1
    else:
        if attachment.agenda_item_id != item.id:
            raise ServiceError("Ce document n'appartient pas à ce point de l'ordre du jour.", field="file")
        number = (db.session.execute(select(func.max(AttachmentVersion.number))
                                     .where(AttachmentVersion.attachment_id == attachment.id)).scalar() or 0) + 1
    version = AttachmentVersion(attachment=attachment, number=number, filename=name, kind=kind.kind,
                                mimetype=kind.mimetype, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                uploaded_by_id=uploaded_by.id if uploaded_by else None)
    db.session.add(version)
    db.session.flush()
    db.session.add(AttachmentBlob(version_id=version.id, data=data))
    record("attachment.uploaded", attachment, summary=f"{name} (version {number})",
           details={"version_id": version.id, "sha256": version.sha256, "size": len(data),
                    "agenda_item_id": item.id})
    index_meeting(item.meeting)
    return version
