"""The actions table of a plan page, one page of rows at a time.

A plan may hold hundreds of actions (at 100x data, 500 a revision): the page
shows ``PER_PAGE`` of them, with the count and total budget of the whole
revision computed in SQL. Query count is the same whatever the plan's size.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from .models import ActionPartner, PlanAction

PER_PAGE = 25


@dataclass(frozen=True)
class ActionPage:
    actions: list
    values: dict
    number: int
    count: int
    total_budget: Decimal

    @property
    def first(self) -> int:
        return (self.number - 1) * PER_PAGE + 1

    @property
    def last(self) -> int:
        return (self.number - 1) * PER_PAGE + len(self.actions)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PER_PAGE))


def _query(revision_id: int):
    return (select(PlanAction).where(PlanAction.revision_id == revision_id)
            .options(joinedload(PlanAction.lead_organisation),
                     selectinload(PlanAction.partner_links).joinedload(ActionPartner.organisation))
            .order_by(PlanAction.position, PlanAction.id))


def action_with_links(action: PlanAction) -> PlanAction:
    """One action with what its row shows (lead, partners)."""
    return db.session.execute(_query(action.revision_id).where(PlanAction.id == action.id)).unique().scalar_one()


def values_by_action(action_ids) -> dict[int, list]:
    """The indicator targets of each action, as plain rows (indicator name and unit, year, target, actual).

    Rows, not ORM objects: a page of 25 actions shows ~250 of them, and building (and
    identity-mapping) that many entities cost more than the rest of the page.
    """
    from ..indicators.models import Indicator, IndicatorValue

    if not action_ids:
        return {}
    rows = db.session.execute(
        select(IndicatorValue.action_id, Indicator.name.label("indicator_name"), Indicator.unit,
               IndicatorValue.year, IndicatorValue.target, IndicatorValue.actual)
        .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
        .where(IndicatorValue.action_id.in_(list(action_ids)))
        .order_by(IndicatorValue.indicator_id, IndicatorValue.year)
    ).all()
    out: dict[int, list] = {}
    for v in rows:
        out.setdefault(v.action_id, []).append(v)
    return out


def page_of(action: PlanAction) -> int:
    """The page number on which ``action`` is listed."""
    before = db.session.execute(
        select(func.count()).select_from(PlanAction).where(
            PlanAction.revision_id == action.revision_id,
            or_(PlanAction.position < action.position,
                and_(PlanAction.position == action.position, PlanAction.id < action.id)))).scalar_one()
    return before // PER_PAGE + 1


def action_page(revision, number: int | None = None) -> ActionPage:
    count, budget = db.session.execute(
        select(func.count(PlanAction.id), func.coalesce(func.sum(PlanAction.budget_eur), 0))
        .where(PlanAction.revision_id == revision.id)).one()
    pages = max(1, -(-count // PER_PAGE))
    number = min(max(1, number or 1), pages)
    actions = db.session.execute(
        _query(revision.id).limit(PER_PAGE).offset((number - 1) * PER_PAGE)).unique().scalars().all()
    return ActionPage(actions=actions, values=values_by_action([a.id for a in actions]), number=number,
                      count=count, total_budget=Decimal(budget or 0))
