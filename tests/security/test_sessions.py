"""Sessions: fixation and ending sessions.

Already in tests/test_accounts.py (not repeated here): a key planted in the session before
sign-in does not survive it (test_session_is_renewed_at_login), "se déconnecter partout" ends
the other clients' sessions (test_logout_everywhere_ends_other_sessions), so does a password
change (test_password_change_validates_and_ends_sessions), idle and absolute timeouts, cookie
flags. Login throttling shared by two workers through Redis: tests/test_multi_instance.py.

Added here: the session cookie changes at sign-in and a cookie chosen by an attacker is never
signed in; a session cookie captured before "se déconnecter partout" or a password change is
refused when replayed from another client, and so is one captured before a plain sign-out (its
session id is recorded as ended, see accounts.models.EndedSession).
"""
from __future__ import annotations

from ..conftest import DEMO_LOGINS, csrf_from

COOKIE = "erbm_session"


def _cookie(client):
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def _sign_in(app, client, who="member"):
    token = csrf_from(client.get("/connexion").get_data(as_text=True))
    resp = client.post("/connexion", data={"email": DEMO_LOGINS[who], "password": app.config["DEMO_PASSWORD"],
                                           "csrf_token": token})
    assert resp.status_code == 303
    return resp


def _replay(app, value):
    """A fresh client presenting a captured session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief.get("/")


def test_cookie_set_by_an_attacker_is_not_adopted_at_sign_in(app, client, demo):
    attacker = app.test_client()
    attacker.get("/connexion")
    planted = _cookie(attacker)
    assert planted
    client.set_cookie(COOKIE, planted)  # fixation: the victim signs in with the attacker's cookie
    _sign_in(app, client)
    assert _cookie(client) not in (None, planted)
    assert client.get("/").status_code == 200
    resp = attacker.get("/")
    assert resp.status_code == 303 and "/connexion" in resp.headers["Location"]


def test_captured_cookie_refused_after_logout_everywhere(app, client, demo):
    _sign_in(app, client)
    captured = _cookie(client)
    assert _replay(app, captured).status_code == 200  # the capture is a working session
    token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
    assert client.post("/deconnexion-partout", data={"csrf_token": token}).status_code == 303
    resp = _replay(app, captured)
    assert resp.status_code == 303 and "/connexion" in resp.headers["Location"]


def test_captured_cookie_refused_after_password_change(app, client, demo):
    _sign_in(app, client)
    captured = _cookie(client)
    token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
    new = "un-tout-nouveau-mot-de-passe"
    assert client.post("/mon-compte/mot-de-passe", data={
        "csrf_token": token, "current": app.config["DEMO_PASSWORD"], "new": new, "confirm": new}).status_code == 303
    assert _replay(app, captured).status_code == 303


def test_captured_cookie_refused_after_plain_logout(app, client, demo):
    _sign_in(app, client)
    captured = _cookie(client)
    token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303
    assert _replay(app, captured).status_code == 303


def test_plain_logout_ends_only_that_session(app, client, demo):
    other_device = app.test_client()
    _sign_in(app, other_device)
    _sign_in(app, client)
    token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
    client.post("/deconnexion", data={"csrf_token": token})
    assert other_device.get("/").status_code == 200


def test_ended_sessions_are_forgotten_once_they_would_have_expired(app, db, demo):
    from datetime import timedelta

    from sqlalchemy import select

    from erbm_portal.accounts import services
    from erbm_portal.accounts.models import EndedSession
    from erbm_portal.core.db import utcnow

    user = services.find_user_by_email(DEMO_LOGINS["member"])
    with app.test_request_context():
        services.end_session(user, "old-session")
        db.session.commit()
        db.session.execute(db.update(EndedSession).values(expires_at=utcnow() - timedelta(minutes=1)))
        services.end_session(user, "new-session")
        db.session.commit()
    kept = db.session.execute(select(EndedSession.sid_hash)).scalars().all()
    assert kept == [services.session_id_hash("new-session")]
