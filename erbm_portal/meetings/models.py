"""Committee meetings and their agendas."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..directory.models import Committee, Organisation
from ..extensions import db


class MeetingState(str, enum.Enum):
    PLANNED = "planned"
    CONVENED = "convened"
    HELD = "held"
    CLOSED = "closed"


MEETING_STATE_LABELS = {
    MeetingState.PLANNED: "planifiée",
    MeetingState.CONVENED: "convoquée",
    MeetingState.HELD: "tenue",
    MeetingState.CLOSED: "close",
}


class AgendaItemKind(str, enum.Enum):
    INFORMATION = "information"
    DISCUSSION = "discussion"
    DECISION = "decision"


AGENDA_KIND_LABELS = {
    AgendaItemKind.INFORMATION: "Information",
    AgendaItemKind.DISCUSSION: "Discussion",
    AgendaItemKind.DECISION: "Décision",
}


class Meeting(db.Model):
    __tablename__ = "meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Stored as naive UTC; shown and entered in Europe/Paris.
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[MeetingState] = mapped_column(
        db.Enum(MeetingState, native_enum=False, length=20), default=MeetingState.PLANNED, index=True)
    ics_uid: Mapped[str] = mapped_column(String(80), unique=True, default=lambda: f"{uuid.uuid4()}@erbm")
    ics_sequence: Mapped[int] = mapped_column(default=0)
    convened_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    committee: Mapped[Committee] = relationship()
    agenda_items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def state_label(self) -> str:
        return MEETING_STATE_LABELS[self.state]


class AgendaItem(db.Model):
    __tablename__ = "agenda_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AgendaItemKind] = mapped_column(db.Enum(AgendaItemKind, native_enum=False, length=20))
    duration_minutes: Mapped[int]
    presenter_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    presenter_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    presenter_organisation: Mapped[Organisation | None] = relationship()
    presenter_user = relationship("User")

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return AGENDA_KIND_LABELS[self.kind]
