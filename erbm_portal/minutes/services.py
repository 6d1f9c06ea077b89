"""Every change to minutes, decisions and follow-up actions.

Services check the transition table, the person's rights (a ``CommitteeAccess``
passed by the view, from ``get_minutes_or_404``), versions and input; they audit
in the same transaction and leave the commit to the caller.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..agreement.consolidation import diff_to_html, word_diff
from ..audit.services import record, record_now
from ..core.db import utcnow
from ..core.errors import ServiceError, StaleEdit, TransitionRefused
from ..core.timeutil import PARIS, to_paris
from ..core.workflow import Workflow
from ..directory.access import CommitteeAccess
from ..directory.models import Organisation
from ..extensions import db
from ..meetings import services as meeting_services
from ..meetings.models import AgendaItem, Meeting, MeetingState
from ..core.timeutil import format_date_fr
from ..notifications import recipients
from ..notifications.services import notify
from .search_source import index_minutes
from .models import (
    ACTION_STATUS_LABELS, MINUTES_STATE_LABELS, OPEN_STATUSES, ActionStatus, Decision, DecisionCounter,
    FollowUpAction, Minutes, MinutesComment, MinutesSection, MinutesState,
)

MAX_SECTION_LENGTH = 50_000
MAX_COMMENT_LENGTH = 5_000
MIN_REASON_LENGTH = 10
MISC_TITLE = "Divers"

MINUTES_WORKFLOW: Workflow[MinutesState] = Workflow(
    "minutes",
    {
        MinutesState.DRAFT: frozenset({MinutesState.IN_REVIEW}),
        MinutesState.IN_REVIEW: frozenset({MinutesState.DRAFT, MinutesState.APPROVED}),
        MinutesState.APPROVED: frozenset({MinutesState.DRAFT, MinutesState.PUBLISHED}),
    },
    MINUTES_STATE_LABELS,
)

ACTION_WORKFLOW: Workflow[ActionStatus] = Workflow(
    "follow_up_action",
    {
        ActionStatus.OPEN: frozenset({ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED}),
        ActionStatus.IN_PROGRESS: frozenset({ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.DROPPED}),
        ActionStatus.DONE: frozenset({ActionStatus.IN_PROGRESS}),
        ActionStatus.DROPPED: frozenset({ActionStatus.OPEN}),
    },
    ACTION_STATUS_LABELS,
    attr="status",
)

EDITABLE_STATES = (MinutesState.DRAFT, MinutesState.IN_REVIEW)


def paris_today() -> date:
    return datetime.now(PARIS).date()


def meeting_date(meeting: Meeting) -> date:
    return to_paris(meeting.starts_at).date()


def _require(flag: bool, message: str = "Vous n'avez pas les droits nécessaires pour cette action.") -> None:
    if not flag:
        raise ServiceError(message)


def _existing_by_token(model, token: str | None, **same):
    """The object a first submission of this form created, if any (double submit)."""
    if not token:
        return None
    existing = db.session.execute(select(model).where(model.form_token == token)).scalar_one_or_none()
    if existing is not None and any(getattr(existing, k) != v for k, v in same.items()):
        raise ServiceError("Ce formulaire a déjà servi : rechargez la page avant de recommencer.")
    return existing


def _insert_once(obj, model, token: str | None):
    """Insert in a savepoint; when a concurrent double submit won the race, return its row."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError:
        existing = _existing_by_token(model, token)
        if existing is None:
            raise
        return existing, False
    return obj, True


# --- Minutes versions ------------------------------------------------------------


def create_minutes(meeting: Meeting, *, access: CommitteeAccess, actor=None) -> Minutes:
    """The first version of a meeting's minutes: one section per agenda item, plus « Divers».

    Idempotent: a second call (double-clicked button) returns the existing version 1.
    """
    _require(access.manage, "Seuls les responsables du comité rédigent le relevé de décisions.")
    existing = db.session.execute(
        select(Minutes).where(Minutes.meeting_id == meeting.id, Minutes.number == 1)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    if meeting.state == MeetingState.PLANNED:
        raise ServiceError("La réunion n'a pas encore été convoquée : le relevé de décisions "
                           "se rédige pendant ou après la séance.")
    items = db.session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
    ).scalars().all()
    minutes = Minutes(meeting_id=meeting.id, number=1, state=MinutesState.DRAFT,
                      created_by_id=getattr(actor, "id", None))
    for position, item in enumerate(items, start=1):
        minutes.sections.append(MinutesSection(position=position, agenda_item_id=item.id, title=item.title,
                                               body=""))
    minutes.sections.append(MinutesSection(position=len(items) + 1, title=MISC_TITLE, body="", is_misc=True))
    try:
        with db.session.begin_nested():
            db.session.add(minutes)
            db.session.flush()
    except IntegrityError:
        return db.session.execute(
            select(Minutes).where(Minutes.meeting_id == meeting.id, Minutes.number == 1)).scalar_one()
    record("minutes.created", minutes, summary=f"Relevé de décisions créé : {meeting.title}",
           details={"meeting_id": meeting.id, "number": 1, "sections": len(minutes.sections)})
    index_minutes(minutes)
    return minutes


def _refuse_frozen(minutes: Minutes, what: str) -> None:
    """Published versions are frozen for everyone: refuse and audit (outside the request's transaction)."""
    if minutes.state == MinutesState.PUBLISHED:
        message = ("Ce relevé est publié : il ne peut plus être modifié par personne. "
                   "Pour le corriger, créez une nouvelle version avec le motif de la correction.")
        minutes_id, number = minutes.id, minutes.number
        record_now("minutes.edit_refused", object_type="minutes", object_id=minutes_id, summary=message,
                   details={"what": what, "number": number})
        raise TransitionRefused(message)
    if minutes.state not in EDITABLE_STATES:
        raise TransitionRefused(f"Ce relevé est {minutes.state_label} : repassez-le en brouillon pour le modifier.")


def update_section(section: MinutesSection, *, access: CommitteeAccess, body: str, expected_version: int,
                   actor=None) -> MinutesSection:
    minutes = section.minutes
    _require(access.manage, "Seuls les responsables du comité modifient le relevé.")
    _refuse_frozen(minutes, f"section {section.position}")
    if section.version != expected_version:
        raise StaleEdit(section, "Quelqu'un a enregistré cette section entre-temps : vos changements n'ont pas "
                                 "été enregistrés. Voici ce qui a été enregistré ; votre texte est conservé "
                                 "dans le champ ci-dessous.")
    body = (body or "").replace("\r\n", "\n")
    if len(body) > MAX_SECTION_LENGTH:
        raise ServiceError(f"Le texte est trop long ({len(body)} caractères, "
                           f"{MAX_SECTION_LENGTH} au plus).", field="body")
    if body == section.body:
        return section
    section.body = body
    section.updated_at = utcnow()
    section.updated_by_id = getattr(actor, "id", None)
    record("minutes_section.updated", section, summary=f"Section « {section.title} » modifiée",
           details={"minutes_id": minutes.id, "length": len(body)})
    index_minutes(minutes)
    return section


def submit_for_review(minutes: Minutes, *, access: CommitteeAccess, deadline: date | None) -> None:
    _require(access.manage, "Seuls les responsables du comité soumettent le relevé en relecture.")
    MINUTES_WORKFLOW.require(minutes, MinutesState.IN_REVIEW)
    if deadline is None:
        raise ServiceError("Indiquez la date limite de relecture.", field="deadline")
    if deadline < paris_today():
        raise ServiceError("La date limite de relecture est passée : choisissez aujourd'hui ou une date future.",
                           field="deadline")
    empty = [s.title for s in minutes.sections if not s.is_misc and not s.body.strip()]
    if empty:
        raise ServiceError("Rédigez chaque point de l'ordre du jour avant la relecture. Sections vides : "
                           + ", ".join(f"« {t} »" for t in empty) + ".")
    minutes.review_deadline = deadline
    minutes.submitted_at = utcnow()
    MINUTES_WORKFLOW.move(minutes, MinutesState.IN_REVIEW, summary="Relevé soumis en relecture",
                          details={"deadline": deadline.isoformat()})
    index_minutes(minutes)
    notify(recipients.members_of(minutes.meeting.committee_id), "minutes_in_review",
           f"Relevé à relire : {minutes.meeting.title}", f"/releves/{minutes.id}",
           f"Vos remarques sont attendues jusqu'au {format_date_fr(deadline)} inclus.")


def back_to_draft(minutes: Minutes, *, access: CommitteeAccess) -> None:
    _require(access.manage, "Seuls les responsables du comité repassent le relevé en brouillon.")
    MINUTES_WORKFLOW.move(minutes, MinutesState.DRAFT, summary="Relevé repassé en brouillon")
    index_minutes(minutes)


def approve(minutes: Minutes, *, access: CommitteeAccess, actor=None) -> None:
    _require(access.manage, "Le relevé est approuvé par les co-présidents du SPEL "
                            "(par le secrétariat pour le comité de pilotage).")
    MINUTES_WORKFLOW.move(minutes, MinutesState.APPROVED, summary="Relevé approuvé")
    minutes.approved_at = utcnow()
    minutes.approved_by_id = getattr(actor, "id", None)
    index_minutes(minutes)


def publish(minutes: Minutes, *, access: CommitteeAccess, actor=None) -> None:
    """approved -> published; closes the meeting (held -> closed) for a first publication."""
    _require(access.publish, "Seul le secrétariat du programme publie les relevés de décisions.")
    if minutes.state != MinutesState.APPROVED:
        label, current, minutes_id = minutes.state_label, minutes.state.value, minutes.id
        message = f"Le relevé doit être approuvé avant d'être publié (il est actuellement {label})."
        record_now("minutes.transition_refused", object_type="minutes", object_id=minutes_id, summary=message,
                   details={"from": current, "to": "published"})
        raise TransitionRefused(message)
    meeting = minutes.meeting
    if meeting.state not in (MeetingState.HELD, MeetingState.CLOSED):
        message = ("La réunion doit être tenue (présences enregistrées) avant la publication de son relevé ; "
                   f"elle est actuellement {meeting.state_label}.")
        minutes_id = minutes.id
        record_now("minutes.transition_refused", object_type="minutes", object_id=minutes_id, summary=message,
                   details={"to": "published", "meeting_state": meeting.state.value})
        raise TransitionRefused(message)
    MINUTES_WORKFLOW.move(minutes, MinutesState.PUBLISHED,
                          summary=f"Relevé publié (version {minutes.number})")
    minutes.published_at = utcnow()
    minutes.published_by_id = getattr(actor, "id", None)
    if meeting.state != MeetingState.CLOSED:
        meeting_services.close_meeting(meeting)
    index_minutes(minutes)
    _notify_published(minutes)


def _notify_published(minutes: Minutes) -> None:
    meeting = minutes.meeting
    notify(recipients.committee_readers(meeting.committee), "minutes_published",
           f"Relevé de décisions publié : {meeting.title}", f"/releves/{minutes.id}")
    actions = db.session.execute(
        select(FollowUpAction).where(FollowUpAction.minutes_id == minutes.id).order_by(FollowUpAction.id)
    ).scalars().all()
    for action in actions:
        notify(recipients.users_of([action.owner_organisation_id]), "action_assigned",
               f"Action confiée à votre organisation : {action.title}", f"/releves/{minutes.id}",
               f"Échéance : {format_date_fr(action.due_date)}.")


def latest_version(meeting_id: int) -> Minutes | None:
    return db.session.execute(
        select(Minutes).where(Minutes.meeting_id == meeting_id).order_by(Minutes.number.desc()).limit(1)
    ).scalar_one_or_none()


def start_correction(published: Minutes, *, access: CommitteeAccess, reason: str, actor=None) -> Minutes:
    """A new draft version starting from the published text; every earlier version stays readable.

    Idempotent: while a correction is open, asking again returns it.
    """
    _require(access.manage or access.publish,
             "Seuls les responsables du comité et le secrétariat corrigent un relevé publié.")
    latest = latest_version(published.meeting_id)
    if latest is not None and latest.id != published.id and latest.state != MinutesState.PUBLISHED:
        return latest  # a correction is already open (double submit): one object
    if published.state != MinutesState.PUBLISHED:
        raise TransitionRefused("Seul un relevé publié se corrige par une nouvelle version ; "
                                "celui-ci peut encore être modifié.")
    if latest is not None and latest.id != published.id:
        raise ServiceError(f"Une version plus récente (version {latest.number}) existe : corrigez-la plutôt.")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ServiceError(f"Expliquez le motif de la correction ({MIN_REASON_LENGTH} caractères au moins).",
                           field="reason")
    new = Minutes(meeting_id=published.meeting_id, number=published.number + 1, state=MinutesState.DRAFT,
                  previous_id=published.id, correction_reason=reason[:2000],
                  created_by_id=getattr(actor, "id", None))
    for section in published.sections:
        new.sections.append(MinutesSection(position=section.position, agenda_item_id=section.agenda_item_id,
                                           title=section.title, body=section.body, is_misc=section.is_misc))
    try:
        with db.session.begin_nested():
            db.session.add(new)
            db.session.flush()
    except IntegrityError:
        return latest_version(published.meeting_id)
    record("minutes.correction_started", new, summary=f"Correction du relevé (version {new.number}) : {reason}",
           details={"previous_id": published.id, "number": new.number})
    index_minutes(new)
    return new


# --- Review comments ----------------------------------------------------------------


def add_comment(section: MinutesSection, *, access: CommitteeAccess, body: str, author,
                form_token: str | None = None) -> MinutesComment:
    existing = _existing_by_token(MinutesComment, form_token, section_id=section.id)
    if existing is not None:
        return existing
    minutes = section.minutes
    _require(access.member or access.read_drafts, "Seuls les membres du comité commentent le relevé.")
    if minutes.state != MinutesState.IN_REVIEW:
        raise TransitionRefused("Les commentaires ne sont possibles que pendant la relecture du relevé.")
    if minutes.review_deadline and paris_today() > minutes.review_deadline:
        raise ServiceError("La date limite de relecture est passée : les commentaires sont clos.", field="body")
    body = (body or "").strip()
    if not body:
        raise ServiceError("Saisissez votre commentaire.", field="body")
    if len(body) > MAX_COMMENT_LENGTH:
        raise ServiceError(f"Le commentaire est trop long ({MAX_COMMENT_LENGTH} caractères au plus).", field="body")
    comment = MinutesComment(section_id=section.id, author_id=author.id, body=body, form_token=form_token or None)
    comment, created = _insert_once(comment, MinutesComment, form_token)
    if created:
        record("minutes_comment.created", comment, summary=f"Commentaire sur « {section.title} »",
               details={"minutes_id": minutes.id, "section_id": section.id})
    return comment


def resolve_comment(comment: MinutesComment, *, access: CommitteeAccess, actor=None) -> None:
    _require(access.manage, "Seuls les responsables du comité marquent un commentaire comme traité.")
    if comment.section.minutes.state == MinutesState.PUBLISHED:
        raise TransitionRefused("Ce relevé est publié : ses commentaires ne changent plus.")
    if comment.resolved_at is not None:
        return
    comment.resolved_at = utcnow()
    comment.resolved_by_id = getattr(actor, "id", None)
    record("minutes_comment.resolved", comment, summary="Commentaire traité",
           details={"section_id": comment.section_id})


# --- Decisions ---------------------------------------------------------------------------


def _lock_decision_counter(committee_id: int, year: int) -> DecisionCounter:
    """The counter row of a committee and year, locked until the transaction ends.

    FOR UPDATE on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE. The first
    decision of a year creates the row in a savepoint: if a concurrent transaction
    created it first, we lock theirs instead.
    """
    stmt = select(DecisionCounter).where(DecisionCounter.committee_id == committee_id,
                                         DecisionCounter.year == year).with_for_update()
    counter = db.session.execute(stmt).scalar_one_or_none()
    if counter is None:
        try:
            with db.session.begin_nested():
                counter = DecisionCounter(committee_id=committee_id, year=year, last_seq=0)
                db.session.add(counter)
                db.session.flush()
        except IntegrityError:
            counter = db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()
    return counter


def allocate_decision_seq(committee_id: int, year: int) -> int:
    """Next sequence number for a committee and year (no gaps, no duplicates under concurrency)."""
    counter = _lock_decision_counter(committee_id, year)
    counter.last_seq += 1
    db.session.flush()
    return counter.last_seq


def decision_reference(code: str, year: int, seq: int) -> str:
    return f"{code}-{year}-D{seq:02d}"


def _agenda_item_of(meeting: Meeting, agenda_item_id: int | None) -> AgendaItem | None:
    if not agenda_item_id:
        return None
    item = db.session.get(AgendaItem, agenda_item_id)
    if item is None or item.meeting_id != meeting.id:
        raise ServiceError("Ce point n'est pas à l'ordre du jour de la réunion.", field="agenda_item_id")
    return item


def _check_content_editable(minutes: Minutes, access: CommitteeAccess, what: str) -> None:
    _require(access.manage, "Seuls les responsables du comité complètent le relevé.")
    _refuse_frozen(minutes, what)


def add_decision(minutes: Minutes, *, access: CommitteeAccess, text: str, agenda_item_id: int | None,
                 form_token: str | None = None) -> Decision:
    existing = _existing_by_token(Decision, form_token, minutes_id=minutes.id)
    if existing is not None:
        return existing
    _check_content_editable(minutes, access, "décision")
    meeting = minutes.meeting
    item = _agenda_item_of(meeting, agenda_item_id)
    text = (text or "").strip()
    if not text:
        raise ServiceError("Saisissez le texte de la décision.", field="text")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ServiceError(f"Le texte est trop long ({MAX_COMMENT_LENGTH} caractères au plus).", field="text")
    committee = meeting.committee
    year = meeting_date(meeting).year
    counter = _lock_decision_counter(committee.id, year)
    # Checked again under the counter lock: a concurrent double submit waited for the first
    # one to commit, and must neither create a second decision nor burn a number.
    existing = _existing_by_token(Decision, form_token, minutes_id=minutes.id)
    if existing is not None:
        return existing
    counter.last_seq += 1
    seq = counter.last_seq
    decision = Decision(committee_id=committee.id, year=year, seq=seq,
                        reference=decision_reference(committee.code, year, seq), meeting_id=meeting.id,
                        minutes_id=minutes.id, agenda_item_id=item.id if item else None, text=text,
                        form_token=form_token or None)
    decision, created = _insert_once(decision, Decision, form_token)
    if created:
        record("decision.created", decision, summary=f"Décision {decision.reference}",
               details={"minutes_id": minutes.id, "agenda_item_id": decision.agenda_item_id})
    return decision


# --- Follow-up actions ---------------------------------------------------------------------


def add_action(minutes: Minutes, *, access: CommitteeAccess, title: str, owner_organisation_id: int | None,
               owner_person: str, due_date: date | None, decision_id: int | None = None,
               form_token: str | None = None) -> FollowUpAction:
    existing = _existing_by_token(FollowUpAction, form_token, minutes_id=minutes.id)
    if existing is not None:
        return existing
    _check_content_editable(minutes, access, "action de suivi")
    meeting = minutes.meeting
    title = (title or "").strip()
    if not title:
        raise ServiceError("Décrivez l'action à mener.", field="title")
    org = db.session.get(Organisation, owner_organisation_id) if owner_organisation_id else None
    if org is None or not org.active:
        raise ServiceError("Organisation responsable inconnue : choisissez-la dans la liste.",
                           field="owner_organisation_id")
    owner_person = (owner_person or "").strip()
    if not owner_person:
        raise ServiceError("Indiquez la personne responsable.", field="owner_person")
    if due_date is None:
        raise ServiceError("Indiquez l'échéance.", field="due_date")
    if due_date < meeting_date(meeting):
        raise ServiceError("L'échéance ne peut pas précéder la réunion "
                           f"du {meeting_date(meeting).strftime('%d/%m/%Y')}.", field="due_date")
    decision = None
    if decision_id:
        decision = db.session.get(Decision, decision_id)
        if decision is None or decision.meeting_id != meeting.id:
            raise ServiceError("Cette décision n'appartient pas à la réunion.", field="decision_id")
    action = FollowUpAction(committee_id=meeting.committee_id, meeting_id=meeting.id, minutes_id=minutes.id,
                            decision_id=decision.id if decision else None, title=title[:300],
                            owner_organisation_id=org.id, owner_person=owner_person[:120], due_date=due_date,
                            status=ActionStatus.OPEN, form_token=form_token or None)
    action, created = _insert_once(action, FollowUpAction, form_token)
    if created:
        record("follow_up_action.created", action, summary=f"Action de suivi : {action.title}",
               details={"minutes_id": minutes.id, "owner_organisation_id": org.id,
                        "due_date": due_date.isoformat()})
    return action


def set_action_status(action: FollowUpAction, *, access: CommitteeAccess, status: ActionStatus,
                      expected_version: int) -> None:
    _require(access.manage or access.read_drafts,
             "Seuls les responsables du comité et le secrétariat suivent les actions.")
    if action.version != expected_version:
        raise StaleEdit(action, "Quelqu'un a changé le statut de cette action entre-temps "
                                f"(il est maintenant « {action.status_label} ») : rien n'a été modifié.")
    if status == action.status:
        return
    ACTION_WORKFLOW.move(action, status, summary=f"Action « {action.title} » : {ACTION_STATUS_LABELS[status]}")
    action.status_changed_at = utcnow()


# --- Queries --------------------------------------------------------------------------------


def _published_minutes_ids():
    return select(Minutes.id).where(Minutes.state == MinutesState.PUBLISHED)


def open_actions_for_committee(committee_id: int) -> list[FollowUpAction]:
    """Open and in-progress actions recorded in published minutes of a committee, by due date.

    For the next meeting's page (include ``minutes/_open_actions.html``) and its pack.
    """
    return db.session.execute(
        select(FollowUpAction)
        .where(FollowUpAction.committee_id == committee_id, FollowUpAction.status.in_(OPEN_STATUSES),
               FollowUpAction.minutes_id.in_(_published_minutes_ids()))
        .options(joinedload(FollowUpAction.owner_organisation), joinedload(FollowUpAction.decision),
                 joinedload(FollowUpAction.meeting))
        .order_by(FollowUpAction.due_date, FollowUpAction.id)
    ).scalars().all()


@dataclass
class RegisterFilter:
    status: ActionStatus | None = None
    owner_organisation_id: int | None = None
    overdue: bool = False


def register(committee_id: int, flt: RegisterFilter, today: date | None = None):
    """Decisions and follow-up actions of the committee's published minutes, filtered."""
    today = today or paris_today()
    decisions = db.session.execute(
        select(Decision)
        .where(Decision.committee_id == committee_id, Decision.minutes_id.in_(_published_minutes_ids()))
        .options(joinedload(Decision.meeting), joinedload(Decision.agenda_item))
        .order_by(Decision.year.desc(), Decision.seq.desc())
    ).scalars().all()
    q = (select(FollowUpAction)
         .where(FollowUpAction.committee_id == committee_id,
                FollowUpAction.minutes_id.in_(_published_minutes_ids()))
         .options(joinedload(FollowUpAction.owner_organisation), joinedload(FollowUpAction.decision),
                  joinedload(FollowUpAction.meeting)))
    if flt.status is not None:
        q = q.where(FollowUpAction.status == flt.status)
    if flt.owner_organisation_id:
        q = q.where(FollowUpAction.owner_organisation_id == flt.owner_organisation_id)
    if flt.overdue:
        q = q.where(FollowUpAction.status.in_(OPEN_STATUSES), FollowUpAction.due_date < today)
    actions = db.session.execute(q.order_by(FollowUpAction.due_date, FollowUpAction.id)).scalars().all()
    if flt.status is not None or flt.owner_organisation_id or flt.overdue:
        # Decisions follow the action filters: those the filtered actions belong to.
        wanted = {a.decision_id for a in actions}
        decisions = [d for d in decisions if d.id in wanted]
    return decisions, actions


def load_minutes_page(minutes_id: int) -> Minutes:
    """Everything the minutes page shows, in a constant number of queries."""
    from ..accounts.models import User

    return db.session.execute(
        select(Minutes).where(Minutes.id == minutes_id)
        .options(
            selectinload(Minutes.sections).selectinload(MinutesSection.comments)
            .options(joinedload(MinutesComment.author).joinedload(User.organisation),
                     joinedload(MinutesComment.resolved_by)),
            selectinload(Minutes.sections).joinedload(MinutesSection.updated_by),
            selectinload(Minutes.sections).joinedload(MinutesSection.agenda_item),
        )
        .execution_options(populate_existing=True)
    ).scalar_one()


def versions_of(meeting_id: int) -> list[Minutes]:
    return db.session.execute(
        select(Minutes).where(Minutes.meeting_id == meeting_id).order_by(Minutes.number)
    ).scalars().all()


def decisions_and_actions(minutes: Minutes) -> tuple[list[Decision], list[FollowUpAction]]:
    """Decisions and actions of the meeting recorded in this version or an earlier one."""
    earlier = select(Minutes.id).where(Minutes.meeting_id == minutes.meeting_id, Minutes.number <= minutes.number)
    decisions = db.session.execute(
        select(Decision).where(Decision.minutes_id.in_(earlier))
        .options(joinedload(Decision.agenda_item)).order_by(Decision.seq)
    ).scalars().all()
    actions = db.session.execute(
        select(FollowUpAction).where(FollowUpAction.minutes_id.in_(earlier))
        .options(joinedload(FollowUpAction.owner_organisation), joinedload(FollowUpAction.decision))
        .order_by(FollowUpAction.due_date, FollowUpAction.id)
    ).scalars().all()
    return decisions, actions


# --- Comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionComparison:
    title: str
    status: str  # added, removed, modified, unchanged
    html: Markup


def compare_versions(old: Minutes, new: Minutes) -> list[SectionComparison]:
    """Per-section word diff (reusing the agreement's tested diff), in the order of the newer text."""
    old_by_key = {s.key: s for s in old.sections}
    new_keys = {s.key for s in new.sections}
    result = []
    for section in new.sections:
        before = old_by_key.get(section.key)
        if before is None:
            result.append(SectionComparison(section.title, "added",
                                            diff_to_html([("insert", section.body)] if section.body else [])))
        elif before.body == section.body:
            result.append(SectionComparison(section.title, "unchanged", diff_to_html(word_diff(before.body,
                                                                                           section.body))))
        else:
            result.append(SectionComparison(section.title, "modified",
                                            diff_to_html(word_diff(before.body, section.body))))
    for section in old.sections:
        if section.key not in new_keys:
            result.append(SectionComparison(section.title, "removed",
                                            diff_to_html([("delete", section.body)] if section.body else [])))
    return result


def notify_overdue_actions(today: date | None = None) -> int:
    """Tell the owner organisation (and the SPEL's co-chairs) once about each published action past its due date.

    Run daily (`flask erbm notify-overdue`). "Once" is kept by the notifications themselves: an action whose
    overdue notice exists is skipped, so running the job twice notifies nobody twice.
    """
    from ..notifications.models import Notification, NotificationKind

    today = today or paris_today()
    actions = db.session.execute(
        select(FollowUpAction)
        .where(FollowUpAction.status.in_(OPEN_STATUSES), FollowUpAction.due_date < today,
               FollowUpAction.minutes_id.in_(_published_minutes_ids()))
        .options(joinedload(FollowUpAction.committee)).order_by(FollowUpAction.id)
    ).scalars().all()
    urls = {a.id: f"/comites/{a.committee_id}/registre?overdue=y#action-{a.id}" for a in actions}
    already = set(db.session.execute(
        select(Notification.url).where(Notification.kind == NotificationKind.ACTION_OVERDUE,
                                       Notification.url.in_(list(urls.values())))
    ).scalars()) if urls else set()
    sent = 0
    for action in actions:
        if urls[action.id] in already:
            continue
        people = recipients.users_of([action.owner_organisation_id]) + recipients.co_chairs_of(action.committee.spel_id)
        notify(people, NotificationKind.ACTION_OVERDUE, f"Action en retard : {action.title}", urls[action.id],
               body=f"Échéance dépassée : {format_date_fr(action.due_date)}. Responsable : {action.owner_person}.")
        record("minutes.action_overdue_notified", action, summary=action.title,
               details={"due_date": action.due_date.isoformat(), "recipients": len(set(people))})
        sent += 1
    return sent
