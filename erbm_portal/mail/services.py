"""Queue mail in the caller's transaction; send it after commit, at most once per message.

``queue()`` adds an outbox row to the current session: the message exists only
if the change that caused it commits. ``send_pending()`` claims due rows one by
one with a conditional UPDATE (pending -> sending, committed before sending), so
two workers never send the same row; a failure puts the row back to pending
with an exponential backoff, until MAIL_MAX_ATTEMPTS.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app, g, has_request_context
from sqlalchemy import select, update

from ..core.db import utcnow, write_intent
from ..extensions import db
from . import backends
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger("erbm.mail")
BACKOFF_BASE = timedelta(minutes=1)
_on_sent: dict[str, Callable[[int, datetime], None]] = {}


def on_sent(related_type: str):
    """Register a callback run (in the sending transaction) when a message about `related_type` is sent."""
    def register(fn):
        _on_sent[related_type] = fn
        return fn
    return register


def queue(*, recipient: str, subject: str, body: str, ics: bytes | None = None, ics_method: str = "REQUEST",
          related_type: str = "", related_id: int | None = None) -> OutboxMessage:
    row = OutboxMessage(recipient=recipient, subject=subject[:300], body_text=body, ics=ics,
                        ics_method=ics_method, related_type=related_type, related_id=related_id,
                        status=OutboxStatus.PENDING, next_attempt_at=utcnow())
    db.session.add(row)
    if has_request_context():
        g.erbm_mail_queued = True
    return row


def queue_mail(user, subject: str, body: str) -> OutboxMessage:
    """Notifications' email backend (``NOTIFICATION_EMAIL_BACKEND``): queue in the caller's transaction."""
    return queue(recipient=user.email, subject=subject, body=body, related_type="notification")


def backoff(attempts: int) -> timedelta:
    return BACKOFF_BASE * (2 ** max(attempts - 1, 0))


def _claim(row_id: int, now: datetime) -> bool:
    with write_intent():
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        )
        db.session.commit()
    return result.rowcount == 1


def send_pending(now: datetime | None = None, limit: int = 100) -> dict:
    """Send the due messages; returns counts {sent, failed, retry}."""
    now = now or utcnow()
    max_attempts = current_app.config.get("MAIL_MAX_ATTEMPTS", 6)
    stats = {"sent": 0, "failed": 0, "retry": 0}
    due = db.session.execute(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id).limit(limit)
    ).scalars().all()
    db.session.commit()
    for row_id in due:
        if not _claim(row_id, now):
            continue  # another worker took it
        row = db.session.get(OutboxMessage, row_id)
        try:
            backends.send(backends.build_message(row))
        except Exception as exc:  # noqa: BLE001 — any backend failure is retried
            log.warning("Échec d'envoi du courriel %s à %s : %s", row.id, row.recipient, exc)
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= max_attempts:
                row.status = OutboxStatus.FAILED
                stats["failed"] += 1
            else:
                row.status = OutboxStatus.PENDING
                row.next_attempt_at = now + backoff(row.attempts)
                stats["retry"] += 1
        else:
            row.status, row.sent_at, row.last_error = OutboxStatus.SENT, utcnow(), ""
            callback = _on_sent.get(row.related_type)
            if callback and row.related_id is not None:
                callback(row.related_id, row.sent_at)
            stats["sent"] += 1
        with write_intent():
            db.session.commit()
    return stats


def init_after_response(app) -> None:
    """Optionally send queued mail once the response is out (demo); production uses the CLI worker."""
    @app.after_request
    def _schedule(response):
        enabled = app.config.get("MAIL_SEND_AFTER_RESPONSE")
        if enabled is None:
            enabled = not app.testing
        if enabled and g.get("erbm_mail_queued") and response.status_code < 400:
            def _send():
                with app.app_context():
                    try:
                        send_pending()
                    except Exception:  # noqa: BLE001
                        log.exception("Envoi différé des courriels impossible")
            response.call_on_close(_send)
        return response
