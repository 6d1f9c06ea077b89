"""One-time form tokens: a double-clicked "create" submit creates one object.

Create forms carry a random token in a hidden field. The service that creates
the object calls ``use_token(token, obj)`` in the same transaction: the unique
constraint on ``form_token.token`` lets only one transaction through; a second
submission finds the token already used and is sent to the object the first
one created.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .db import utcnow
from .errors import ServiceError

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class FormToken(db.Model):
    __tablename__ = "form_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class DuplicateSubmission(ServiceError):
    def __init__(self, prior: FormToken | None):
        super().__init__("Ce formulaire a déjà été envoyé : l'élément a été créé une seule fois.")
        self.prior = prior


def new_token() -> str:
    return secrets.token_urlsafe(24)


def check_token(token: str | None) -> None:
    """Refuse a missing/malformed token, or one already used (DuplicateSubmission)."""
    if not token or not TOKEN_RE.match(token):
        raise ServiceError("Le formulaire est incomplet : rechargez la page et recommencez.")
    prior = db.session.execute(select(FormToken).where(FormToken.token == token)).scalar_one_or_none()
    if prior is not None:
        raise DuplicateSubmission(prior)


def use_token(token: str, obj) -> None:
    """Mark the token used by `obj`, in the current transaction."""
    check_token(token)
    row = FormToken(token=token, object_type=obj.__tablename__, object_id=obj.id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise DuplicateSubmission(None) from None
