"""The mail outbox: queued in the caller's transaction, sent after commit, retried, never twice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from erbm_portal.core.db import utcnow
from erbm_portal.extensions import db
from erbm_portal.mail import backends, services
from erbm_portal.mail.models import OutboxMessage, OutboxStatus


@pytest.fixture
def mailbox(app, db):
    backends.OUTBOX.clear()
    yield backends.OUTBOX
    backends.OUTBOX.clear()


def _queue(n: int = 1, **kw):
    rows = [services.queue(recipient=f"personne{i}@exemple.fr", subject=f"Objet {i}", body="Bonjour,\nTexte.", **kw)
            for i in range(n)]
    db.session.commit()
    return rows


def test_queued_mail_is_sent_once(mailbox):
    rows = _queue(2, ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert services.send_pending() == {"sent": 2, "failed": 0, "retry": 0}
    assert services.send_pending() == {"sent": 0, "failed": 0, "retry": 0}
    assert [m["To"] for m in mailbox] == ["personne0@exemple.fr", "personne1@exemple.fr"]
    attachment = next(mailbox[0].iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_filename() == "invitation.ics"
    assert attachment.get_param("method") == "REQUEST"
    for row in rows:
        db.session.refresh(row)
        assert row.status == OutboxStatus.SENT and row.sent_at and row.attempts == 1


def test_mail_of_a_rolled_back_change_is_never_sent(mailbox):
    services.queue(recipient="x@exemple.fr", subject="Annulé", body="…")
    db.session.rollback()
    assert services.send_pending()["sent"] == 0 and mailbox == []
    assert db.session.execute(select(OutboxMessage)).first() is None


def test_failing_backend_then_working_backend_sends_exactly_once(app, mailbox, monkeypatch):
    (row,) = _queue()
    real_send = backends.send
    calls = []

    def broken(msg):
        calls.append(msg)
        raise ConnectionRefusedError("serveur SMTP injoignable")

    monkeypatch.setattr(backends, "send", broken)
    now = utcnow()
    assert services.send_pending(now=now) == {"sent": 0, "failed": 0, "retry": 1}
    db.session.refresh(row)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "injoignable" in row.last_error and row.next_attempt_at == now + timedelta(minutes=1)
    # Not due yet: nothing is attempted.
    assert services.send_pending(now=now + timedelta(seconds=30)) == {"sent": 0, "failed": 0, "retry": 0}
    assert len(calls) == 1
    # Second failure: the backoff doubles.
    services.send_pending(now=now + timedelta(minutes=1))
    db.session.refresh(row)
    assert row.attempts == 2 and row.next_attempt_at == now + timedelta(minutes=3)
    monkeypatch.setattr(backends, "send", real_send)
    assert services.send_pending(now=now + timedelta(minutes=3))["sent"] == 1
    assert services.send_pending(now=now + timedelta(hours=1))["sent"] == 0
    assert len(mailbox) == 1
    db.session.refresh(row)
    assert row.status == OutboxStatus.SENT and row.attempts == 3 and row.last_error == ""


def test_gives_up_after_max_attempts(app, mailbox, monkeypatch):
    (row,) = _queue()
    monkeypatch.setattr(backends, "send", lambda msg: (_ for _ in ()).throw(OSError("boom")))
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    try:
        now = utcnow()
        services.send_pending(now=now)
        assert services.send_pending(now=now + timedelta(hours=1))["failed"] == 1
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 6
    db.session.refresh(row)
    assert row.status == OutboxStatus.FAILED
    assert services.send_pending(now=now + timedelta(days=1))["sent"] == 0


def test_a_claimed_row_is_not_sent_by_another_worker(mailbox):
    (row,) = _queue()
    assert services._claim(row.id, utcnow()) is True   # worker A claims
    assert services._claim(row.id, utcnow()) is False  # worker B cannot
    assert services.send_pending()["sent"] == 0 and mailbox == []


def test_file_backend_writes_eml(app, db, tmp_path):
    app.config.update(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path))
    try:
        _queue(1, ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        assert services.send_pending()["sent"] == 1
    finally:
        app.config["MAIL_BACKEND"] = "memory"
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1 and b"Subject: Objet 0" in files[0].read_bytes()


def test_console_backend_logs(app, db, caplog):
    app.config["MAIL_BACKEND"] = "console"
    try:
        _queue(1)
        with caplog.at_level("WARNING", logger="erbm.mail"):
            assert services.send_pending()["sent"] == 1
    finally:
        app.config["MAIL_BACKEND"] = "memory"
    assert "personne0@exemple.fr" in caplog.text and "Objet 0" in caplog.text


def test_smtp_backend_uses_config(app, db, monkeypatch):
    sent = {}

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent["server"] = (host, port)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent["tls"] = True

        def login(self, user, password):
            sent["login"] = (user, password)

        def send_message(self, msg):
            sent["to"] = msg["To"]

    monkeypatch.setattr(backends.smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="smtp.exemple.fr", MAIL_PORT=587, MAIL_USE_TLS=True,
                      MAIL_USERNAME="erbm", MAIL_PASSWORD="secret")
    try:
        _queue(1)
        assert services.send_pending()["sent"] == 1
    finally:
        app.config.update(MAIL_BACKEND="memory", MAIL_SERVER="localhost", MAIL_PORT=25, MAIL_USE_TLS=False,
                          MAIL_USERNAME=None, MAIL_PASSWORD=None)
    assert sent == {"server": ("smtp.exemple.fr", 587), "tls": True, "login": ("erbm", "secret"),
                    "to": "personne0@exemple.fr"}


def test_cli_send_outbox(app, mailbox):
    _queue(3)
    result = app.test_cli_runner().invoke(args=["erbm", "send-outbox"])
    assert result.exit_code == 0, result.output
    assert "3 envoyé(s)" in result.output and len(mailbox) == 3


def test_web_request_that_queues_mail_sends_after_the_response(app, client, login_as, mailbox):
    """With MAIL_SEND_AFTER_RESPONSE, mail queued by a request goes out once the response is closed."""
    from .conftest import csrf_from
    from .meeting_helpers import meeting_by_title

    draft = meeting_by_title("SPEL de Lens — préparation du plan d'action")
    login_as("co_chair")
    token = csrf_from(client.get(f"/reunions/{draft.id}").get_data(as_text=True))
    app.config["MAIL_SEND_AFTER_RESPONSE"] = True
    try:
        resp = client.post(f"/reunions/{draft.id}/convoquer", data={"csrf_token": token})
        resp.close()
    finally:
        app.config["MAIL_SEND_AFTER_RESPONSE"] = None
    assert resp.status_code == 303
    assert len(mailbox) == len(draft.invitees) and all(m["Subject"].startswith("Convocation") for m in mailbox)
