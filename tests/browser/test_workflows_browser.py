"""Keyboard-only flows across domains: inline edit, signing off a plan, comparing agreement versions.
Every page visited is checked with axe-core by the harness."""
from __future__ import annotations

import re

import pytest

from .conftest import axe_check, expect, login, visit

pytestmark = pytest.mark.browser


def _lens_plan_round(live_db) -> int:
    from sqlalchemy import select

    from erbm_portal.signoff.models import RoundState, SignoffRound

    with live_db() as session:
        return session.execute(select(SignoffRound.id).where(
            SignoffRound.subject_type == "action_plan", SignoffRound.state == RoundState.OPEN)).scalars().first()


def _org_id(live_db, name: str) -> int:
    from sqlalchemy import select

    from erbm_portal.directory.models import Organisation

    with live_db() as session:
        return session.execute(select(Organisation.id).where(Organisation.name == name)).scalar_one()


def test_inline_edit_with_the_keyboard_only(page, live_db, fresh_data):
    org_id = _org_id(live_db, "PLIE de l'arrondissement de Lens (démo)")
    login(page, "admin")
    visit(page, "/admin/organisations")
    page.evaluate("window.__erbmSameDocument = true")
    edit = page.locator(f"#org-{org_id}").get_by_role("link", name=re.compile("^Modifier"))
    edit.focus()
    page.keyboard.press("Enter")
    short_name = page.locator(f"#org{org_id}-short_name")
    expect(page.locator(f"#org{org_id}-name")).to_be_focused()
    page.keyboard.press("Tab")
    expect(short_name).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("PLIE Lens-Liévin")
    # Enter in a text field submits the inline form.
    page.keyboard.press("Enter")
    expect(page.locator(f"#org-{org_id}")).to_contain_text("PLIE Lens-Liévin")
    expect(page.locator(f"#org-{org_id}").get_by_role("link", name=re.compile("^Modifier"))).to_be_focused()
    expect(page.locator("#erbm-live")).not_to_be_empty()
    assert page.evaluate("window.__erbmSameDocument") is True  # swapped in place, no reload
    axe_check(page)


def test_signatory_signs_off_the_lens_plan_with_the_keyboard(page, live_db, fresh_data):
    round_id = _lens_plan_round(live_db)
    login(page, "signatory")  # CA Lens-Liévin, called to sign the Lens 2023 plan
    visit(page, f"/validations/{round_id}")
    expect(page.get_by_role("heading", name=re.compile("Votre décision"))).to_be_visible()
    approve = page.get_by_label(re.compile("J'approuve"))
    approve.focus()
    page.keyboard.press("Space")
    expect(approve).to_be_checked()
    page.keyboard.press("Tab")  # the comment field
    page.keyboard.type("Accord de la CA de Lens-Liévin.")
    page.keyboard.press("Tab")  # the submit button
    expect(page.get_by_role("button", name="Enregistrer ma décision")).to_be_focused()
    with page.expect_navigation(url=re.compile(rf"/validations/{round_id}$")):
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    axe_check(page)
    expect(page.locator("#erbm-alerts")).to_contain_text("Votre décision a été enregistrée")
    row = page.get_by_role("row", name=re.compile("Communauté d'agglomération de Lens-Liévin"))
    expect(row).to_contain_text("approuvé")
    expect(row).to_contain_text("Accord de la CA de Lens-Liévin.")


def test_plan_round_and_dashboard_pages_are_accessible(page, live_db):
    login(page, "co_chair")  # Lens co-chair
    visit(page, "/plans/")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Lens")).first.click()
    page.wait_for_load_state()
    axe_check(page)
    visit(page, f"/validations/{_lens_plan_round(live_db)}")
    visit(page, "/indicateurs/")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.get_by_text("47", exact=False).first).to_be_visible()


def test_compare_two_agreement_versions(page):
    login(page, "partner")
    for path in ("/convention/", "/convention/versions", "/convention/versions/2", "/convention/avenants/1"):
        visit(page, path)  # axe-checked by visit()
    visit(page, "/convention/comparer")
    page.evaluate("window.__erbmSameDocument = true")
    page.get_by_label("Version de départ").select_option("1")
    page.get_by_label("Version d'arrivée").select_option("2")
    page.get_by_role("button", name="Comparer").click()
    comparison = page.locator("#comparison")
    expect(comparison.locator("ins").first).to_be_visible()
    expect(comparison.locator("del").first).to_be_visible()
    expect(comparison).to_contain_text("530")
    assert page.evaluate("window.__erbmSameDocument") is True
    expect(page).to_have_url(re.compile(r"de=1&a=2"))  # the comparison has its own address
    axe_check(page)
