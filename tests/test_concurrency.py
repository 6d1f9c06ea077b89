"""Slow work stays outside write transactions, so that concurrent requests do not queue behind it.

On SQLite one write lock serialises every writer of every worker (POST requests
start with BEGIN IMMEDIATE): anything slow done while it is held delays all the
others, and past busy_timeout they fail with "database is locked". The load test
(bench/load.sh) found sign-in holding it for the whole argon2 hash.
"""
from __future__ import annotations

import importlib.util
import re
import sqlite3
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from erbm_portal.accounts import services as account_services
from erbm_portal.extensions import db as _db

from . import factories as f
from .conftest import csrf_from

_spec = importlib.util.spec_from_file_location("erbm_bench_load", Path(__file__).resolve().parent.parent / "bench" / "load.py")
_bench_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench_load)
form_fields = _bench_load.form_fields  # the load test's form reader: the fields a browser would send


def _other_writer_can_lock(app) -> bool | None:
    """On SQLite: can another connection take the write lock right now, without waiting? (None elsewhere)"""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        return None
    conn = sqlite3.connect(uri.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def _spy_on_hashing(app, monkeypatch):
    seen = []
    real_verify = account_services.verify_password

    def spying_verify(stored_hash, password):
        seen.append({"in_transaction": _db.session().in_transaction(), "other_writer": _other_writer_can_lock(app)})
        return real_verify(stored_hash, password)

    monkeypatch.setattr(account_services, "verify_password", spying_verify)
    return seen


def _post_login(client, email, password):
    token = csrf_from(client.get("/connexion").get_data(as_text=True))
    return client.post("/connexion", data={"email": email, "password": password, "csrf_token": token})


def test_sign_in_hashes_the_password_outside_any_transaction(app, client, db, monkeypatch):
    user = f.user()
    seen = _spy_on_hashing(app, monkeypatch)
    assert _post_login(client, user.email, f.PASSWORD).status_code == 303
    assert seen == [{"in_transaction": False, "other_writer": _other_writer_can_lock(app)}]
    assert seen[0]["other_writer"] in (True, None)  # SQLite: nobody held the write lock during the hash
    db.session.expire_all()
    assert db.session.get(type(user), user.id).last_login_at is not None  # the sign-in was still recorded


def test_failed_sign_in_also_hashes_outside_any_transaction_and_counts_the_failure(app, client, db, monkeypatch):
    user = f.user()
    seen = _spy_on_hashing(app, monkeypatch)
    assert _post_login(client, user.email, "pas le bon mot de passe").status_code == 422
    assert [s["in_transaction"] for s in seen] == [False]
    assert seen[0]["other_writer"] in (True, None)
    db.session.expire_all()
    assert db.session.get(type(user), user.id).failed_logins == 1


def test_sign_in_refused_when_the_password_changed_during_the_hash(app, client, db, monkeypatch):
    """The hash is checked on a snapshot: a password changed meanwhile must not let the old one in."""
    user = f.user()
    user_type, user_id, email = type(user), user.id, user.email  # not the test session's objects inside the request
    real_verify = account_services.verify_password

    def verify_then_change(stored_hash, password):
        ok = real_verify(stored_hash, password)
        with app.app_context():  # another request changes the password while this one hashes
            other = _db.session.get(user_type, user_id)
            other.password_hash = account_services.hash_password("un-tout-nouveau-mot-de-passe")
            _db.session.commit()
        return ok

    monkeypatch.setattr(account_services, "verify_password", verify_then_change)
    assert _post_login(client, email, f.PASSWORD).status_code == 422


# --- After the commit, the htmx fragment is rendered in a read transaction --------------------------


def _sqlite_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's write lock (BEGIN IMMEDIATE); PostgreSQL locks rows instead")


@contextmanager
def _begins():
    """The BEGIN statements issued meanwhile ("BEGIN" or "BEGIN IMMEDIATE")."""
    seen = []

    def spy(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(_db.engine, "before_cursor_execute", spy)
    try:
        yield seen
    finally:
        event.remove(_db.engine, "before_cursor_execute", spy)


HX = {"HX-Request": "true"}


def test_agenda_edit_holds_the_write_lock_only_until_its_commit(app, client, login_as):
    from erbm_portal.meetings.models import Meeting, MeetingState

    _sqlite_only(app)
    login_as("co_chair")
    meeting = _db.session.execute(select(Meeting).where(Meeting.state == MeetingState.PLANNED)
                                  .where(Meeting.title.contains("Lens"))).scalar_one()
    item = meeting.agenda_items[0]
    path = f"/reunions/{meeting.id}/ordre-du-jour/{item.id}/modifier"
    fields = form_fields(client.get(path, headers=HX).get_data(as_text=True), path)
    fields["edit-notes"] = "Revu en séance."
    with _begins() as begins:
        resp = client.post(path, data=fields, headers=HX)
    assert resp.status_code == 200 and "Revu en séance." in resp.get_data(as_text=True)
    assert begins[0] == "BEGIN IMMEDIATE" and begins.count("BEGIN IMMEDIATE") == 1, begins


def test_comment_holds_the_write_lock_only_until_its_commit(app, client, login_as):
    from erbm_portal.minutes import services as minutes_services
    from erbm_portal.minutes.access import SYSTEM_ACCESS
    from erbm_portal.minutes.models import Minutes

    _sqlite_only(app)
    login_as("member")
    published = _db.session.execute(select(Minutes).join(Minutes.meeting)
                                    .where(Minutes.meeting.has(title="SPEL de Lens — réunion de bilan"))).scalar_one()
    review = minutes_services.start_correction(published, access=SYSTEM_ACCESS, reason="Relecture en séance du comité.")
    _db.session.flush()
    minutes_services.submit_for_review(review, access=SYSTEM_ACCESS, deadline=date.today() + timedelta(days=7))
    _db.session.commit()
    section = review.sections[0]
    action = f"/releves/{review.id}/sections/{section.id}/commentaires"
    fields = form_fields(client.get(f"/releves/{review.id}").get_data(as_text=True), action)
    fields["body"] = "Préciser le calendrier."
    with _begins() as begins:
        resp = client.post(action, data=fields, headers=HX)
    assert resp.status_code == 200 and "Préciser le calendrier." in resp.get_data(as_text=True)
    assert begins[0] == "BEGIN IMMEDIATE" and begins.count("BEGIN IMMEDIATE") == 1, begins


def test_marking_a_notification_read_holds_the_write_lock_only_until_its_commit(app, client, login_as):
    _sqlite_only(app)
    login_as("signatory")
    page = client.get("/notifications/").get_data(as_text=True)
    action = re.search(r'action="(/notifications/\d+/lue)"', page).group(1)
    with _begins() as begins:
        resp = client.post(action, data={"csrf_token": csrf_from(page)}, headers=HX)
    assert resp.status_code == 200 and action not in resp.get_data(as_text=True)
    assert begins[0] == "BEGIN IMMEDIATE" and begins.count("BEGIN IMMEDIATE") == 1, begins
