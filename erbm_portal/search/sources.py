"""Document types of the search, declared by the domains that own them.

A domain declares its types in ``erbm_portal/<domain>/search_source.py`` as
``SOURCES = {"doc_type": SearchSource(label=..., reindex=...)}`` (discovered
like the sign-off subject handlers), and calls ``search.services.index_document``
/ ``remove_document`` in the same transaction as every change that alters a
document's text, url, committee or audience.

What the domains must index (the lead wires these; ``doc_type`` -> audience):

===================  ==========================================================
``meeting``          title, place, description; committee; published once
                     convened (``circulated`` while planned, if circulated to
                     members; else ``draft``). url: the meeting page.
``agenda_item``      title + notes; parent_key ``meeting:<id>``; the meeting's
                     audience. url: meeting page ``#point-<id>``.
``minutes``          title + text of the relevé; ``draft`` -> ``circulated``
                     (in review) -> ``published``; a correction re-indexes.
``decision``         number + text; audience of its minutes.
``follow_up_action`` text + owner; audience of its minutes, or
                     ``organisation`` (owner organisation) while the minutes
                     are not published.
``plan_action``      title, description, lead/partner organisations; plan
                     ``draft`` -> ``published`` once adopted (``circulated``
                     while submitted, if members may read it).
``agreement_article`` article heading + text; committee None; ``draft`` for a
                     version being prepared, ``published`` once in force.
``attachment``       file name (+ description); parent_key of its document;
                     the parent's audience and committee.
===================  ==========================================================

``reindex`` (optional) yields ``services.IndexEntry`` for every current
document of the type; ``flask --app wsgi erbm search-reindex`` uses it.
"""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Callable, Iterable

# Labels of the document types the domains are expected to register; a
# registered SearchSource overrides its entry.
EXPECTED_TYPES = {
    "meeting": "Réunion",
    "agenda_item": "Point d'ordre du jour",
    "minutes": "Relevé de décisions",
    "decision": "Décision",
    "follow_up_action": "Action de suivi",
    "plan_action": "Action du plan",
    "agreement_article": "Article de la convention",
    "attachment": "Pièce jointe",
}


@dataclass(frozen=True)
class SearchSource:
    label: str  # French, shown in results and in the type filter
    reindex: Callable[[], Iterable] | None = None


_registry: dict[str, SearchSource] = {}
_loaded = False


def register(doc_type: str, source: SearchSource) -> None:
    _registry[doc_type] = source


def _load() -> None:
    global _loaded
    if _loaded:
        return
    from ..domains import DOMAINS

    for domain in DOMAINS:
        name = f"erbm_portal.{domain}.search_source"
        if importlib.util.find_spec(name):
            for doc_type, source in importlib.import_module(name).SOURCES.items():
                _registry.setdefault(doc_type, source)
    _loaded = True


def sources() -> dict[str, SearchSource]:
    _load()
    return dict(_registry)


def type_labels() -> dict[str, str]:
    """Every known document type and its French label (expected ones included)."""
    labels = dict(EXPECTED_TYPES)
    labels.update({k: s.label for k, s in sources().items()})
    return labels


def label_for(doc_type: str) -> str:
    return type_labels().get(doc_type, doc_type)
