"""Opening sign-off rounds and recording each organisation's decision.

Races: ``decide`` locks the round row first (FOR UPDATE on PostgreSQL; on
SQLite the write transaction already began IMMEDIATE), so decisions on one
round are serialised: two signatories of one organisation cannot both sign,
and when every organisation approves at once the round closes exactly once.
The party update is also a compare-and-set on ``decision = pending``.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..accounts.models import Role
from ..audit.services import record, record_now
from ..core.db import utcnow
from ..core.errors import ServiceError
from ..directory.models import Organisation
from ..extensions import db
from .models import Decision, Fingerprint, RoundState, SignoffParty, SignoffRound
from .subjects import handler_for


def canonical_json(data) -> str:
    """Deterministic serialisation of submitted content: what is hashed and stored."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def sha256_hex(content: str | bytes) -> str:
    if isinstance(content, str):
        content = content.encode("utf-8")
    return hashlib.sha256(content).hexdigest()


def open_round_for(subject_type: str, subject_id: int) -> SignoffRound | None:
    return db.session.execute(
        select(SignoffRound).where(SignoffRound.subject_type == subject_type,
                                   SignoffRound.subject_id == subject_id,
                                   SignoffRound.state == RoundState.OPEN)
    ).scalar_one_or_none()


def open_round(subject_type: str, subject_id: int, *, title: str, content: str,
               organisation_ids: list[int], opened_by=None, opened_at=None) -> SignoffRound:
    """Start a round on the exact `content` (canonical text) for the named organisations.

    ``opened_at`` (naive UTC) defaults to now; it is given when recording a past round.
    """
    handler_for(subject_type)  # unknown subject types fail loudly
    if open_round_for(subject_type, subject_id) is not None:
        raise ServiceError("Un circuit de validation est déjà en cours pour ce document.")
    ids = list(dict.fromkeys(organisation_ids))
    if not ids:
        raise ServiceError("Choisissez au moins une organisation appelée à valider.", field="organisations")
    orgs = db.session.execute(select(Organisation).where(Organisation.id.in_(ids))).scalars().all()
    if len(orgs) != len(ids) or not all(o.active for o in orgs):
        raise ServiceError("Organisation inconnue ou désactivée dans la liste des signataires.",
                           field="organisations")
    digest = sha256_hex(content)
    round_ = SignoffRound(subject_type=subject_type, subject_id=subject_id, title=title[:300],
                          content=content, content_hash=digest, opened_by_id=getattr(opened_by, "id", None),
                          opened_at=opened_at or utcnow())
    round_.parties = [SignoffParty(organisation_id=oid, position=i) for i, oid in enumerate(ids)]
    db.session.add(round_)
    db.session.flush()
    db.session.add(Fingerprint(round_id=round_.id, sha256=digest, label="Contenu soumis (texte canonique)",
                               created_at=round_.opened_at))
    record("signoff.round_opened", round_, summary=title,
           details={"subject_type": subject_type, "subject_id": subject_id, "sha256": digest,
                    "organisation_ids": ids})
    from ..notifications import recipients
    from ..notifications.services import notify

    notify(recipients.signatories_of(ids), "signoff_requested", f"Signature demandée : {title}",
           f"/validations/{round_.id}")
    return round_


def add_fingerprint(round_: SignoffRound, sha256: str, label: str) -> Fingerprint:
    """Register another file (e.g. a Word export) as a faithful copy of the round's content."""
    existing = db.session.execute(
        select(Fingerprint).where(Fingerprint.round_id == round_.id, Fingerprint.sha256 == sha256)
    ).scalar_one_or_none()
    if existing:
        return existing
    fp = Fingerprint(round_id=round_.id, sha256=sha256, label=label)
    db.session.add(fp)
    record("signoff.fingerprint_added", round_, summary=label, details={"sha256": sha256})
    return fp


def _refuse(round_id: int, message: str, **details) -> None:
    record_now("signoff.decision_refused", object_type="signoff_round", object_id=round_id,
               summary=message, details=details)
    raise ServiceError(message)


def _signatory_grant(user, organisation_id: int, today: date):
    for grant in user.grants:
        if grant.role == Role.SIGNATORY and grant.scope_id == organisation_id and grant.is_valid_on(today):
            return grant
    return None


def decide(round_id: int, *, user, organisation_id: int, decision: Decision, comment: str = "",
           today: date | None = None, at=None) -> SignoffRound:
    """Record one organisation's decision on a round, once, by one of its signatories.

    ``at`` (naive UTC) is the moment of the decision, now by default; it is given when
    recording a past decision (e.g. a paper signature). It must not precede the round.
    """
    today = today or date.today()
    comment = (comment or "").strip()
    if decision == Decision.PENDING:
        raise ServiceError("Décision invalide.", field="decision")
    if decision == Decision.CHANGES_REQUESTED and not comment:
        raise ServiceError("Expliquez les modifications demandées.", field="comment")
    round_ = db.session.execute(
        select(SignoffRound).where(SignoffRound.id == round_id).with_for_update()
    ).scalar_one_or_none()
    if round_ is None:
        raise LookupError(round_id)
    if round_.state != RoundState.OPEN:
        _refuse(round_id, "Ce circuit de validation est clos : plus aucune décision n'est possible.",
                organisation_id=organisation_id)
    if user.organisation_id != organisation_id or _signatory_grant(user, organisation_id, today) is None:
        _refuse(round_id, "Vous n'êtes pas signataire pour cette organisation.", organisation_id=organisation_id)
    grant = _signatory_grant(user, organisation_id, today)
    party = db.session.execute(
        select(SignoffParty).where(SignoffParty.round_id == round_id,
                                   SignoffParty.organisation_id == organisation_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if party is None:
        _refuse(round_id, "Votre organisation n'est pas appelée à valider ce document.",
                organisation_id=organisation_id)
    if party.decision != Decision.PENDING:
        _refuse(round_id, "Votre organisation a déjà rendu sa décision sur ce document.",
                organisation_id=organisation_id)
    now = at or utcnow()
    if now < round_.opened_at:
        raise ServiceError("Une décision ne peut pas précéder l'ouverture du circuit.")
    changed = db.session.execute(
        update(SignoffParty)
        .where(SignoffParty.id == party.id, SignoffParty.decision == Decision.PENDING)
        .values(decision=decision, decided_at=now, decided_by_id=user.id, comment=comment,
                decided_as_deputy=grant.is_deputy, signed_hash=round_.content_hash)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        _refuse(round_id, "Votre organisation a déjà rendu sa décision sur ce document.",
                organisation_id=organisation_id)
    db.session.refresh(party)
    record("signoff.approved" if decision == Decision.APPROVED else "signoff.changes_requested", round_,
           actor=user, summary=f"{party.organisation.name} : {party.decision_label}",
           details={"organisation_id": organisation_id, "sha256": round_.content_hash, "comment": comment,
                    "deputy": grant.is_deputy})
    _close_if_decided(round_, party, now)
    return round_


def _close_if_decided(round_: SignoffRound, party: SignoffParty, now) -> None:
    handler = handler_for(round_.subject_type)
    if party.decision == Decision.CHANGES_REQUESTED:
        round_.state, round_.closed_at = RoundState.CHANGES_REQUESTED, now
        record("signoff.round_changes_requested", round_, summary=round_.title,
               details={"organisation_id": party.organisation_id})
        handler.on_changes_requested(round_, party)
        return
    pending = db.session.execute(
        select(SignoffParty.id).where(SignoffParty.round_id == round_.id,
                                      SignoffParty.decision != Decision.APPROVED)
    ).first()
    if pending is None:
        round_.state, round_.closed_at = RoundState.APPROVED, now
        record("signoff.round_approved", round_, summary=round_.title, details={"sha256": round_.content_hash})
        handler.on_approved(round_)


def cancel_round(round_: SignoffRound, *, reason: str) -> None:
    if round_.state != RoundState.OPEN:
        raise ServiceError("Seul un circuit en cours peut être annulé.")
    if not reason.strip():
        raise ServiceError("Indiquez le motif de l'annulation.", field="reason")
    round_.state, round_.closed_at = RoundState.CANCELLED, utcnow()
    record("signoff.round_cancelled", round_, summary=reason.strip())


def rounds_for(subject_type: str, subject_ids: list[int]) -> list[SignoffRound]:
    """Rounds of some subjects with parties, organisations and signatories loaded (constant queries)."""
    if not subject_ids:
        return []
    return db.session.execute(
        select(SignoffRound)
        .where(SignoffRound.subject_type == subject_type, SignoffRound.subject_id.in_(subject_ids))
        .options(selectinload(SignoffRound.parties).selectinload(SignoffParty.organisation),
                 selectinload(SignoffRound.parties).selectinload(SignoffParty.decided_by))
        .order_by(SignoffRound.opened_at, SignoffRound.id)
    ).scalars().all()


def find_by_hash(sha256: str) -> list[tuple[Fingerprint, SignoffRound]]:
    rows = db.session.execute(
        select(Fingerprint, SignoffRound).join(SignoffRound, Fingerprint.round_id == SignoffRound.id)
        .where(Fingerprint.sha256 == sha256.strip().lower())
        .options(selectinload(SignoffRound.parties).selectinload(SignoffParty.organisation),
                 selectinload(SignoffRound.parties).selectinload(SignoffParty.decided_by))
    ).all()
    return [(fp, rnd) for fp, rnd in rows]
