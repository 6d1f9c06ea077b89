"""Keyboard and screen-reader use: minutes reviewed with the keyboard only, a visible focus
indicator on every stop of the tab order, the skip link, and what htmx swaps announce (the
``#erbm-live`` region) and where they leave the focus.

(Agenda reorder and sign-off with the keyboard only are in test_meetings_browser.py and
test_workflows_browser.py; search and inline-edit announcements in test_search_browser.py and
test_workflows_browser.py.) Every page visited is checked with axe by the harness.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from .conftest import axe_check, expect, login, visit
from .test_minutes_browser import _minutes_in_review

pytestmark = pytest.mark.browser

# What the focused element looks like: a focus indicator is a visible outline or a box-shadow.
FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // DSFR draws the ring of checkboxes and radio buttons on their label's ::before (the input is
  // hidden), and that of an enlarged link (.fr-enlarge-link: cards, header logo) on the link's ::before.
  const drawn = /^(checkbox|radio)$/.test(el.type) && el.labels && el.labels.length ? el.labels[0] : null;
  const styles = drawn ? [getComputedStyle(drawn, "::before")] : [getComputedStyle(el), getComputedStyle(el, "::before")];
  const ring = s => s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  const s = getComputedStyle(drawn || el);
  const box = (drawn || el).getBoundingClientRect();
  return {
    what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " « "
          + (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 50) + " »",
    outline: styles.some(ring),
    shadow: styles[0].boxShadow !== "none",
    shown: box.width > 0 && box.height > 0 && s.visibility !== "hidden",
  };
}"""
TAB_STOPS = 25  # per page: the header, the navigation and the start of the content


def _active(page) -> str:
    return page.evaluate("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ''")


def _focus_inside(page, selector: str) -> bool:
    return page.evaluate("s => { const a = document.activeElement; return !!a && a !== document.body "
                         "&& !!a.closest(s); }", selector)


def test_every_tab_stop_shows_its_focus_and_the_skip_link_leads_to_the_content(page):
    login(page, "co_chair")
    problems = []
    for path in ("/", "/comites/", "/plans/", "/convention/", "/recherche"):
        visit(page, path)
        page.keyboard.press("Tab")  # from the top of a freshly loaded page: the skip links come first
        skip = page.get_by_role("link", name="Contenu")
        expect(skip).to_be_focused()
        for _ in range(TAB_STOPS):
            focused = page.evaluate(FOCUSED_JS)
            if focused is None:
                break  # left the document
            if not (focused["outline"] or focused["shadow"]):
                problems.append(f"{path}: no visible focus indicator on {focused['what']}")
            if not focused["shown"]:
                problems.append(f"{path}: focus on an element that is not shown: {focused['what']}")
            page.keyboard.press("Tab")
    assert not problems, "\n".join(problems)

    # The skip link takes keyboard users to the main content: the next Tab stays in it.
    visit(page, "/comites/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Contenu")).to_be_visible()  # shown while focused
    page.keyboard.press("Enter")
    expect(page.locator("main#contenu")).to_be_focused()
    page.keyboard.press("Tab")
    assert _focus_inside(page, "main#contenu"), _active(page)


def test_minutes_review_with_the_keyboard_only(page, live_db):
    minutes_id, _, section_title = _minutes_in_review(live_db)

    # A member comments a section: type, Tab to the button, Enter.
    login(page, "member")
    visit(page, f"/releves/{minutes_id}")
    page.evaluate("() => { window.__erbmSameDocument = true; }")
    page.get_by_label(f"Commenter la section « {section_title} »").focus()
    page.keyboard.type("Ajouter le nombre de contrats signés en CIE.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Envoyer le commentaire").first).to_be_focused()
    with page.expect_response(re.compile(rf"/releves/{minutes_id}/sections/\d+/commentaires$")):
        page.keyboard.press("Enter")
    section = page.locator("section", has=page.get_by_text("Ajouter le nombre de contrats signés en CIE."))
    expect(section).to_have_count(1)
    expect(page.locator("#erbm-live")).to_have_text("Commentaire ajouté.")
    # Focus is not lost with the button the swap replaced: it is on the section's comments.
    expect(section.get_by_role("heading", name=re.compile(r"^Commentaires de relecture \(1\)"))).to_be_focused()
    assert page.evaluate("() => window.__erbmSameDocument === true")
    axe_check(page)

    # The co-chair approves: Tab order reaches the button, Enter submits.
    page.get_by_role("button", name="Se déconnecter").focus()
    with page.expect_navigation(url=re.compile(r"/connexion$")):
        page.keyboard.press("Enter")
    axe_check(page)
    login(page, "co_chair")
    visit(page, f"/releves/{minutes_id}")
    page.get_by_role("link", name=re.compile("^Télécharger \\(Word\\)")).focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Approuver le relevé":
            break
    approve = page.get_by_role("button", name="Approuver le relevé")
    expect(approve).to_be_focused()
    with page.expect_navigation(url=re.compile(rf"/releves/{minutes_id}$")):
        page.keyboard.press("Enter")
    axe_check(page)
    expect(page.get_by_text("attend sa publication par le secrétariat")).to_be_visible()

    from erbm_portal.minutes.models import Minutes, MinutesState

    with live_db() as session:
        assert session.get(Minutes, minutes_id).state == MinutesState.APPROVED


def test_notification_marked_read_is_announced_and_keeps_the_focus(page):
    login(page, "co_chair")
    visit(page, "/notifications/")
    page.evaluate("() => { window.__erbmSameDocument = true; }")
    button = page.get_by_role("button", name=re.compile("^Marquer comme lue")).first
    title = button.get_attribute("aria-label") or button.inner_text()
    title = title.split(":", 1)[1].strip()
    button.focus()
    with page.expect_response(re.compile(r"/notifications/\d+/lue$")):
        page.keyboard.press("Enter")
    expect(page.locator("#erbm-live")).to_have_text(f"Notification « {title} » marquée comme lue.")
    expect(page.locator("#notification-list").get_by_role("link", name=title).first).to_be_focused()
    assert page.evaluate("() => window.__erbmSameDocument === true")
    axe_check(page)

    page.get_by_role("button", name="Tout marquer comme lu").focus()
    with page.expect_response(re.compile(r"/notifications/tout-lire$")):
        page.keyboard.press("Enter")
    expect(page.locator("#erbm-live")).to_have_text(re.compile(r"^\d+ notifications? marquées? comme lues?\.$"))
    assert _focus_inside(page, "#notification-list"), _active(page)
    expect(page.get_by_role("button", name=re.compile("^Marquer comme lue"))).to_have_count(0)
    axe_check(page)


def test_follow_up_status_change_is_announced_and_keeps_the_focus(page, live_db):
    from erbm_portal.directory.models import Committee

    with live_db() as session:
        committee_id = session.execute(select(Committee.id).filter_by(slug="spel-lens")).scalar_one()
    login(page, "co_chair")
    visit(page, f"/comites/{committee_id}/registre")
    status = page.get_by_role("combobox", name=re.compile("^Statut de l'action")).first
    select_id = status.get_attribute("id")
    before = status.input_value()
    status.focus()
    page.keyboard.press("ArrowDown" if before != "dropped" else "ArrowUp")
    after = status.input_value()
    assert after != before
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=re.compile("^Changer")).first).to_be_focused()
    with page.expect_response(re.compile(r"/statut$|/actions/\d+")):
        page.keyboard.press("Enter")
    expect(page.locator("#erbm-live")).to_have_text(re.compile(r"^Statut : .+\.$"))
    expect(page.locator(f"#{select_id}")).to_be_focused()
    expect(page.locator(f"#{select_id}")).to_have_value(after)
    axe_check(page)
