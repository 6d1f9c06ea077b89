"""Decisions (numbering per committee and year) and follow-up actions (status, register, open actions)."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from erbm_portal.accounts.models import User
from erbm_portal.core.errors import ServiceError, StaleEdit, TransitionRefused
from erbm_portal.directory import services as directory
from erbm_portal.directory.models import Committee, Organisation
from erbm_portal.extensions import db as _db
from erbm_portal.minutes import services
from erbm_portal.minutes.access import SYSTEM_ACCESS
from erbm_portal.minutes.models import ActionStatus, Decision, DecisionCounter, FollowUpAction

from . import factories
from .conftest import csrf_from
from .test_minutes import MANAGER, READER, SECRETARIAT, audit_actions


@pytest.fixture
def copil(db):
    c = directory.create_committee(slug="copil-test", code="COPIL", name="Comité de pilotage", spel=None)
    _db.session.commit()
    return c


def _decide(minutes, n=1, **kw):
    return [services.add_decision(minutes, access=MANAGER, text=f"Décision {i}", agenda_item_id=None, **kw)
            for i in range(n)]


# --- Numbering ------------------------------------------------------------------------------


def test_decisions_are_numbered_per_committee_and_year(copil):
    jan = factories.meeting(copil, starts_at=datetime(2023, 1, 16, 9, 0))
    m1 = factories.minutes(jan)
    refs = [d.reference for d in _decide(m1, 4)]
    assert refs == ["COPIL-2023-D01", "COPIL-2023-D02", "COPIL-2023-D03", "COPIL-2023-D04"]
    june = factories.minutes(factories.meeting(copil, starts_at=datetime(2023, 6, 20, 9, 0)))
    assert _decide(june)[0].reference == "COPIL-2023-D05"
    next_year = factories.minutes(factories.meeting(copil, starts_at=datetime(2024, 2, 1, 9, 0)))
    assert _decide(next_year)[0].reference == "COPIL-2024-D01"
    spel_committee = factories.committee(factories.spel())
    other = factories.minutes(factories.meeting(spel_committee, starts_at=datetime(2023, 3, 1, 9, 0)))
    assert _decide(other)[0].reference == f"{spel_committee.code}-2023-D01"
    _db.session.commit()
    assert _db.session.execute(select(DecisionCounter.last_seq).filter_by(committee_id=copil.id, year=2023)
                               ).scalar_one() == 5


def test_decision_year_is_the_meeting_year_in_paris(copil):
    # 31 December 2023, 23:30 UTC is already 1 January 2024 in Paris.
    m = factories.minutes(factories.meeting(copil, starts_at=datetime(2023, 12, 31, 23, 30)))
    assert _decide(m)[0].reference == "COPIL-2024-D01"


def test_concurrent_allocations_get_distinct_sequential_numbers(app, copil):
    committee_id, results, errors = copil.id, [], []
    _db.session.rollback()  # release the test's own transaction (SQLite write lock)

    def worker():
        try:
            with app.app_context():
                seq = services.allocate_decision_seq(committee_id, 2030)
                _db.session.commit()
                results.append(seq)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == list(range(1, 9))


def test_decision_links_its_agenda_item_and_minutes_version(copil):
    meeting = factories.meeting(copil)
    m = factories.minutes(meeting)
    item = meeting.agenda_items[2]
    d = services.add_decision(m, access=MANAGER, text="Le COPIL valide la hausse de l'enveloppe.",
                              agenda_item_id=item.id)
    assert (d.agenda_item_id, d.minutes_id, d.meeting_id) == (item.id, m.id, meeting.id)
    assert "decision.created" in audit_actions("decision.")


def test_decision_bad_input(copil):
    m = factories.minutes(factories.meeting(copil))
    elsewhere = factories.meeting(copil).agenda_items[0]
    with pytest.raises(ServiceError) as exc:
        services.add_decision(m, access=MANAGER, text="x", agenda_item_id=elsewhere.id)
    assert exc.value.field == "agenda_item_id"
    with pytest.raises(ServiceError, match="Saisissez"):
        services.add_decision(m, access=MANAGER, text="  ", agenda_item_id=None)
    with pytest.raises(ServiceError):
        services.add_decision(m, access=SECRETARIAT, text="Pas responsable", agenda_item_id=None)
    _db.session.rollback()
    assert _db.session.execute(select(func.count(Decision.id))).scalar() == 0


def test_decision_double_submit_creates_one(copil):
    m = factories.minutes(factories.meeting(copil))
    a = services.add_decision(m, access=MANAGER, text="Une fois", agenda_item_id=None, form_token="t" * 32)
    _db.session.commit()
    b = services.add_decision(m, access=MANAGER, text="Une fois", agenda_item_id=None, form_token="t" * 32)
    assert a.id == b.id
    assert _db.session.execute(select(func.count(Decision.id))).scalar() == 1


# --- Actions ---------------------------------------------------------------------------------


@pytest.fixture
def org(db):
    return factories.organisation("PLIE de test")


def _action(minutes, org, **kw):
    args = dict(title="Organiser un forum de l'emploi", owner_organisation_id=org.id, owner_person="Mme Martin",
                due_date=date(2024, 6, 30))
    args.update(kw)
    return services.add_action(minutes, access=MANAGER, **args)


def test_action_bad_input_stores_nothing(copil, org):
    m = factories.minutes(factories.meeting(copil, starts_at=datetime(2024, 3, 14, 9, 0)))
    cases = [
        (dict(due_date=date(2024, 3, 13)), "due_date", "ne peut pas précéder la réunion"),
        (dict(due_date=None), "due_date", "échéance"),
        (dict(owner_organisation_id=999_999), "owner_organisation_id", "Organisation responsable inconnue"),
        (dict(owner_organisation_id=None), "owner_organisation_id", "inconnue"),
        (dict(owner_person=" "), "owner_person", "personne responsable"),
        (dict(title=""), "title", "Décrivez"),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ServiceError, match=message) as exc:
            _action(m, org, **kwargs)
        assert exc.value.field == field
    _db.session.rollback()
    assert _db.session.execute(select(func.count(FollowUpAction.id))).scalar() == 0


def test_action_due_on_the_meeting_day_is_accepted(copil, org):
    m = factories.minutes(factories.meeting(copil, starts_at=datetime(2024, 3, 14, 9, 0)))
    a = _action(m, org, due_date=date(2024, 3, 14))
    assert a.status == ActionStatus.OPEN


@pytest.mark.parametrize("path", [
    ["in_progress", "done"], ["done"], ["dropped"], ["in_progress", "open"], ["in_progress", "dropped", "open"],
    ["done", "in_progress"],
])
def test_allowed_status_changes(copil, org, path):
    a = _action(factories.minutes(factories.meeting(copil)), org)
    _db.session.commit()
    for target in path:
        services.set_action_status(a, access=MANAGER, status=ActionStatus(target), expected_version=a.version)
        _db.session.commit()
        assert a.status == ActionStatus(target)
    assert audit_actions("follow_up_action.")[1:] == [f"follow_up_action.{t}" for t in path]


@pytest.mark.parametrize("path,refused", [
    (["done"], "dropped"), (["done"], "open"), (["dropped"], "done"), (["dropped"], "in_progress"),
])
def test_refused_status_changes_are_audited(copil, org, path, refused):
    a = _action(factories.minutes(factories.meeting(copil)), org)
    _db.session.commit()
    for target in path:
        services.set_action_status(a, access=MANAGER, status=ActionStatus(target), expected_version=a.version)
    _db.session.commit()
    with pytest.raises(TransitionRefused):
        services.set_action_status(a, access=MANAGER, status=ActionStatus(refused), expected_version=a.version)
    assert _db.session.get(FollowUpAction, a.id).status == ActionStatus(path[-1])
    assert audit_actions()[-1] == "follow_up_action.transition_refused"


def test_status_change_needs_rights_and_current_version(copil, org):
    a = _action(factories.minutes(factories.meeting(copil)), org)
    _db.session.commit()
    with pytest.raises(ServiceError):
        services.set_action_status(a, access=READER, status=ActionStatus.DONE, expected_version=a.version)
    with pytest.raises(StaleEdit, match="entre-temps"):
        services.set_action_status(a, access=MANAGER, status=ActionStatus.DONE, expected_version=a.version + 1)
    services.set_action_status(a, access=SECRETARIAT, status=ActionStatus.DONE, expected_version=a.version)


# --- Register and open actions ----------------------------------------------------------------


def _published_with_actions(committee, org, other_org, today):
    meeting = factories.meeting(committee, starts_at=datetime(2024, 1, 10, 9, 0))
    m = factories.minutes(meeting)
    d = services.add_decision(m, access=MANAGER, text="Lancer l'appel à projets", agenda_item_id=None)
    late = _action(m, org, title="Action en retard", due_date=date(2024, 2, 1), decision_id=d.id)
    future = _action(m, other_org, title="Action à venir", due_date=today + timedelta(days=30))
    done = _action(m, org, title="Action réalisée", due_date=date(2024, 2, 1))
    services.set_action_status(done, access=MANAGER, status=ActionStatus.DONE, expected_version=done.version)
    services.submit_for_review(m, access=MANAGER, deadline=services.paris_today())
    services.approve(m, access=MANAGER)
    services.publish(m, access=SECRETARIAT)
    # A draft of another meeting: not in the register yet.
    draft = factories.minutes(factories.meeting(committee))
    _action(draft, org, title="Action d'un brouillon")
    _db.session.commit()
    return late, future, done


def test_register_filters_and_open_actions(copil, org):
    other = factories.organisation("Autre organisation")
    today = services.paris_today()
    late, future, done = _published_with_actions(copil, org, other, today)
    flt = services.RegisterFilter
    _, actions = services.register(copil.id, flt())
    assert {a.title for a in actions} == {"Action en retard", "Action à venir", "Action réalisée"}
    _, actions = services.register(copil.id, flt(status=ActionStatus.DONE))
    assert [a.title for a in actions] == ["Action réalisée"]
    _, actions = services.register(copil.id, flt(owner_organisation_id=other.id))
    assert [a.title for a in actions] == ["Action à venir"]
    decisions, actions = services.register(copil.id, flt(overdue=True))
    assert [a.title for a in actions] == ["Action en retard"]
    assert [d.text for d in decisions] == ["Lancer l'appel à projets"]
    assert [a.title for a in services.open_actions_for_committee(copil.id)] == ["Action en retard", "Action à venir"]


def test_open_actions_macro_renders(app, copil, org):
    other = factories.organisation("Autre organisation")
    _published_with_actions(copil, org, other, services.paris_today())
    with app.test_request_context():
        html = render_template_string(
            '{% from "minutes/_open_actions.html" import open_actions_table %}{{ open_actions_table(a, t) }}',
            a=services.open_actions_for_committee(copil.id), t=services.paris_today())
    assert "Action en retard" in html and "en retard</span>" in html and "Action réalisée" not in html


# --- HTTP --------------------------------------------------------------------------------------


def lens():
    return _db.session.execute(select(Committee).filter_by(slug="spel-lens")).scalar_one()


def _token(client):
    return csrf_from(client.get("/mon-compte").get_data(as_text=True))


def test_add_decision_form_and_double_submit(client, login_as, demo):
    m = factories.minutes(factories.meeting(lens(), starts_at=datetime(2023, 5, 4, 8, 0)))
    login_as("co_chair")
    resp = client.post(f"/releves/{m.id}/decisions", data={"csrf_token": _token(client), "text": ""})
    assert resp.status_code == 422 and "Saisissez le texte de la décision" in resp.get_data(as_text=True)
    resp = client.post(f"/releves/{m.id}/decisions",
                       data={"csrf_token": _token(client), "text": "x", "agenda_item_id": "999999"})
    assert resp.status_code == 422 and "pas à l&#39;ordre du jour" in resp.get_data(as_text=True)
    data = {"csrf_token": _token(client), "text": "Le comité adopte le plan.", "form_token": "f" * 32,
            "agenda_item_id": str(m.sections[0].agenda_item_id)}
    assert client.post(f"/releves/{m.id}/decisions", data=data).status_code == 303
    assert client.post(f"/releves/{m.id}/decisions", data=data).status_code == 303
    refs = _db.session.execute(select(Decision.reference).where(Decision.minutes_id == m.id)).scalars().all()
    assert refs == ["LENS-2023-D01"]
    assert "LENS-2023-D01" in client.get(f"/releves/{m.id}").get_data(as_text=True)


def test_add_action_form_bad_input(client, login_as, demo):
    m = factories.minutes(factories.meeting(lens(), starts_at=datetime(2024, 3, 14, 9, 0)))
    org_id = _db.session.execute(select(Organisation.id).filter_by(short_name="PLIE Lens")).scalar_one()
    login_as("co_chair")
    base = {"title": "Relancer les employeurs", "owner_organisation_id": str(org_id), "owner_person": "M. Durand",
            "due_date": "2024-06-30"}
    for changes, message in [
        ({"due_date": "2024-03-01"}, "ne peut pas précéder la réunion"),
        ({"owner_organisation_id": "999999"}, "Organisation responsable inconnue"),
        ({"owner_organisation_id": "n&#39;importe"}, "Organisation responsable inconnue"),
        ({"due_date": ""}, "Indiquez l&#39;échéance"),
        ({"title": ""}, "Décrivez l&#39;action"),
    ]:
        resp = client.post(f"/releves/{m.id}/actions", data={**base, **changes, "csrf_token": _token(client)})
        assert resp.status_code == 422, changes
        assert message in resp.get_data(as_text=True), changes
    # The demo has actions of its own: count this minutes' only.
    mine = select(func.count(FollowUpAction.id)).where(FollowUpAction.minutes_id == m.id)
    assert _db.session.execute(mine).scalar() == 0
    resp = client.post(f"/releves/{m.id}/actions", data={**base, "csrf_token": _token(client)})
    assert resp.status_code == 303
    assert _db.session.execute(mine).scalar() == 1


def _lens_published_action():
    org = _db.session.execute(select(Organisation).filter_by(short_name="PLIE Lens")).scalar_one()
    m = factories.minutes(factories.meeting(lens(), starts_at=datetime(2024, 1, 10, 9, 0)))
    a = services.add_action(m, access=SYSTEM_ACCESS, title="Réunir les SIAE", owner_organisation_id=org.id,
                            owner_person="Cheffe de projet", due_date=date(2024, 2, 1))
    services.submit_for_review(m, access=SYSTEM_ACCESS, deadline=services.paris_today())
    services.approve(m, access=SYSTEM_ACCESS)
    services.publish(m, access=SYSTEM_ACCESS)
    _db.session.commit()
    return a, org


def test_action_status_htmx_and_stale(client, login_as, demo):
    a, _ = _lens_published_action()
    login_as("co_chair")
    url, loaded = f"/suivi/actions/{a.id}/statut", a.version
    resp = client.post(url, headers={"HX-Request": "true"},
                       data={"csrf_token": _token(client), "status": "in_progress", "version": loaded})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith(f'<tr id="action-{a.id}"')
    assert "Statut : en cours" in html
    resp = client.post(url, headers={"HX-Request": "true"},
                       data={"csrf_token": _token(client), "status": "done", "version": loaded})
    assert resp.status_code == 409 and "en cours" in resp.get_data(as_text=True)
    resp = client.post(url, headers={"HX-Request": "true"},
                       data={"csrf_token": _token(client), "status": "nimporte", "version": loaded + 1})
    assert resp.status_code == 422
    resp = client.post(url, data={"csrf_token": _token(client), "status": "open", "version": loaded})
    assert resp.status_code == 409  # plain post: stale version, French error page
    _db.session.expire_all()
    assert _db.session.get(FollowUpAction, a.id).status == ActionStatus.IN_PROGRESS


def test_register_page_htmx_filtering_and_plain_get(client, login_as, demo):
    a, org = _lens_published_action()
    login_as("partner")
    url = f"/comites/{lens().id}/registre"
    full = client.get(url)
    assert full.status_code == 200 and "<html" in full.get_data(as_text=True)
    assert "Réunir les SIAE" in full.get_data(as_text=True)
    assert 'name="status"' not in full.get_data(as_text=True).split('id="register-results"')[1]  # no status form
    frag = client.get(url + "?overdue=y", headers={"HX-Request": "true"})
    html = frag.get_data(as_text=True)
    assert "<html" not in html and "Réunir les SIAE" in html and "en retard" in html
    html = client.get(url + "?status=done").get_data(as_text=True)
    assert "Réunir les SIAE" not in html
    # The demo has done actions of its own; the empty state is shown for a filter nothing matches.
    assert not _db.session.execute(select(FollowUpAction.id).filter_by(
        owner_organisation_id=org.id, status=ActionStatus.DONE)).first()
    html = client.get(url + f"?status=done&owner={org.id}").get_data(as_text=True)
    assert "Réunir les SIAE" not in html and "Aucune action" in html
    html = client.get(url + f"?owner={org.id}").get_data(as_text=True)
    assert "Réunir les SIAE" in html
    bad = client.get(url + "?owner=999999")
    assert bad.status_code == 422 and "Organisation inconnue" in bad.get_data(as_text=True)
    assert client.get(url + "?status=perdu").status_code == 422


# --- Demo data -----------------------------------------------------------------------------------


@pytest.fixture
def reference_only(db):
    """Organisations, committees and accounts, but none of the domain demos (no meetings, no minutes).

    The full ``demo`` fixture already holds the meetings demo's COPIL of 16 January 2023 and its
    published minutes, so the minutes seeder would (rightly) leave the meetings built here alone.
    """
    from erbm_portal.demo.seed import seed_reference, seed_users

    seed_reference()
    seed_users()
    _db.session.commit()
    return _db


def test_demo_seeder_does_nothing_without_meetings(reference_only):
    from erbm_portal.minutes.demo import seed_demo
    from erbm_portal.minutes.models import Minutes

    assert _db.session.execute(select(func.count(Committee.id))).scalar() > 0
    seed_demo()
    assert _db.session.execute(select(func.count(Minutes.id))).scalar() == 0


def test_demo_seeder_leaves_the_full_demo_unchanged(demo):
    """On the full demo (meetings demo then minutes demo), running the minutes seeder again adds nothing."""
    from erbm_portal.minutes.demo import seed_demo
    from erbm_portal.minutes.models import Minutes

    counts = [_db.session.execute(select(func.count(model.id))).scalar()
              for model in (Minutes, Decision, FollowUpAction)]
    assert counts[0] == 5  # the COPIL and one past meeting per SPEL
    # The meetings demo's COPIL of 16 January 2023 is closed, with its published minutes and decisions.
    from erbm_portal.meetings.models import Meeting, MeetingState
    from erbm_portal.minutes.models import MinutesState

    copil = _db.session.execute(select(Meeting).filter_by(title="Comité de pilotage de mi-parcours de l'ERBM")
                                ).scalar_one()
    assert copil.starts_at.date() == date(2023, 1, 16) and copil.state == MeetingState.CLOSED
    minutes = _db.session.execute(select(Minutes).filter_by(meeting_id=copil.id)).scalar_one()
    assert minutes.state == MinutesState.PUBLISHED
    assert "530" in " ".join(s.body for s in minutes.sections)
    assert _db.session.execute(select(Decision.reference).filter_by(meeting_id=copil.id).order_by(Decision.seq)
                               ).scalars().all() == [f"COPIL-2023-D0{n}" for n in range(1, 5)]
    seed_demo()
    _db.session.commit()
    assert [_db.session.execute(select(func.count(model.id))).scalar()
            for model in (Minutes, Decision, FollowUpAction)] == counts


def _demo_meetings():
    from erbm_portal.core.timeutil import from_paris
    from erbm_portal.meetings.models import AgendaItemKind, MeetingState

    committees = {c.slug: c for c in _db.session.execute(select(Committee)).scalars()}
    copil = factories.meeting(committees["copil"], title="Comité de pilotage à mi-parcours", items=0,
                              starts_at=from_paris(datetime(2023, 1, 16, 14, 0)))
    for title in ("Clauses d'insertion dans la rénovation des cités minières", "CIE bassin minier",
                  "Formation des allocataires du RSA", "Ordre du jour libre"):
        factories.agenda_item(copil, title=title, kind=AgendaItemKind.DECISION)
    spel_meetings = {}
    for slug in ("bethune", "lens", "douai", "valenciennes"):
        spel_meetings[slug] = factories.meeting(committees[f"spel-{slug}"], title=f"SPEL {slug}",
                                                starts_at=datetime(2024, 10, 3, 8, 0), state=MeetingState.HELD)
    return copil, spel_meetings


def test_demo_seeder_publishes_minutes_with_seed_figures_and_is_idempotent(reference_only):
    import re as _re

    from erbm_portal.meetings.models import Meeting, MeetingState
    from erbm_portal.minutes.demo import seed_demo
    from erbm_portal.minutes.models import Minutes, MinutesState

    copil_meeting, spel_meetings = _demo_meetings()
    seed_demo()
    _db.session.commit()
    counts = [_db.session.execute(select(func.count(model.id))).scalar() for model in (Minutes, Decision,
                                                                                      FollowUpAction)]
    seed_demo()
    _db.session.commit()
    assert [_db.session.execute(select(func.count(model.id))).scalar()
            for model in (Minutes, Decision, FollowUpAction)] == counts
    assert counts[0] == 5
    states = set(_db.session.execute(select(Minutes.state)).scalars())
    assert states == {MinutesState.PUBLISHED}
    assert _db.session.get(Meeting, copil_meeting.id).state == MeetingState.CLOSED

    copil_minutes = _db.session.execute(select(Minutes).filter_by(meeting_id=copil_meeting.id)).scalar_one()
    text = " ".join(s.body for s in copil_minutes.sections).replace("\u00a0", " ")
    for figure in ("530 000 heures", "360 000", "47 %", "586 contrats", "35 cités minières", "550 personnes",
                   "5 000 allocataires", "13 000 postes", "193 millions", "15 %"):
        assert figure in text, figure
    refs = _db.session.execute(select(Decision.reference).filter_by(meeting_id=copil_meeting.id)
                               .order_by(Decision.seq)).scalars().all()
    assert refs == ["COPIL-2023-D01", "COPIL-2023-D02", "COPIL-2023-D03", "COPIL-2023-D04"]
    # Decisions are linked to the agenda items they concern.
    first = _db.session.execute(select(Decision).filter_by(reference="COPIL-2023-D01")).scalar_one()
    assert first.agenda_item.title.startswith("Clauses d'insertion")
    # Each SPEL: published minutes, a couple of decisions, some overdue open actions.
    today = services.paris_today()
    for slug, meeting in spel_meetings.items():
        decisions = _db.session.execute(select(Decision).filter_by(meeting_id=meeting.id)).scalars().all()
        assert len(decisions) == 2
        actions = _db.session.execute(select(FollowUpAction).filter_by(meeting_id=meeting.id)).scalars().all()
        assert any(a.is_overdue(today) for a in actions), slug
        assert all(a.due_date >= date(2024, 10, 3) for a in actions)
    assert services.open_actions_for_committee(copil_meeting.committee_id)


def test_register_queries_do_not_grow_with_actions(client, login_as, demo):
    from .conftest import count_queries

    org = _db.session.execute(select(Organisation).filter_by(short_name="PLIE Lens")).scalar_one()

    def committee_with(n):
        c = factories.committee(None)  # a COPIL-like committee: the secretariat manages it
        _db.session.commit()
        m = factories.minutes(factories.meeting(c, starts_at=datetime(2024, 1, 10, 9, 0)))
        for i in range(n):
            d = services.add_decision(m, access=SYSTEM_ACCESS, text=f"Décision {i}", agenda_item_id=None)
            services.add_action(m, access=SYSTEM_ACCESS, title=f"Action {i}", owner_organisation_id=org.id,
                                owner_person="Responsable", due_date=date(2024, 2, 1), decision_id=d.id)
        services.submit_for_review(m, access=SYSTEM_ACCESS, deadline=services.paris_today())
        services.approve(m, access=SYSTEM_ACCESS)
        services.publish(m, access=SYSTEM_ACCESS)
        _db.session.commit()
        return c.id

    small, large = committee_with(2), committee_with(30)
    login_as("secretariat")
    counts = []
    for committee_id in (small, large):
        client.get(f"/comites/{committee_id}/registre")
        with count_queries() as counter:
            resp = client.get(f"/comites/{committee_id}/registre")
        assert resp.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert "Action 29" in resp.get_data(as_text=True)


def test_overdue_actions_are_notified_once(app, demo):
    from erbm_portal.notifications.models import Notification, NotificationKind

    def overdue_notices():
        return _db.session.execute(select(Notification).where(
            Notification.kind == NotificationKind.ACTION_OVERDUE)).scalars().all()

    overdue = _db.session.execute(select(FollowUpAction).where(
        FollowUpAction.due_date < services.paris_today(),
        FollowUpAction.status.in_(["open", "in_progress"]))).scalars().all()
    assert overdue, "the demo has overdue actions"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["erbm", "notify-overdue"])
    assert first.exit_code == 0, first.output
    notices = overdue_notices()
    assert {n.url.rsplit("-", 1)[1] for n in notices} == {str(a.id) for a in overdue}
    owners = {u.id for a in overdue for u in _db.session.execute(
        select(User).where(User.organisation_id == a.owner_organisation_id, User.active.is_(True))).scalars()}
    assert owners <= {n.user_id for n in notices}
    again = runner.invoke(args=["erbm", "notify-overdue"])
    assert "signalées : 0" in again.output
    assert len(overdue_notices()) == len(notices)
