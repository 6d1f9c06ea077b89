"""Sign-off rounds: several organisations each approve the exact same, hashed content."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..directory.models import Organisation
from ..extensions import db


class RoundState(str, enum.Enum):
    OPEN = "open"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    CANCELLED = "cancelled"


ROUND_STATE_LABELS = {
    RoundState.OPEN: "en cours",
    RoundState.APPROVED: "approuvé par tous",
    RoundState.CHANGES_REQUESTED: "modifications demandées",
    RoundState.CANCELLED: "annulé",
}


class Decision(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


DECISION_LABELS = {
    Decision.PENDING: "en attente",
    Decision.APPROVED: "approuvé",
    Decision.CHANGES_REQUESTED: "modifications demandées",
}


class SignoffRound(db.Model):
    __tablename__ = "signoff_round"
    __table_args__ = (Index("ix_signoff_round_subject", "subject_type", "subject_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    # The exact content submitted, in its canonical serialisation, and its SHA-256.
    # Deferred: up to ~650 KB for a 500-action plan, read only by the download (signoff.content);
    # the plan page and the sign-off grid list rounds without it.
    content: Mapped[str] = mapped_column(Text, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[RoundState] = mapped_column(db.Enum(RoundState, native_enum=False, length=20),
                                              default=RoundState.OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]

    parties: Mapped[list["SignoffParty"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="SignoffParty.position")
    opened_by = relationship("User")

    @property
    def state_label(self) -> str:
        return ROUND_STATE_LABELS[self.state]


class SignoffParty(db.Model):
    """One organisation's place in a round: decided once, by one of its signatories."""

    __tablename__ = "signoff_party"
    __table_args__ = (UniqueConstraint("round_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("signoff_round.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    decision: Mapped[Decision] = mapped_column(db.Enum(Decision, native_enum=False, length=20),
                                               default=Decision.PENDING)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_as_deputy: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    # Hash of the content the signatory saw and approved (equal to the round's).
    signed_hash: Mapped[str | None] = mapped_column(String(64))

    round: Mapped[SignoffRound] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship()
    decided_by = relationship("User")

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.decision]


class Fingerprint(db.Model):
    """A SHA-256 that identifies a round's content: the canonical text, or an exported file of it."""

    __tablename__ = "signoff_fingerprint"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("signoff_round.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[SignoffRound] = relationship()
