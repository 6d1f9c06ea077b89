"""What the agreement puts in the search index: the articles of the version in force.

Published (no committee): every partner reads the agreement in force. The
articles are consolidated (original text + signed amendments); each one is
indexed under ``agreement:<id>`` with a stable number derived from its
position. ``index_agreement`` runs when a version enters into force.
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..search.models import Audience
from ..search.services import IndexEntry, index_entry, remove_document
from ..search.sources import SearchSource
from .models import Agreement

PER_AGREEMENT = 10_000  # doc_id = agreement id * PER_AGREEMENT + position


def _entries(agreement: Agreement):
    from .services import safe_text_of, version_in_force

    version = version_in_force(agreement)
    if version is None:
        return
    articles, errors = safe_text_of(agreement, version.number)
    for n, a in enumerate(articles[:PER_AGREEMENT - 1], start=1):
        heading = f"Article {a.number}" + (f" — {a.title}" if a.title else "")
        yield IndexEntry("agreement_article", agreement.id * PER_AGREEMENT + n, title=heading,
                         url=f"/convention/#article-{a.key}", audience=Audience.PUBLISHED, body=a.body,
                         committee_id=None, parent_key=f"agreement:{agreement.id}")


def index_agreement(agreement: Agreement) -> None:
    db.session.flush()
    remove_document("agreement", agreement.id)
    for entry in _entries(agreement):
        index_entry(entry)


def _rows():
    for agreement in db.session.execute(select(Agreement).order_by(Agreement.id)).scalars().all():
        yield from _entries(agreement)


SOURCES = {"agreement_article": SearchSource("Article de la convention", _rows)}
