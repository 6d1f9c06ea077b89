"""Maintaining the search index, and searching it.

Domains call ``index_document`` / ``remove_document`` in the transaction that
changes the object (no commit here). The full-text index follows by itself
(SQLite triggers, PostgreSQL generated column).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import column, delete, func, insert, literal, literal_column, select, table

from ..core.db import utcnow
from ..directory.models import Committee
from ..extensions import db
from .ddl import FTS_TABLE, PG_CONFIG
from .models import Audience, SearchDocument
from .query import ParsedQuery, fts5_match, parse, pg_tsquery
from .sources import label_for
from .visibility import visibility_clause

MAX_BODY_CHARS = 200_000
MAX_LIMIT = 100
# PostgreSQL's ts_headline re-parses the whole text it is given (~3 ms for an 11,000-character
# minutes body): snippets are taken from the body's beginning. Matches further on still find the
# document; its snippet then shows the opening lines.
PG_SNIPPET_SOURCE_CHARS = 4_000
# Highlight markers: private-use characters, stripped from indexed text, turned
# into <mark> only after the snippet has been HTML-escaped.
START, STOP = "\ue000", "\ue001"
_STRIP = {ord(START): None, ord(STOP): None, 0: None}


@dataclass(frozen=True)
class IndexEntry:
    doc_type: str
    doc_id: int
    title: str
    url: str
    audience: Audience
    body: str = ""
    committee_id: int | None = None
    organisation_id: int | None = None
    parent_key: str | None = None
    updated_at: datetime | None = None


def _clean(value: str | None, limit: int) -> str:
    return (value or "").translate(_STRIP)[:limit]


def index_document(doc_type: str, doc_id: int, *, title: str, url: str, audience: Audience | str,
                   body: str = "", committee_id: int | None = None, organisation_id: int | None = None,
                   parent_key: str | None = None, updated_at: datetime | None = None) -> SearchDocument:
    """Add or update the index entry of one document (same transaction as the change)."""
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError("url must be a path inside the application")
    doc = db.session.execute(
        select(SearchDocument).where(SearchDocument.doc_type == doc_type, SearchDocument.doc_id == doc_id)
    ).scalar_one_or_none()
    if doc is None:
        doc = SearchDocument(doc_type=doc_type, doc_id=doc_id)
        db.session.add(doc)
    doc.title = _clean(title, 300)
    doc.body = _clean(body, MAX_BODY_CHARS)
    doc.url = url[:500]
    doc.audience = Audience(audience)
    doc.committee_id = committee_id
    doc.organisation_id = organisation_id
    doc.parent_key = parent_key
    doc.updated_at = updated_at or utcnow()
    db.session.flush()
    return doc


def index_entry(entry: IndexEntry) -> SearchDocument:
    return index_document(entry.doc_type, entry.doc_id, title=entry.title, url=entry.url,
                          audience=entry.audience, body=entry.body, committee_id=entry.committee_id,
                          organisation_id=entry.organisation_id, parent_key=entry.parent_key,
                          updated_at=entry.updated_at)


def remove_document(doc_type: str, doc_id: int) -> None:
    """Remove a document and whatever was indexed under it (``parent_key`` ``"<type>:<id>"``)."""
    db.session.execute(delete(SearchDocument).where(
        (SearchDocument.doc_type == doc_type) & (SearchDocument.doc_id == doc_id)
        | (SearchDocument.parent_key == f"{doc_type}:{doc_id}")
    ).execution_options(synchronize_session=False))


def reindex_all() -> int:
    """Rebuild the entries of every source that can list its documents."""
    from .sources import sources

    count = 0
    for doc_type, source in sources().items():
        if source.reindex is None:
            continue
        seen = set()
        for entry in source.reindex():
            index_entry(entry)
            seen.add(entry.doc_id)
            count += 1
        stale = delete(SearchDocument).where(SearchDocument.doc_type == doc_type)
        if seen:
            stale = stale.where(SearchDocument.doc_id.not_in(sorted(seen)))
        db.session.execute(stale.execution_options(synchronize_session=False))
    return count


def _row(entry: IndexEntry) -> dict:
    if not entry.url.startswith("/") or entry.url.startswith("//"):
        raise ValueError("url must be a path inside the application")
    return dict(doc_type=entry.doc_type, doc_id=entry.doc_id, title=_clean(entry.title, 300),
                body=_clean(entry.body, MAX_BODY_CHARS), url=entry.url[:500], audience=Audience(entry.audience),
                committee_id=entry.committee_id, organisation_id=entry.organisation_id,
                parent_key=entry.parent_key, updated_at=entry.updated_at or utcnow())


def bulk_reindex(chunk: int = 2_000) -> int:
    """``reindex_all`` for large data sets: the same entries, written by bulk inserts.

    Each listed type's rows are deleted, then inserted again in chunks (one
    statement per chunk instead of a lookup and a flush per document).
    """
    from .sources import sources

    count = 0
    for doc_type, source in sources().items():
        if source.reindex is None:
            continue
        db.session.execute(delete(SearchDocument).where(SearchDocument.doc_type == doc_type)
                           .execution_options(synchronize_session=False))
        batch: list[dict] = []
        for entry in source.reindex():
            batch.append(_row(entry))
            if len(batch) >= chunk:
                db.session.execute(insert(SearchDocument), batch)
                count, batch = count + len(batch), []
        if batch:
            db.session.execute(insert(SearchDocument), batch)
            count += len(batch)
    return count


# --- Searching -------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    doc_type: str
    doc_id: int
    type_label: str
    title: Markup  # escaped, matches in <mark>
    snippet: Markup
    url: str
    committee_id: int | None
    committee_name: str | None
    updated_at: datetime
    rank: float


@dataclass(frozen=True)
class SearchResults:
    query: ParsedQuery
    hits: list[SearchHit]
    total: int
    limit: int
    offset: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.hits) < self.total


def highlight_markup(text: str | None) -> Markup:
    """Escape first, then turn the backend's markers into <mark>: nothing indexed is ever raw HTML."""
    escaped = str(escape(text or ""))
    # A marker cut off by a snippet boundary must not leave an open <mark>.
    if escaped.count(START) != escaped.count(STOP):
        escaped = escaped.replace(START, "").replace(STOP, "")
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))


def search(principal, query: str | ParsedQuery | None, *, types=None, committee_id: int | None = None,
           limit: int = 20, offset: int = 0) -> SearchResults:
    """Documents the person may read that match every word of ``query``, best first.

    Two queries whatever the number of matches: the ranked page with the total, then the page's
    highlights and snippets (a third, a count, only past the last page).
    """
    parsed = query if isinstance(query, ParsedQuery) else parse(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    if parsed.is_empty or not principal.is_authenticated:
        return SearchResults(parsed, [], 0, limit, offset)
    filters = [visibility_clause(principal)]
    if types:
        filters.append(SearchDocument.doc_type.in_(sorted(set(types))))
    if committee_id is not None:
        filters.append(SearchDocument.committee_id == committee_id)
    if db.engine.dialect.name == "postgresql":
        rows, total = _search_postgresql(parsed, filters, limit, offset)
    else:
        rows, total = _search_sqlite(parsed, filters, limit, offset)
    hits = [SearchHit(doc_type=r.doc_type, doc_id=r.doc_id, type_label=label_for(r.doc_type),
                      title=highlight_markup(r.title_hl), snippet=highlight_markup(r.snippet),
                      url=r.url, committee_id=r.committee_id, committee_name=r.committee_name,
                      updated_at=r.updated_at, rank=float(r.rank or 0)) for r in rows]
    return SearchResults(parsed, hits, total, limit, offset)


_fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))


def _ranked(base, score, order_by, limit, offset):
    """Ids and scores of one page, with the number of matches: a single pass over the matches.

    Ranking already visits every readable match (the score of each is needed to find the
    best), so the total comes from the same pass (``count(*) OVER ()``) instead of a second
    count query. Snippets and highlights are computed afterwards, for the page only.
    """
    hits = base.add_columns(score.label("score"), SearchDocument.updated_at.label("updated_at")) \
        .cte("hits").prefix_with("MATERIALIZED")
    rows = db.session.execute(
        select(hits.c.id, hits.c.score, func.count().over().label("total"))
        .order_by(*order_by(hits)).limit(limit).offset(offset)
    ).all()
    if rows:
        return [r.id for r in rows], {r.id: r.score for r in rows}, rows[0].total
    if offset == 0:
        return [], {}, 0
    # Past the last page: the total still has to be shown.
    return [], {}, db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()


def _in_rank_order(rows, ids):
    by_id = {r.id: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def _search_sqlite(parsed, filters, limit, offset):
    fts_col = literal_column(FTS_TABLE)
    match = _fts.c[FTS_TABLE].op("MATCH")(fts5_match(parsed))
    base = (select(SearchDocument.id)
            .select_from(_fts.join(SearchDocument, SearchDocument.id == _fts.c.rowid))
            .where(match, *filters))
    # bm25: lower is better; -bm25 is shown as the rank (higher is better).
    ids, scores, total = _ranked(base, func.bm25(fts_col, 10.0, 1.0),
                                 lambda h: (h.c.score, h.c.updated_at.desc(), h.c.id), limit, offset)
    if not ids:
        return [], total
    rows = db.session.execute(
        select(SearchDocument.id, SearchDocument.doc_type, SearchDocument.doc_id, SearchDocument.url,
               SearchDocument.committee_id, SearchDocument.updated_at, Committee.name.label("committee_name"),
               func.highlight(fts_col, 0, START, STOP).label("title_hl"),
               func.snippet(fts_col, 1, START, STOP, "…", 24).label("snippet"))
        .select_from(_fts.join(SearchDocument, SearchDocument.id == _fts.c.rowid))
        .outerjoin(Committee, Committee.id == SearchDocument.committee_id)
        # "rowid + 0": a plain rowid IN (...) is handed to FTS5 as one lookup per id, and each lookup
        # expands the prefix terms again (~0.6 ms each for a common word); filtering the single MATCH
        # scan instead costs ~1 ms in all. The filters again: nothing unreadable, ever.
        .where(match, (_fts.c.rowid + 0).in_(ids), *filters)
    ).all()
    return [_Hit(r, -scores[r.id]) for r in _in_rank_order(rows, ids)], total


class _Hit:
    """A result row plus its rank (the row's own columns, read by attribute)."""

    def __init__(self, row, rank):
        self._row, self.rank = row, rank

    def __getattr__(self, name):
        return getattr(self._row, name)


def _search_postgresql(parsed, filters, limit, offset):
    from sqlalchemy.dialects.postgresql import REGCONFIG

    config = literal(PG_CONFIG).cast(REGCONFIG)
    tsquery = func.to_tsquery(config, pg_tsquery(parsed))
    tsv = literal_column("search_document.tsv")
    base = select(SearchDocument.id).where(tsv.op("@@")(tsquery), *filters)
    ids, scores, total = _ranked(base, func.ts_rank(tsv, tsquery),
                                 lambda h: (h.c.score.desc(), h.c.updated_at.desc(), h.c.id), limit, offset)
    if not ids:
        return [], total
    doc = SearchDocument
    options = f"StartSel={START}, StopSel={STOP}"
    rows = db.session.execute(
        select(doc.id, doc.doc_type, doc.doc_id, doc.url, doc.committee_id, doc.updated_at,
               Committee.name.label("committee_name"),
               func.ts_headline(config, doc.title, tsquery, options + ", HighlightAll=true").label("title_hl"),
               func.ts_headline(config, func.left(doc.body, PG_SNIPPET_SOURCE_CHARS), tsquery,
                                options + ", MaxWords=30, MinWords=12, MaxFragments=2, "
                                          "FragmentDelimiter=\" … \"").label("snippet"))
        .outerjoin(Committee, Committee.id == doc.committee_id)
        .where(doc.id.in_(ids), *filters)  # the filters again: nothing unreadable, ever
    ).all()
    return [_Hit(r, scores[r.id]) for r in _in_rank_order(rows, ids)], total
