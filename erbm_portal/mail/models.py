"""The mail outbox: messages are written in the transaction that causes them, sent after commit."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import utcnow
from ..extensions import db


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"    # waiting for (re)sending at next_attempt_at
    SENDING = "sending"    # claimed by one worker; never claimed again
    SENT = "sent"
    FAILED = "failed"      # gave up after MAIL_MAX_ATTEMPTS


class OutboxMessage(db.Model):
    __tablename__ = "mail_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    ics: Mapped[bytes | None] = mapped_column(LargeBinary)
    ics_method: Mapped[str] = mapped_column(String(10), default="REQUEST")
    status: Mapped[OutboxStatus] = mapped_column(
        db.Enum(OutboxStatus, native_enum=False, length=10), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    # What the message is about, so its sending can be reflected there (e.g. an invitation's sent_at).
    related_type: Mapped[str] = mapped_column(String(40), default="")
    related_id: Mapped[int | None]
