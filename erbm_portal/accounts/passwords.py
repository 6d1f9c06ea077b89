"""argon2id password hashing; parameters come from config so tests can go fast."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

# Current OWASP-style defaults of argon2-cffi (argon2id, 64 MiB, t=3, p=4).
DEFAULT_PARAMS = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}


def _hasher() -> PasswordHasher:
    params = current_app.config.get("PASSWORD_HASH_PARAMS") or DEFAULT_PARAMS
    return PasswordHasher(**params)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


# Verifying against this when the email is unknown keeps the timing the same.
def dummy_verify(password: str) -> None:
    cache = current_app.extensions.setdefault("erbm_dummy_hash", {})
    key = repr(current_app.config.get("PASSWORD_HASH_PARAMS"))
    if key not in cache:
        cache[key] = hash_password("timing-equaliser")
    verify_password(cache[key], password)
