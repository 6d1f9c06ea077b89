"""`flask db upgrade` builds the schema, and the models and migrations agree."""
from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from erbm_portal import create_app
from erbm_portal.config import PROJECT_ROOT
from erbm_portal.extensions import db as _db

SCHEMA = "erbm_migration_check"


def _migration_db_url(tmp_path) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}options=-csearch_path%3D{SCHEMA}"
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


@pytest.fixture
def migrated_app(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _migration_db_url(tmp_path)})
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        yield app
        _db.session.remove()
        _db.engine.dispose()


def test_upgrade_builds_every_table(migrated_app):
    tables = set(inspect(_db.engine).get_table_names())
    assert set(_db.metadata.tables) <= tables


def test_models_and_migrations_agree(migrated_app):
    with _db.engine.connect() as conn:
        opts = dict(migrated_app.extensions["migrate"].configure_args)  # include_name of search.ddl
        ctx = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(ctx, _db.metadata)
    assert diff == [], f"run `flask --app wsgi db migrate`: pending changes {diff}"


def test_downgrade_to_base_and_back(migrated_app):
    directory = str(PROJECT_ROOT / "migrations")
    downgrade(directory=directory, revision="base")
    assert not (set(inspect(_db.engine).get_table_names()) & set(_db.metadata.tables))
    upgrade(directory=directory)
    assert set(_db.metadata.tables) <= set(inspect(_db.engine).get_table_names())
