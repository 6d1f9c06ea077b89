"""Builders shared by the meeting and mail tests (through the services, like the app)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from erbm_portal.core.db import utcnow
from erbm_portal.directory.models import Committee
from erbm_portal.extensions import db
from erbm_portal.meetings import services
from erbm_portal.meetings.models import Meeting

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


def committee(slug: str = "spel-lens") -> Committee:
    return db.session.execute(select(Committee).filter_by(slug=slug)).scalar_one()


def meeting_by_title(title: str) -> Meeting:
    return db.session.execute(select(Meeting).filter_by(title=title)).scalar_one()


def new_meeting(slug: str = "spel-lens", *, days: int = 10, items: int = 0, title: str = "Réunion de test",
                hours: int = 2) -> Meeting:
    start = (utcnow() + timedelta(days=days)).replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = services.create_meeting(committee(slug), title=title, starts_at=start,
                                      ends_at=start + timedelta(hours=hours), place="Salle du conseil")
    for n in range(items):
        services.add_item(meeting, title=f"Point {n + 1}", kind="information", duration=10)
    db.session.commit()
    return meeting


def at_state(state: str, slug: str = "spel-lens") -> Meeting:
    """A meeting brought to `state` through the services."""
    meeting = new_meeting(slug, items=1)
    if state in ("convened", "held", "closed"):
        services.convene_meeting(meeting)
    if state in ("held", "closed"):
        services.mark_held(meeting, now=meeting.starts_at + timedelta(minutes=5))
    if state == "closed":
        services.close_meeting(meeting)
    db.session.commit()
    return meeting


def later(meeting: Meeting, minutes: int = 5) -> datetime:
    return meeting.starts_at + timedelta(minutes=minutes)
