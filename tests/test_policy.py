"""Every route is declared in the one access policy, and each demo role gets what the policy says."""
from __future__ import annotations

import pytest

from erbm_portal.web.policy import ENDPOINTS, undeclared_endpoints

from .conftest import csrf_from
from .policy_matrix import CASES, ROLES, Case


def test_every_endpoint_has_a_rule(app):
    assert undeclared_endpoints(app) == []


def test_no_rule_for_a_route_that_does_not_exist(app):
    existing = {r.endpoint for r in app.url_map.iter_rules()}
    assert sorted(set(ENDPOINTS) - existing) == []


def test_every_endpoint_has_a_matrix_row(app):
    covered = {case.endpoint for case in CASES}
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - covered - {"static"})
    assert missing == [], f"endpoints without a row in tests/policy_matrix.py: {missing}"


def test_object_rules_name_their_check():
    for endpoint, rule in ENDPOINTS.items():
        if rule.object is not None:
            assert ":" in rule.object, endpoint


def _request(client, case: Case, path: str, role: str):
    if case.method == "GET":
        return client.get(path)
    token_page = "/connexion" if role == "anonymous" else "/mon-compte"
    token = csrf_from(client.get(token_page).get_data(as_text=True))
    return client.open(path, method=case.method, data={**case.data, "csrf_token": token})


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.endpoint}")
def test_policy_matrix(case: Case, app, client, login_as, demo):
    from .matrix_ids import resolve

    seen = {}
    for role in ROLES:
        with client.session_transaction() as sess:
            sess.clear()
        if role != "anonymous":
            login_as(role)
        path = resolve(case.path)
        resp = _request(client, case, path, role)
        seen[role] = resp.status_code
    expected = {role: case.status_for(role) for role in ROLES}
    if ENDPOINTS[case.endpoint].is_public:
        expected["anonymous"] = case.ok
    if case.endpoint == "accounts.login":
        # A signed-in person asking for the login page is sent to the dashboard.
        expected.update({r: 302 for r in ROLES if r != "anonymous"})
    assert seen == expected
