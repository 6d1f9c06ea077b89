"""The `flask erbm ...` commands."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from erbm_portal.accounts.models import Grant, User
from erbm_portal.directory.models import Committee, Organisation, Spel
from erbm_portal.extensions import db as _db

ROLES = {"admin", "secretariat", "co_chair", "member", "signatory", "partner", "observer"}


def _counts():
    return tuple(_db.session.execute(select(func.count()).select_from(m)).scalar()
                 for m in (Organisation, Spel, Committee, User, Grant))


def test_seed_demo_is_idempotent_and_lists_accounts(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["erbm", "seed-demo", "--json"])
    assert first.exit_code == 0, first.output
    after_first = _counts()
    second = runner.invoke(args=["erbm", "seed-demo", "--json"])
    assert second.exit_code == 0
    assert _counts() == after_first
    accounts = json.loads(second.output)
    assert {a["role"] for a in accounts} == ROLES
    assert all(set(a) == {"email", "role", "organisation", "scope"} for a in accounts)
    co_chairs = [a for a in accounts if a["role"] == "co_chair"]
    assert len(co_chairs) == 8 and {a["scope"] for a in co_chairs} == {
        "SPEL de Béthune", "SPEL de Lens", "SPEL de Douai", "SPEL de Valenciennes"}
    signatories = {a["organisation"] for a in accounts if a["role"] == "signatory"}
    parties = set(_db.session.execute(select(Organisation.name).filter_by(is_agreement_party=True)).scalars())
    assert signatories == parties and len(parties) == 12
    assert _counts()[1:3] == (4, 5)


def test_epci_attachment_is_data(app, db):
    app.test_cli_runner().invoke(args=["erbm", "seed-demo"])
    epcis = _db.session.execute(select(Organisation).filter_by(kind="epci")).scalars().all()
    assert len(epcis) == 8 and all(e.spel is not None for e in epcis)
    by_spel = {}
    for e in epcis:
        by_spel.setdefault(e.spel.name, []).append(e.short_name)
    assert "CA Lens-Liévin" in by_spel["Lens"] and "CA Porte du Hainaut" in by_spel["Valenciennes"]


def test_demo_password_logs_in(app, client, db):
    app.test_cli_runner().invoke(args=["erbm", "seed-demo"])
    from .conftest import csrf_from
    token = csrf_from(client.get("/connexion").get_data(as_text=True))
    resp = client.post("/connexion", data={"email": "observateur@erbm-demo.fr",
                                           "password": app.config["DEMO_PASSWORD"], "csrf_token": token})
    assert resp.status_code == 303


def test_create_admin(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=["erbm", "seed-demo"])
    org = "Préfecture de la région Hauts-de-France"
    ok = runner.invoke(args=["erbm", "create-admin", "--email", "nouvel.admin@exemple.fr", "--name", "Nouvel Admin",
                             "--organisation", org, "--password", "un-mot-de-passe-solide"])
    assert ok.exit_code == 0, ok.output
    user = _db.session.execute(select(User).filter_by(email="nouvel.admin@exemple.fr")).scalar_one()
    assert [g.role.value for g in user.grants] == ["admin"]
    short = runner.invoke(args=["erbm", "create-admin", "--email", "b@exemple.fr", "--name", "B",
                                "--organisation", org, "--password", "court"])
    assert short.exit_code != 0 and "12 caractères" in short.output
    unknown = runner.invoke(args=["erbm", "create-admin", "--email", "c@exemple.fr", "--name", "C",
                                  "--organisation", "Inconnue", "--password", "un-mot-de-passe-solide"])
    assert unknown.exit_code != 0 and "inconnue" in unknown.output.lower()
