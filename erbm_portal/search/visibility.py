"""The access policy of ``directory.access.committee_access`` as a SQL condition.

A search result is filtered in the query itself, so that nothing (title,
snippet, count) of a document the person may not read ever leaves the
database. ``tests/test_search.py`` checks these conditions against
``committee_access`` for every demo role and committee.
"""
from __future__ import annotations

from sqlalchemy import Select, and_, false, or_, select, true

from ..accounts.models import Role
from ..directory.models import Committee, CommitteeKind, CommitteeOrganisation
from ..web.principal import Principal
from .models import Audience, SearchDocument


def _reads_every_published(principal: Principal) -> bool:
    return principal.is_secretariat or principal.is_admin or principal.has(Role.OBSERVER)


def draft_committees(principal: Principal) -> Select | None:
    """Committees whose drafts the person reads (None: every committee)."""
    if principal.is_secretariat:
        return None
    return select(Committee.id).where(Committee.kind == CommitteeKind.SPEL,
                                      Committee.spel_id.in_(sorted(principal.co_chair_spel_ids)))


def readable_committees(principal: Principal) -> Select:
    """Committees whose published material the person reads (``committee_access.read_published``)."""
    q = select(Committee.id)
    if _reads_every_published(principal):
        return q
    invited = select(CommitteeOrganisation.committee_id).where(
        CommitteeOrganisation.organisation_id == principal.organisation_id)
    return q.where(or_(
        Committee.kind == CommitteeKind.COPIL,
        Committee.id.in_(invited),
        Committee.spel_id.in_(sorted(principal.co_chair_spel_ids)),
        Committee.id.in_(sorted(principal.member_committee_ids)),
    ))


def visibility_clause(principal: Principal, doc=SearchDocument):
    if not principal.is_authenticated:
        return false()
    drafts = draft_committees(principal)
    draft_ok = true() if drafts is None else doc.committee_id.in_(drafts)
    member_ok = doc.committee_id.in_(sorted(principal.member_committee_ids))
    if _reads_every_published(principal):
        published_ok = true()
    else:
        published_ok = or_(doc.committee_id.is_(None), doc.committee_id.in_(readable_committees(principal)))
    return or_(
        and_(doc.audience == Audience.PUBLISHED, published_ok),
        and_(doc.audience == Audience.CIRCULATED, or_(draft_ok, member_ok)),
        and_(doc.audience == Audience.DRAFT, draft_ok),
        and_(doc.audience == Audience.ORGANISATION,
             or_(doc.organisation_id == principal.organisation_id, draft_ok)),
    )
