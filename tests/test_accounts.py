"""Sign-in, lockout, throttling, sessions and passwords."""
from __future__ import annotations

import time

from sqlalchemy import select

from erbm_portal.accounts import services
from erbm_portal.accounts.models import User
from erbm_portal.accounts.passwords import hash_password
from erbm_portal.audit.models import AuditEvent
from erbm_portal.extensions import db as _db

from . import factories as f
from .conftest import csrf_from

GENERIC = "Adresse électronique ou mot de passe incorrect."


def _post_login(client, email, password):
    token = csrf_from(client.get("/connexion").get_data(as_text=True))
    return client.post("/connexion", data={"email": email, "password": password, "csrf_token": token})


def _actions():
    return _db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()


def test_login_success_redirects_and_is_audited(client, db):
    user = f.user(email="agent@exemple.fr")
    resp = _post_login(client, "Agent@Exemple.fr ", f.PASSWORD)
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert "auth.login" in _actions()
    _db.session.refresh(user)
    assert user.last_login_at is not None


def test_unknown_email_and_wrong_password_get_the_same_message(client, db):
    f.user(email="agent@exemple.fr")
    unknown = _post_login(client, "inconnu@exemple.fr", f.PASSWORD)
    wrong = _post_login(client, "agent@exemple.fr", "mauvais-mot-de-passe")
    for resp in (unknown, wrong):
        assert resp.status_code == 422
        assert GENERIC.replace("'", "&#39;") in resp.get_data(as_text=True)
    assert unknown.get_data(as_text=True).count("incorrect") == wrong.get_data(as_text=True).count("incorrect")
    assert _actions().count("auth.login_failed") == 2


def test_open_redirect_is_refused(client, db):
    f.user(email="agent@exemple.fr")
    token = csrf_from(client.get("/connexion").get_data(as_text=True))
    resp = client.post("/connexion", data={"email": "agent@exemple.fr", "password": f.PASSWORD,
                                           "csrf_token": token, "next": "//evil.example/x"})
    assert resp.headers["Location"] == "/"


def test_lockout_after_repeated_failures(app, client, db):
    f.user(email="agent@exemple.fr")
    threshold = app.config["LOCKOUT_THRESHOLD"]
    for _ in range(threshold):
        _post_login(client, "agent@exemple.fr", "mauvais")
    user = services.find_user_by_email("agent@exemple.fr")
    assert user.locked_until is not None
    resp = _post_login(client, "agent@exemple.fr", f.PASSWORD)  # right password, but locked
    assert resp.status_code == 422 and "auth.login_locked" in _actions()


def test_login_is_throttled_per_account(app, client, db):
    f.user(email="agent@exemple.fr")
    limit = int(app.config["LOGIN_RATE_LIMIT_ACCOUNT"].split()[0])
    statuses = [_post_login(client, "agent@exemple.fr", "mauvais").status_code for _ in range(limit + 1)]
    assert statuses[-1] == 429
    assert "Trop de tentatives" in _post_login(client, "agent@exemple.fr", "x").get_data(as_text=True)


def test_password_rehashed_when_parameters_change(app, client, db):
    user = f.user(email="agent@exemple.fr")
    old_hash = user.password_hash
    app.config["PASSWORD_HASH_PARAMS"] = {"time_cost": 2, "memory_cost": 2048, "parallelism": 1}
    try:
        assert _post_login(client, "agent@exemple.fr", f.PASSWORD).status_code == 303
    finally:
        app.config["PASSWORD_HASH_PARAMS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    _db.session.expire_all()
    new_hash = _db.session.get(User, user.id).password_hash
    assert new_hash != old_hash and "$argon2id$" in new_hash and "m=2048,t=2" in new_hash


def test_session_is_renewed_at_login(client, db):
    f.user(email="agent@exemple.fr")
    client.get("/connexion")
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    _post_login(client, "agent@exemple.fr", f.PASSWORD)
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_deactivated_user_open_session_is_refused(app, client, db):
    user = f.user(email="agent@exemple.fr")
    _post_login(client, "agent@exemple.fr", f.PASSWORD)
    assert client.get("/").status_code == 200
    services.set_user_active(user, False, expected_version=user.version)
    _db.session.commit()
    resp = client.get("/")
    assert resp.status_code == 303 and "/connexion" in resp.headers["Location"]
    assert _post_login(client, "agent@exemple.fr", f.PASSWORD).status_code == 422


def test_logout_everywhere_ends_other_sessions(app, client, db):
    f.user(email="agent@exemple.fr")
    other = app.test_client()
    for c in (client, other):
        _post_login(c, "agent@exemple.fr", f.PASSWORD)
        assert c.get("/").status_code == 200
    token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
    assert client.post("/deconnexion-partout", data={"csrf_token": token}).status_code == 303
    assert other.get("/").status_code == 303
    assert client.get("/").status_code == 303


def test_password_change_validates_and_ends_sessions(app, client, db):
    f.user(email="agent@exemple.fr")
    other = app.test_client()
    _post_login(client, "agent@exemple.fr", f.PASSWORD)
    _post_login(other, "agent@exemple.fr", f.PASSWORD)
    token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
    bad = client.post("/mon-compte/mot-de-passe", data={"csrf_token": token, "current": "faux",
                                                         "new": "court", "confirm": "autre"},
                      headers={"HX-Request": "true"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "<html" not in html
    assert "entre 12 et 256" in html and "ne correspondent pas" in html
    wrong_current = client.post("/mon-compte/mot-de-passe", data={
        "csrf_token": token, "current": "faux", "new": "un-nouveau-mot-de-passe", "confirm": "un-nouveau-mot-de-passe"})
    assert wrong_current.status_code == 422 and "actuel est incorrect" in wrong_current.get_data(as_text=True)
    ok = client.post("/mon-compte/mot-de-passe", data={
        "csrf_token": token, "current": f.PASSWORD, "new": "un-nouveau-mot-de-passe", "confirm": "un-nouveau-mot-de-passe"})
    assert ok.status_code == 303
    assert other.get("/").status_code == 303
    assert _post_login(client, "agent@exemple.fr", "un-nouveau-mot-de-passe").status_code == 303


def test_idle_and_absolute_timeouts(app, client, db):
    f.user(email="agent@exemple.fr")
    _post_login(client, "agent@exemple.fr", f.PASSWORD)
    idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    with client.session_transaction() as sess:
        sess["seen_at"] = time.time() - idle - 5
    assert client.get("/").status_code == 303
    _post_login(client, "agent@exemple.fr", f.PASSWORD)
    absolute = app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    with client.session_transaction() as sess:
        sess["login_at"] = time.time() - absolute - 5
    assert client.get("/").status_code == 303


def test_missing_csrf_token_gives_french_400(client, db):
    f.user(email="agent@exemple.fr")
    resp = client.post("/connexion", data={"email": "agent@exemple.fr", "password": f.PASSWORD})
    assert resp.status_code == 400
    assert "Rechargez la page" in resp.get_data(as_text=True)
    stale = client.post("/connexion", data={"email": "agent@exemple.fr", "password": f.PASSWORD,
                                            "csrf_token": "jeton-perime"})
    assert stale.status_code == 400


def test_cookie_flags(app, client, db):
    resp = client.get("/connexion")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # test/demo mode


def test_password_hash_is_argon2id(db):
    from flask import current_app
    current_app.config["PASSWORD_HASH_PARAMS"] = None
    try:
        assert hash_password("x" * 12).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    finally:
        current_app.config["PASSWORD_HASH_PARAMS"] = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
