"""What action plans put in the search index: the actions of each plan's latest revision.

While the plan is not adopted its actions are ``draft`` (the SPEL's co-chairs
and the secretariat); once adopted they are ``published`` to the SPEL
committee's readers. ``index_plan`` runs in the transaction of every change.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..directory.models import Committee
from ..extensions import db
from ..search.models import Audience
from ..search.services import IndexEntry, index_entry, remove_document
from ..search.sources import SearchSource
from .models import ActionPartner, ActionPlan, PlanAction, PlanRevision, PlanState


def _entries(plan: ActionPlan, revision: PlanRevision, committee_id: int | None):
    audience = Audience.PUBLISHED if plan.state == PlanState.ADOPTED else Audience.DRAFT
    for action in revision.actions:
        orgs = [action.lead_organisation.name] + [p.organisation.name for p in action.partner_links]
        yield IndexEntry("plan_action", action.id, title=action.title, url=f"/plans/{plan.id}/actions/{action.id}",
                         audience=audience, body="\n".join([action.description or "", ", ".join(orgs)]),
                         committee_id=committee_id, parent_key=f"action_plan:{plan.id}")


def _committee_ids() -> dict[int, int]:
    return dict(db.session.execute(
        select(Committee.spel_id, Committee.id).where(Committee.spel_id.is_not(None))).all())


def _latest(plan_id: int) -> PlanRevision | None:
    return db.session.execute(
        select(PlanRevision).where(PlanRevision.plan_id == plan_id).order_by(PlanRevision.number.desc()).limit(1)
        .options(selectinload(PlanRevision.actions).selectinload(PlanAction.lead_organisation),
                 selectinload(PlanRevision.actions).selectinload(PlanAction.partner_links)
                 .selectinload(ActionPartner.organisation))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def index_plan(plan: ActionPlan) -> None:
    """(Re)index the actions of the plan's latest revision (same transaction)."""
    db.session.flush()
    remove_document("action_plan", plan.id)  # drops the actions indexed under it
    revision = _latest(plan.id)
    if revision is not None:
        for entry in _entries(plan, revision, _committee_ids().get(plan.spel_id)):
            index_entry(entry)


def _rows():
    committees = _committee_ids()
    for plan in db.session.execute(select(ActionPlan).order_by(ActionPlan.id)).scalars().all():
        revision = _latest(plan.id)
        if revision is not None:
            yield from _entries(plan, revision, committees.get(plan.spel_id))


SOURCES = {"plan_action": SearchSource("Action du plan", _rows)}
