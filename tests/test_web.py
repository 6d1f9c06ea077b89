"""Cross-cutting web behaviour: error pages, htmx fragments, security headers, configuration."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from erbm_portal import create_app
from erbm_portal.accounts.models import Role
from erbm_portal.config import DEV_SECRET_KEY
from erbm_portal.directory.models import Organisation
from erbm_portal.extensions import db as _db
from erbm_portal.web import policy

from . import factories as f
from .conftest import count_queries


def test_not_found_page_is_french(client, login_as):
    login_as("partner")
    resp = client.get("/nulle-part")
    assert resp.status_code == 404
    assert "Page introuvable" in resp.get_data(as_text=True)
    htmx = client.get("/nulle-part", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Retarget"] == "#erbm-alerts" and "<html" not in htmx.get_data(as_text=True)


def test_forbidden_page_is_french(client, login_as):
    login_as("observer")
    resp = client.get("/audit/")
    assert resp.status_code == 403 and "Accès refusé" in resp.get_data(as_text=True)


def test_anonymous_htmx_request_is_redirected_with_hx_redirect(client, db):
    resp = client.get("/", headers={"HX-Request": "true"})
    assert resp.status_code == 204 and resp.headers["HX-Redirect"].startswith("/connexion")


def test_unexpected_error_rolls_back_and_shows_500(app, client, db, monkeypatch):
    def boom():
        from erbm_portal.directory import services
        from erbm_portal.directory.models import OrgKind
        services.create_organisation(name="Ne doit pas exister", short_name="x", kind=OrgKind.PARTENAIRE,
                                     subtype="autre")
        raise RuntimeError("panne simulée")

    app.view_functions["web.healthz"], original = boom, app.view_functions["web.healthz"]
    try:
        resp = client.get("/healthz")
    finally:
        app.view_functions["web.healthz"] = original
    assert resp.status_code == 500
    assert "Aucune modification n&#39;a été enregistrée" in resp.get_data(as_text=True)
    assert _db.session.execute(select(Organisation).filter_by(name="Ne doit pas exister")).first() is None


def test_security_headers(client, db):
    resp = client.get("/connexion")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in resp.headers["Vary"]
    html = resp.get_data(as_text=True)
    assert '<html lang="fr"' in html and "<script>" not in html and " style=" not in html
    assert 'name="htmx-config"' in html and '"allowEval":false' in html


def test_refuses_development_secret_key_outside_demo():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": DEV_SECRET_KEY, "TESTING": False, "ERBM_DEMO": False,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app({"SECRET_KEY": "une-vraie-cle-secrete", "TESTING": False, "ERBM_DEMO": False,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_undeclared_endpoint_stops_the_app(monkeypatch):
    monkeypatch.delitem(policy.ENDPOINTS, "home.dashboard")
    with pytest.raises(RuntimeError, match="home.dashboard"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_sqlite_connection_settings(app, db):
    if _db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with _db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]


def test_concurrent_read_then_write_transactions_do_not_fail(app, db):
    """SQLite: workers reading then writing at once each wait their turn; none gets 'database is locked'."""
    if _db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite locking behaviour (PostgreSQL refuses the stale versions instead)")
    org = f.organisation()
    org_id = org.id
    _db.session.commit()
    barrier = threading.Barrier(4)
    errors = []

    def worker(i):
        with app.app_context():
            try:
                barrier.wait()
                current = _db.session.get(Organisation, org_id)
                current.short_name = f"écrit par {i}"
                _db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the test reports any failure
                errors.append(repr(exc))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    _db.session.expire_all()
    assert _db.session.get(Organisation, org_id).version == 5


def test_dashboard_query_count_does_not_grow_with_data(client, login_as):
    login_as("secretariat")
    client.get("/")
    with count_queries() as small:
        assert client.get("/").status_code == 200
    for _ in range(19):  # 20x the committees and co-chairs
        spel = f.spel()
        f.committee(spel)
        f.user(role=Role.CO_CHAIR, scope_id=spel.id)
        f.user(role=Role.CO_CHAIR, scope_id=spel.id)
    with count_queries() as large:
        page = client.get("/")
        assert page.status_code == 200
    assert large.count == small.count, (small.statements, large.statements)
    assert page.get_data(as_text=True).count("Comité ") >= 20
