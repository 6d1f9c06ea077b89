"""What minutes put in the search index: the relevé, its decisions and follow-up actions.

The relevé (title + every section) is ``draft`` while drafted, ``circulated``
while in review or approved (members read it), ``published`` once published.
Decisions and follow-up actions are indexed only once their minutes are
published. The services call ``index_minutes`` in the transaction of every change.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..search.models import Audience
from ..search.services import IndexEntry, index_entry, remove_document
from ..search.sources import SearchSource
from .models import Decision, FollowUpAction, Minutes, MinutesState

AUDIENCE = {MinutesState.DRAFT: Audience.DRAFT, MinutesState.IN_REVIEW: Audience.CIRCULATED,
            MinutesState.APPROVED: Audience.CIRCULATED, MinutesState.PUBLISHED: Audience.PUBLISHED}


def _title(m: Minutes) -> str:
    suffix = f" (version {m.number})" if m.number > 1 else ""
    return f"Relevé de décisions — {m.meeting.title}{suffix}"


def _minutes_entry(m: Minutes) -> IndexEntry:
    body = "\n\n".join(f"{s.title}\n{s.body}" for s in m.sections)
    return IndexEntry("minutes", m.id, title=_title(m), url=f"/releves/{m.id}", audience=AUDIENCE[m.state],
                      body=body, committee_id=m.meeting.committee_id)


def _decision_entry(d: Decision) -> IndexEntry:
    return IndexEntry("decision", d.id, title=f"Décision {d.reference}", url=f"/releves/{d.minutes_id}",
                      audience=Audience.PUBLISHED, body=d.text, committee_id=d.committee_id,
                      parent_key=f"minutes:{d.minutes_id}")


def _action_entry(a: FollowUpAction) -> IndexEntry:
    owner = a.owner_organisation.name if a.owner_organisation else ""
    return IndexEntry("follow_up_action", a.id, title=a.title, url=f"/releves/{a.minutes_id}",
                      audience=Audience.PUBLISHED, body=" ".join(x for x in (owner, a.owner_person) if x),
                      committee_id=a.committee_id, organisation_id=a.owner_organisation_id,
                      parent_key=f"minutes:{a.minutes_id}")


def index_minutes(minutes: Minutes) -> None:
    """(Re)index a relevé and, once published, its decisions and actions (same transaction)."""
    db.session.flush()
    remove_document("minutes", minutes.id)
    index_entry(_minutes_entry(minutes))
    if minutes.state == MinutesState.PUBLISHED:
        for d in db.session.execute(select(Decision).where(Decision.minutes_id == minutes.id)).scalars():
            index_entry(_decision_entry(d))
        for a in db.session.execute(select(FollowUpAction).where(FollowUpAction.minutes_id == minutes.id)
                                    .options(selectinload(FollowUpAction.owner_organisation))).scalars():
            index_entry(_action_entry(a))


def _minutes_rows():
    for m in db.session.execute(select(Minutes).order_by(Minutes.id).options(
            selectinload(Minutes.sections), selectinload(Minutes.meeting))).scalars():
        yield _minutes_entry(m)


def _published():
    return select(Minutes.id).where(Minutes.state == MinutesState.PUBLISHED)


def _decision_rows():
    for d in db.session.execute(select(Decision).where(Decision.minutes_id.in_(_published()))
                                .order_by(Decision.id)).scalars():
        yield _decision_entry(d)


def _action_rows():
    for a in db.session.execute(select(FollowUpAction).where(FollowUpAction.minutes_id.in_(_published()))
                                .options(selectinload(FollowUpAction.owner_organisation))
                                .order_by(FollowUpAction.id)).scalars():
        yield _action_entry(a)


SOURCES = {
    "minutes": SearchSource("Relevé de décisions", _minutes_rows),
    "decision": SearchSource("Décision", _decision_rows),
    "follow_up_action": SearchSource("Action de suivi", _action_rows),
}
