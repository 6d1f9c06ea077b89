"""Shared fixtures: app, isolated db, client, login_as, query counter.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL (or
TEST_DATABASE_URL) points at one. Each test starts from empty tables.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, text

from erbm_portal import create_app
from erbm_portal.extensions import db as _db
from erbm_portal.search.ddl import install_search_ddl

FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_PARAMS": FAST_HASH,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "memory",
        "SERVER_NAME": None,
    })
    with app.app_context():
        _db.drop_all()
        _reset_alembic_version()
        _db.create_all()
        with _db.engine.begin() as conn:
            install_search_ddl(conn)  # raw full-text DDL, also called by the migration
    yield app


def _reset_alembic_version():
    with _db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _clear_tables():
    _db.session.remove()
    # DELETE beats TRUNCATE on PostgreSQL for a handful of small tables.
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def db(app):
    """Empty tables, an app context, and cleanup after the test."""
    from erbm_portal.extensions import limiter

    with app.app_context():
        _clear_tables()
        limiter.reset()
        yield _db
        _db.session.rollback()
        _db.session.remove()


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Without this, the app context pushed by the ``db`` fixture would be reused by
    every request, sharing ``g`` (signed-in user, CSRF token) and the DB session.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction first: the request must see what the
        # test wrote, and must not wait on the test's SQLite write lock.
        _db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app, db):
    app.test_client_class = FreshContextClient
    return app.test_client()


_demo_snapshot: dict[str, list[dict]] | None = None


@pytest.fixture
def demo(db):
    """The demo data set (organisations, SPEL, committees, one account per role, domain demos).

    Seeded through the services once per run, then restored from a snapshot of
    its rows: many tests need it and seeding is slow.
    """
    global _demo_snapshot
    from erbm_portal.demo.seed import seed_demo

    tables = _db.metadata.sorted_tables
    if _demo_snapshot is None:
        seed_demo()
        with _db.engine.connect() as conn:
            _demo_snapshot = {t.name: [dict(r._mapping) for r in conn.execute(t.select())] for t in tables}
        return _db
    with _db.engine.begin() as conn:
        for table in tables:
            rows = _demo_snapshot[table.name]
            if rows:
                conn.execute(table.insert(), rows)
        if _db.engine.dialect.name == "postgresql":
            for table in tables:
                if "id" in table.c and _demo_snapshot[table.name]:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f"(SELECT MAX(id) FROM \"{table.name}\"))"))
    return _db


DEMO_LOGINS = {
    "admin": "admin@erbm-demo.fr",
    "secretariat": "secretariat@erbm-demo.fr",
    "co_chair": "sous-prefet.lens@erbm-demo.fr",
    "co_chair_bethune": "sous-prefet.bethune@erbm-demo.fr",
    "member": "membre.lens@erbm-demo.fr",
    "signatory": "signataire.lens-lievin@erbm-demo.fr",
    "partner": "partenaire@erbm-demo.fr",
    "observer": "observateur@erbm-demo.fr",
}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


@pytest.fixture
def login_as(app, client, demo):
    """Sign the test client in as a demo role (or an email); returns the user."""
    from erbm_portal.accounts.services import find_user_by_email

    def _login(who: str, password: str | None = None):
        email = DEMO_LOGINS.get(who, who)
        with client.session_transaction() as sess:
            sess.clear()
        page = client.get("/connexion")
        resp = client.post("/connexion", data={
            "email": email, "password": password or app.config["DEMO_PASSWORD"],
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        })
        assert resp.status_code == 303, f"login failed for {email}: {resp.status_code}"
        return find_user_by_email(email)

    return _login


@pytest.fixture
def csrf(client):
    """A valid CSRF token for the client's current session."""
    def _get(path: str = "/connexion") -> str:
        return csrf_from(client.get(path).get_data(as_text=True))
    return _get


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries():
    counter = QueryCounter()
    event.listen(_db.engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(_db.engine, "before_cursor_execute", counter)


@pytest.fixture
def assert_max_queries():
    @contextmanager
    def _assert(limit: int):
        with count_queries() as counter:
            yield counter
        assert counter.count <= limit, f"{counter.count} queries (> {limit}):\n" + "\n".join(counter.statements)
    return _assert
