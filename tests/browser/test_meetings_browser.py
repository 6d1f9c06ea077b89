"""Meetings in a real browser: the agenda built and reordered with the keyboard only (the order
persists after a reload), then the convocation.

Every page visited, and every htmx swap, is checked with axe (see conftest.py).
The test changes demo data but is alone in its module, whose own seeding (``live_data``) gives it
the demo and clears it afterwards; a second test in this module would need ``fresh_data``
(not used here: each re-seed costs seconds of the two-minute browser budget).
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from .conftest import axe_check, expect, login, visit

pytestmark = pytest.mark.browser

LENS_DRAFT = "SPEL de Lens — préparation du plan d'action"


def _meeting_id(live_db, title: str) -> int:
    from erbm_portal.meetings.models import Meeting

    with live_db() as session:
        return session.execute(select(Meeting.id).filter_by(title=title)).scalar_one()


def _agenda_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("#agenda ol.erbm-agenda > li h3").all_inner_texts()]


def test_agenda_built_with_the_keyboard_then_convocation_sent(page, live_db):
    meeting_id = _meeting_id(live_db, LENS_DRAFT)
    login(page, "co_chair")
    visit(page, f"/reunions/{meeting_id}")
    page.evaluate("() => { window.__erbmSameDocument = true; }")
    before = _agenda_titles(page)
    assert len(before) == 3

    # Add a point: keyboard only, from the title field to the submit button.
    title = page.get_by_label("Intitulé du point")
    title.focus()
    page.keyboard.type("Questions diverses des partenaires")
    page.keyboard.press("Tab")  # Nature
    expect(page.get_by_label("Nature")).to_be_focused()
    page.keyboard.press("Tab")  # Durée
    expect(page.get_by_label("Durée (minutes)")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("15")
    with page.expect_response(re.compile(rf"/reunions/{meeting_id}/ordre-du-jour")):
        page.keyboard.press("Enter")  # submits the form
    expect(page.locator("#agenda ol.erbm-agenda > li")).to_have_count(4)
    assert _agenda_titles(page)[-1] == "4. Questions diverses des partenaires"
    assert page.evaluate("() => window.__erbmSameDocument === true")
    axe_check(page)

    # Move the new point up with the keyboard: focus stays on its « Monter » button, the move is announced.
    up = page.get_by_role("button", name="Monter « Questions diverses des partenaires »")
    up.focus()
    with page.expect_response(re.compile(r"/deplacer$")):
        page.keyboard.press("Enter")
    expect(page.locator("#agenda ol.erbm-agenda > li").nth(2)).to_contain_text("Questions diverses des partenaires")
    moved_up = page.get_by_role("button", name="Monter « Questions diverses des partenaires »")
    expect(moved_up).to_be_focused()
    expect(page.locator("#erbm-live")).to_contain_text(
        "« Questions diverses des partenaires » est maintenant en position 3 sur 4.")
    axe_check(page)

    # The new order is saved: a reload shows it. Back on the « Monter » button, keyboard only.
    page.reload()
    axe_check(page)
    assert _agenda_titles(page)[2] == "3. Questions diverses des partenaires"
    page.evaluate("() => { window.__erbmSameDocument = true; }")
    page.get_by_role("button", name="Monter « Questions diverses des partenaires »").focus()

    # Then down again with « Descendre »: at the end, focus goes to the button still shown (« Monter »).
    page.keyboard.press("Tab")  # Monter -> Descendre of the same item
    down = page.get_by_role("button", name="Descendre « Questions diverses des partenaires »")
    expect(down).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#erbm-live")).to_contain_text("est maintenant en position 4 sur 4.")
    expect(page.locator("#agenda ol.erbm-agenda > li").nth(3)).to_contain_text("Questions diverses des partenaires")
    expect(page.get_by_role("button", name="Monter « Questions diverses des partenaires »")).to_be_focused()
    assert page.evaluate("() => window.__erbmSameDocument === true")
    axe_check(page)
    page.reload()
    axe_check(page)
    assert _agenda_titles(page) == before + ["4. Questions diverses des partenaires"]

    # Send the convocation (the button asks for confirmation first).
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Envoyer la convocation").click()
    page.wait_for_url(re.compile(rf"/reunions/{meeting_id}$"))
    axe_check(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("convoquée")
    expect(page.get_by_text("Convocation envoyée le")).to_be_visible()
    from erbm_portal.mail.models import OutboxMessage, OutboxStatus
    from erbm_portal.meetings.models import Meeting, MeetingState

    with live_db() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting.state == MeetingState.CONVENED
        invitee_ids = [i.id for i in meeting.invitees]
        queued = session.execute(select(OutboxMessage).where(
            OutboxMessage.related_type == "meeting_invitee", OutboxMessage.related_id.in_(invitee_ids),
            OutboxMessage.status == OutboxStatus.PENDING)).scalars().all()
        assert len(queued) == len(invitee_ids) > 0
