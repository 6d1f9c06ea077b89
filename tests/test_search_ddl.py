"""The raw full-text DDL on PostgreSQL survives instances confined to their own schema.

An instance whose URL sets ``search_path`` to a private schema must not create the
database-wide ``unaccent`` extension inside that schema: dropping the schema would then
cascade to every other schema's French configuration and ``tsv`` column.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

from erbm_portal.search.ddl import install_search_ddl

URL = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"), reason="PostgreSQL only")


@pytest.fixture
def scratch_database():
    """A database of its own: the test removes and creates the extension, which the suite's database needs."""
    name = f"erbm_ddl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(URL).set(database=name)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _install_in_schema(url, schema: str) -> None:
    with create_engine(url).begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        conn.execute(text(f"SET LOCAL search_path TO {schema}"))
        conn.execute(text("CREATE TABLE search_document (id serial PRIMARY KEY, title text, body text)"))
        install_search_ddl(conn)


def test_dropping_a_confined_schema_leaves_the_others_search_intact(scratch_database):
    _install_in_schema(scratch_database, "instance_a")  # first: the extension does not exist yet
    _install_in_schema(scratch_database, "instance_b")

    engine = create_engine(scratch_database)
    with engine.begin() as conn:
        assert conn.execute(text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'")).scalar_one() == "public"
        conn.execute(text("DROP SCHEMA instance_a CASCADE"))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO instance_b.search_document (title, body) VALUES ('Réhabilitation', 'cités')"))
        found = conn.execute(text(
            "SELECT count(*) FROM instance_b.search_document "
            "WHERE tsv @@ to_tsquery('instance_b.erbm_french', 'rehabilitation')")).scalar_one()
    engine.dispose()
    assert found == 1
