"""Writing and checking the audit trail.

Every service that changes state calls ``record()`` in the same transaction as
the change, so the audit entry and the change commit or roll back together.
``record_now()`` is for events that must survive the request failing
(login failures, refused authorisations): it commits on its own.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from ..core.db import utcnow, write_intent
from ..extensions import db
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(ev: AuditEvent) -> bytes:
    payload = {
        "id": ev.id,
        "created_at": ev.created_at.isoformat(timespec="microseconds"),
        "actor_id": ev.actor_id,
        "actor_email": ev.actor_email,
        "organisation_id": ev.organisation_id,
        "action": ev.action,
        "object_type": ev.object_type,
        "object_id": ev.object_id,
        "summary": ev.summary,
        "details": ev.details,
        "ip": ev.ip,
        "prev_hash": ev.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def compute_hash(ev: AuditEvent) -> str:
    return hashlib.sha256(_canonical(ev)).hexdigest()


def _lock_head() -> AuditHead:
    head = db.session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        db.session.add(head)
        db.session.flush()
    return head


def record(action: str, obj=None, *, summary: str = "", details: dict | None = None,
           actor=None, object_type: str | None = None, object_id: int | None = None) -> AuditEvent:
    """Append an audit event in the current transaction (caller commits)."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    head = _lock_head()
    ev = AuditEvent(
        id=head.last_id + 1,
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", "") or "",
        organisation_id=getattr(actor, "organisation_id", None),
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        summary=summary[:2000],
        details=json.loads(json.dumps(details or {}, default=str)),
        ip=(request.remote_addr or "")[:64] if has_request_context() else "",
        prev_hash=head.last_hash,
    )
    ev.hash = compute_hash(ev)
    head.last_id, head.last_hash = ev.id, ev.hash
    db.session.add(ev)
    return ev


def record_now(action: str, obj=None, **kwargs) -> None:
    """Record and commit at once, outside whatever the request was doing."""
    db.session.rollback()
    with write_intent():
        record(action, obj, **kwargs)
        db.session.commit()


@dataclass
class ChainProblem:
    event_id: int | None
    message: str


def verify_chain(batch_size: int = 2000) -> list[ChainProblem]:
    """Walk the chain in id order; report modified, inserted or deleted rows."""
    problems: list[ChainProblem] = []
    prev_hash, prev_id, last_id = GENESIS, 0, 0
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch_size)
    for ev in db.session.execute(query).scalars():
        if ev.id != prev_id + 1:
            problems.append(ChainProblem(ev.id, f"événements {prev_id + 1} à {ev.id - 1} supprimés"))
        if ev.prev_hash != prev_hash:
            problems.append(ChainProblem(ev.id, f"événement {ev.id} : chaînage rompu (ligne insérée ou précédente supprimée)"))
        if compute_hash(ev) != ev.hash:
            problems.append(ChainProblem(ev.id, f"événement {ev.id} : contenu modifié"))
        prev_hash, prev_id, last_id = ev.hash, ev.id, ev.id
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.last_id != last_id or head.last_hash != prev_hash):
        problems.append(ChainProblem(None, f"fin de chaîne attendue à l'événement {head.last_id}, trouvée à {last_id} (événements finaux supprimés)"))
    return problems
