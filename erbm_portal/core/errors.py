"""Exceptions raised by services and turned into French messages by the views."""
from __future__ import annotations


class ServiceError(Exception):
    """A refused change, with a French message and optionally the form field it concerns."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionRefused(ServiceError):
    """A workflow transition not allowed from the current state."""


class StaleEdit(ServiceError):
    """Someone saved the object after this form was loaded (optimistic locking)."""

    def __init__(self, current, message: str | None = None):
        super().__init__(message or "Quelqu'un a enregistré une modification entre-temps : "
                         "vos changements n'ont pas été enregistrés. Voici la version actuelle.")
        self.current = current
