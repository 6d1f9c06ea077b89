"""The main pages measured by ``bench/pages.py`` and ``tests/test_synthetic.py``.

Each page is requested on the biggest object of its kind in the database (the
demo's at 1x, a generated one at 100x: more agenda items, sections, actions),
so that equal query counts at both scales show no per-row query.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..directory.models import Committee
from ..extensions import db
from ..meetings.models import AgendaItem, Meeting
from ..minutes.models import Minutes, MinutesState
from ..plans.models import ActionPlan, PlanAction, PlanRevision
from ..signoff.models import RoundState, SignoffRound

DEMO = "@erbm-demo.fr"


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    login: str  # demo account email


def main_pages() -> list[Page]:
    copil = db.session.execute(select(Committee.id).where(Committee.slug == "copil")).scalar_one()
    items = (select(AgendaItem.meeting_id, func.count().label("n")).group_by(AgendaItem.meeting_id).subquery())
    minutes = db.session.execute(
        select(Minutes.id, Minutes.meeting_id).join(Meeting, Meeting.id == Minutes.meeting_id)
        .join(items, items.c.meeting_id == Meeting.id)
        .where(Meeting.committee_id == copil, Minutes.state == MinutesState.PUBLISHED)
        .order_by(items.c.n.desc(), Meeting.starts_at.desc()).limit(1)).one()
    sizes = (select(PlanAction.revision_id, func.count().label("n")).group_by(PlanAction.revision_id).subquery())
    revision = db.session.execute(
        select(PlanRevision.id, PlanRevision.plan_id, PlanRevision.number)
        .join(sizes, sizes.c.revision_id == PlanRevision.id)
        .join(SignoffRound, (SignoffRound.subject_type == "action_plan") & (SignoffRound.subject_id == PlanRevision.id)
              & (SignoffRound.state == RoundState.APPROVED))  # an adopted plan, like the demo's Béthune plan
        .order_by(sizes.c.n.desc(), PlanRevision.id.desc()).limit(1)).one()
    round_id = db.session.execute(
        select(SignoffRound.id).where(SignoffRound.subject_type == "action_plan",
                                      SignoffRound.subject_id == revision.id)
        .order_by(SignoffRound.id.desc()).limit(1)).scalar_one()
    plan_id = db.session.execute(select(ActionPlan.id).where(ActionPlan.id == revision.plan_id)).scalar_one()
    return [
        Page("tableau de bord", "/", f"partenaire{DEMO}"),
        Page("comité (COPIL)", f"/comites/{copil}", f"secretariat{DEMO}"),
        Page("réunion", f"/reunions/{minutes.meeting_id}", f"secretariat{DEMO}"),
        Page("relevé de décisions", f"/releves/{minutes.id}", f"secretariat{DEMO}"),
        Page("plan d'action", f"/plans/{plan_id}?revision={revision.number}", f"secretariat{DEMO}"),
        Page("grille de validation", f"/validations/{round_id}", f"signataire.etat{DEMO}"),
        Page("recherche", "/recherche?q=insertion", f"membre.lens{DEMO}"),
    ]
