"""Every POST rule of the application refuses a request without a valid CSRF token: 400, nothing changed.

Rules are enumerated from app.url_map (a new POST rule is covered without touching this file,
unless it has an id parameter VALID_IDS does not know: then the test fails until it does).
Each is called by a signed-in role its access rule admits, with ids of real demo objects,
once without a token and once with the token of another person's session.
"""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from erbm_portal.extensions import db as _db
from erbm_portal.web.policy import ENDPOINTS

from .. import minutes_matrix as mx
from ..conftest import csrf_from
from ..matrix_ids import one_id
from ..policy_matrix import LENS_DRAFT, LENS_HELD, _committee_id, _first_action, _indicator, _lens_round, \
    _meeting_id, _org_id, _plan, _user_id, _admin_grant_id, _value

ROLES_TRIED = ["secretariat", "co_chair", "admin", "signatory", "member"]  # the first one the rule admits


def _first(model, column, **where):
    return _db.session.execute(select(column).filter_by(**where).order_by(column).limit(1)).scalar_one()


def _valid_ids() -> dict:
    from erbm_portal.agreement.models import AgreementChange, AgreementVersion
    from erbm_portal.meetings.models import AgendaItem, MeetingInvitee
    from erbm_portal.minutes.models import MinutesSection
    from erbm_portal.notifications.models import Notification

    draft, held = _meeting_id(LENS_DRAFT), _meeting_id(LENS_HELD)
    minutes = mx.lens_minutes("draft")
    action_path = mx.action_path()
    return {
        "meetings.meeting_id": draft, "meetings.item_id": _first(AgendaItem, AgendaItem.id, meeting_id=draft),
        "meetings.invitee_id": _first(MeetingInvitee, MeetingInvitee.id, meeting_id=draft),
        "meetings.committee_id": _committee_id("spel-lens"),
        "minutes.meeting_id": held, "minutes.minutes_id": minutes.id,
        "minutes.section_id": _first(MinutesSection, MinutesSection.id, minutes_id=minutes.id),
        "minutes.comment_id": int(mx.comment_path().split("/")[-2]),
        "minutes.action_id": int(action_path.split("/")[-2]),
        "plans.plan_id": int(_plan("valenciennes").rsplit("/", 1)[1]), "plans.action_id": _first_action("valenciennes"),
        "signoff.round_id": _lens_round(),
        "agreement.number": 2, "agreement.amendment": 2,
        "agreement.change_id": _first(AgreementChange, AgreementChange.id,
                                      version_id=one_id(AgreementVersion, number=3)),
        "notifications.notification_id": _first(Notification, Notification.id),
        "indicators.indicator_id": _indicator("LOG"), "indicators.value_id": _value("LOG", "lens"),
        "directory.org_id": _org_id(), "directory.user_id": _user_id(), "directory.grant_id": _admin_grant_id(),
    }


def post_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods), key=lambda r: r.rule)


def _url(rule, ids):
    values = {}
    for arg in rule.arguments:
        assert isinstance(rule._converters[arg], IntegerConverter), f"{rule.rule}: teach test_csrf {arg}"
        key = f"{rule.endpoint.split('.')[0]}.{arg}"
        assert key in ids, f"{rule.rule}: no valid demo id for {key} in test_csrf._valid_ids"
        values[arg] = ids[key]
    return rule.build(values, append_unknown=False)[1]


def _fingerprint():
    """Rows per table: a refused POST leaves every table as it was."""
    with _db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in _db.metadata.sorted_tables}


def _versions():
    with _db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.coalesce(func.sum(t.c.version), 0))).scalar()
                for t in _db.metadata.sorted_tables if "version" in t.c and t.c.version.type.python_type is int}


def test_every_post_without_a_valid_token_is_400(app, client, login_as, demo):
    ids = _valid_ids()
    other = app.test_client()
    foreign_token = csrf_from(other.get("/connexion").get_data(as_text=True))  # another session's token
    by_role: dict[str, list] = {}
    for rule in post_rules(app):
        policy = ENDPOINTS[rule.endpoint]
        role = "anonymous" if policy.is_public else next(r for r in ROLES_TRIED if _admits(app, policy, r))
        by_role.setdefault(role, []).append(rule)
    wrong, changed = [], []
    for role, rules in by_role.items():
        with client.session_transaction() as sess:
            sess.clear()
        if role != "anonymous":
            login_as(role)
        client.get("/mon-compte" if role != "anonymous" else "/connexion")  # the session has its own token
        before, versions = _fingerprint(), _versions()  # after the sign-in and its audit entry
        for rule in rules:
            url = _url(rule, ids)
            for what, data, headers in (("no token", {}, {}), ("another session's token", {"csrf_token": foreign_token}, {}),
                                        ("htmx header with another session's token", {}, {"X-CSRFToken": foreign_token})):
                resp = client.post(url, data=data, headers=headers)
                if resp.status_code != 400 or "jeton de sécurité" not in resp.get_data(as_text=True):
                    wrong.append(f"{role}: POST {url} ({rule.endpoint}) with {what}: {resp.status_code}")
        if _fingerprint() != before or _versions() != versions:
            changed.append(role)
    assert wrong == [], "\n".join(wrong)
    assert changed == [], f"refused POSTs changed the data (rows or versions) for {changed}"
    assert sum(len(r) for r in by_role.values()) == len(post_rules(app)) > 50


def _admits(app, policy, role):
    from flask_login import login_user

    from erbm_portal.accounts.services import find_user_by_email
    from erbm_portal.web.principal import current_principal

    from ..conftest import DEMO_LOGINS
    with app.test_request_context():
        login_user(find_user_by_email(DEMO_LOGINS[role]))
        return policy.admits(current_principal())


def test_a_valid_token_is_accepted_so_the_refusals_above_mean_something(client, login_as, demo):
    login_as("member")
    token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
    assert client.post("/notifications/tout-lire", data={"csrf_token": token}).status_code == 303
    assert client.post("/notifications/tout-lire", headers={"X-CSRFToken": token}).status_code == 303
