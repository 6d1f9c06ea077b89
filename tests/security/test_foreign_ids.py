"""Every URL rule with an id, asked for with the ids of objects the person may not see: 404.

Rules are enumerated from app.url_map; each id parameter must be known to
tests/security/hidden_objects.py (a new one fails test_every_id_parameter_is_mapped until it
is). A hidden object answers exactly like an id that does not exist: 404 for a role the route
admits, the route's own 403 for a role it refuses whatever the id, a redirect to the sign-in
page for anonymous visitors. A child id taken from another parent (an agenda item of another
meeting under a meeting the person manages) answers as a child that does not exist. Rows of tests/policy_matrix.py already pin the expected status of
the main objects for every role; this sweeps every rule and every method with them.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from erbm_portal.audit.models import AuditEvent
from erbm_portal.web.policy import ENDPOINTS
from erbm_portal.web.principal import current_principal

from ..conftest import csrf_from
from ..policy_matrix import ROLES
from .hidden_objects import COVERED, MISSING, NONEXISTENT_ONLY, hidden_for

STRING_IDS = {"feeds.ics": {"token": "jeton-inconnu"}}  # the secret token is the credential


def id_rules(app):
    for rule in app.url_map.iter_rules():
        ints = sorted(a for a in rule.arguments if isinstance(rule._converters[a], IntegerConverter))
        if ints:
            yield rule, ints


def _key(rule, param):
    return f"{rule.endpoint.split('.')[0]}.{param}"


def test_every_id_parameter_is_mapped(app):
    known = COVERED | set(NONEXISTENT_ONLY)
    missing = sorted({_key(r, p) for r, params in id_rules(app) for p in params} - known)
    assert missing == [], f"id parameters without a hidden object (tests/security/hidden_objects.py): {missing}"
    with_ids = {r.endpoint for r, _ in id_rules(app)}
    others = sorted(r.endpoint for r in app.url_map.iter_rules()
                    if r.arguments and r.endpoint not in with_ids | set(STRING_IDS) | {"static"})
    assert others == [], f"rules with a non-integer parameter not covered: {others}"


def _urls(app, role):
    """(method, url) pairs: every id rule with missing ids, and with the ids of hidden objects."""
    out = []
    hidden_by_blueprint = {}
    for rule, params in sorted(id_rules(app), key=lambda x: x[0].rule):
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        combos = [{p: MISSING for p in params}]
        if role != "anonymous":
            blueprint = rule.endpoint.split(".")[0]
            if blueprint not in hidden_by_blueprint:
                hidden_by_blueprint[blueprint] = hidden_for(blueprint, role)
            for hidden in hidden_by_blueprint[blueprint]:
                if all(p in hidden for p in params) and hidden.get("_child", set(params)) & set(params):
                    combo = {p: hidden[p] for p in params}
                    if "_child" in hidden:  # compared with the same parent and a child that does not exist
                        combo["_same_as"] = rule.build({p: MISSING if p in hidden["_child"] else hidden[p]
                                                        for p in params}, append_unknown=False)[1]
                    combos.append(combo)
        for combo in combos:
            url = rule.build({p: combo[p] for p in params}, append_unknown=False)[1]
            out.extend((m, url, rule.endpoint, combo) for m in methods)
    for endpoint, values in STRING_IDS.items():
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        out.append(("GET", rule.build(values, append_unknown=False)[1], endpoint, values))
    return out


def _audit_count(db):
    return db.session.execute(select(func.count(AuditEvent.id)).where(AuditEvent.action != "access.denied")).scalar()


@pytest.mark.parametrize("role", ROLES)
def test_objects_a_role_may_not_see_are_404(role, app, client, login_as, demo, db):
    admitted = {}
    if role != "anonymous":
        user = login_as(role)
        token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
    else:
        token = csrf_from(client.get("/connexion").get_data(as_text=True))
    wrong = []
    requests = _urls(app, role)
    before = _audit_count(db)
    for method, url, endpoint, combo in requests:
        rule = ENDPOINTS[endpoint]
        if role == "anonymous":
            expected = 404 if rule.is_public else 303
        else:
            if endpoint not in admitted:
                admitted[endpoint] = _admits(app, rule, user)
            expected = 404 if admitted[endpoint] else 403
        data = {"csrf_token": token} if method == "POST" else None
        if "_same_as" in combo:  # a visible parent: its own answer (403 if not allowed) whatever the child
            expected = client.open(combo["_same_as"], method=method, data=data).status_code
            expected = expected if expected in (403, 404) else 404
        resp = client.open(url, method=method, data=data)
        if resp.status_code != expected or (expected == 303 and "/connexion" not in resp.headers["Location"]):
            wrong.append(f"{method} {url} ({endpoint} {combo}): {resp.status_code}, expected {expected}")
    assert wrong == [], "\n".join(wrong)
    assert _audit_count(db) == before, "a refused request changed something"
    assert len(requests) > 70


def _admits(app, rule, user):
    from flask_login import login_user
    with app.test_request_context():
        login_user(user)
        return rule.admits(current_principal())
