"""Committee meetings and their agendas."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..directory.models import Committee, Organisation
from ..extensions import db
from ..core.idempotency import FormToken  # noqa: F401  (registers the form_token table)


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


class InvitationResponse(str, enum.Enum):
    PENDING = "pending"
    PRESENT = "present"
    EXCUSED = "excused"
    REPRESENTED = "represented"
    REMOTE = "remote"


RESPONSE_LABELS = {
    InvitationResponse.PENDING: "Sans réponse",
    InvitationResponse.PRESENT: "Présent·e",
    InvitationResponse.EXCUSED: "Excusé·e",
    InvitationResponse.REPRESENTED: "Représenté·e",
    InvitationResponse.REMOTE: "À distance",
}


class AttendanceStatus(str, enum.Enum):
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"
    REMOTE = "remote"


ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: "Présent·e",
    AttendanceStatus.EXCUSED: "Excusé·e",
    AttendanceStatus.ABSENT: "Absent·e",
    AttendanceStatus.REMOTE: "À distance",
}


class MeetingInvitee(db.Model):
    """A person invited to a meeting: their answer to the convocation and their attendance."""

    __tablename__ = "meeting_invitee"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    response: Mapped[InvitationResponse] = mapped_column(
        db.Enum(InvitationResponse, native_enum=False, length=20), default=InvitationResponse.PENDING)
    represented_by: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    attendance: Mapped[AttendanceStatus | None] = mapped_column(
        db.Enum(AttendanceStatus, native_enum=False, length=20))
    attendance_recorded_at: Mapped[datetime | None]
    attendance_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="invitees")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def response_label(self) -> str:
        return RESPONSE_LABELS[self.response]

    @property
    def attendance_label(self) -> str:
        return ATTENDANCE_LABELS[self.attendance] if self.attendance else "Non renseignée"


Meeting.invitees = relationship(MeetingInvitee, back_populates="meeting", cascade="all, delete-orphan",
                                order_by=MeetingInvitee.id)


class AgendaAttachment(db.Model):
    """A document linked to an agenda item; each upload of it is a new version."""

    __tablename__ = "agenda_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="attachments")
    versions: Mapped[list["AttachmentVersion"]] = relationship(
        back_populates="attachment", order_by="AttachmentVersion.number.desc()", cascade="all, delete-orphan")

    @property
    def latest(self) -> "AttachmentVersion | None":
        return self.versions[0] if self.versions else None


AgendaItem.attachments = relationship(AgendaAttachment, back_populates="agenda_item",
                                      order_by=AgendaAttachment.id, cascade="all, delete-orphan")


class AttachmentVersion(db.Model):
    """Metadata of one uploaded file; the bytes live in `attachment_blob`, loaded only on download."""

    __tablename__ = "attachment_version"
    __table_args__ = (UniqueConstraint("attachment_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("agenda_attachment.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))
    mimetype: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    attachment: Mapped[AgendaAttachment] = relationship(back_populates="versions")
    uploaded_by = relationship("User")


class AttachmentBlob(db.Model):
    """The bytes of one attachment version, in the database so every app instance sees them."""

    __tablename__ = "attachment_blob"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("attachment_version.id", ondelete="CASCADE"), unique=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class MeetingPackSnapshot(db.Model):
    """The meeting pack exactly as sent with the convocation, with its SHA-256.

    Later changes (agenda, minutes, plans) never alter it: the file people received
    stays downloadable and checkable.
    """

    __tablename__ = "meeting_pack_snapshot"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    ics_sequence: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
