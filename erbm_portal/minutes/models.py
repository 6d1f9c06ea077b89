"""Minutes of a meeting (one row per version), their sections and review comments,
numbered decisions and follow-up actions.

A correction of published minutes is a new ``Minutes`` row for the same meeting
(``number`` + 1, ``correction_reason``); earlier versions are never changed.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..directory.models import Committee, Organisation
from ..extensions import db
from ..meetings.models import AgendaItem, Meeting


class MinutesState(str, enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"


MINUTES_STATE_LABELS = {
    MinutesState.DRAFT: "brouillon",
    MinutesState.IN_REVIEW: "en relecture",
    MinutesState.APPROVED: "approuvé",
    MinutesState.PUBLISHED: "publié",
}


class Minutes(db.Model):
    """One version of the relevé de décisions of a meeting."""

    __tablename__ = "minutes"
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="uq_minutes_meeting_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)  # version number, 1 for the first text
    state: Mapped[MinutesState] = mapped_column(
        db.Enum(MinutesState, native_enum=False, length=20), default=MinutesState.DRAFT, index=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("minutes.id"))
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    review_deadline: Mapped[date | None] = mapped_column(Date)  # last day (Europe/Paris) for comments
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship()
    sections: Mapped[list["MinutesSection"]] = relationship(
        back_populates="minutes", order_by="MinutesSection.position", cascade="all, delete-orphan")
    previous: Mapped["Minutes | None"] = relationship(remote_side="Minutes.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        return MINUTES_STATE_LABELS[self.state]

    @property
    def is_published(self) -> bool:
        return self.state == MinutesState.PUBLISHED


class MinutesSection(db.Model):
    """One section of a minutes version: an agenda item, or the free « Divers » section."""

    __tablename__ = "minutes_section"
    __table_args__ = (UniqueConstraint("minutes_id", "position", name="uq_minutes_section_position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    is_misc: Mapped[bool] = mapped_column(default=False)  # « Divers »: optional
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    minutes: Mapped[Minutes] = relationship(back_populates="sections")
    agenda_item: Mapped[AgendaItem | None] = relationship()
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    comments: Mapped[list["MinutesComment"]] = relationship(
        back_populates="section", order_by="MinutesComment.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def key(self) -> str:
        """Follows a section across versions (agenda item, or « divers »)."""
        if self.is_misc:
            return "divers"
        return f"item-{self.agenda_item_id}" if self.agenda_item_id else f"pos-{self.position}"


class MinutesComment(db.Model):
    __tablename__ = "minutes_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("minutes_section.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Random token carried by the form: a double-submitted form creates one comment.
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    section: Mapped[MinutesSection] = relationship(back_populates="comments")
    author = relationship("User", foreign_keys=[author_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])


class DecisionCounter(db.Model):
    """Last decision number used per committee and year; locked FOR UPDATE to allocate."""

    __tablename__ = "decision_counter"
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class Decision(db.Model):
    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("committee_id", "year", "seq", name="uq_decision_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    year: Mapped[int]
    seq: Mapped[int]
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. COPIL-2023-D04
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    committee: Mapped[Committee] = relationship()
    meeting: Mapped[Meeting] = relationship()
    minutes: Mapped[Minutes] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()


class ActionStatus(str, enum.Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


ACTION_STATUS_LABELS = {
    ActionStatus.OPEN: "ouverte",
    ActionStatus.IN_PROGRESS: "en cours",
    ActionStatus.DONE: "réalisée",
    ActionStatus.DROPPED: "abandonnée",
}
OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class FollowUpAction(db.Model):
    __tablename__ = "follow_up_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    owner_person: Mapped[str] = mapped_column(String(120))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(
        db.Enum(ActionStatus, native_enum=False, length=20), default=ActionStatus.OPEN, index=True)
    status_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(default=1)

    committee: Mapped[Committee] = relationship()
    meeting: Mapped[Meeting] = relationship()
    minutes: Mapped[Minutes] = relationship()
    decision: Mapped[Decision | None] = relationship()
    owner_organisation: Mapped[Organisation] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return ACTION_STATUS_LABELS[self.status]

    def is_overdue(self, today: date) -> bool:
        return self.status in OPEN_STATUSES and self.due_date < today
