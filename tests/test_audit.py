"""The append-only, hash-chained audit trail, its viewer, CSV export and verification."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select, text, update

from erbm_portal.audit.models import AuditEvent, AuditHead
from erbm_portal.audit.services import record, verify_chain
from erbm_portal.extensions import db as _db


def _events(n=5):
    for i in range(n):
        record("test.event", object_type="thing", object_id=i, summary=f"événement {i}", details={"i": i})
    _db.session.commit()


def test_chain_is_intact_after_writes(db):
    _events()
    assert verify_chain() == []
    rows = _db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert [r.id for r in rows] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))


def test_modified_row_is_detected(db):
    _events()
    _db.session.execute(update(AuditEvent).where(AuditEvent.id == 3).values(summary="falsifié"))
    _db.session.commit()
    problems = verify_chain()
    assert [p.event_id for p in problems] == [3]
    assert "modifié" in problems[0].message


def test_deleted_row_is_detected(db):
    _events()
    _db.session.execute(text("DELETE FROM audit_event WHERE id = 2"))
    _db.session.commit()
    messages = " ".join(p.message for p in verify_chain())
    assert "supprimés" in messages and "2" in messages


def test_deleted_last_rows_are_detected(db):
    _events()
    _db.session.execute(text("DELETE FROM audit_event WHERE id >= 4"))
    _db.session.commit()
    assert any("finaux supprimés" in p.message for p in verify_chain())


def test_inserted_row_is_detected(db):
    _events(3)
    head = _db.session.get(AuditHead, 1)
    forged = AuditEvent(id=4, created_at=head and _db.session.get(AuditEvent, 3).created_at, action="forged",
                        summary="ajout", details={}, prev_hash="f" * 64, hash="e" * 64)
    _db.session.add(forged)
    _db.session.commit()
    problems = verify_chain()
    assert any(p.event_id == 4 for p in problems)


def test_audit_verify_cli(app, db):
    _events()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["erbm", "audit-verify"])
    assert ok.exit_code == 0 and "intègre : 5 événements" in ok.output
    _db.session.execute(update(AuditEvent).where(AuditEvent.id == 2).values(action="autre"))
    _db.session.commit()
    bad = runner.invoke(args=["erbm", "audit-verify"])
    assert bad.exit_code == 1 and "événement 2" in bad.output


def test_refused_access_is_audited(client, login_as):
    login_as("partner")
    assert client.get("/audit/").status_code == 403
    denied = _db.session.execute(select(AuditEvent).where(AuditEvent.action == "access.denied")).scalars().all()
    assert denied and denied[-1].actor_email == "partenaire@erbm-demo.fr"


def test_viewer_filters_and_htmx_fragment(client, login_as):
    login_as("secretariat")
    page = client.get("/audit/?action=auth.login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "auth.login" in html
    assert "user.created" not in html
    fragment = client.get("/audit/?action=user.created", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="audit-results"' in body and "user.created" in body
    assert "HX-Request" in fragment.headers["Vary"]
    restore = client.get("/audit/?action=user", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)
    bad = client.get("/audit/?date_from=2024-05-01&date_to=2024-01-01")
    assert bad.status_code == 422 and "précède" in bad.get_data(as_text=True)


def test_csv_export_neutralises_formulas(client, login_as):
    record("test.event", object_type="thing", object_id=1, summary="=HYPERLINK(\"http://x\")")
    _db.session.commit()
    login_as("admin")
    resp = client.get("/audit/export.csv?action=test.")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "id" and len(rows) == 2
    assert rows[1][7].startswith("'=HYPERLINK")
