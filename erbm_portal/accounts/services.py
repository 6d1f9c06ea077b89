"""Account mutations: sign-in, lockout, passwords, sessions, users and grants.

Each function checks what it must, writes its audit entry and leaves the
commit to the caller's unit of work (views call ``db.session.commit()``).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from ..audit.services import record, record_now
from ..core.db import read_intent, utcnow
from ..core.errors import ServiceError, StaleEdit
from ..directory.models import Organisation
from ..extensions import db
from .models import ROLE_SCOPE, EndedSession, Grant, Role, ScopeType, User
from .passwords import dummy_verify, hash_password, needs_rehash, verify_password

LOGIN_FAILED = "Adresse électronique ou mot de passe incorrect."


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == normalise_email(email))
    ).scalar_one_or_none()


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None


def authenticate(email: str, password: str) -> LoginResult:
    """Check credentials; one message for every failure so accounts cannot be enumerated.

    The password hash (argon2, deliberately slow) is checked outside any write
    transaction: on SQLite a sign-in would otherwise hold the database's single write
    lock for the whole hash, and a burst of sign-ins would stall every writer.
    """
    with read_intent():
        user = find_user_by_email(email)
        seen = (user.id, user.password_hash, user.locked_until, user.active) if user is not None else None
        db.session.rollback()  # end the read transaction before hashing
    now = utcnow()
    if seen is None:
        dummy_verify(password)
        record_now("auth.login_failed", summary="adresse inconnue", details={"email": normalise_email(email)[:254]})
        return LoginResult(None, LOGIN_FAILED)
    user_id, stored_hash, locked_until, active = seen
    if locked_until and locked_until > now:
        dummy_verify(password)
        user = db.session.get(User, user_id)
        record_now("auth.login_locked", user, actor=user, summary="compte verrouillé temporairement")
        return LoginResult(None, LOGIN_FAILED)
    if not verify_password(stored_hash, password) or not active:
        _register_failure(db.session.get(User, user_id))
        return LoginResult(None, LOGIN_FAILED)
    new_hash = hash_password(password) if needs_rehash(stored_hash) else None
    user = db.session.get(User, user_id)  # the write transaction starts here
    if user is None or not user.active or user.password_hash != stored_hash:
        return LoginResult(None, LOGIN_FAILED)  # deactivated or password changed meanwhile
    if new_hash:
        user.password_hash = new_hash
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record("auth.login", user, actor=user, summary="connexion réussie")
    db.session.commit()
    return LoginResult(user)


def _register_failure(user: User) -> None:
    cfg = current_app.config
    db.session.rollback()
    user = db.session.get(User, user.id, with_for_update=True)
    user.failed_logins += 1
    details = {"failed_logins": user.failed_logins}
    if user.failed_logins >= cfg["LOCKOUT_THRESHOLD"]:
        user.locked_until = utcnow() + timedelta(minutes=cfg["LOCKOUT_MINUTES"])
        user.failed_logins = 0
        details["locked_until"] = user.locked_until.isoformat()
    record("auth.login_failed", user, actor=user, summary="mot de passe incorrect ou compte désactivé", details=details)
    db.session.commit()


def end_all_sessions(user: User, *, reason: str) -> None:
    user.session_version += 1
    record("auth.sessions_ended", user, summary=reason)


def change_password(user: User, current: str, new: str) -> str | None:
    if not verify_password(user.password_hash, current):
        record_now("auth.password_change_refused", user, summary="mot de passe actuel incorrect")
        return "Le mot de passe actuel est incorrect."
    user.password_hash = hash_password(new)
    end_all_sessions(user, reason="changement de mot de passe")
    record("auth.password_changed", user)
    return None


def new_session_id() -> str:
    """A random id for the session being opened (kept in the signed cookie)."""
    return secrets.token_urlsafe(24)


def session_id_hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def end_session(user: User, sid: str | None) -> None:
    """Sign out of this session: its cookie stays refused until it would have expired anyway."""
    now = utcnow()
    db.session.execute(delete(EndedSession).where(EndedSession.expires_at < now))
    if sid:
        db.session.merge(EndedSession(sid_hash=session_id_hash(sid), user_id=user.id,
                                      expires_at=now + current_app.config["SESSION_ABSOLUTE_TIMEOUT"]))
    record("auth.logout", user, actor=user)


# --- Administration -------------------------------------------------------

def email_taken(email: str, exclude_id: int | None = None) -> bool:
    q = select(User.id).where(func.lower(User.email) == normalise_email(email))
    if exclude_id:
        q = q.where(User.id != exclude_id)
    return db.session.execute(q).first() is not None


def create_user(*, email: str, full_name: str, organisation: Organisation, password: str,
                job_title: str = "") -> User:
    if email_taken(email):
        raise ServiceError("Un compte existe déjà avec cette adresse.", field="email")
    user = User(email=normalise_email(email), full_name=full_name.strip(), job_title=job_title.strip(),
                organisation=organisation, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record("user.created", user, summary=f"{user.full_name} ({user.email})",
           details={"organisation_id": organisation.id})
    return user


def update_user(user: User, *, expected_version: int, email: str, full_name: str, job_title: str,
                organisation: Organisation) -> User:
    if user.version != expected_version:
        raise StaleEdit(user)
    if email_taken(email, exclude_id=user.id):
        raise ServiceError("Un compte existe déjà avec cette adresse.", field="email")
    before = {"email": user.email, "full_name": user.full_name, "organisation_id": user.organisation_id}
    user.email = normalise_email(email)
    user.full_name = full_name.strip()
    user.job_title = job_title.strip()
    moved = user.organisation_id != organisation.id
    user.organisation = organisation
    if moved:
        end_all_sessions(user, reason="changement d'organisation")
        # A signatory signs only for their own organisation: the old signature right ends with the move.
        for grant in [g for g in user.grants if g.role == Role.SIGNATORY and g.scope_id != organisation.id]:
            revoke_grant(grant)
    record("user.updated", user, summary=user.full_name, details={"before": before})
    return user


def set_user_active(user: User, active: bool, *, expected_version: int, actor: User | None = None) -> None:
    if user.version != expected_version:
        raise StaleEdit(user)
    if not active and actor is not None and actor.id == user.id:
        raise ServiceError("Vous ne pouvez pas désactiver votre propre compte.")
    if user.active == active:
        return
    user.active = active
    if not active:
        end_all_sessions(user, reason="désactivation du compte")
    record("user.activated" if active else "user.deactivated", user, summary=user.full_name)


def add_grant(user: User, *, role: Role, scope_id: int | None, valid_from: date | None,
              valid_to: date | None, is_deputy: bool = False, note: str = "") -> Grant:
    if role == Role.PARTNER:
        raise ServiceError("Le rôle partenaire est attribué d'office à tout compte.", field="role")
    scope_type = ROLE_SCOPE[role]
    needs_scope = scope_type not in (ScopeType.PLATFORM, ScopeType.PROGRAMME)
    if needs_scope and scope_id is None:
        raise ServiceError("Choisissez le périmètre de ce rôle.", field="scope")
    if valid_from and valid_to and valid_to < valid_from:
        raise ServiceError("La fin de validité précède le début.", field="valid_to")
    if role == Role.SIGNATORY and scope_id != user.organisation_id:
        raise ServiceError("Un·e signataire ne signe que pour sa propre organisation.", field="scope")
    if needs_scope and role != Role.SIGNATORY and not _scope_exists(scope_type, scope_id):
        raise ServiceError("Périmètre inconnu.", field="scope")
    grant = Grant(user=user, role=role, scope_type=scope_type, scope_id=scope_id if needs_scope else None,
                  valid_from=valid_from, valid_to=valid_to, is_deputy=is_deputy, note=note.strip())
    db.session.add(grant)
    db.session.flush()
    record("grant.added", grant, summary=f"{user.email} : {role.label}",
           details={"user_id": user.id, "role": role.value, "scope_type": scope_type.value, "scope_id": grant.scope_id,
                    "valid_from": valid_from, "valid_to": valid_to})
    return grant


def _scope_exists(scope_type: ScopeType, scope_id: int | None) -> bool:
    from ..directory.models import Committee, Spel

    model = {ScopeType.SPEL: Spel, ScopeType.COMMITTEE: Committee, ScopeType.ORGANISATION: Organisation}.get(scope_type)
    return model is not None and scope_id is not None and db.session.get(model, scope_id) is not None


def revoke_grant(grant: Grant, *, actor: User | None = None) -> None:
    if actor is not None and grant.user_id == actor.id and grant.role == Role.ADMIN:
        raise ServiceError("Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
    record("grant.revoked", grant, summary=f"{grant.user.email} : {grant.role.label}",
           details={"user_id": grant.user_id, "role": grant.role.value, "scope_id": grant.scope_id})
    db.session.delete(grant)
