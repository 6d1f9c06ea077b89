"""Raw DDL of the full-text index, shared by the test setup and the migration.

SQLite: an external-content FTS5 table ``search_fts`` (``unicode61
remove_diacritics 2``) over ``search_document``, kept in sync by triggers.
PostgreSQL: the ``unaccent`` extension, a text search configuration
``erbm_french`` (french + unaccent), a generated ``tsv`` column and its GIN
index.

Call ``install_search_ddl(connection)`` after ``search_document`` exists
(after ``create_all`` in tests; in the migration that creates the table, with
``op.get_bind()``), and ``drop_search_ddl(connection)`` before dropping it.
Idempotent. On SQLite, a batch migration that recreates ``search_document``
drops its triggers: call ``install_search_ddl`` again afterwards.
"""
from __future__ import annotations

from sqlalchemy import text

FTS_TABLE = "search_fts"
PG_CONFIG = "erbm_french"
PG_INDEX = "ix_search_document_tsv"

_SQLITE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        title, body, content='search_document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    f"""CREATE TRIGGER IF NOT EXISTS search_document_fts_ai AFTER INSERT ON search_document BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_document_fts_ad AFTER DELETE ON search_document BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_document_fts_au AFTER UPDATE ON search_document BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    # Resynchronise with whatever search_document holds (e.g. rows copied by a batch migration).
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]

_PG_TSV = (
    f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, coalesce(title, '')), 'A') || "
    f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, coalesce(body, '')), 'B')"
)


def _pg_statements(unaccent_schema: str) -> list[str]:
    return [
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_ts_config
                           WHERE cfgname = '{PG_CONFIG}' AND cfgnamespace = current_schema()::regnamespace) THEN
                CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = pg_catalog.french);
                ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG}
                    ALTER MAPPING FOR hword, hword_part, word WITH "{unaccent_schema}".unaccent, french_stem;
            END IF;
        END $$""",
        f"ALTER TABLE search_document ADD COLUMN IF NOT EXISTS tsv tsvector "
        f"GENERATED ALWAYS AS ({_PG_TSV}) STORED",
        f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON search_document USING gin (tsv)",
    ]


def install_search_ddl(connection) -> None:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for stmt in _SQLITE:
            connection.exec_driver_sql(stmt)
    elif dialect == "postgresql":
        # The extension is database-wide: pin it to ``public`` so that an instance confined to its own
        # schema (search_path) never buries it there, where dropping that schema would cascade to every
        # other schema's French configuration and ``tsv`` column.
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public"))
        schema = connection.execute(text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'")).scalar_one()
        for stmt in _pg_statements(schema):
            connection.exec_driver_sql(stmt)
    else:  # pragma: no cover
        raise RuntimeError(f"full-text search not supported on {dialect}")


def drop_search_ddl(connection) -> None:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for trigger in ("ai", "ad", "au"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS search_document_fts_{trigger}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif dialect == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")
        connection.exec_driver_sql("ALTER TABLE IF EXISTS search_document DROP COLUMN IF EXISTS tsv")
        connection.exec_driver_sql(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}")


def include_name(name, type_, parent_names) -> bool:
    """Alembic filter: the raw full-text objects are not part of the models."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ == "column":
        return not (parent_names.get("table_name") == "search_document" and name == "tsv")
    if type_ == "index":
        return name != PG_INDEX
    return True
