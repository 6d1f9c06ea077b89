"""Foundation flows in a real browser: sign-in per role, sign-out, htmx forms, keyboard use.

Every page visited is checked with axe (see conftest.py).
"""
from __future__ import annotations

import re

import pytest
from .conftest import axe_check, demo_password, expect, login, logout, visit

pytestmark = pytest.mark.browser

ROLES = ["admin", "secretariat", "co_chair", "member", "signatory", "partner", "observer"]
# What each role's main navigation must offer (and must not).
NAV_SHOWN = {role: {"Tableau de bord"} for role in ROLES}
NAV_SHOWN["admin"] |= {"Journal d'audit"}
NAV_SHOWN["secretariat"] |= {"Journal d'audit"}
NAV_HIDDEN = {role: {"Journal d'audit"} - NAV_SHOWN[role] for role in ROLES}
NEW_PASSWORD_LABEL = re.compile(r"^Nouveau mot de passe")  # not "Confirmation du nouveau..."


def nav(page):
    return page.get_by_role("navigation", name="Menu principal")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_sees_its_navigation(page, role):
    login(page, role)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    links = nav(page).get_by_role("link")
    labels = {text.strip() for text in links.all_inner_texts()}
    assert NAV_SHOWN[role] <= labels, labels
    assert not (NAV_HIDDEN[role] & labels), labels
    expect(nav(page).get_by_role("link", name="Tableau de bord")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    if "Journal d'audit" in labels:
        nav(page).get_by_role("link", name="Journal d'audit").click()
        expect(page).to_have_url(re.compile(r"/audit/$"))
        axe_check(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Journal d'audit")
        expect(nav(page).get_by_role("link", name="Journal d'audit")).to_have_attribute("aria-current", "page")
    else:
        # Typing the address does not help either: a French refusal page.
        visit(page, "/audit/", expect_status=403)
        expect(page.get_by_role("alert")).to_contain_text("Accès refusé")


def test_wrong_password_shows_french_error_beside_the_form(page):
    visit(page, "/connexion")
    page.get_by_label("Adresse électronique").fill("partenaire@erbm-demo.fr")
    page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()

    form = page.locator("form", has=page.get_by_role("button", name="Se connecter"))
    alert = form.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("incorrect")
    axe_check(page)
    expect(page).to_have_url(re.compile(r"/connexion$"))
    expect(page.get_by_label("Adresse électronique")).to_have_value("partenaire@erbm-demo.fr")
    expect(page.get_by_label("Mot de passe")).to_have_value("")
    expect(page.get_by_role("navigation", name="Menu principal")).to_have_count(0)


def test_empty_login_form_marks_each_field(page):
    visit(page, "/connexion")
    page.get_by_role("button", name="Se connecter").click()
    email = page.get_by_label("Adresse électronique")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Saisissez votre adresse électronique"))
    expect(page.get_by_label("Mot de passe")).to_have_accessible_description(
        re.compile("Saisissez votre mot de passe"))
    axe_check(page)


def test_logout_ends_the_session(page):
    login(page, "member")
    logout(page)

    expect(page.get_by_role("alert").or_(page.locator("#erbm-alerts"))).to_contain_text("déconnecté")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    # The dashboard now sends back to the sign-in page, remembering where we were going.
    visit(page, "/")
    expect(page).to_have_url(re.compile(r"/connexion\?next=(/|%2F)"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Connexion")


def _mark_document(page):
    """A marker that survives htmx swaps but not a page reload."""
    page.evaluate("() => { window.__erbmSameDocument = true; }")


def _same_document(page) -> bool:
    return page.evaluate("() => window.__erbmSameDocument === true")


def test_password_change_errors_come_back_in_place(page):
    login(page, "member")
    page.get_by_role("link", name=re.compile("Karim Haddad")).click()
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    axe_check(page)
    _mark_document(page)

    form = page.locator("#password-form")
    form.get_by_label("Mot de passe actuel").fill("pas-le-bon-mot-de-passe")
    form.get_by_label(NEW_PASSWORD_LABEL).fill("un-nouveau-mot-de-passe")
    form.get_by_label("Confirmation du nouveau mot de passe").fill("un-nouveau-mot-de-passe")
    with page.expect_response(lambda r: r.url.endswith("/mon-compte/mot-de-passe")) as answer:
        form.get_by_role("button", name="Changer le mot de passe").click()
    assert answer.value.status == 422
    assert answer.value.request.headers.get("hx-request") == "true"

    current = page.locator("#password-form").get_by_label("Mot de passe actuel")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(current).to_have_accessible_description("Le mot de passe actuel est incorrect.")
    expect(current).to_be_focused()
    assert _same_document(page), "the page was reloaded instead of swapping the form"
    expect(page).to_have_url(re.compile(r"/mon-compte$"))
    expect(page.locator("#password-form")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    axe_check(page)

    # Fields the browser keeps: a second attempt with mismatching confirmation.
    form = page.locator("#password-form")
    form.get_by_label("Mot de passe actuel").fill(demo_password(page))
    form.get_by_label(NEW_PASSWORD_LABEL).fill("un-nouveau-mot-de-passe")
    form.get_by_label("Confirmation du nouveau mot de passe").fill("autre-chose-encore")
    form.get_by_role("button", name="Changer le mot de passe").click()
    confirm = page.locator("#password-form").get_by_label("Confirmation du nouveau mot de passe")
    expect(confirm).to_have_accessible_description("Les deux mots de passe ne correspondent pas.")
    expect(confirm).to_be_focused()
    assert _same_document(page)
    axe_check(page)


def test_password_change_succeeds_and_asks_to_sign_in_again(page, fresh_data):
    login(page, "member")
    visit(page, "/mon-compte")
    form = page.locator("#password-form")
    form.get_by_label("Mot de passe actuel").fill(demo_password(page))
    form.get_by_label(NEW_PASSWORD_LABEL).fill("un-nouveau-mot-de-passe")
    form.get_by_label("Confirmation du nouveau mot de passe").fill("un-nouveau-mot-de-passe")
    form.get_by_role("button", name="Changer le mot de passe").click()

    # A whole new page, not the login page squeezed into the form's place.
    page.wait_for_url(re.compile(r"/connexion$"))
    axe_check(page)
    expect(page.locator("#password-form")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.locator("#erbm-alerts")).to_contain_text("Mot de passe changé")
    login(page, "member", password="un-nouveau-mot-de-passe")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")


def test_audit_filter_with_the_keyboard_only(page):
    login(page, "admin")
    visit(page, "/audit/")
    _mark_document(page)
    action = page.get_by_label("Action (début du code)")

    # Tab from the top of the page until the filter field has focus.
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == "audit-action":
            break
    expect(action).to_be_focused()

    rows = page.locator("#audit-results tbody tr")
    with page.expect_response(lambda r: "/audit/?" in r.url and "action=auth.login" in r.url) as answer:
        page.keyboard.type("auth.login")
    assert answer.value.status == 200
    expect(page.locator("#erbm-live")).to_have_text(re.compile(r"^\d+ événements? affichés?$"))
    expect(rows.first).to_be_visible()
    for code in page.locator("#audit-results tbody tr td:nth-child(4)").all_inner_texts():
        assert code.startswith("auth.login"), code
    expect(action).to_be_focused()  # typing was not interrupted by the swap
    expect(page).to_have_url(re.compile(r"action=auth\.login"))
    assert _same_document(page)
    axe_check(page)

    # Narrow down to nothing: the table says so, and so does the live region.
    with page.expect_response(lambda r: "action=auth.login.nothing" in r.url):
        page.keyboard.type(".nothing")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text("Aucun événement ne correspond à ces filtres.")
    expect(page.locator("#erbm-live")).to_have_text("0 événement affiché")
    expect(action).to_be_focused()
    assert _same_document(page)
    axe_check(page)
