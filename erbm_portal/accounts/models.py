"""People and their rights: a user belongs to one organisation; rights are grants."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import utcnow
from ..directory.models import Organisation
from ..extensions import db


class Role(str, enum.Enum):
    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    CO_CHAIR = "co_chair"
    MEMBER = "member"
    SIGNATORY = "signatory"
    PARTNER = "partner"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "administrateur",
    Role.SECRETARIAT: "secrétariat",
    Role.CO_CHAIR: "co-président·e",
    Role.MEMBER: "membre",
    Role.SIGNATORY: "signataire",
    Role.PARTNER: "partenaire",
    Role.OBSERVER: "observateur",
}


class ScopeType(str, enum.Enum):
    PLATFORM = "platform"
    PROGRAMME = "programme"
    SPEL = "spel"
    COMMITTEE = "committee"
    ORGANISATION = "organisation"


# Which scope each grantable role takes. Partner is the default and needs no grant.
ROLE_SCOPE = {
    Role.ADMIN: ScopeType.PLATFORM,
    Role.OBSERVER: ScopeType.PLATFORM,
    Role.SECRETARIAT: ScopeType.PROGRAMME,
    Role.CO_CHAIR: ScopeType.SPEL,
    Role.MEMBER: ScopeType.COMMITTEE,
    Role.SIGNATORY: ScopeType.ORGANISATION,
}
# Order used to pick the role shown first for a person.
ROLE_PRECEDENCE = [Role.ADMIN, Role.SECRETARIAT, Role.CO_CHAIR, Role.SIGNATORY, Role.MEMBER, Role.OBSERVER]


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    job_title: Mapped[str] = mapped_column(String(160), default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped by logout-everywhere, password change and deactivation: ends every open session.
    session_version: Mapped[int] = mapped_column(default=1)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship()
    grants: Mapped[list["Grant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Grant.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active


class EndedSession(db.Model):
    """A session its owner signed out of: its cookie is refused even if someone kept a copy.

    Sessions live in signed cookies; signing out only clears the browser's copy. The
    cookie carries a random session id whose SHA-256 is stored here at sign-out, until
    the session would have expired anyway (absolute timeout).
    """

    __tablename__ = "ended_session"
    sid_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Grant(db.Model):
    """A role on a scope, valid between two dates (mandates and deputies expire)."""

    __tablename__ = "grant"
    __table_args__ = (Index("ix_grant_scope", "scope_type", "scope_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(db.Enum(Role, native_enum=False, length=20))
    scope_type: Mapped[ScopeType] = mapped_column(db.Enum(ScopeType, native_enum=False, length=20))
    scope_id: Mapped[int | None]
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    is_deputy: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")

    def is_valid_on(self, day: date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_to and day > self.valid_to:
            return False
        return True
