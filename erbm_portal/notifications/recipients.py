"""Who the domain services notify: user ids from grants and organisations (one query each).

Only active accounts with a grant valid today count; ``notify`` drops inactive
accounts again and de-duplicates.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select

from ..accounts.models import Grant, Role, User
from ..extensions import db


def _valid_today(today: date | None = None):
    today = today or date.today()
    return and_(or_(Grant.valid_from.is_(None), Grant.valid_from <= today),
                or_(Grant.valid_to.is_(None), Grant.valid_to >= today))


def with_grant(role: Role, scope_ids, today: date | None = None) -> list[int]:
    ids = sorted({i for i in scope_ids if i is not None})
    if not ids:
        return []
    return list(db.session.execute(
        select(Grant.user_id).join(User, User.id == Grant.user_id)
        .where(Grant.role == role, Grant.scope_id.in_(ids), User.active.is_(True), _valid_today(today))
        .distinct()
    ).scalars())


def signatories_of(organisation_ids) -> list[int]:
    return with_grant(Role.SIGNATORY, organisation_ids)


def co_chairs_of(spel_id: int | None) -> list[int]:
    return with_grant(Role.CO_CHAIR, [spel_id])


def members_of(committee_id: int) -> list[int]:
    return with_grant(Role.MEMBER, [committee_id])


def users_of(organisation_ids) -> list[int]:
    ids = sorted({i for i in organisation_ids if i is not None})
    if not ids:
        return []
    return list(db.session.execute(
        select(User.id).where(User.organisation_id.in_(ids), User.active.is_(True))).scalars())


def committee_readers(committee) -> list[int]:
    """Bounded: the committee's members, its SPEL's co-chairs and the users of its invited organisations."""
    return sorted(set(members_of(committee.id)) | set(co_chairs_of(committee.spel_id))
                  | set(users_of(link.organisation_id for link in committee.invited)))
