"""Minutes in a real browser: a member comments a section in review, a co-chair approves,
the programme secretariat publishes (which closes the meeting).

Every page visited, and every htmx swap, is checked with axe (see conftest.py).
The test changes demo data but is alone in its module, whose own seeding (``live_data``) gives it
the demo and clears it afterwards; a second test in this module would need ``fresh_data``
(not used here: each re-seed costs seconds of the two-minute browser budget).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from .conftest import axe_check, expect, login, logout, visit

pytestmark = pytest.mark.browser

TITLE = "SPEL de Lens — réunion d'étape (relevé en relecture)"


def _minutes_in_review(live_db) -> tuple[int, int, str]:
    """A Lens meeting held yesterday whose minutes are in review; (minutes id, meeting id, first section title)."""
    from erbm_portal.core.db import utcnow
    from erbm_portal.directory.models import Committee
    from erbm_portal.meetings import services as meetings
    from erbm_portal.minutes import services as minutes_services
    from erbm_portal.minutes.access import SYSTEM_ACCESS

    with live_db() as session:
        lens = session.execute(select(Committee).filter_by(slug="spel-lens")).scalar_one()
        start = (utcnow() - timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
        meeting = meetings.create_meeting(lens, title=TITLE, starts_at=start, ends_at=start + timedelta(hours=2),
                                          place="Sous-préfecture de Lens")
        meetings.add_item(meeting, title="Bilan des clauses d'insertion", kind="information", duration=30)
        meetings.add_item(meeting, title="Recrutements en CIE bassin minier", kind="discussion", duration=30)
        meetings.convene_meeting(meeting, now=start - timedelta(days=15))
        meetings.mark_held(meeting, now=start + timedelta(hours=2))
        session.flush()
        minutes = minutes_services.create_minutes(meeting, access=SYSTEM_ACCESS)
        session.flush()
        for section in minutes.sections:
            minutes_services.update_section(section, access=SYSTEM_ACCESS, expected_version=section.version,
                                            body=f"Compte rendu du point « {section.title} ».")
        minutes_services.submit_for_review(minutes, access=SYSTEM_ACCESS,
                                           deadline=minutes_services.paris_today() + timedelta(days=7))
        session.flush()
        return minutes.id, meeting.id, minutes.sections[0].title


def test_member_comments_co_chair_approves_secretariat_publishes(page, live_db):
    minutes_id, meeting_id, section_title = _minutes_in_review(live_db)

    # A member of the SPEL comments a section during the review (htmx, no reload).
    login(page, "member")
    visit(page, f"/releves/{minutes_id}")
    page.evaluate("() => { window.__erbmSameDocument = true; }")
    box = page.get_by_label(f"Commenter la section « {section_title} »")
    box.fill("Préciser le nombre d'heures d'insertion réalisées sur l'arrondissement.")
    section = page.locator("section", has=box).first
    with page.expect_response(re.compile(rf"/releves/{minutes_id}/sections/\d+/commentaires$")):
        section.get_by_role("button", name="Envoyer le commentaire").click()
    expect(page.get_by_text("Préciser le nombre d'heures d'insertion réalisées")).to_be_visible()
    expect(page.locator("#erbm-live")).to_contain_text("Commentaire ajouté.")
    assert page.evaluate("() => window.__erbmSameDocument === true")
    axe_check(page)
    # A member neither approves nor publishes.
    expect(page.get_by_role("button", name="Approuver le relevé")).to_have_count(0)
    expect(page.get_by_role("button", name="Publier le relevé")).to_have_count(0)
    logout(page)

    # A co-chair approves; publishing is left to the programme secretariat.
    login(page, "co_chair")
    visit(page, f"/releves/{minutes_id}")
    expect(page.get_by_text("Préciser le nombre d'heures d'insertion réalisées")).to_be_visible()
    page.get_by_role("button", name="Approuver le relevé").click()
    expect(page.get_by_text("attend sa publication par le secrétariat")).to_be_visible()
    axe_check(page)
    expect(page.get_by_role("button", name="Publier le relevé")).to_have_count(0)
    logout(page)

    # The secretariat publishes (after confirming); the meeting is closed.
    login(page, "secretariat")
    visit(page, f"/releves/{minutes_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publier le relevé").click()
    expect(page.get_by_role("button", name="Publier le relevé")).to_have_count(0)
    expect(page.get_by_text(re.compile("publiée le"))).to_be_visible()
    axe_check(page)

    from erbm_portal.meetings.models import Meeting, MeetingState
    from erbm_portal.minutes.models import Minutes, MinutesState

    with live_db() as session:
        assert session.get(Minutes, minutes_id).state == MinutesState.PUBLISHED
        assert session.get(Meeting, meeting_id).state == MeetingState.CLOSED

    # The meeting page links to its minutes.
    visit(page, f"/reunions/{meeting_id}")
    page.get_by_role("link", name="Relevé de décisions").click()
    page.wait_for_url(re.compile(rf"/reunions/{meeting_id}/releve$"))
    axe_check(page)
    expect(page.get_by_role("link", name="Version 1")).to_be_visible()
