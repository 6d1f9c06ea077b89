"""Synthetic meetings: ten years x five committees x twelve meetings x twenty agenda items at 100x,
with invitees, and for past meetings attendance, minutes, decisions and follow-up actions.

States follow the calendar as the services would leave them: a meeting more than
two months old is closed with published minutes; a recent past meeting is held,
its minutes drafted, in review or approved; an upcoming meeting is convened
within a month, planned beyond. Decision numbers continue each committee's
counter for the year.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..core.db import utcnow
from ..core.timeutil import from_paris, to_paris
from ..directory.models import Committee, CommitteeOrganisation
from ..extensions import db
from ..meetings.models import (AgendaAttachment, AgendaItem, AgendaItemKind, AttachmentBlob, AttachmentVersion,
                               AttendanceStatus, InvitationResponse, Meeting, MeetingInvitee, MeetingState)
from ..meetings.services import default_invitees
from ..minutes.models import (ActionStatus, Decision, DecisionCounter, FollowUpAction, Minutes, MinutesSection,
                              MinutesState)
from ..minutes.services import MISC_TITLE, decision_reference
from .base import Ctx, pick, spread

MEETINGS_100X = 10 * 5 * 12
ITEMS_PER_MEETING = 20
INVITEES_PER_MEETING = 20
TOPICS = ["clauses d'insertion", "rénovation thermique des cités minières", "contrat initiative emploi",
          "formation des allocataires du RSA", "structures d'insertion par l'activité économique",
          "mobilité vers l'emploi", "accès aux soins", "offre culturelle des cités", "apprentissage",
          "garde d'enfants et reprise d'emploi", "création d'entreprise", "friches industrielles",
          "transition énergétique", "numérique et inclusion", "logement des jeunes"]
VERBS = ["Point d'étape sur", "Bilan annuel :", "Programmation :", "Retour d'expérience sur",
         "Arbitrage sur", "Présentation du diagnostic :", "Suivi des engagements :"]
SENTENCE = ("Les partenaires ont échangé sur {t} dans l'arrondissement. {n} personnes ont été accompagnées "
            "cette année ; les co-présidents demandent un suivi trimestriel et une attention particulière "
            "aux publics les plus éloignés de l'emploi.")
KINDS = [AgendaItemKind.INFORMATION, AgendaItemKind.DISCUSSION, AgendaItemKind.DECISION]


def _slots(ctx: Ctx, committees: list[Committee]) -> list[tuple[Committee, datetime]]:
    """Monthly slots over ten years (last year: next year), evenly thinned at smaller scales."""
    first_year = ctx.today.year - 8
    months = [(y, m) for y in range(first_year, first_year + 10) for m in range(1, 13)]
    wanted = ctx.n(MEETINGS_100X)
    out = []
    total = len(months) * len(committees)
    for i in range(wanted):
        k = i * total // wanted if wanted < total else i
        (year, month), committee = months[k // len(committees)], committees[k % len(committees)]
        day = 5 + 4 * (k % len(committees))  # one committee a week, never on the demo's dates
        hour = 14 if committee.spel_id is None else 9
        out.append((committee, from_paris(datetime.combine(date(year, month, day), time(hour, 30)))))
    return out


def generate(ctx: Ctx, members: dict[int, list[int]]) -> None:
    rng, now = ctx.rng, utcnow()
    committees = db.session.execute(select(Committee).order_by(Committee.id)).scalars().all()
    managers = {c.id: [u.id for u in default_invitees(c, ctx.today) if u.id not in members.get(c.id, [])]
                for c in committees}
    invited_orgs: dict[int, list[int]] = {}
    for link in db.session.execute(select(CommitteeOrganisation).order_by(CommitteeOrganisation.id)).scalars():
        invited_orgs.setdefault(link.committee_id, []).append(link.organisation_id)
    counters = {(c.committee_id, c.year): c for c in db.session.execute(select(DecisionCounter)).scalars()}
    new_counters: dict[tuple[int, int], int] = {}
    slots = _slots(ctx, committees)
    meeting_ids = ctx.ids(Meeting, len(slots))
    item_ids = ctx.ids(AgendaItem, len(slots) * ITEMS_PER_MEETING)
    meetings, items, invitees, minutes_rows, sections, decisions, actions = [], [], [], [], [], [], []
    attachments: list[tuple[int, datetime, int | None]] = []
    for n, (mid, (committee, starts)) in enumerate(zip(meeting_ids, slots)):
        ends = starts + timedelta(hours=2)
        day = to_paris(starts).date()
        if ends < now - timedelta(days=60):
            state = MeetingState.CLOSED
        elif ends < now:
            state = MeetingState.HELD
        elif starts < now + timedelta(days=30):
            state = MeetingState.CONVENED
        else:
            state = MeetingState.PLANNED
        convened = None if state == MeetingState.PLANNED else starts - timedelta(days=21)
        topic = TOPICS[n % len(TOPICS)]
        meetings.append(dict(
            id=mid, committee_id=committee.id, title=f"{committee.name} — séance du {day:%d/%m/%Y}",
            starts_at=starts, ends_at=ends, place="Salle du conseil, sous-préfecture" if committee.spel_id
            else "Préfecture de la région Hauts-de-France, Lille", video_url="",
            description=f"Séance ordinaire du comité. Thème principal : {topic}.", state=state,
            ics_uid=f"synthese-{mid}@erbm", ics_sequence=0 if convened is None else 1, convened_at=convened,
            created_at=starts - timedelta(days=45), version=1))
        orgs = invited_orgs.get(committee.id) or [None]
        ids = item_ids[n * ITEMS_PER_MEETING:(n + 1) * ITEMS_PER_MEETING]
        for pos, iid in enumerate(ids, start=1):
            t = TOPICS[(n + pos) % len(TOPICS)]
            items.append(dict(id=iid, meeting_id=mid, position=pos, title=f"{VERBS[pos % len(VERBS)]} {t}",
                              kind=KINDS[pos % 3], duration_minutes=5 * rng.randint(2, 9), presenter_user_id=None,
                              presenter_organisation_id=orgs[pos % len(orgs)],
                              notes=SENTENCE.format(t=t, n=rng.randint(20, 900)), version=1))
        people = managers[committee.id] + pick(rng, members.get(committee.id, []), INVITEES_PER_MEETING)
        items[-ITEMS_PER_MEETING]["presenter_user_id"] = people[0] if people else None  # opening: a manager
        attachments.append((ids[1], starts - timedelta(days=25), people[0] if people else None))
        for k, uid in enumerate(people):
            past = state in (MeetingState.HELD, MeetingState.CLOSED)
            excused = k % 5 == 4
            invitees.append(dict(
                meeting_id=mid, user_id=uid, sent_at=convened,
                response=(InvitationResponse.EXCUSED if excused else InvitationResponse.PRESENT) if past
                else InvitationResponse.PENDING,
                answered_at=convened + timedelta(days=2) if past else None,
                attendance=(AttendanceStatus.EXCUSED if excused else AttendanceStatus.PRESENT) if past else None,
                attendance_recorded_at=ends if past else None))
        if state in (MeetingState.HELD, MeetingState.CLOSED):
            _minutes(ctx, committee, mid, state, day, ids, items[-ITEMS_PER_MEETING:], orgs, counters,
                     new_counters, minutes_rows, sections, decisions, actions)
    ctx.insert(Meeting, meetings)
    ctx.insert(AgendaItem, items)
    _attachments(ctx, attachments)
    for iid, row in zip(ctx.ids(MeetingInvitee, len(invitees)), invitees):
        row["id"] = iid
    ctx.insert(MeetingInvitee, invitees)
    ctx.insert(Minutes, minutes_rows)
    ctx.insert(MinutesSection, sections)
    ctx.insert(Decision, decisions)
    ctx.insert(FollowUpAction, actions)
    for key, last_seq in new_counters.items():
        if key in counters:  # a demo counter: continued in place
            counters[key].last_seq = last_seq
    ctx.insert(DecisionCounter, [dict(committee_id=c, year=y, last_seq=s)
                                 for (c, y), s in new_counters.items() if (c, y) not in counters])
    db.session.flush()


def _minutes(ctx, committee, meeting_id, meeting_state, day, item_ids, items, orgs, counters, new_counters,
             minutes_rows, sections, decisions, actions) -> None:
    rng = ctx.rng
    if meeting_state == MeetingState.CLOSED:
        state = MinutesState.PUBLISHED
    else:
        state = [MinutesState.DRAFT, MinutesState.IN_REVIEW, MinutesState.APPROVED][len(minutes_rows) % 3]
    (mid,) = ctx.ids(Minutes, 1)
    at = from_paris(datetime.combine(day, time(12)))
    minutes_rows.append(dict(
        id=mid, meeting_id=meeting_id, number=1, state=state, correction_reason="",
        review_deadline=day + timedelta(days=14) if state != MinutesState.DRAFT else None,
        created_at=at, submitted_at=at + timedelta(days=3) if state != MinutesState.DRAFT else None,
        approved_at=at + timedelta(days=20) if state in (MinutesState.APPROVED, MinutesState.PUBLISHED) else None,
        published_at=at + timedelta(days=25) if state == MinutesState.PUBLISHED else None, version=1))
    for item in items:
        sections.append(dict(minutes_id=mid, position=item["position"], agenda_item_id=item["id"],
                             title=item["title"], body=item["notes"] + "\n\n" + SENTENCE.format(
                                 t=item["title"].lower(), n=rng.randint(5, 400)),
                             is_misc=False, updated_at=at, version=1))
    sections.append(dict(minutes_id=mid, position=len(items) + 1, agenda_item_id=None, title=MISC_TITLE,
                         body="", is_misc=True, updated_at=at, version=1))
    if state != MinutesState.PUBLISHED:
        return
    decision_ids = []
    for item in (i for i in items if i["kind"] == AgendaItemKind.DECISION):
        key = (committee.id, day.year)
        if key not in new_counters:
            new_counters[key] = counters[key].last_seq if key in counters else 0
        new_counters[key] += 1
        seq = new_counters[key]
        (did,) = ctx.ids(Decision, 1)
        decision_ids.append(did)
        decisions.append(dict(id=did, committee_id=committee.id, year=day.year, seq=seq,
                              reference=decision_reference(committee.code, day.year, seq), meeting_id=meeting_id,
                              minutes_id=mid, agenda_item_id=item["id"], created_at=at,
                              text=f"Le comité valide les orientations présentées : {item['title'].lower()}."))
    for k in range(2):
        due = day + timedelta(days=rng.randint(30, 240))
        if due < ctx.today:
            status = [ActionStatus.DONE, ActionStatus.DONE, ActionStatus.DONE, ActionStatus.DROPPED,
                      ActionStatus.OPEN][rng.randrange(5)]
        else:
            status = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS][k]
        actions.append(dict(
            committee_id=committee.id, meeting_id=meeting_id, minutes_id=mid,
            decision_id=decision_ids[k] if k < len(decision_ids) else None,
            title=f"Transmettre au comité le bilan chiffré : {items[k]['title'].lower()}",
            owner_organisation_id=orgs[(mid + k) % len(orgs)], owner_person="Chargé·e de mission",
            due_date=due, status=status,
            status_changed_at=None if status == ActionStatus.OPEN else at + timedelta(days=30),
            created_at=at, version=1))



def _attachments(ctx: Ctx, rows) -> None:
    """One document on the second point of each meeting: a small PDF, stored like an upload."""
    import hashlib

    from ..meetings.demo import _demo_pdf

    data = _demo_pdf()
    digest = hashlib.sha256(data).hexdigest()
    att_ids, version_ids = ctx.ids(AgendaAttachment, len(rows)), ctx.ids(AttachmentVersion, len(rows))
    ctx.insert(AgendaAttachment, [dict(id=a, agenda_item_id=item, title="Note de synthèse", created_at=at)
                                  for a, (item, at, _u) in zip(att_ids, rows)])
    ctx.insert(AttachmentVersion, [dict(id=v, attachment_id=a, number=1, filename="note-de-synthese.pdf", kind="pdf",
                                        mimetype="application/pdf", size=len(data), sha256=digest,
                                        uploaded_by_id=user, uploaded_at=at)
                                   for v, a, (_i, at, user) in zip(version_ids, att_ids, rows)])
    ctx.insert(AttachmentBlob, [dict(version_id=v, data=data) for v in version_ids])
