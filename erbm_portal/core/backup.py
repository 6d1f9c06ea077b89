"""Consistent snapshots of the database while the app runs, and their restoration.

SQLite: the online backup API copies a consistent snapshot page by page while
other connections keep writing. PostgreSQL: pg_dump (custom format) takes a
consistent snapshot in one transaction; pg_restore brings it back.
"""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from ..extensions import db


class BackupError(RuntimeError):
    pass


def _libpq_url(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} est introuvable : installez le client PostgreSQL (paquet postgresql-client).")
    return path


def _search_path_schema(url) -> str | None:
    options = url.query.get("options") or ""
    if isinstance(options, tuple):
        options = " ".join(options)
    for part in options.split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1].split(",")[0]
    return None


def backup(target: Path) -> Path:
    url = make_url(str(db.engine.url))
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest, pages=256)
        finally:
            dest.close()
            source.close()
        return target
    if url.get_backend_name() == "postgresql":
        args = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)]
        schema = _search_path_schema(url)
        if schema:  # an instance confined to one schema backs up that schema only
            args.insert(1, f"--schema={schema}")
        result = subprocess.run(args, capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip())
        return target
    raise BackupError(f"Base non prise en charge : {url.get_backend_name()}")


def restore(source: Path) -> None:
    url = make_url(str(db.engine.url))
    source = Path(source)
    if not source.exists():
        raise BackupError(f"Fichier introuvable : {source}")
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(source)
        dest = sqlite3.connect(url.database)
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    if url.get_backend_name() == "postgresql":
        result = subprocess.run(
            [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
             "--dbname", _libpq_url(url), str(source)],
            capture_output=True, text=True, timeout=3600)
        if result.returncode != 0:
            raise BackupError(result.stderr.strip())
        return
    raise BackupError(f"Base non prise en charge : {url.get_backend_name()}")
