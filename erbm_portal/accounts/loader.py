"""Flask-Login user loader.

The session id carries the user's session version (bumped to end every session);
the cookie also carries a random id per session, refused once signed out of.
"""
from __future__ import annotations

from flask import session
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from .models import EndedSession, User
from .services import session_id_hash


def load_user(session_id: str) -> User | None:
    try:
        user_id, version = (int(x) for x in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    sid = session.get("sid")
    if not sid:
        return None
    ended = select(EndedSession.sid_hash).where(EndedSession.sid_hash == session_id_hash(sid)).exists()
    row = db.session.execute(
        select(User, ended.label("ended"))
        .where(User.id == user_id)
        .options(selectinload(User.grants), joinedload(User.organisation))
    ).one_or_none()
    if row is None or row.ended:
        return None
    user = row.User
    if not user.active or user.session_version != version:
        return None
    return user
