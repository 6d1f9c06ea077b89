"""Notifying people, their preferences, read marks and the daily digest."""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Iterable

from flask import current_app, has_request_context, request
from sqlalchemy import func, select, update

from ..accounts.models import User
from ..audit.services import record
from ..core.db import utcnow
from ..core.errors import ServiceError
from ..extensions import db
from .delivery import deliver_email, is_configured
from .models import (DEFAULT_CHANNEL, KIND_LABELS, Channel, EmailState, Notification, NotificationKind,
                     NotificationPreference)

log = logging.getLogger(__name__)
SUBJECT_PREFIX = "[Intranet ERBM]"


def _base_url() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base and has_request_context():
        base = request.url_root
    return (base or "").rstrip("/")


def _check_url(url: str) -> str:
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        raise ValueError("notification url must be a path inside the application")
    return url[:500]


def preferences_for(user_ids: Iterable[int]) -> dict[int, dict[NotificationKind, Channel]]:
    """Each person's channel per kind, defaults filled in (one query)."""
    ids = sorted(set(user_ids))
    prefs = {uid: dict(DEFAULT_CHANNEL) for uid in ids}
    if ids:
        for p in db.session.execute(
                select(NotificationPreference).where(NotificationPreference.user_id.in_(ids))).scalars():
            prefs[p.user_id][p.kind] = p.channel
    return prefs


def notify(users, kind: NotificationKind | str, title: str, url: str, body: str = "", *,
           email: bool = True) -> list[Notification]:
    """One in-app notification per person; an email or a digest entry as each person chose.

    ``users``: User objects or ids (duplicates and inactive accounts ignored).
    ``email=False``: in-app only, whatever the preferences. No commit here.
    """
    kind = NotificationKind(kind)
    url = _check_url(url)
    ids = [u if isinstance(u, int) else u.id for u in users]
    people = db.session.execute(
        select(User).where(User.id.in_(sorted(set(ids))), User.active.is_(True)).order_by(User.id)
    ).scalars().all()
    prefs = preferences_for(p.id for p in people)
    if email and not is_configured():
        log.error("NOTIFICATION_EMAIL_BACKEND not configured: %s notifications are in-app only", kind.value)
        email = False
    now = utcnow()
    created = []
    for person in people:
        channel = prefs[person.id][kind] if email else Channel.IN_APP
        n = Notification(user_id=person.id, kind=kind, title=title[:300], body=body, url=url, created_at=now,
                         email_state={Channel.IN_APP: EmailState.NONE, Channel.EMAIL: EmailState.QUEUED,
                                      Channel.DIGEST: EmailState.DIGEST}[channel])
        if channel == Channel.EMAIL:
            n.emailed_at = now
            deliver_email(person, f"{SUBJECT_PREFIX} {title}", _email_body(n))
        db.session.add(n)
        created.append(n)
    db.session.flush()
    return created


def _email_body(n: Notification) -> str:
    base = _base_url()
    lines = [n.title, ""]
    if n.body:
        lines += [n.body, ""]
    lines += [f"Consulter : {base}{n.url}", "",
              "Vous recevez ce courriel selon vos préférences de notification :",
              f"{base}/notifications/preferences"]
    return "\n".join(lines)


def set_preferences(user: User, choices: dict) -> None:
    """Record the person's channel for each kind given (kinds not given keep their value)."""
    try:
        wanted = {NotificationKind(k): Channel(v) for k, v in choices.items()}
    except ValueError:
        raise ServiceError("Choix de notification inconnu.") from None
    existing = {p.kind: p for p in db.session.execute(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)).scalars()}
    changed = {}
    for kind, channel in wanted.items():
        pref = existing.get(kind)
        current = pref.channel if pref else DEFAULT_CHANNEL[kind]
        if pref is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel))
        else:
            pref.channel = channel
        if channel != current:
            changed[kind.value] = channel.value
    if changed:
        record("notifications.preferences_changed", user, summary="Préférences de notification",
               details=changed)


def unread_count(user_id: int) -> int:
    return db.session.execute(
        select(func.count(Notification.id)).where(Notification.user_id == user_id,
                                                  Notification.read_at.is_(None))
    ).scalar_one()


def mark_read(notification: Notification) -> bool:
    """True when it was unread."""
    if notification.read_at is not None:
        return False
    notification.read_at = utcnow()
    return True


def mark_all_read(user_id: int) -> int:
    return db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount


def send_digests(now: datetime | None = None) -> int:
    """One email per person with what waited for the digest; returns the number of emails queued.

    Per person: the rows are claimed with a compare-and-set (``digest`` ->
    ``digested``) in the same transaction as the queued email, then committed;
    a concurrent run claims nothing and queues nothing. Notifications already
    read in the intranet are dropped from the digest.
    """
    if not is_configured():
        raise RuntimeError("NOTIFICATION_EMAIL_BACKEND is not configured: no digest sent")
    now = now or utcnow()
    user_ids = db.session.execute(
        select(Notification.user_id).where(Notification.email_state == EmailState.DIGEST)
        .group_by(Notification.user_id).order_by(Notification.user_id)
    ).scalars().all()
    sent = 0
    for user_id in user_ids:
        rows = db.session.execute(
            select(Notification).where(Notification.user_id == user_id,
                                       Notification.email_state == EmailState.DIGEST)
            .order_by(Notification.created_at, Notification.id)
        ).scalars().all()
        ids = [n.id for n in rows]
        claimed = db.session.execute(
            update(Notification).where(Notification.id.in_(ids), Notification.email_state == EmailState.DIGEST)
            .values(email_state=EmailState.DIGESTED, emailed_at=now).execution_options(synchronize_session=False)
        ).rowcount
        user = db.session.get(User, user_id)
        unread = [n for n in rows if n.read_at is None]
        if claimed == len(ids) and unread and user is not None and user.active:
            deliver_email(user, _digest_subject(len(unread)), _digest_body(unread))
            sent += 1
        if claimed != len(ids):
            db.session.rollback()  # another run took some of them: leave the rest to it
            continue
        db.session.commit()
    return sent


def _digest_subject(count: int) -> str:
    return f"{SUBJECT_PREFIX} Récapitulatif : {count} notification{'s' if count > 1 else ''}"


def _digest_body(rows: list[Notification]) -> str:
    from ..core.timeutil import format_datetime_fr

    base = _base_url()
    by_kind = defaultdict(list)
    for n in rows:
        by_kind[n.kind].append(n)
    lines = ["Voici ce qui s'est passé sur l'intranet ERBM depuis votre dernier récapitulatif.", ""]
    for kind in NotificationKind:
        if kind in by_kind:
            lines.append(f"## {KIND_LABELS[kind]}")
            for n in by_kind[kind]:
                lines.append(f"- {n.title} ({format_datetime_fr(n.created_at)}) : {base}{n.url}")
            lines.append("")
    lines += ["Vos préférences de notification :", f"{base}/notifications/preferences"]
    return "\n".join(lines)
