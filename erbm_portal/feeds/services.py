from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, select

from ..accounts.models import User
from ..audit.services import record
from ..core.db import utcnow
from ..extensions import db
from ..meetings.ics import build_feed_ics
from ..web.principal import Principal
from .models import CalendarFeedToken
from .providers import events_for


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def has_feed(user_id: int) -> CalendarFeedToken | None:
    return db.session.execute(
        select(CalendarFeedToken).where(CalendarFeedToken.user_id == user_id)).scalar_one_or_none()


def regenerate_token(user: User) -> str:
    """A new secret (returned once, never stored in clear); the previous URL stops working."""
    token = secrets.token_urlsafe(32)
    existing = has_feed(user.id)
    if existing is None:
        db.session.add(CalendarFeedToken(user_id=user.id, token_sha256=_digest(token)))
    else:
        existing.token_sha256 = _digest(token)
        existing.created_at = utcnow()
    record("feeds.token_regenerated", user, summary="Nouvelle adresse du flux agenda")
    return token


def revoke_token(user: User) -> bool:
    removed = db.session.execute(
        delete(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id)).rowcount
    if removed:
        record("feeds.token_revoked", user, summary="Flux agenda désactivé")
    return bool(removed)


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(User).join(CalendarFeedToken, CalendarFeedToken.user_id == User.id)
        .where(CalendarFeedToken.token_sha256 == _digest(token), User.active.is_(True))
    ).scalar_one_or_none()


def feed_for(user: User) -> bytes:
    return build_feed_ics(events_for(user, Principal.for_user(user)))
