"""Action plans: one per SPEL and year, in numbered revisions of actions."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..directory.models import Organisation, Spel
from ..extensions import db

PROGRAMME_START, PROGRAMME_END = 2017, 2027


class PlanState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ADOPTED = "adopted"


PLAN_STATE_LABELS = {
    PlanState.DRAFT: "brouillon",
    PlanState.SUBMITTED: "soumis à validation",
    PlanState.ADOPTED: "adopté",
}


class Axis(str, enum.Enum):
    HABITAT = "habitat"
    EMPLOI = "emploi"
    FORMATION = "formation"
    MOBILITE = "mobilite"
    SANTE = "sante"
    CULTURE = "culture"


AXIS_LABELS = {
    Axis.HABITAT: "Habitat",
    Axis.EMPLOI: "Emploi",
    Axis.FORMATION: "Formation",
    Axis.MOBILITE: "Mobilité",
    Axis.SANTE: "Santé",
    Axis.CULTURE: "Culture",
}


class ActionStatus(str, enum.Enum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DELAYED = "delayed"
    ABANDONED = "abandoned"


ACTION_STATUS_LABELS = {
    ActionStatus.PLANNED: "à engager",
    ActionStatus.IN_PROGRESS: "en cours",
    ActionStatus.DONE: "réalisée",
    ActionStatus.DELAYED: "en retard",
    ActionStatus.ABANDONED: "abandonnée",
}


class ActionPlan(db.Model):
    """The plan of one SPEL for one year. Its state follows the latest revision's life."""

    __tablename__ = "action_plan"
    __table_args__ = (UniqueConstraint("spel_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    spel_id: Mapped[int] = mapped_column(ForeignKey("spel.id"), index=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[PlanState] = mapped_column(db.Enum(PlanState, native_enum=False, length=20),
                                             default=PlanState.DRAFT, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    adopted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    spel: Mapped[Spel] = relationship()
    revisions: Mapped[list["PlanRevision"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanRevision.number")

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        return PLAN_STATE_LABELS[self.state]


class PlanRevision(db.Model):
    """A numbered content of a plan. Only the latest is editable, and only while the plan is a draft."""

    __tablename__ = "plan_revision"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]

    plan: Mapped[ActionPlan] = relationship(back_populates="revisions")
    actions: Mapped[list["PlanAction"]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="(PlanAction.position, PlanAction.id)")


class PlanAction(db.Model):
    __tablename__ = "plan_action"
    __table_args__ = (
        CheckConstraint("budget_eur >= 0", name="ck_plan_action_budget_positive"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
                        name="ck_plan_action_dates"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("plan_revision.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    axis: Mapped[Axis] = mapped_column(db.Enum(Axis, native_enum=False, length=20))
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    budget_eur: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(db.Enum(ActionStatus, native_enum=False, length=20),
                                                 default=ActionStatus.PLANNED)
    progress_notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    revision: Mapped[PlanRevision] = relationship(back_populates="actions")
    lead_organisation: Mapped[Organisation] = relationship()
    partner_links: Mapped[list["ActionPartner"]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionPartner.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def axis_label(self) -> str:
        return AXIS_LABELS[self.axis]

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS[self.status]

    @property
    def partners(self) -> list[Organisation]:
        return [link.organisation for link in self.partner_links]


class ActionPartner(db.Model):
    __tablename__ = "plan_action_partner"
    __table_args__ = (UniqueConstraint("action_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_action.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)

    action: Mapped[PlanAction] = relationship(back_populates="partner_links")
    organisation: Mapped[Organisation] = relationship()
