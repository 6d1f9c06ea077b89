"""Who may do what on a committee: the basis of every meeting/minutes/plan check.

- manage: prepare meetings, agendas, minutes drafts — the secretariat for the
  COPIL, the SPEL's co-chairs for a SPEL committee.
- read drafts: managers, plus the secretariat on every committee (it publishes
  minutes of any committee).
- member: holds a member grant on the committee (reads circulated drafts,
  comments minutes in review, records attendance).
- partner: may read what the committee published — for the COPIL every partner
  of the programme; for a SPEL committee the staff of invited organisations,
  members and co-chairs. Observers and the secretariat read every published item.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import Role
from ..extensions import db
from ..web.principal import Principal, current_principal
from .models import Committee


@dataclass(frozen=True)
class CommitteeAccess:
    manage: bool
    read_drafts: bool
    member: bool
    read_published: bool
    publish: bool  # approve is `manage`


def committee_access(principal: Principal, committee: Committee, invited_org_ids=None) -> CommitteeAccess:
    if not principal.is_authenticated:
        return CommitteeAccess(False, False, False, False, False)
    secretariat = principal.is_secretariat
    if committee.is_copil:
        manage = secretariat
    else:
        manage = principal.has(Role.CO_CHAIR, committee.spel_id)
    member = principal.has(Role.MEMBER, committee.id)
    if invited_org_ids is None:
        invited_org_ids = {link.organisation_id for link in committee.invited}
    if committee.is_copil:
        partner = True
    else:
        partner = principal.organisation_id in invited_org_ids
    read_published = manage or member or partner or secretariat or principal.has(Role.OBSERVER) or principal.is_admin
    return CommitteeAccess(
        manage=manage,
        read_drafts=manage or secretariat,
        member=member,
        read_published=read_published,
        # DESIGN: co-chairs approve their SPEL's minutes; the secretariat publishes any committee's.
        publish=secretariat,
    )


def get_committee_or_404(committee_id: int, need: str = "read_published") -> tuple[Committee, CommitteeAccess]:
    """Load a committee and the person's rights on it; 404 if they may not even see it, 403 if not `need`."""
    committee = db.session.execute(
        select(Committee).where(Committee.id == committee_id)
        .options(selectinload(Committee.invited), selectinload(Committee.spel))
    ).scalar_one_or_none()
    if committee is None:
        abort(404)
    access = committee_access(current_principal(), committee)
    if not access.read_published:
        abort(404)
    if not getattr(access, need):
        abort(403)
    return committee, access


def visible_committee_ids(principal: Principal) -> set[int]:
    """Committees whose published material the person may read (one query)."""
    rows = db.session.execute(
        select(Committee).options(selectinload(Committee.invited), selectinload(Committee.spel))
    ).scalars().all()
    return {c.id for c in rows if committee_access(principal, c).read_published}
