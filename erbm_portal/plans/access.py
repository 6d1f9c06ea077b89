"""Who sees which action plan.

- The SPEL's co-chairs and the secretariat see and manage every plan of the SPEL
  (manage = draft and submit; the content itself is editable only in draft).
- Signatories of an organisation called to sign one of the plan's revisions see
  the plan (all its revisions and rounds).
- Once adopted, the plan is visible to every partner of the SPEL committee
  (``directory.access.committee_access(...).read_published``).
- Anyone else gets 404, whatever they guess.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..directory.access import committee_access
from ..directory.models import Committee
from ..extensions import db
from ..signoff.models import SignoffParty, SignoffRound
from ..web.principal import Principal, current_principal
from .models import ActionPlan, PlanRevision, PlanState
from .services import SUBJECT_TYPE, can_manage


@dataclass(frozen=True)
class PlanAccess:
    view: bool
    manage: bool


def _signing_plan_ids(principal: Principal, plan_ids=None) -> set[int]:
    """Plans with a revision whose round calls on the person's organisation, if they sign for it."""
    org_id = principal.organisation_id
    if not principal.is_authenticated or not principal.has_signatory_for(org_id):
        return set()
    q = (select(PlanRevision.plan_id)
         .join(SignoffRound, (SignoffRound.subject_id == PlanRevision.id) & (SignoffRound.subject_type == SUBJECT_TYPE))
         .join(SignoffParty, SignoffParty.round_id == SignoffRound.id)
         .where(SignoffParty.organisation_id == org_id))
    if plan_ids is not None:
        q = q.where(PlanRevision.plan_id.in_(list(plan_ids)))
    return set(db.session.execute(q).scalars())


def _committees_by_spel() -> dict[int, Committee]:
    rows = db.session.execute(select(Committee).where(Committee.spel_id.is_not(None))
                              .options(selectinload(Committee.invited))).scalars()
    return {c.spel_id: c for c in rows}


def plan_access(principal: Principal, plan: ActionPlan, *, signing: set[int], committees: dict) -> PlanAccess:
    if not principal.is_authenticated:
        return PlanAccess(False, False)
    manage = can_manage(principal, plan.spel_id)
    if manage or plan.id in signing:
        return PlanAccess(True, manage)
    if plan.state == PlanState.ADOPTED:
        committee = committees.get(plan.spel_id)
        return PlanAccess(bool(committee and committee_access(principal, committee).read_published), False)
    return PlanAccess(False, False)


def access_for(principal: Principal, plan: ActionPlan) -> PlanAccess:
    manage = can_manage(principal, plan.spel_id)
    if manage:
        return PlanAccess(True, True)
    return plan_access(principal, plan, signing=_signing_plan_ids(principal, [plan.id]),
                       committees=_committees_by_spel() if plan.state == PlanState.ADOPTED else {})


def get_plan_or_404(plan_id: int, need: str = "view") -> tuple[ActionPlan, PlanAccess]:
    plan = db.session.execute(
        select(ActionPlan).where(ActionPlan.id == plan_id)
        .options(selectinload(ActionPlan.spel), selectinload(ActionPlan.revisions))
    ).scalar_one_or_none()
    if plan is None:
        abort(404)
    access = access_for(current_principal(), plan)
    if not access.view:
        abort(404)
    if not getattr(access, need):
        abort(403)
    return plan, access


def visible_plans(principal: Principal) -> list[tuple[ActionPlan, PlanAccess]]:
    plans = db.session.execute(
        select(ActionPlan).options(selectinload(ActionPlan.spel), selectinload(ActionPlan.revisions))
        .order_by(ActionPlan.year.desc(), ActionPlan.spel_id)
    ).scalars().all()
    signing = _signing_plan_ids(principal)
    committees = _committees_by_spel()
    out = []
    for plan in plans:
        access = plan_access(principal, plan, signing=signing, committees=committees)
        if access.view:
            out.append((plan, access))
    return out


def can_view_revision(principal: Principal, revision_id: int) -> bool:
    revision = db.session.get(PlanRevision, revision_id)
    if revision is None:
        return False
    return access_for(principal, revision.plan).view
