from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import utcnow
from ..extensions import db


class NotificationKind(str, enum.Enum):
    CONVOCATION_SENT = "convocation_sent"
    AGENDA_CHANGED = "agenda_changed"
    MINUTES_IN_REVIEW = "minutes_in_review"
    MINUTES_PUBLISHED = "minutes_published"
    SIGNOFF_REQUESTED = "signoff_requested"
    CHANGES_REQUESTED = "changes_requested"
    PLAN_ADOPTED = "plan_adopted"
    AGREEMENT_IN_FORCE = "agreement_in_force"
    ACTION_ASSIGNED = "action_assigned"
    ACTION_OVERDUE = "action_overdue"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    NotificationKind.CONVOCATION_SENT: "Convocation à une réunion",
    NotificationKind.AGENDA_CHANGED: "Ordre du jour modifié",
    NotificationKind.MINUTES_IN_REVIEW: "Relevé de décisions soumis à relecture",
    NotificationKind.MINUTES_PUBLISHED: "Relevé de décisions publié",
    NotificationKind.SIGNOFF_REQUESTED: "Validation demandée à votre organisation",
    NotificationKind.CHANGES_REQUESTED: "Modifications demandées",
    NotificationKind.PLAN_ADOPTED: "Plan d'action adopté",
    NotificationKind.AGREEMENT_IN_FORCE: "Version de la convention entrée en vigueur",
    NotificationKind.ACTION_ASSIGNED: "Action de suivi confiée",
    NotificationKind.ACTION_OVERDUE: "Action de suivi en retard",
}


class Channel(str, enum.Enum):
    IN_APP = "in_app"
    EMAIL = "email"
    DIGEST = "digest"

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {
    Channel.IN_APP: "Dans l'intranet seulement",
    Channel.EMAIL: "Courriel immédiat",
    Channel.DIGEST: "Récapitulatif quotidien par courriel",
}

# What a person gets until they choose: an email when something awaits them,
# the daily digest for news.
DEFAULT_CHANNEL = {
    NotificationKind.CONVOCATION_SENT: Channel.EMAIL,
    NotificationKind.AGENDA_CHANGED: Channel.DIGEST,
    NotificationKind.MINUTES_IN_REVIEW: Channel.EMAIL,
    NotificationKind.MINUTES_PUBLISHED: Channel.DIGEST,
    NotificationKind.SIGNOFF_REQUESTED: Channel.EMAIL,
    NotificationKind.CHANGES_REQUESTED: Channel.EMAIL,
    NotificationKind.PLAN_ADOPTED: Channel.DIGEST,
    NotificationKind.AGREEMENT_IN_FORCE: Channel.DIGEST,
    NotificationKind.ACTION_ASSIGNED: Channel.EMAIL,
    NotificationKind.ACTION_OVERDUE: Channel.EMAIL,
}


class EmailState(str, enum.Enum):
    NONE = "none"            # in-app only
    QUEUED = "queued"        # an immediate email was queued with the notification
    DIGEST = "digest"        # waits for the next daily digest
    DIGESTED = "digested"    # included in a digest (or dropped from it: read meanwhile)


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_email_state", "email_state", "user_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(db.Enum(NotificationKind, native_enum=False, length=30))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    email_state: Mapped[EmailState] = mapped_column(
        db.Enum(EmailState, native_enum=False, length=20), default=EmailState.NONE)
    emailed_at: Mapped[datetime | None]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


class NotificationPreference(db.Model):
    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(db.Enum(NotificationKind, native_enum=False, length=30))
    channel: Mapped[Channel] = mapped_column(db.Enum(Channel, native_enum=False, length=20))
