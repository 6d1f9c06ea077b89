"""Minutes: lifecycle services, visibility, HTTP forms (bad input, htmx, conflicts), versions, query count."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from erbm_portal.audit.models import AuditEvent
from erbm_portal.core.errors import ServiceError, StaleEdit, TransitionRefused
from erbm_portal.directory.access import CommitteeAccess
from erbm_portal.directory.models import Committee
from erbm_portal.extensions import db as _db
from erbm_portal.meetings.models import Meeting, MeetingState
from erbm_portal.minutes import services
from erbm_portal.minutes.access import SYSTEM_ACCESS
from erbm_portal.minutes.models import Decision, Minutes, MinutesComment, MinutesSection, MinutesState

from . import factories
from .conftest import csrf_from

MANAGER = CommitteeAccess(manage=True, read_drafts=True, member=False, read_published=True, publish=False)
SECRETARIAT = CommitteeAccess(manage=False, read_drafts=True, member=False, read_published=True, publish=True)
MEMBER = CommitteeAccess(manage=False, read_drafts=False, member=True, read_published=True, publish=False)
READER = CommitteeAccess(manage=False, read_drafts=False, member=False, read_published=True, publish=False)


def audit_actions(prefix: str = "") -> list[str]:
    return list(_db.session.execute(
        select(AuditEvent.action).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)).scalars())


@pytest.fixture
def spel_committee(db):
    return factories.committee(factories.spel())


@pytest.fixture
def held_meeting(spel_committee):
    return factories.meeting(spel_committee, state=MeetingState.HELD)


def fill(m: Minutes):
    for s in m.sections:
        if not s.is_misc:
            services.update_section(s, access=MANAGER, body=f"Texte de {s.title}", expected_version=s.version)
    _db.session.commit()


# --- Creation ---------------------------------------------------------------------------------


def test_create_minutes_has_one_section_per_agenda_item_and_divers(held_meeting):
    m = services.create_minutes(held_meeting, access=MANAGER)
    _db.session.commit()
    assert m.number == 1 and m.state == MinutesState.DRAFT
    assert [s.title for s in m.sections] == ["Point 1", "Point 2", "Point 3", "Divers"]
    assert m.sections[-1].is_misc
    assert "minutes.created" in audit_actions("minutes.")


def test_create_minutes_twice_returns_the_same_version(held_meeting):
    first = services.create_minutes(held_meeting, access=MANAGER)
    _db.session.commit()
    again = services.create_minutes(held_meeting, access=MANAGER)
    assert again.id == first.id
    assert _db.session.execute(select(func.count(Minutes.id))).scalar() == 1


def test_create_minutes_refused_for_planned_meeting_or_non_manager(spel_committee):
    planned = factories.meeting(spel_committee, state=MeetingState.PLANNED)
    with pytest.raises(ServiceError, match="pas encore été convoquée"):
        services.create_minutes(planned, access=MANAGER)
    held = factories.meeting(spel_committee)
    with pytest.raises(ServiceError):
        services.create_minutes(held, access=SECRETARIAT)
    _db.session.rollback()
    assert _db.session.execute(select(func.count(Minutes.id))).scalar() == 0


# --- Sections ---------------------------------------------------------------------------------


def test_update_section_in_draft_and_in_review(held_meeting):
    m = factories.minutes(held_meeting, state="draft")
    s = m.sections[0]
    services.update_section(s, access=MANAGER, body="Nouveau", expected_version=s.version)
    _db.session.commit()
    assert s.body == "Nouveau" and s.version == 3
    services.submit_for_review(m, access=MANAGER, deadline=services.paris_today())
    services.update_section(s, access=MANAGER, body="Après relecture", expected_version=s.version)
    _db.session.commit()
    assert s.body == "Après relecture"


def test_update_section_stale_version_refused(held_meeting):
    m = factories.minutes(held_meeting)
    s = m.sections[0]
    with pytest.raises(StaleEdit):
        services.update_section(s, access=MANAGER, body="Perdu ?", expected_version=s.version - 1)


def test_update_section_refused_when_approved(held_meeting):
    m = factories.minutes(held_meeting, state="approved")
    s = m.sections[0]
    with pytest.raises(TransitionRefused, match="repassez-le en brouillon"):
        services.update_section(s, access=MANAGER, body="Trop tard", expected_version=s.version)


def test_published_minutes_are_frozen_for_everyone_and_the_refusal_is_audited(held_meeting):
    m = factories.minutes(held_meeting, state="published")
    s = m.sections[0]
    before = s.body
    for access in (MANAGER, SYSTEM_ACCESS):
        with pytest.raises(TransitionRefused, match="publié"):
            services.update_section(s, access=access, body="Modification", expected_version=s.version)
    _db.session.rollback()
    assert _db.session.get(MinutesSection, s.id).body == before
    assert audit_actions("minutes.edit_refused") == ["minutes.edit_refused"] * 2
    with pytest.raises(TransitionRefused):
        services.add_decision(m, access=SYSTEM_ACCESS, text="Ajout", agenda_item_id=None)
    _db.session.rollback()
    assert _db.session.execute(select(func.count(Decision.id))).scalar() == 0


def test_update_section_requires_manage(held_meeting):
    m = factories.minutes(held_meeting)
    with pytest.raises(ServiceError):
        services.update_section(m.sections[0], access=SECRETARIAT, body="x", expected_version=m.sections[0].version)


# --- Transitions ------------------------------------------------------------------------------


def test_submit_for_review_requires_every_agenda_section(held_meeting):
    m = factories.minutes(held_meeting, filled=False)
    with pytest.raises(ServiceError, match="Sections vides : « Point 1 », « Point 2 », « Point 3 »"):
        services.submit_for_review(m, access=MANAGER, deadline=services.paris_today())
    _db.session.rollback()
    assert _db.session.get(Minutes, m.id).state == MinutesState.DRAFT


def test_submit_for_review_refuses_past_or_missing_deadline(held_meeting):
    m = factories.minutes(held_meeting)
    with pytest.raises(ServiceError) as exc:
        services.submit_for_review(m, access=MANAGER, deadline=services.paris_today() - timedelta(days=1))
    assert exc.value.field == "deadline"
    with pytest.raises(ServiceError):
        services.submit_for_review(m, access=MANAGER, deadline=None)
    _db.session.rollback()
    assert _db.session.get(Minutes, m.id).state == MinutesState.DRAFT


def test_full_lifecycle_closes_the_meeting(held_meeting):
    m = factories.minutes(held_meeting)
    services.submit_for_review(m, access=MANAGER, deadline=services.paris_today())
    assert m.state == MinutesState.IN_REVIEW and m.review_deadline == services.paris_today()
    services.approve(m, access=MANAGER)
    assert m.state == MinutesState.APPROVED and m.approved_at
    services.publish(m, access=SECRETARIAT)
    _db.session.commit()
    assert m.state == MinutesState.PUBLISHED and m.published_at
    assert _db.session.get(Meeting, held_meeting.id).state == MeetingState.CLOSED
    assert audit_actions("minutes.") [-3:] == ["minutes.in_review", "minutes.approved", "minutes.published"]
    assert "meeting.closed" in audit_actions("meeting.")


@pytest.mark.parametrize("state,target", [
    ("in_review", "draft"), ("approved", "draft"),
])
def test_back_to_draft_allowed(held_meeting, state, target):
    m = factories.minutes(held_meeting, state=state)
    services.back_to_draft(m, access=MANAGER)
    _db.session.commit()
    assert m.state == MinutesState.DRAFT


@pytest.mark.parametrize("state,call", [
    ("draft", lambda m: services.back_to_draft(m, access=MANAGER)),
    ("published", lambda m: services.back_to_draft(m, access=MANAGER)),
    ("draft", lambda m: services.approve(m, access=MANAGER)),
    ("approved", lambda m: services.approve(m, access=MANAGER)),
    ("in_review", lambda m: services.submit_for_review(m, access=MANAGER, deadline=services.paris_today())),
    ("published", lambda m: services.submit_for_review(m, access=MANAGER, deadline=services.paris_today())),
    ("draft", lambda m: services.publish(m, access=SECRETARIAT)),
    ("in_review", lambda m: services.publish(m, access=SECRETARIAT)),
])
def test_refused_transitions_are_audited_and_change_nothing(held_meeting, state, call):
    m = factories.minutes(held_meeting, state=state)
    before = audit_actions()
    with pytest.raises(TransitionRefused):
        call(m)
    _db.session.rollback()
    assert _db.session.get(Minutes, m.id).state == MinutesState(state)
    assert audit_actions()[len(before):] == ["minutes.transition_refused"]


def test_publishing_a_draft_says_it_must_be_approved(held_meeting):
    m = factories.minutes(held_meeting)
    with pytest.raises(TransitionRefused, match="doit être approuvé"):
        services.publish(m, access=SECRETARIAT)


def test_approve_needs_manage_and_publish_needs_publish(held_meeting):
    m = factories.minutes(held_meeting, state="in_review")
    with pytest.raises(ServiceError):
        services.approve(m, access=SECRETARIAT)
    with pytest.raises(ServiceError):
        services.approve(m, access=MEMBER)
    services.approve(m, access=MANAGER)
    with pytest.raises(ServiceError, match="secrétariat"):
        services.publish(m, access=MANAGER)
    assert m.state == MinutesState.APPROVED


def test_publish_refused_while_meeting_not_held(spel_committee):
    meeting = factories.meeting(spel_committee, state=MeetingState.CONVENED)
    m = factories.minutes(meeting, state="approved")
    with pytest.raises(TransitionRefused, match="doit être tenue"):
        services.publish(m, access=SECRETARIAT)
    _db.session.rollback()
    assert _db.session.get(Minutes, m.id).state == MinutesState.APPROVED
    assert _db.session.get(Meeting, meeting.id).state == MeetingState.CONVENED
    assert audit_actions("minutes.transition_refused") == ["minutes.transition_refused"]


# --- Corrections and comparison ---------------------------------------------------------------


def test_correction_is_a_new_draft_from_the_published_text(held_meeting):
    v1 = factories.minutes(held_meeting, state="published")
    v2 = services.start_correction(v1, access=MANAGER, reason="Chiffre des contrats erroné.")
    _db.session.commit()
    assert (v2.number, v2.state, v2.previous_id) == (2, MinutesState.DRAFT, v1.id)
    assert [s.body for s in v2.sections] == [s.body for s in v1.sections]
    assert v2.correction_reason == "Chiffre des contrats erroné."
    # Asking again (double submit) returns the open correction.
    assert services.start_correction(v1, access=MANAGER, reason="Chiffre des contrats erroné.").id == v2.id
    # Editing v2 leaves v1 untouched and readable.
    s = v2.sections[0]
    services.update_section(s, access=MANAGER, body="Texte corrigé", expected_version=s.version)
    services.submit_for_review(v2, access=MANAGER, deadline=services.paris_today())
    services.approve(v2, access=MANAGER)
    services.publish(v2, access=SECRETARIAT)  # the meeting is already closed: stays closed
    _db.session.commit()
    assert _db.session.get(MinutesSection, v1.sections[0].id).body != "Texte corrigé"
    assert _db.session.get(Minutes, v1.id).state == MinutesState.PUBLISHED
    rows = services.compare_versions(v1, v2)
    assert [r.status for r in rows] == ["modified", "unchanged", "unchanged", "unchanged"]
    assert "<ins>" in rows[0].html and "<del>" in rows[0].html


def test_correction_refused_without_reason_or_from_a_draft(held_meeting):
    v1 = factories.minutes(held_meeting, state="published")
    with pytest.raises(ServiceError) as exc:
        services.start_correction(v1, access=MANAGER, reason="  court ")
    assert exc.value.field == "reason"
    draft = factories.minutes(factories.meeting(held_meeting.committee))
    with pytest.raises(TransitionRefused):
        services.start_correction(draft, access=MANAGER, reason="Une raison suffisante.")
    with pytest.raises(ServiceError):
        services.start_correction(v1, access=MEMBER, reason="Une raison suffisante.")
    _db.session.rollback()
    assert _db.session.execute(select(func.count(Minutes.id))).scalar() == 2


def test_compare_escapes_markup(held_meeting):
    v1 = factories.minutes(held_meeting, state="published")
    v2 = services.start_correction(v1, access=MANAGER, reason="Ajout d'une précision.")
    s = v2.sections[0]
    services.update_section(s, access=MANAGER, body=s.body + " <script>alert(1)</script>",
                            expected_version=s.version)
    rows = services.compare_versions(v1, v2)
    assert "<script>" not in rows[0].html and "&lt;script&gt;" in rows[0].html


# --- Comments ----------------------------------------------------------------------------------


def test_members_comment_during_review_and_managers_resolve(held_meeting):
    author = factories.user()
    m = factories.minutes(held_meeting, state="in_review")
    c = services.add_comment(m.sections[0], access=MEMBER, body="Préciser le nombre de contrats.", author=author,
                             form_token="tok-1")
    _db.session.commit()
    again = services.add_comment(m.sections[0], access=MEMBER, body="Préciser le nombre de contrats.",
                                 author=author, form_token="tok-1")
    assert again.id == c.id
    assert _db.session.execute(select(func.count(MinutesComment.id))).scalar() == 1
    with pytest.raises(ServiceError):
        services.resolve_comment(c, access=MEMBER)
    services.resolve_comment(c, access=MANAGER)
    _db.session.commit()
    assert c.resolved_at is not None
    assert audit_actions("minutes_comment.") == ["minutes_comment.created", "minutes_comment.resolved"]


def test_comments_refused_outside_review_after_deadline_or_empty(held_meeting):
    author = factories.user()
    draft = factories.minutes(held_meeting)
    with pytest.raises(TransitionRefused):
        services.add_comment(draft.sections[0], access=MEMBER, body="Trop tôt", author=author)
    m = factories.minutes(factories.meeting(held_meeting.committee), state="in_review")
    with pytest.raises(ServiceError, match="Saisissez"):
        services.add_comment(m.sections[0], access=MEMBER, body="   ", author=author)
    with pytest.raises(ServiceError):
        services.add_comment(m.sections[0], access=READER, body="Je ne suis pas membre", author=author)
    m.review_deadline = services.paris_today() - timedelta(days=1)
    with pytest.raises(ServiceError, match="date limite"):
        services.add_comment(m.sections[0], access=MEMBER, body="En retard", author=author)
    _db.session.rollback()
    assert _db.session.execute(select(func.count(MinutesComment.id))).scalar() == 0


# --- HTTP: visibility ----------------------------------------------------------------------------


def lens():
    return _db.session.execute(select(Committee).filter_by(slug="spel-lens")).scalar_one()


@pytest.fixture
def lens_meeting(demo):
    return factories.meeting(lens(), title="SPEL de Lens — réunion de mars")


def test_lens_draft_is_404_for_the_bethune_co_chair(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting)
    section_id = m.sections[0].id
    login_as("co_chair_bethune")
    assert client.get(f"/releves/{m.id}").status_code == 404
    assert client.get(f"/releves/{m.id}/sections/{section_id}/modifier").status_code == 404
    token = csrf_from(client.get("/mon-compte").get_data(as_text=True))
    assert client.post(f"/releves/{m.id}/relecture", data={"csrf_token": token,
                                                         "deadline": "2099-01-01"}).status_code == 404
    assert client.get("/releves/999999").status_code == 404


def test_member_sees_lens_minutes_only_from_review(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting)
    login_as("member")
    assert client.get(f"/releves/{m.id}").status_code == 404
    services.submit_for_review(m, access=SYSTEM_ACCESS, deadline=services.paris_today())
    _db.session.commit()
    page = client.get(f"/releves/{m.id}")
    assert page.status_code == 200
    assert "Commenter la section" in page.get_data(as_text=True)


def test_meeting_page_lists_only_visible_versions(client, login_as, lens_meeting):
    factories.minutes(lens_meeting)
    login_as("partner")
    html = client.get(f"/reunions/{lens_meeting.id}/releve").get_data(as_text=True)
    assert "Version 1" not in html and "Aucun relevé" in html
    login_as("co_chair")
    html = client.get(f"/reunions/{lens_meeting.id}/releve").get_data(as_text=True)
    assert "Version 1" in html


# --- HTTP: forms --------------------------------------------------------------------------------


def _token(client, path="/mon-compte"):
    return csrf_from(client.get(path).get_data(as_text=True))


def test_create_minutes_double_submit_creates_one(client, login_as, lens_meeting):
    login_as("co_chair")
    token = _token(client)
    r1 = client.post(f"/reunions/{lens_meeting.id}/releve", data={"csrf_token": token})
    r2 = client.post(f"/reunions/{lens_meeting.id}/releve", data={"csrf_token": token})
    assert r1.status_code == r2.status_code == 303
    assert r1.headers["Location"] == r2.headers["Location"]
    # The demo has minutes of its own: count this meeting's only.
    assert _db.session.execute(select(func.count(Minutes.id))
                               .where(Minutes.meeting_id == lens_meeting.id)).scalar() == 1


def test_edit_section_with_htmx_returns_the_fragment(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting)
    s = m.sections[0]
    login_as("co_chair")
    form = client.get(f"/releves/{m.id}/sections/{s.id}/modifier", headers={"HX-Request": "true"})
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "<html" not in html and 'name="version"' in html
    resp = client.post(f"/releves/{m.id}/sections/{s.id}/modifier", headers={"HX-Request": "true"},
                       data={"csrf_token": _token(client), "body": "**530 000** heures", "version": s.version})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html
    assert "<strong>530 000</strong>" in html and f'id="section-{s.id}"' in html


def test_edit_section_full_page_fallback(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting)
    s = m.sections[0]
    login_as("co_chair")
    page = client.get(f"/releves/{m.id}/sections/{s.id}/modifier")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    resp = client.post(f"/releves/{m.id}/sections/{s.id}/modifier",
                       data={"csrf_token": _token(client), "body": "Texte complet", "version": s.version})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"#section-{s.id}")
    _db.session.expire_all()
    assert _db.session.get(MinutesSection, s.id).body == "Texte complet"


def test_stale_section_save_is_409_and_shows_what_the_other_person_saved(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting)
    s = m.sections[0]
    loaded_version = s.version
    services.update_section(s, access=SYSTEM_ACCESS, body="Texte de la co-présidente", expected_version=s.version)
    _db.session.commit()
    login_as("co_chair")
    resp = client.post(f"/releves/{m.id}/sections/{s.id}/modifier", headers={"HX-Request": "true"},
                       data={"csrf_token": _token(client), "body": "Mon texte", "version": loaded_version})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Texte de la co-présidente" in html and "Mon texte" in html
    assert "entre-temps" in html
    _db.session.expire_all()
    assert _db.session.get(MinutesSection, s.id).body == "Texte de la co-présidente"


def test_markdown_with_html_and_script_is_stripped_on_render(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting)
    s = m.sections[0]
    login_as("co_chair")
    evil = ('<script>alert("x")</script> <img src=x onerror="alert(1)"> '
            '[lien](javascript:alert(1)) <b onclick="x()">gras</b> *ok*')
    client.post(f"/releves/{m.id}/sections/{s.id}/modifier",
                data={"csrf_token": _token(client), "body": evil, "version": s.version})
    html = client.get(f"/releves/{m.id}").get_data(as_text=True)
    body = html.split(f'id="section-{s.id}"', 1)[1].split("</section>", 1)[0]
    assert "<script" not in body and "<img" not in body and "<b " not in body
    assert not re.search(r"<[^>]*\bon\w+=", body), body  # no event handler attribute on any tag
    assert 'href="javascript' not in body
    assert "&lt;script&gt;" in body  # typed HTML is shown as text, never interpreted
    assert "<em>ok</em>" in body


def test_submit_review_bad_input(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting, filled=False)
    login_as("co_chair")
    yesterday = (services.paris_today() - timedelta(days=1)).isoformat()
    resp = client.post(f"/releves/{m.id}/relecture", data={"csrf_token": _token(client), "deadline": yesterday})
    assert resp.status_code == 422
    assert "date limite de relecture est passée" in resp.get_data(as_text=True)
    resp = client.post(f"/releves/{m.id}/relecture", data={"csrf_token": _token(client), "deadline": "pas une date"})
    assert resp.status_code == 422 and "Date invalide" in resp.get_data(as_text=True)
    resp = client.post(f"/releves/{m.id}/relecture",
                       data={"csrf_token": _token(client), "deadline": services.paris_today().isoformat()})
    assert resp.status_code == 422 and "Sections vides" in resp.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Minutes, m.id).state == MinutesState.DRAFT


def test_publish_a_draft_is_refused_with_a_message_and_audited(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting)
    login_as("secretariat")
    resp = client.post(f"/releves/{m.id}/publication", data={"csrf_token": _token(client)})
    assert resp.status_code == 409
    assert "doit être approuvé avant d" in resp.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Minutes, m.id).state == MinutesState.DRAFT
    assert "minutes.transition_refused" in audit_actions("minutes.")


def test_editing_a_published_version_is_refused_and_audited(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting, state="published")
    s = m.sections[0]
    login_as("co_chair")
    assert client.get(f"/releves/{m.id}/sections/{s.id}/modifier").status_code == 409
    resp = client.post(f"/releves/{m.id}/sections/{s.id}/modifier",
                       data={"csrf_token": _token(client), "body": "Réécriture", "version": s.version})
    assert resp.status_code == 409 and "ne peut plus être modifié" in resp.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(MinutesSection, s.id).body != "Réécriture"
    assert audit_actions("minutes.edit_refused") == ["minutes.edit_refused"]


def test_workflow_through_http(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting)
    login_as("co_chair")
    deadline = (services.paris_today() + timedelta(days=5)).isoformat()
    assert client.post(f"/releves/{m.id}/relecture",
                       data={"csrf_token": _token(client), "deadline": deadline}).status_code == 303
    assert client.post(f"/releves/{m.id}/approbation", data={"csrf_token": _token(client)}).status_code == 303
    login_as("secretariat")
    assert client.post(f"/releves/{m.id}/publication", data={"csrf_token": _token(client)}).status_code == 303
    _db.session.expire_all()
    assert _db.session.get(Minutes, m.id).state == MinutesState.PUBLISHED
    assert _db.session.get(Meeting, lens_meeting.id).state == MeetingState.CLOSED
    login_as("observer")
    assert client.get(f"/releves/{m.id}").status_code == 200


def test_comment_form_bad_input_and_double_submit(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting, state="in_review")
    s = m.sections[0]
    login_as("member")
    url = f"/releves/{m.id}/sections/{s.id}/commentaires"
    resp = client.post(url, headers={"HX-Request": "true"}, data={"csrf_token": _token(client), "body": " "})
    assert resp.status_code == 422 and "Saisissez votre commentaire" in resp.get_data(as_text=True)
    data = {"csrf_token": _token(client), "body": "Ajouter le nombre de CIE.", "form_token": "a" * 32}
    assert client.post(url, data=data).status_code == 303
    assert client.post(url, data=data).status_code == 303
    assert _db.session.execute(select(func.count(MinutesComment.id))).scalar() == 1


def test_correction_form(client, login_as, lens_meeting):
    m = factories.minutes(lens_meeting, state="published")
    login_as("co_chair")
    resp = client.post(f"/releves/{m.id}/correction", data={"csrf_token": _token(client), "reason": ""})
    assert resp.status_code == 422 and "motif" in resp.get_data(as_text=True)
    resp = client.post(f"/releves/{m.id}/correction", data={"csrf_token": _token(client), "reason": "trop"})
    assert resp.status_code == 422 and "10 caractères" in resp.get_data(as_text=True)
    data = {"csrf_token": _token(client), "reason": "Erreur sur le nombre de contrats."}
    r1 = client.post(f"/releves/{m.id}/correction", data=data)
    r2 = client.post(f"/releves/{m.id}/correction", data=data)
    assert r1.status_code == r2.status_code == 303 and r1.headers["Location"] == r2.headers["Location"]
    assert _db.session.execute(select(func.count(Minutes.id))
                               .where(Minutes.meeting_id == lens_meeting.id)).scalar() == 2
    # The published version stays readable by everyone, the draft correction is not.
    v2 = _db.session.execute(select(Minutes).where(Minutes.meeting_id == lens_meeting.id,
                                                   Minutes.number == 2)).scalar_one()
    login_as("partner")
    assert client.get(f"/releves/{m.id}").status_code == 200
    assert client.get(f"/releves/{v2.id}").status_code == 404


def test_version_comparison_page(client, login_as, lens_meeting):
    v1 = factories.minutes(lens_meeting, state="published")
    v2 = services.start_correction(v1, access=SYSTEM_ACCESS, reason="Chiffre des heures d'insertion.")
    s = v2.sections[0]
    services.update_section(s, access=SYSTEM_ACCESS, body="530 000 heures réalisées", expected_version=s.version)
    _db.session.commit()
    login_as("co_chair")
    html = client.get(f"/releves/{v2.id}/comparaison?avec={v1.id}").get_data(as_text=True)
    assert "<ins>530 000 heures réalisées</ins>" in html and "<del>" in html
    assert "modifiée" in html and "Chiffre des heures" in html
    frag = client.get(f"/releves/{v2.id}/comparaison?avec={v1.id}", headers={"HX-Request": "true"})
    assert "<html" not in frag.get_data(as_text=True)
    # A version the person may not see, or another meeting's minutes: 404.
    login_as("partner")
    assert client.get(f"/releves/{v1.id}/comparaison?avec={v2.id}").status_code == 404
    other = factories.minutes(factories.meeting(lens()), state="published")
    assert client.get(f"/releves/{v1.id}/comparaison?avec={other.id}").status_code == 404


# --- Query count -------------------------------------------------------------------------------


def _minutes_with_sections(n: int):
    meeting = factories.meeting(lens(), items=n)
    m = factories.minutes(meeting, state="in_review")
    author = factories.user()
    for s in m.sections:
        services.add_comment(s, access=SYSTEM_ACCESS, body="Remarque", author=author)
    _db.session.commit()
    return m


def test_minutes_page_queries_do_not_grow_with_sections(client, login_as, demo):
    from .conftest import count_queries

    small, large = _minutes_with_sections(5), _minutes_with_sections(50)
    login_as("co_chair")
    counts = []
    for m in (small, large):
        client.get(f"/releves/{m.id}")  # warm-up
        with count_queries() as counter:
            resp = client.get(f"/releves/{m.id}")
        assert resp.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert large.sections[-1].title in resp.get_data(as_text=True)
