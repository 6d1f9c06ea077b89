"""Notifications (in-app, email per preference, daily digest) and the personal calendar feed."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from erbm_portal.accounts.services import find_user_by_email
from erbm_portal.extensions import db as _db
from erbm_portal.feeds import providers
from erbm_portal.feeds.models import CalendarFeedToken
from erbm_portal.notifications import delivery
from erbm_portal.notifications.models import (Channel, EmailState, Notification, NotificationKind,
                                              NotificationPreference)
from erbm_portal.notifications.services import notify, send_digests, set_preferences, unread_count

from .conftest import DEMO_LOGINS, csrf_from


def user(role):
    return find_user_by_email(DEMO_LOGINS.get(role, role))


@pytest.fixture(autouse=True)
def _no_demo_notifications(request):
    """The demo's seeding notified people (convocations, published minutes...): these tests start from none."""
    if "demo" in request.fixturenames:
        request.getfixturevalue("demo")
        _db.session.execute(Notification.__table__.delete())
        _db.session.commit()


@pytest.fixture
def mailbox():
    sent = []
    delivery.use_backend(lambda u, subject, body: sent.append((u.email, subject, body)))
    yield sent
    delivery.use_backend(None)


# --- Service ------------------------------------------------------------------

def test_notify_follows_each_persons_preference(demo, mailbox):
    partner, member, co_chair = user("partner"), user("member"), user("co_chair")
    set_preferences(partner, {"convocation_sent": "in_app"})
    set_preferences(member, {"convocation_sent": "digest"})
    _db.session.commit()
    rows = notify([partner, member, co_chair, co_chair.id], NotificationKind.CONVOCATION_SENT,
                  "Convocation : COPIL du 16 janvier 2023", "/reunions/1", "Ordre du jour joint.")
    _db.session.commit()
    assert len(rows) == 3  # duplicates ignored
    states = {n.user_id: n.email_state for n in rows}
    assert states == {partner.id: EmailState.NONE, member.id: EmailState.DIGEST, co_chair.id: EmailState.QUEUED}
    assert [(to, subject) for to, subject, _ in mailbox] == [
        (co_chair.email, "[Intranet ERBM] Convocation : COPIL du 16 janvier 2023")]
    assert "/reunions/1" in mailbox[0][2] and "Ordre du jour joint." in mailbox[0][2]
    assert unread_count(partner.id) == 1


def test_defaults_and_in_app_only_and_inactive_accounts(demo, mailbox):
    partner, member = user("partner"), user("member")
    member.active = False
    _db.session.commit()
    notify([partner, member], "minutes_published", "Relevé publié", "/releves/3")  # default: digest
    notify([partner], "signoff_requested", "Validation demandée", "/validations/4", email=False)
    _db.session.commit()
    rows = _db.session.execute(select(Notification).order_by(Notification.id)).scalars().all()
    assert [(r.user_id, r.kind.value, r.email_state) for r in rows] == [
        (partner.id, "minutes_published", EmailState.DIGEST),
        (partner.id, "signoff_requested", EmailState.NONE)]
    assert mailbox == []


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil"])
def test_notify_refuses_links_outside_the_intranet(demo, url):
    with pytest.raises(ValueError):
        notify([user("partner")], "plan_adopted", "x", url)


def test_unknown_preference_is_refused(demo):
    from erbm_portal.core.errors import ServiceError

    with pytest.raises(ServiceError):
        set_preferences(user("partner"), {"convocation_sent": "pigeon"})


def test_daily_digest_groups_unread_and_is_sent_once(demo, mailbox):
    partner, observer = user("partner"), user("observer")
    set_preferences(partner, {k.value: "digest" for k in NotificationKind})
    _db.session.commit()
    notify([partner, observer], "minutes_published", "Relevé du COPIL publié", "/releves/1")
    notify([partner], "plan_adopted", "Plan d'action de Lens adopté", "/plans/2")
    read = notify([partner], "action_overdue", "Action en retard (lue entre-temps)", "/actions/3")[0]
    read.read_at = datetime(2026, 1, 1)
    _db.session.commit()
    assert send_digests() == 2
    by_user = {to: (subject, body) for to, subject, body in mailbox}
    subject, body = by_user[partner.email]
    assert subject == "[Intranet ERBM] Récapitulatif : 2 notifications"
    assert "Relevé du COPIL publié" in body and "Plan d'action de Lens adopté" in body and "/plans/2" in body
    assert "lue entre-temps" not in body
    assert body.index("Relevé de décisions publié") < body.index("Plan d'action adopté")
    assert by_user[observer.email][0] == "[Intranet ERBM] Récapitulatif : 1 notification"
    assert send_digests() == 0 and len(mailbox) == 2  # never twice
    assert {n.email_state for n in _db.session.execute(select(Notification)).scalars()} == {EmailState.DIGESTED}
    notify([partner], "plan_adopted", "Nouveau plan", "/plans/5")
    _db.session.commit()
    assert send_digests() == 1 and "Nouveau plan" in mailbox[-1][2] and "COPIL" not in mailbox[-1][2]


def test_send_digests_command(app, demo, mailbox):
    notify([user("partner")], "agreement_in_force", "Avenant n° 1 en vigueur", "/convention/2")
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["erbm", "send-digests"])
    assert result.exit_code == 0 and "Récapitulatifs mis en file d'envoi : 1." in result.output
    assert len(mailbox) == 1


def test_by_default_notification_emails_are_queued_in_the_outbox_in_the_same_transaction(app, demo):
    from erbm_portal.mail.models import OutboxMessage

    partner = user("partner")
    set_preferences(partner, {"convocation_sent": "email"})
    _db.session.commit()
    mine = select(OutboxMessage).where(OutboxMessage.recipient == partner.email,
                                       OutboxMessage.subject.contains("Convocation au COPIL"))
    notify([partner], "convocation_sent", "Convocation au COPIL", "/reunions/1")
    queued = _db.session.execute(mine).scalars().all()
    assert len(queued) == 1 and queued[0].status.value == "pending"
    _db.session.rollback()  # the change that caused it is abandoned: so is the email
    assert _db.session.execute(mine).first() is None


def test_without_an_email_backend_nothing_is_lost(app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFICATION_EMAIL_BACKEND", None)
    partner = user("partner")
    n = notify([partner], "convocation_sent", "Convocation", "/reunions/1")[0]
    notify([partner], "plan_adopted", "Plan adopté", "/plans/1")
    _db.session.commit()
    assert n.email_state == EmailState.NONE and unread_count(partner.id) == 2  # in-app still works
    result = app.test_cli_runner().invoke(args=["erbm", "send-digests"])
    assert result.exit_code == 1 and "NOTIFICATION_EMAIL_BACKEND" in result.output


# --- HTTP ---------------------------------------------------------------------

def _seed(role, n=3):
    rows = [notify([user(role)], "action_assigned", f"Action n° {i} <b>confiée</b>", f"/actions/{i}", email=False)[0]
            for i in range(n)]
    _db.session.commit()
    return [r.id for r in rows]


def test_header_count_list_and_mark_read(client, login_as, demo):
    login_as("partner")
    ids = _seed("partner")
    other = _seed("co_chair", 1)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'id="erbm-unread-count"> <span[^>]*>3<span class="fr-sr-only"> non lues', home)
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count("Marquer comme lue<") == 3 and "&lt;b&gt;confiée&lt;/b&gt;" in page
    token = csrf_from(page)
    resp = client.post(f"/notifications/{ids[0]}/lue", data={"csrf_token": token})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/notifications/")
    frag = client.post(f"/notifications/{ids[1]}/lue", data={"csrf_token": token}, headers={"HX-Request": "true"})
    body = frag.get_data(as_text=True)
    assert frag.status_code == 200 and "<html" not in body and 'hx-swap-oob="true"' in body
    assert re.search(r'id="erbm-unread-count" hx-swap-oob="true"> <span[^>]*>1<', body)
    assert unread_count(user("partner").id) == 1
    # Someone else's notification: 404, and it stays unread.
    assert client.post(f"/notifications/{other[0]}/lue", data={"csrf_token": token}).status_code == 404
    assert unread_count(user("co_chair").id) == 1
    assert client.post("/notifications/tout-lire", data={"csrf_token": token}).status_code == 303
    assert unread_count(user("partner").id) == 0
    assert 'id="erbm-unread-count"></span>' in client.get("/").get_data(as_text=True)


def test_mark_all_read_htmx(client, login_as, demo):
    login_as("member")
    _seed("member", 2)
    token = csrf_from(client.get("/notifications/").get_data(as_text=True))
    resp = client.post("/notifications/tout-lire", data={"csrf_token": token}, headers={"HX-Request": "true"})
    assert resp.status_code == 200 and 'id="erbm-unread-count" hx-swap-oob="true"></span>' in resp.get_data(as_text=True)


def test_mark_read_needs_csrf(client, login_as, demo):
    login_as("partner")
    ids = _seed("partner", 1)
    assert client.post(f"/notifications/{ids[0]}/lue").status_code == 400
    assert unread_count(user("partner").id) == 1


def test_notification_list_query_count_is_constant(client, login_as, demo, assert_max_queries):
    login_as("partner")
    counts = []
    for n in (2, 40):
        _seed("partner", n)
        client.get("/notifications/")
        with assert_max_queries(10) as counter:
            assert client.get("/notifications/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_preferences_page(client, login_as, demo):
    login_as("signatory")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Validation demandée à votre organisation" in page
    assert re.search(r'value="email"[^>]*checked|checked[^>]*value="email"', page)
    data = {k.value: "digest" for k in NotificationKind}
    data["signoff_requested"] = "in_app"
    data["csrf_token"] = csrf_from(page)
    assert client.post("/notifications/preferences", data=data).status_code == 303
    prefs = {p.kind.value: p.channel for p in _db.session.execute(select(NotificationPreference)).scalars()}
    assert prefs["signoff_requested"] == Channel.IN_APP and prefs["plan_adopted"] == Channel.DIGEST
    # Bad input: a missing and an unknown choice -> 422, messages beside the fields, nothing changed.
    bad = dict(data, signoff_requested="pigeon")
    del bad["plan_adopted"]
    resp = client.post("/notifications/preferences", data=bad)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and html.count("fr-message--error") == 2
    assert _db.session.execute(select(NotificationPreference.channel).where(
        NotificationPreference.kind == NotificationKind.SIGNOFF_REQUESTED)).scalar_one() == Channel.IN_APP


# --- Calendar feed --------------------------------------------------------------

@pytest.fixture
def fake_meetings():
    seen = []

    def provider(u, principal):
        seen.append((u.email, principal.user_id))
        start = datetime(2023, 1, 16, 9, 30, tzinfo=timezone.utc)
        return [{"uid": f"copil-2023@erbm", "title": "COPIL ERBM à mi-parcours", "start": start,
                 "end": start + timedelta(hours=3), "location": "Préfecture, Lille"}]

    providers.register(provider)
    yield seen
    providers.unregister(provider)


def _new_feed_url(client):
    token = csrf_from(client.get("/mon-agenda").get_data(as_text=True))
    resp = client.post("/mon-agenda/nouvelle-adresse", data={"csrf_token": token})
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    url = re.search(r'id="flux-adresse" type="text" readonly value="([^"]+)"', resp.get_data(as_text=True)).group(1)
    return url.replace("http://localhost", "")


def test_feed_token_regenerate_and_revoke(client, login_as, demo, fake_meetings):
    login_as("member")
    first = _new_feed_url(client)
    assert re.fullmatch(r"/agenda/[A-Za-z0-9_-]{43}\.ics", first)
    stored = _db.session.execute(select(CalendarFeedToken)).scalar_one()
    token = first.removeprefix("/agenda/").removesuffix(".ics")
    assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()  # only the hash is stored
    assert token not in client.get("/mon-agenda").get_data(as_text=True)  # shown once
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/mon-compte").get_data(as_text=True))})
    feed = client.get(first)  # no session: the token is the credential
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert b"SUMMARY:COPIL ERBM" in feed.data and b"METHOD:PUBLISH" in feed.data
    assert fake_meetings[-1] == (DEMO_LOGINS["member"], user("member").id)
    login_as("member")
    second = _new_feed_url(client)
    assert second != first
    assert client.get(first).status_code == 404  # the old URL stops working
    assert client.get(second).status_code == 200
    token = csrf_from(client.get("/mon-agenda").get_data(as_text=True))
    assert client.post("/mon-agenda/desactiver", data={"csrf_token": token}).status_code == 303
    assert client.get(second).status_code == 404
    assert _db.session.execute(select(CalendarFeedToken)).first() is None


def test_feed_of_a_deactivated_account_is_404(client, login_as, demo, fake_meetings):
    login_as("partner")
    url = _new_feed_url(client)
    u = user("partner")
    u.active = False
    _db.session.commit()
    assert client.get(url).status_code == 404
    for bogus in ("/agenda/x.ics", "/agenda/" + "a" * 300 + ".ics", "/agenda/%00.ics"):
        assert client.get(bogus).status_code == 404
