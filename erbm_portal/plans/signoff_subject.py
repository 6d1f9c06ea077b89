"""Action plan revisions as subjects of the shared sign-off rounds."""
from __future__ import annotations

from flask import url_for

from ..extensions import db


class ActionPlanSubject:
    label = "plan d'action"

    def can_view(self, principal, subject_id: int) -> bool:
        from .access import can_view_revision

        return can_view_revision(principal, subject_id)

    def url(self, subject_id: int) -> str:
        from .models import PlanRevision

        revision = db.session.get(PlanRevision, subject_id)
        return url_for("plans.detail", plan_id=revision.plan_id, revision=revision.number)

    def on_approved(self, round_) -> None:
        from .services import on_round_approved

        on_round_approved(round_)

    def on_changes_requested(self, round_, party) -> None:
        from .services import on_round_changes_requested

        on_round_changes_requested(round_, party)


HANDLERS = {"action_plan": ActionPlanSubject()}
