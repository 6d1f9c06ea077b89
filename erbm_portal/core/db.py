"""Database engine tuning and transaction helpers.

SQLite: WAL, busy_timeout and foreign keys on every connection. pysqlite's own
transaction handling is switched off so that we emit BEGIN ourselves: requests
that may write (anything but GET/HEAD/OPTIONS, CLI commands, or code inside
``write_intent()``) start with BEGIN IMMEDIATE, so two workers writing at once
wait on busy_timeout instead of failing with "database is locked" when a read
transaction tries to upgrade.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import datetime, timezone

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..extensions import db

# True: the next transaction writes; False: it only reads; None: decided by the request method.
_write_intent: contextvars.ContextVar[bool | None] = contextvars.ContextVar("erbm_write_intent", default=None)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _wants_write() -> bool:
    intent = _write_intent.get()
    if intent is not None:
        return intent
    if has_request_context():
        return request.method not in SAFE_METHODS
    return True


@contextmanager
def write_intent():
    """Mark the next transaction as a writer (used by GET requests that must write)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextmanager
def read_intent():
    """Mark the next transaction as a reader, even in a POST request.

    For slow work before the writes (password hashing at sign-in): on SQLite the
    write lock, which serialises every writer of every worker, is then taken only
    for the writes themselves. End the read transaction (rollback/commit) before
    leaving the block; anything written inside it would fail to upgrade.
    """
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")


def commit() -> None:
    db.session.commit()
