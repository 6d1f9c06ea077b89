"""Where the feed's events come from. The meetings domain provides them.

A domain declares ``erbm_portal/<domain>/calendar_feed.py`` with
``def feed_events(user, principal) -> list[dict]``: the meetings the person is
convened to or may read (their committees), as dicts for
``meetings.ics.build_feed_ics`` (uid, title, start, end as aware datetimes,
and optionally sequence, location, description, url, cancelled). It must apply
the same visibility rules as the meeting pages.
"""
from __future__ import annotations

import importlib
import importlib.util
from typing import Callable

Provider = Callable[[object, object], list]
_providers: list[Provider] = []
_loaded = False


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def unregister(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    from ..domains import DOMAINS

    for domain in DOMAINS:
        name = f"erbm_portal.{domain}.calendar_feed"
        if importlib.util.find_spec(name):
            register(importlib.import_module(name).feed_events)
    _loaded = True


def events_for(user, principal) -> list[dict]:
    _load()
    events: list[dict] = []
    for provider in _providers:
        events.extend(provider(user, principal))
    return sorted(events, key=lambda e: e["start"])
