"""Flask-Login user loader: the session id carries the user's session version."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from .models import User


def load_user(session_id: str) -> User | None:
    try:
        user_id, version = (int(x) for x in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.execute(
        select(User)
        .where(User.id == user_id)
        .options(selectinload(User.grants), joinedload(User.organisation))
    ).scalar_one_or_none()
    if user is None or not user.active or user.session_version != version:
        return None
    return user
