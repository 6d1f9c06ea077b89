"""Load-and-authorise helpers for minutes.

Who sees a minutes version:
- draft: the committee's managers and the secretariat (``read_drafts``);
- in review and approved: also the committee's members;
- published: everyone who may read the committee's published material.
A version the person may not see is a 404 (never its content); a visible one
they may not act on is a 403.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..directory.access import CommitteeAccess, committee_access
from ..directory.models import Committee
from ..extensions import db
from ..meetings.models import Meeting
from ..web.principal import current_principal
from .models import FollowUpAction, Minutes, MinutesState

# Rights used by the demo seeder and other system code (no signed-in person).
SYSTEM_ACCESS = CommitteeAccess(manage=True, read_drafts=True, member=False, read_published=True, publish=True)


def can_see(minutes: Minutes, access: CommitteeAccess) -> bool:
    if minutes.state == MinutesState.PUBLISHED:
        return access.read_published
    if minutes.state == MinutesState.DRAFT:
        return access.read_drafts
    return access.read_drafts or access.member


@dataclass(frozen=True)
class MinutesRights:
    """What the person may do on one minutes version (beyond seeing it)."""

    access: CommitteeAccess
    minutes: Minutes

    @property
    def read(self) -> bool:
        return can_see(self.minutes, self.access)

    @property
    def manage(self) -> bool:
        return self.access.manage

    @property
    def publish(self) -> bool:
        return self.access.publish

    @property
    def comment(self) -> bool:
        """Members and managers comment while the minutes are in review."""
        return self.minutes.state == MinutesState.IN_REVIEW and (
            self.access.member or self.access.read_drafts)

    @property
    def see_comments(self) -> bool:
        return self.access.member or self.access.read_drafts

    @property
    def resolve(self) -> bool:
        return self.access.manage

    @property
    def follow_up(self) -> bool:
        """Change the status of follow-up actions."""
        return self.access.manage or self.access.read_drafts


NEEDS = {"read", "manage", "publish", "comment", "resolve", "follow_up"}


def _load(minutes_id: int) -> Minutes | None:
    return db.session.execute(
        select(Minutes).where(Minutes.id == minutes_id)
        .options(joinedload(Minutes.meeting).joinedload(Meeting.committee).selectinload(Committee.invited),
                 joinedload(Minutes.meeting).joinedload(Meeting.committee).joinedload(Committee.spel))
    ).unique().scalar_one_or_none()


def get_minutes_or_404(minutes_id: int, need: str = "read") -> tuple[Minutes, MinutesRights]:
    """The minutes version and the person's rights on it: 404 if not visible, 403 if not `need`."""
    assert need in NEEDS, need
    minutes = _load(minutes_id)
    if minutes is None:
        abort(404)
    rights = MinutesRights(committee_access(current_principal(), minutes.meeting.committee), minutes)
    if not rights.read:
        abort(404)
    if not getattr(rights, need):
        abort(403)
    return minutes, rights


def get_meeting_for_minutes_or_404(meeting_id: int) -> tuple[Meeting, CommitteeAccess]:
    """A meeting the person may see (404 otherwise): its committee is readable, and a planned
    meeting (a draft) only by those who see the committee's drafts, as on the meeting page."""
    from ..meetings.access import meeting_visible

    meeting = db.session.execute(
        select(Meeting).where(Meeting.id == meeting_id)
        .options(joinedload(Meeting.committee).selectinload(Committee.invited),
                 joinedload(Meeting.committee).joinedload(Committee.spel))
    ).unique().scalar_one_or_none()
    if meeting is None:
        abort(404)
    access = committee_access(current_principal(), meeting.committee)
    if not access.read_published or not meeting_visible(access, meeting):
        abort(404)
    return meeting, access


def get_action_or_404(action_id: int) -> tuple[FollowUpAction, MinutesRights]:
    """A follow-up action is visible with its minutes version; changing its status needs `follow_up`."""
    action = db.session.get(FollowUpAction, action_id)
    if action is None:
        abort(404)
    minutes, rights = get_minutes_or_404(action.minutes_id, "read")
    if not rights.follow_up:
        abort(403)
    return action, rights
