"""What meetings put in the search index: meetings, agenda items and attachment names.

Audience: a planned meeting is a draft (its committee's managers and the
secretariat); once convened it is published to the committee's readers. Agenda
items and attachments follow their meeting (``parent_key`` ``meeting:<id>``).
The services call ``index_meeting`` in the transaction of every change.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..search.models import Audience
from ..search.services import IndexEntry, index_entry, remove_document
from ..search.sources import SearchSource
from .models import AgendaAttachment, AgendaItem, Meeting, MeetingState


def meeting_audience(meeting: Meeting) -> Audience:
    return Audience.DRAFT if meeting.state == MeetingState.PLANNED else Audience.PUBLISHED


def _meeting_entry(m: Meeting) -> IndexEntry:
    return IndexEntry("meeting", m.id, title=m.title, url=f"/reunions/{m.id}", audience=meeting_audience(m),
                      body="\n".join(x for x in (m.place, m.description) if x), committee_id=m.committee_id)


def _item_entry(m: Meeting, item: AgendaItem) -> IndexEntry:
    return IndexEntry("agenda_item", item.id, title=item.title, url=f"/reunions/{m.id}#point-{item.id}",
                      audience=meeting_audience(m), body=item.notes or "", committee_id=m.committee_id,
                      parent_key=f"meeting:{m.id}")


def _attachment_entry(m: Meeting, item: AgendaItem, att: AgendaAttachment) -> IndexEntry:
    latest = att.latest
    body = " ".join(x for x in (latest.filename if latest else "", item.title) if x)
    return IndexEntry("attachment", att.id, title=att.title, url=f"/reunions/{m.id}#point-{item.id}",
                      audience=meeting_audience(m), body=body, committee_id=m.committee_id,
                      parent_key=f"meeting:{m.id}")


def _entries(m: Meeting, items=None):
    yield _meeting_entry(m)
    for item in m.agenda_items if items is None else items:
        yield _item_entry(m, item)
        for att in item.attachments:
            yield _attachment_entry(m, item, att)


def index_meeting(meeting: Meeting) -> None:
    """(Re)index a meeting, its agenda items and attachments (same transaction; removed items vanish)."""
    db.session.flush()
    items = db.session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position)
        .options(selectinload(AgendaItem.attachments).selectinload(AgendaAttachment.versions))
        .execution_options(populate_existing=True)
    ).scalars().all()
    remove_document("meeting", meeting.id)  # also drops what is indexed under it
    for entry in _entries(meeting, items):
        index_entry(entry)


def _all_meetings():
    return db.session.execute(
        select(Meeting).order_by(Meeting.id).options(
            selectinload(Meeting.agenda_items).selectinload(AgendaItem.attachments)
            .selectinload(AgendaAttachment.versions))
    ).scalars().all()


def _reindex(kind: str):
    def rows():
        for m in _all_meetings():
            for entry in _entries(m):
                if entry.doc_type == kind:
                    yield entry
    return rows


SOURCES = {
    "meeting": SearchSource("Réunion", _reindex("meeting")),
    "agenda_item": SearchSource("Point d'ordre du jour", _reindex("agenda_item")),
    "attachment": SearchSource("Pièce jointe", _reindex("attachment")),
}
