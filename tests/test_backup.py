"""`erbm backup` while the app writes, then `erbm restore`: every row and the audit chain come back."""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from erbm_portal import create_app
from erbm_portal.audit.models import AuditEvent
from erbm_portal.audit.services import verify_chain
from erbm_portal.directory import services as directory
from erbm_portal.directory.models import Organisation, OrgKind
from erbm_portal.extensions import db as _db

SCHEMA = "erbm_backup_check"


def _isolated_url(tmp_path) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if url.startswith("postgresql"):
        from .test_multi_instance import _own_schema
        return _own_schema(url, SCHEMA)
    return f"sqlite:///{tmp_path / 'live.sqlite3'}"


def test_backup_under_writes_then_restore(tmp_path):
    url = _isolated_url(tmp_path)
    if url.startswith("postgresql") and not __import__("shutil").which("pg_dump"):
        pytest.skip("pg_dump not installed")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    runner = app.test_cli_runner()
    with app.app_context():
        _db.create_all()
        for i in range(20):
            directory.create_organisation(name=f"Avant sauvegarde {i}", short_name="", kind=OrgKind.PARTENAIRE,
                                          subtype="autre")
        _db.session.commit()

    stop = threading.Event()
    written = []

    def writer():
        with app.app_context():
            i = 0
            while not stop.is_set() and i < 200:
                directory.create_organisation(name=f"Pendant {i}", short_name="", kind=OrgKind.PARTENAIRE,
                                              subtype="autre")
                _db.session.commit()
                written.append(i)
                i += 1
            _db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = runner.invoke(args=["erbm", "backup", str(tmp_path / "snapshot.bak")])
    finally:
        stop.set()
        thread.join(60)
    assert result.exit_code == 0, result.output
    assert written, "the writer should have written during the test"

    with app.app_context():
        total_after = _db.session.execute(select(func.count()).select_from(Organisation)).scalar()
        restored = runner.invoke(args=["erbm", "restore", "--yes", str(tmp_path / "snapshot.bak")])
        assert restored.exit_code == 0, restored.output
        orgs = _db.session.execute(select(Organisation.name)).scalars().all()
        assert {f"Avant sauvegarde {i}" for i in range(20)} <= set(orgs)
        assert len(orgs) <= total_after
        events = _db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
        assert events == len(orgs)  # one audit event per organisation, consistent snapshot
        assert verify_chain() == []
        verify = runner.invoke(args=["erbm", "audit-verify"])
        assert verify.exit_code == 0, verify.output
        _db.session.remove()
        _db.engine.dispose()
