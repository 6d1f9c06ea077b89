"""How a notification email leaves: one function, pointed at the outbox.

``deliver_email(user, subject, body)`` must queue the email in the current
transaction (never send it inline). The mail package's ``queue_mail`` is the
intended backend: set ``NOTIFICATION_EMAIL_BACKEND`` to a callable or a
``"module:function"`` path taking ``(user, subject, body)``. Tests install a
fake with ``use_backend``.
"""
from __future__ import annotations

import importlib
import logging
from typing import Callable

from flask import current_app

log = logging.getLogger(__name__)
EmailBackend = Callable[[object, str, str], None]
_override: EmailBackend | None = None


def use_backend(backend: EmailBackend | None) -> None:
    """Install (or with None, remove) a backend that wins over the configuration."""
    global _override
    _override = backend


def _configured() -> EmailBackend | None:
    backend = current_app.config.get("NOTIFICATION_EMAIL_BACKEND")
    if isinstance(backend, str):
        module, _, name = backend.partition(":")
        backend = getattr(importlib.import_module(module), name)
    return backend


def is_configured() -> bool:
    return (_override or _configured()) is not None


def deliver_email(user, subject: str, body: str) -> None:
    backend = _override or _configured()
    if backend is None:
        raise RuntimeError("NOTIFICATION_EMAIL_BACKEND is not configured")
    backend(user, subject, body)
