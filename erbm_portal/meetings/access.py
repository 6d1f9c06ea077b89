"""Load-and-authorise helpers for meetings, built on the committee rules (directory/access.py).

- read: the committee's managers and the secretariat see every meeting; once
  convened, everyone who may read the committee sees it. A planned meeting is
  a draft: others get 404.
- manage: edit the meeting and its agenda, invitees, convocation, attendance.
- attend: the person is invited (answers the convocation, records their own
  attendance), or manages.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..directory.access import CommitteeAccess, committee_access
from ..directory.models import Committee
from ..extensions import db
from ..web.principal import Principal, current_principal
from .models import Meeting, MeetingState


@dataclass(frozen=True)
class MeetingAccess:
    committee: CommitteeAccess
    read: bool
    manage: bool
    attend: bool
    invitee_id: int | None


def meeting_visible(access: CommitteeAccess, meeting: Meeting) -> bool:
    if access.read_drafts:
        return True
    return access.read_published and meeting.state != MeetingState.PLANNED


def meeting_access(principal: Principal, meeting: Meeting, committee_rights: CommitteeAccess | None = None,
                   invitee_id: int | None = None) -> MeetingAccess:
    rights = committee_rights or committee_access(principal, meeting.committee)
    read = meeting_visible(rights, meeting)
    return MeetingAccess(committee=rights, read=read, manage=read and rights.manage,
                         attend=read and (rights.manage or invitee_id is not None),
                         invitee_id=invitee_id)


def get_meeting_or_404(meeting_id: int, need: str = "read", *, options=()) -> tuple[Meeting, MeetingAccess]:
    """The meeting and the person's rights on it: 404 if not visible, 403 if visible but `need` is missing."""
    meeting = db.session.execute(
        select(Meeting).where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.committee).selectinload(Committee.invited),
                 selectinload(Meeting.committee).selectinload(Committee.spel), *options)
    ).scalar_one_or_none()
    if meeting is None:
        abort(404)
    principal = current_principal()
    from .models import MeetingInvitee

    invitee_id = db.session.execute(
        select(MeetingInvitee.id).where(MeetingInvitee.meeting_id == meeting.id,
                                        MeetingInvitee.user_id == principal.user_id)
    ).scalar_one_or_none() if principal.user_id else None
    access = meeting_access(principal, meeting, invitee_id=invitee_id)
    if not access.read:
        abort(404)
    if not getattr(access, need):
        abort(403)
    return meeting, access
