"""The partnership agreement: parties, original articles, versions (avenants) and their changes, files.

Version 1 is the original (its articles are ``AgreementArticle`` rows). Version
N+1 is avenant n° N: a list of ``AgreementChange`` rows. The text of a version is
always computed by ``consolidation.consolidate``, never stored retyped.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..core.db import utcnow
from ..directory.models import Organisation
from ..extensions import db


class Agreement(db.Model):
    __tablename__ = "agreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    # Date the original was signed (date of its last signature).
    signed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parties: Mapped[list["AgreementParty"]] = relationship(
        back_populates="agreement", order_by="AgreementParty.position", cascade="all, delete-orphan")
    articles: Mapped[list["AgreementArticle"]] = relationship(
        back_populates="agreement", order_by="AgreementArticle.position", cascade="all, delete-orphan")
    versions: Mapped[list["AgreementVersion"]] = relationship(
        back_populates="agreement", order_by="AgreementVersion.number", cascade="all, delete-orphan")


class AgreementParty(db.Model):
    """A signing organisation of the agreement (each version's round is opened for all of them)."""

    __tablename__ = "agreement_party"
    __table_args__ = (UniqueConstraint("agreement_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship()


class AgreementArticle(db.Model):
    """An article of the original text (version 1)."""

    __tablename__ = "agreement_article"
    __table_args__ = (UniqueConstraint("agreement_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))  # stable across versions
    position: Mapped[int] = mapped_column(default=0)
    number: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown

    agreement: Mapped[Agreement] = relationship(back_populates="articles")


class VersionState(str, enum.Enum):
    DRAFT = "draft"
    SIGNING = "signing"
    IN_FORCE = "in_force"


VERSION_STATE_LABELS = {
    VersionState.DRAFT: "projet",
    VersionState.SIGNING: "en signature",
    VersionState.IN_FORCE: "signée",
}


class AgreementVersion(db.Model):
    """Version ``number`` of the agreement; for number >= 2, avenant n° (number - 1)."""

    __tablename__ = "agreement_version"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300), default="")
    statement: Mapped[str] = mapped_column(Text, default="")  # exposé des motifs (Markdown)
    state: Mapped[VersionState] = mapped_column(
        db.Enum(VersionState, native_enum=False, length=20), default=VersionState.DRAFT, index=True)
    # Set the first time the version is opened for signature: from then on every partner reads it.
    first_opened_at: Mapped[datetime | None]
    in_force_on: Mapped[date | None]  # date of the last signature
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    agreement: Mapped[Agreement] = relationship(back_populates="versions")
    changes: Mapped[list["AgreementChange"]] = relationship(
        back_populates="amendment", order_by="AgreementChange.position", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_original(self) -> bool:
        return self.number == 1

    @property
    def amendment_number(self) -> int | None:
        return None if self.number == 1 else self.number - 1

    @property
    def state_label(self) -> str:
        return VERSION_STATE_LABELS[self.state]

    @property
    def label(self) -> str:
        if self.is_original:
            return "Version 1 (texte initial)"
        return f"Version {self.number} (avenant n° {self.amendment_number})"

    @property
    def is_circulated(self) -> bool:
        """Opened for signature at least once: readable by every partner."""
        return self.first_opened_at is not None


class ChangeOp(str, enum.Enum):
    MODIFY = "modify"
    INSERT = "insert"
    REPEAL = "repeal"


CHANGE_OP_LABELS = {
    ChangeOp.MODIFY: "modification",
    ChangeOp.INSERT: "insertion",
    ChangeOp.REPEAL: "abrogation",
}


class AgreementChange(db.Model):
    """One change of an avenant; maps one-to-one to ``consolidation.Change``."""

    __tablename__ = "agreement_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("agreement_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    op: Mapped[ChangeOp] = mapped_column(db.Enum(ChangeOp, native_enum=False, length=10))
    article_key: Mapped[str] = mapped_column(String(40))
    number: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    after_key: Mapped[str | None] = mapped_column(String(40))

    amendment: Mapped[AgreementVersion] = relationship(back_populates="changes")

    @property
    def op_label(self) -> str:
        return CHANGE_OP_LABELS[self.op]


class FilePurpose(str, enum.Enum):
    ANNEX = "annex"
    SIGNED_COPY = "signed_copy"


class AgreementFile(db.Model):
    """An uploaded file stored in the database: an annex of the agreement or a scanned signed copy.

    To be merged with the meetings attachment storage once both have landed.
    """

    __tablename__ = "agreement_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_version.id", ondelete="CASCADE"),
                                                   index=True)
    purpose: Mapped[FilePurpose] = mapped_column(db.Enum(FilePurpose, native_enum=False, length=20))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    version: Mapped[AgreementVersion | None] = relationship()
    uploaded_by = relationship("User")
