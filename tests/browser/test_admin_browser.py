"""Administration screens in a real browser: inline row editing, Escape, focus, announcements,
grants whose scope list follows the role, confirmations. Every page is checked with axe."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

if not (Path(__file__).parent / "conftest.py").exists():  # the harness lives in tests/browser/conftest.py
    pytest.skip("browser harness not present", allow_module_level=True)

from .conftest import axe_check, expect, login, visit  # noqa: E402

pytestmark = pytest.mark.browser
OSARTIS = "Communauté de communes Osartis-Marquion"


def _ids(live_db):
    from sqlalchemy import select

    from erbm_portal.accounts.models import User
    from erbm_portal.directory.models import Organisation

    with live_db() as session:
        org_id = session.execute(select(Organisation.id).where(Organisation.name == OSARTIS)).scalar_one()
        partner_id = session.execute(select(User.id).where(User.email == "partenaire@erbm-demo.fr")).scalar_one()
    return org_id, partner_id


def _spel_of_osartis(live_db) -> str | None:
    from sqlalchemy import select

    from erbm_portal.directory.models import Organisation

    with live_db() as session:
        org = session.execute(select(Organisation).where(Organisation.name == OSARTIS)).scalar_one()
        return org.spel.slug if org.spel else None


def test_organisation_row_is_edited_in_place(page, live_db, fresh_data):
    org_id, _ = _ids(live_db)
    login(page, "admin")
    visit(page, "/admin/organisations?kind=epci")
    row = page.locator(f"#org-{org_id}")
    row.get_by_role("link", name=re.compile("^Modifier")).click()

    name = page.locator(f"#org{org_id}-name")
    expect(name).to_be_focused()  # focus moved into the inline form
    expect(row.get_by_role("button", name="Enregistrer")).to_be_visible()
    axe_check(page)
    row.get_by_label("Rattachement (arrondissement / SPEL)").select_option(label="SPEL de Lens")
    row.get_by_role("button", name="Enregistrer").click()

    expect(row.get_by_role("cell", name="SPEL de Lens")).to_be_visible()
    expect(row.get_by_role("link", name=re.compile("^Modifier"))).to_be_focused()  # back on the row's button
    expect(page.locator("#erbm-live")).to_contain_text("enregistrée")
    axe_check(page)
    assert _spel_of_osartis(live_db) == "lens"


def test_escape_restores_the_row_and_invalid_input_keeps_the_form(page, live_db, fresh_data):
    org_id, _ = _ids(live_db)
    login(page, "admin")
    visit(page, "/admin/organisations")
    row = page.locator(f"#org-{org_id}")
    row.get_by_role("link", name=re.compile("^Modifier")).click()
    name = page.locator(f"#org{org_id}-name")
    expect(name).to_be_focused()
    name.fill("")
    row.get_by_role("button", name="Enregistrer").click()
    expect(row.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    expect(name).to_be_focused()
    axe_check(page)

    name.press("Escape")
    expect(row.get_by_role("rowheader")).to_contain_text(OSARTIS)
    expect(row.get_by_role("link", name=re.compile("^Modifier"))).to_be_focused()
    assert _spel_of_osartis(live_db) == "douai"


def test_grant_scope_follows_role_then_revoke(page, live_db, fresh_data):
    _, partner_id = _ids(live_db)
    login(page, "admin")
    visit(page, f"/admin/utilisateurs/{partner_id}/droits")
    role = page.get_by_label(re.compile("^Rôle"))
    role.select_option("co_chair")
    scope = page.get_by_label(re.compile("^Périmètre"))
    expect(scope.locator("option")).to_have_count(4)  # the four SPEL, nothing else
    expect(page.get_by_label(re.compile("^Rôle"))).to_be_focused()
    scope.select_option(label="SPEL de Douai")
    page.get_by_role("button", name="Ajouter le droit").click()

    table = page.get_by_role("table", name=re.compile("^Droits de"))
    expect(table).to_contain_text("SPEL de Douai")
    expect(page.locator("#erbm-live")).to_contain_text("Droit ajouté")
    axe_check(page)

    page.once("dialog", lambda dialog: dialog.accept())
    table.get_by_role("button", name=re.compile("^Retirer")).click()
    expect(page.get_by_role("table", name=re.compile("^Droits de"))).to_contain_text("Aucun droit particulier")
    axe_check(page)


def test_deactivating_a_user_asks_first_and_keeps_focus(page, live_db, fresh_data):
    _, partner_id = _ids(live_db)
    login(page, "admin")
    visit(page, "/admin/utilisateurs?q=partenaire")
    row = page.locator(f"#user-{partner_id}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name=re.compile("^Désactiver")).click()
    expect(row.get_by_text("Actif", exact=True)).to_be_visible()  # dismissed: nothing happened

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("^Désactiver")).click()
    expect(row.get_by_text("Désactivé", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("^Réactiver"))).to_be_focused()
    expect(page.locator("#erbm-live")).to_contain_text("désactivé")
    axe_check(page)
