"""The personal calendar feed's events: the meetings the person may read.

Same rule as the meeting pages (meetings/access.py): convened, held and closed
meetings of the committees the person may read; planned meetings (drafts) only
for the committee's managers and the secretariat. Two queries whatever the
data: the committees (with their invited organisations) and the meetings.
"""
from __future__ import annotations

from datetime import timezone

from flask import has_request_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..directory.access import committee_access
from ..directory.models import Committee
from ..extensions import db
from .models import Meeting, MeetingState


def _visible_committees(principal) -> tuple[set[int], set[int]]:
    """(committees whose published meetings the person reads, committees whose drafts too)."""
    published, drafts = set(), set()
    for committee in db.session.execute(
            select(Committee).options(selectinload(Committee.invited))).scalars():
        rights = committee_access(principal, committee)
        if rights.read_drafts:
            drafts.add(committee.id)
        if rights.read_published or rights.read_drafts:
            published.add(committee.id)
    return published, drafts


def _url(meeting: Meeting) -> str | None:
    if not has_request_context():
        return None
    return url_for("meetings.meeting", meeting_id=meeting.id, _external=True)


def feed_events(user, principal) -> list[dict]:
    if not principal.is_authenticated:
        return []
    published, drafts = _visible_committees(principal)
    if not published:
        return []
    meetings = db.session.execute(
        select(Meeting).where(Meeting.committee_id.in_(sorted(published)))
        .order_by(Meeting.starts_at, Meeting.id)
    ).scalars().all()
    events = []
    for meeting in meetings:
        if meeting.state == MeetingState.PLANNED and meeting.committee_id not in drafts:
            continue
        title = meeting.title if meeting.state != MeetingState.PLANNED else f"[Planifiée] {meeting.title}"
        events.append({
            "uid": meeting.ics_uid,
            "sequence": meeting.ics_sequence,
            "title": title,
            "start": meeting.starts_at.replace(tzinfo=timezone.utc),
            "end": meeting.ends_at.replace(tzinfo=timezone.utc),
            "location": meeting.place or meeting.video_url,
            "description": meeting.description,
            "url": _url(meeting),
        })
    return events
