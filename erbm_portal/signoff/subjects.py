"""What a round is about. A domain that uses sign-off rounds declares a handler
per subject type in its own ``<domain>/signoff_subject.py`` as ``HANDLERS``.
"""
from __future__ import annotations

import importlib
import importlib.util
from typing import Protocol


class SubjectHandler(Protocol):
    label: str  # e.g. "plan d'action", shown in French

    def can_view(self, principal, subject_id: int) -> bool: ...

    def url(self, subject_id: int) -> str: ...

    def on_approved(self, round_) -> None: ...  # same transaction as the last approval

    def on_changes_requested(self, round_, party) -> None: ...


_registry: dict[str, SubjectHandler] = {}
_loaded = False


def register(subject_type: str, handler: SubjectHandler) -> None:
    _registry[subject_type] = handler


def _load_domain_handlers() -> None:
    global _loaded
    if _loaded:
        return
    from ..domains import DOMAINS

    for domain in DOMAINS:
        name = f"erbm_portal.{domain}.signoff_subject"
        if importlib.util.find_spec(name):
            for subject_type, handler in importlib.import_module(name).HANDLERS.items():
                _registry.setdefault(subject_type, handler)
    _loaded = True


def handler_for(subject_type: str) -> SubjectHandler:
    _load_domain_handlers()
    try:
        return _registry[subject_type]
    except KeyError:
        raise LookupError(f"no sign-off subject handler for {subject_type!r}") from None
