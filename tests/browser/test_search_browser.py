"""Live search in a real browser: typing updates the results in place, the count is announced,
the address follows; the results page is axe-checked."""
from __future__ import annotations

import re

import pytest

from .conftest import axe_check, expect, login, visit

pytestmark = pytest.mark.browser


def test_live_search_with_the_keyboard(page):
    login(page, "partner")
    visit(page, "/recherche")
    page.evaluate("window.__erbmSameDocument = true")
    field = page.locator("#recherche-q")
    field.focus()
    page.keyboard.type("renovation")  # no accent: finds « rénovation »
    results = page.locator("#search-results")
    expect(results.locator("mark").first).to_be_visible()
    expect(results).to_contain_text(re.compile(r"\d+ résultats?"))
    expect(page.locator("#erbm-live")).to_contain_text("résultat")
    expect(field).to_be_focused()  # typing goes on where it was
    expect(page).to_have_url(re.compile(r"q=renovation"))
    assert page.evaluate("window.__erbmSameDocument") is True
    axe_check(page)


def test_results_page_without_javascript_semantics(page):
    login(page, "observer")
    visit(page, "/recherche?q=insertion")
    expect(page.locator("#search-results")).to_contain_text("insertion")
