"""Action plans: transitions through the shared sign-off rounds, in-place editing, bad input, queries."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from erbm_portal.accounts.models import Role, User
from erbm_portal.audit.models import AuditEvent
from erbm_portal.core.errors import ServiceError, StaleEdit, TransitionRefused
from erbm_portal.directory.models import Organisation, Spel
from erbm_portal.extensions import db as _db
from erbm_portal.plans import services
from erbm_portal.plans.models import ActionPlan, PlanAction, PlanState
from erbm_portal.signoff import services as signoff
from erbm_portal.signoff.models import Decision, RoundState, SignoffRound
from erbm_portal.web.principal import Principal

from .conftest import count_queries, csrf_from


def _by(model, **where):
    return _db.session.execute(select(model).filter_by(**where)).scalar_one()


def _email(local):
    return _by(User, email=f"{local}@erbm-demo.fr")


def _plan(slug) -> ActionPlan:
    return _db.session.execute(select(ActionPlan).join(Spel, ActionPlan.spel_id == Spel.id)
                               .where(Spel.slug == slug)).scalar_one()


def _data(org_id, **over) -> services.ActionData:
    base = dict(title="Chantier école", description="", axis="emploi", lead_organisation_id=org_id, partner_ids=[],
                budget_eur=Decimal("1000"), start_date=date(2024, 1, 1), end_date=date(2024, 6, 30),
                status="planned", progress_notes="")
    base.update(over)
    return services.ActionData(**base)


def _audit(action, object_id=None):
    q = select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        q = q.where(AuditEvent.object_id == object_id)
    return _db.session.execute(q).scalars().all()


@pytest.fixture
def valenciennes(demo):
    """A fresh 2024 draft plan of the Valenciennes SPEL, created by its co-chair, with one action."""
    user = _email("sous-prefete.valenciennes")
    principal = Principal.for_user(user)
    spel = _by(Spel, slug="valenciennes")
    plan = services.create_plan(spel=spel, year=2024, user=user, principal=principal)
    lead = _by(Organisation, short_name="Valenciennes Métropole")
    services.add_action(plan, _data(lead.id), user=user)
    _db.session.commit()
    return plan, user, principal, lead


def _sign(round_id, org_name, decision=Decision.APPROVED, comment=""):
    from erbm_portal.demo.reference import SIGNATORY_PEOPLE
    org = _by(Organisation, name=org_name)
    signoff.decide(round_id, user=_email(SIGNATORY_PEOPLE[org_name][0]), organisation_id=org.id,
                   decision=decision, comment=comment)
    _db.session.commit()


# --- Services: every transition --------------------------------------------------------

def test_submit_freezes_and_every_approval_adopts(valenciennes):
    plan, user, principal, lead = valenciennes
    parties = services.default_signatory_ids(plan)
    names = {o.name for o in _db.session.execute(select(Organisation).where(Organisation.id.in_(parties))).scalars()}
    assert names == {"Préfecture de la région Hauts-de-France", "Région Hauts-de-France", "Département du Nord",
                     "Communauté d'agglomération de la Porte du Hainaut",
                     "Communauté d'agglomération Valenciennes Métropole"}
    rnd = services.submit(plan, organisation_ids=parties, user=user, principal=principal)
    _db.session.commit()
    assert plan.state == PlanState.SUBMITTED
    content = signoff.canonical_json(services.revision_content(plan.revisions[-1]))
    assert rnd.content == content and rnd.content_hash == hashlib.sha256(content.encode()).hexdigest()
    action = plan.revisions[-1].actions[0]
    with pytest.raises(ServiceError, match="figé"):
        services.update_action(plan, action, _data(lead.id, title="Autre"), expected_version=action.version, user=user)
    _db.session.rollback()
    assert _db.session.get(PlanAction, action.id).title == "Chantier école"
    assert _audit("action_plan.edit_refused")
    for name in names:
        assert _db.session.get(ActionPlan, plan.id).state == PlanState.SUBMITTED
        _sign(rnd.id, name)
    plan = _db.session.get(ActionPlan, plan.id)
    assert plan.state == PlanState.ADOPTED and plan.adopted_at is not None
    assert len(_audit("action_plan.adopted", plan.id)) == 1 and len(_audit("action_plan.submitted", plan.id)) == 1
    with pytest.raises(TransitionRefused):
        services.submit(plan, organisation_ids=parties, user=user, principal=principal)
    _db.session.rollback()
    assert _audit("action_plan.transition_refused")
    with pytest.raises(ServiceError, match="figé"):
        services.add_action(_db.session.get(ActionPlan, plan.id), _data(lead.id), user=user)


def test_change_request_returns_to_draft_as_a_new_revision(valenciennes):
    from erbm_portal.indicators.demo import seed_catalogue
    from erbm_portal.indicators.models import IndicatorValue

    plan, user, principal, lead = valenciennes
    action = plan.revisions[-1].actions[0]
    _db.session.add(IndicatorValue(indicator=seed_catalogue()["HRS"], spel_id=plan.spel_id, action_id=action.id,
                                   year=2024, target=Decimal(1200), entered_by_organisation_id=lead.id))
    _db.session.commit()
    rnd = services.submit(plan, organisation_ids=services.default_signatory_ids(plan), user=user, principal=principal)
    _db.session.commit()
    assert '"indicateur":"HRS"' in rnd.content and '"cible":"1200.00"' in rnd.content
    _sign(rnd.id, "Département du Nord", Decision.CHANGES_REQUESTED, "Préciser le calendrier.")
    plan = _db.session.get(ActionPlan, plan.id)
    assert plan.state == PlanState.DRAFT and [r.number for r in plan.revisions] == [1, 2]
    new_action = plan.revisions[-1].actions[0]
    assert new_action.id != action.id and new_action.title == action.title
    assert _db.session.execute(select(IndicatorValue).filter_by(action_id=new_action.id)).scalar_one().target == 1200
    assert _db.session.get(SignoffRound, rnd.id).state == RoundState.CHANGES_REQUESTED
    # The old revision stays readable but not editable; the new one is.
    with pytest.raises(ServiceError, match="dernière révision"):
        services.update_action(plan, _db.session.get(PlanAction, action.id), _data(lead.id),
                               expected_version=1, user=user)
    _db.session.rollback()
    plan = _db.session.get(ActionPlan, plan.id)
    services.update_action(plan, plan.revisions[-1].actions[0], _data(lead.id, title="Chantier école (précisé)"),
                           expected_version=1, user=user)
    _db.session.commit()
    assert _audit("action_plan.revision_created") and _audit("action_plan.draft")
    # Resubmission opens a second round on revision 2.
    rnd2 = services.submit(plan, organisation_ids=[lead.id], user=user, principal=principal)
    _db.session.commit()
    assert rnd2.subject_id == plan.revisions[-1].id and rnd2.content_hash != rnd.content_hash


def test_withdraw_cancels_the_round_and_opens_a_revision(valenciennes):
    plan, user, principal, lead = valenciennes
    rnd = services.submit(plan, organisation_ids=[lead.id], user=user, principal=principal)
    _db.session.commit()
    with pytest.raises(ServiceError):
        services.withdraw(plan, reason=" ", user=user, principal=principal)
    _db.session.rollback()
    plan = _db.session.get(ActionPlan, plan.id)
    services.withdraw(plan, reason="Erreur de périmètre", user=user, principal=principal)
    _db.session.commit()
    assert plan.state == PlanState.DRAFT and len(plan.revisions) == 2
    assert _db.session.get(SignoffRound, rnd.id).state == RoundState.CANCELLED


@pytest.mark.parametrize("over, field, message", [
    ({"budget_eur": Decimal("-1")}, "budget_eur", "négatif"),
    ({"end_date": date(2023, 12, 31)}, "end_date", "précède"),
    ({"lead_organisation_id": 999999}, "lead_organisation_id", "inconnue"),
    ({"partner_ids": [999999]}, "partner_ids", "inconnue"),
    ({"axis": "tourisme"}, "axis", "axe"),
])
def test_bad_action_input_is_refused_and_audited(valenciennes, over, field, message):
    plan, user, principal, lead = valenciennes
    action = plan.revisions[-1].actions[0]
    with pytest.raises(ServiceError) as exc:
        services.update_action(plan, action, _data(lead.id, **over), expected_version=action.version, user=user)
    assert exc.value.field == field and message in exc.value.message
    _db.session.rollback()
    fresh = _db.session.get(PlanAction, action.id)
    assert fresh.budget_eur == Decimal("1000") and fresh.end_date == date(2024, 6, 30)
    assert _audit("plan_action.refused")


def test_stale_action_edit_is_refused(valenciennes):
    plan, user, principal, lead = valenciennes
    action = plan.revisions[-1].actions[0]
    services.update_action(plan, action, _data(lead.id, title="v2"), expected_version=1, user=user)
    _db.session.commit()
    with pytest.raises(StaleEdit):
        services.update_action(plan, action, _data(lead.id, title="v3"), expected_version=1, user=user)


def test_only_co_chairs_of_the_spel_or_secretariat_manage(valenciennes):
    plan, user, principal, lead = valenciennes
    other = Principal.for_user(_email("sous-prefet.lens"))
    with pytest.raises(ServiceError):
        services.submit(plan, organisation_ids=[lead.id], user=user, principal=other)
    _db.session.rollback()
    with pytest.raises(ServiceError, match="programme"):
        services.create_plan(spel=_by(Spel, slug="valenciennes"), year=2030, user=user, principal=principal)
    _db.session.rollback()
    with pytest.raises(ServiceError, match="inconnue"):
        services.submit(_db.session.get(ActionPlan, plan.id), organisation_ids=[999999], user=user,
                        principal=principal)
    _db.session.rollback()
    assert _db.session.get(ActionPlan, plan.id).state == PlanState.DRAFT
    assert _audit("action_plan.submit_refused")


def test_signatory_cannot_sign_for_another_organisation_twice_or_after_close(demo):
    lens = _plan("lens")
    rnd = signoff.open_round_for("action_plan", lens.revisions[-1].id)
    signer = _email("signataire.lens-lievin")
    nord = _by(Organisation, short_name="Pas-de-Calais")
    with pytest.raises(ServiceError, match="pas signataire"):
        signoff.decide(rnd.id, user=signer, organisation_id=nord.id, decision=Decision.APPROVED)
    _db.session.rollback()
    own = signer.organisation_id
    signoff.decide(rnd.id, user=signer, organisation_id=own, decision=Decision.APPROVED)
    _db.session.commit()
    with pytest.raises(ServiceError, match="déjà"):
        signoff.decide(rnd.id, user=signer, organisation_id=own, decision=Decision.APPROVED)
    _db.session.rollback()
    douai_round = signoff.rounds_for("action_plan", [r.id for r in _plan("douai").revisions])[0]
    douaisis = _email("signataire.douaisis")
    with pytest.raises(ServiceError, match="clos"):
        signoff.decide(douai_round.id, user=douaisis, organisation_id=douaisis.organisation_id,
                       decision=Decision.APPROVED)
    assert len(_audit("signoff.decision_refused")) >= 3


def test_demo_plans_and_idempotent_seed(demo):
    from erbm_portal.demo.seed import seed_demo

    states = {slug: _plan(slug).state for slug in ("bethune", "lens", "douai", "valenciennes")}
    assert states == {"bethune": PlanState.ADOPTED, "lens": PlanState.SUBMITTED, "douai": PlanState.DRAFT,
                      "valenciennes": PlanState.DRAFT}
    assert len(_plan("douai").revisions) == 2
    bethune_round = signoff.rounds_for("action_plan", [_plan("bethune").revisions[0].id])[0]
    assert bethune_round.state == RoundState.APPROVED
    assert all(p.decided_by and p.signed_hash == bethune_round.content_hash for p in bethune_round.parties)
    count = _db.session.execute(select(_db.func.count(PlanAction.id))).scalar()
    seed_demo()
    assert _db.session.execute(select(_db.func.count(PlanAction.id))).scalar() == count


# --- HTTP --------------------------------------------------------------------------

HX = {"HX-Request": "true"}


def _form_data(html, prefix):
    """Every input of the row form, as the browser would send it."""
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        if 'type="checkbox"' not in name:
            data[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        m = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        data[name] = (m.group(1) or m.group(2)) if m else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body.strip()
    return {k: v for k, v in data.items() if k.startswith(prefix) or k.endswith("csrf_token")}


def test_inline_edit_row_form_row_and_409(client, login_as, valenciennes):
    plan, user, principal, lead = valenciennes
    action = plan.revisions[-1].actions[0]
    login_as("sous-prefete.valenciennes@erbm-demo.fr")
    page = client.get(f"/plans/{plan.id}")
    assert page.status_code == 200 and "Chantier école" in page.get_data(as_text=True)
    url = f"/plans/{plan.id}/actions/{action.id}/modifier"
    frag = client.get(url, headers=HX)
    html = frag.get_data(as_text=True)
    assert frag.status_code == 200 and html.lstrip().startswith("<tr") and "<html" not in html
    full = client.get(url)
    assert "<html" in full.get_data(as_text=True) and f'name="a{action.id}-title"' in full.get_data(as_text=True)
    data = _form_data(html, f"a{action.id}-")
    data[f"a{action.id}-title"] = "Chantier école renforcé"
    ok = client.post(url, data=data, headers=HX)
    assert ok.status_code == 200 and "Chantier école renforcé" in ok.get_data(as_text=True)
    assert "data-erbm-announce" in ok.get_data(as_text=True)
    # The same form again carries the old version: refused with the current values shown.
    data[f"a{action.id}-title"] = "Version périmée"
    stale = client.post(url, data=data, headers=HX)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "entre-temps" in body and "Chantier école renforcé" in body
    _db.session.expire_all()
    assert _db.session.get(PlanAction, action.id).title == "Chantier école renforcé"
    # Plain (no htmx) success redirects to the page.
    fresh = _form_data(client.get(url).get_data(as_text=True), f"a{action.id}-")
    assert client.post(url, data=fresh).status_code == 303


@pytest.mark.parametrize("field, value, message", [
    ("budget_eur", "-50", "négatif"),
    ("budget_eur", "beaucoup", "Saisissez un nombre"),
    ("end_date", "2023-01-01", "précède"),
    ("lead_organisation_id", "999999", "inconnue"),
    ("start_date", "31/02/2024", "date valide"),
])
def test_inline_edit_bad_input_message_beside_field(client, login_as, valenciennes, field, value, message):
    plan, user, principal, lead = valenciennes
    action = plan.revisions[-1].actions[0]
    login_as("sous-prefete.valenciennes@erbm-demo.fr")
    url = f"/plans/{plan.id}/actions/{action.id}/modifier"
    data = _form_data(client.get(url, headers=HX).get_data(as_text=True), f"a{action.id}-")
    data[f"a{action.id}-{field}"] = value
    resp = client.post(url, data=data, headers=HX)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and message in body
    assert f'id="a{action.id}-{field}-messages"' in body or "fr-message--error" in body
    _db.session.expire_all()
    fresh = _db.session.get(PlanAction, action.id)
    assert fresh.budget_eur == Decimal("1000") and fresh.version == 1
    assert _audit("plan_action.refused") or _audit("plan_action.input_refused")


def test_new_action_and_delete_inline(client, login_as, valenciennes):
    plan, user, principal, lead = valenciennes
    login_as("sous-prefete.valenciennes@erbm-demo.fr")
    url = f"/plans/{plan.id}/actions/nouvelle"
    data = _form_data(client.get(url, headers=HX).get_data(as_text=True), "new-")
    data.update({"new-title": "Navette vers la zone d'emploi", "new-axis": "mobilite",
                 "new-lead_organisation_id": str(lead.id), "new-budget_eur": "12 500,50",
                 "new-partner_ids": [str(lead.id)]})
    resp = client.post(url, data=data, headers=HX)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Navette" in body and "new-action-row" in body
    created = _db.session.execute(select(PlanAction).filter_by(title="Navette vers la zone d'emploi")).scalar_one()
    assert created.budget_eur == Decimal("12500.50") and created.partners[0].id == lead.id
    token = csrf_from(client.get(f"/plans/{plan.id}").get_data(as_text=True))
    gone = client.post(f"/plans/{plan.id}/actions/{created.id}/supprimer",
                       data={"csrf_token": token, "version": created.version}, headers=HX)
    assert gone.status_code == 200 and "supprimée" in gone.get_data(as_text=True)


def test_frozen_plan_edit_refused_over_http(client, login_as, demo):
    lens = _plan("lens")
    action = lens.revisions[-1].actions[0]
    login_as("co_chair")
    url = f"/plans/{lens.id}/actions/{action.id}/modifier"
    assert client.get(url).status_code == 409
    token = csrf_from(client.get(f"/plans/{lens.id}").get_data(as_text=True))
    resp = client.post(url, data={f"a{action.id}-csrf_token": token, f"a{action.id}-version": "1",
                                  f"a{action.id}-title": "x", f"a{action.id}-axis": "emploi",
                                  f"a{action.id}-lead_organisation_id": str(action.lead_organisation_id),
                                  f"a{action.id}-budget_eur": "1", f"a{action.id}-status": "planned"})
    assert resp.status_code == 409 and "figé" in resp.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(PlanAction, action.id).title != "x"


def test_submit_page_defaults_and_unknown_organisation(client, login_as, valenciennes):
    plan, user, principal, lead = valenciennes
    login_as("sous-prefete.valenciennes@erbm-demo.fr")
    page = client.get(f"/plans/{plan.id}/soumettre")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    checked = re.findall(r'<input checked id="[^"]+" name="organisations" type="checkbox" value="(\d+)"', html) or \
        re.findall(r'checked[^>]*value="(\d+)"', html)
    assert sorted(map(int, checked)) == sorted(services.default_signatory_ids(plan))
    token = csrf_from(html)
    bad = client.post(f"/plans/{plan.id}/soumettre", data={"csrf_token": token, "organisations": ["999999"]})
    assert bad.status_code == 422 and "inconnue" in bad.get_data(as_text=True)
    empty = client.post(f"/plans/{plan.id}/soumettre", data={"csrf_token": token})
    assert empty.status_code == 422 and "au moins une organisation" in empty.get_data(as_text=True)
    ok = client.post(f"/plans/{plan.id}/soumettre", data={"csrf_token": token, "organisations": [str(lead.id)]})
    assert ok.status_code == 303
    _db.session.expire_all()
    assert _db.session.get(ActionPlan, plan.id).state == PlanState.SUBMITTED


def test_plan_page_shows_grid_and_downloaded_content_verifies(client, login_as, demo):
    bethune = _plan("bethune")
    login_as("secretariat")
    page = client.get(f"/plans/{bethune.id}").get_data(as_text=True)
    assert "Validations par organisation" in page and "Anne Martin" in page and "approuvé" in page
    rnd = signoff.rounds_for("action_plan", [bethune.revisions[0].id])[0]
    downloaded = client.get(f"/validations/{rnd.id}/contenu.json").data
    assert hashlib.sha256(downloaded).hexdigest() == rnd.content_hash
    token = csrf_from(client.get("/validations/verifier").get_data(as_text=True))
    resp = client.post("/validations/verifier", data={"csrf_token": token,
                                                      "document": (io.BytesIO(downloaded), "plan.json")},
                       content_type="multipart/form-data")
    body = resp.get_data(as_text=True)
    assert f"circuit de validation n° {rnd.id}" in body and "plan d&#39;action" in body


def test_signatory_signs_the_lens_plan_over_http(client, login_as, demo):
    lens = _plan("lens")
    rnd = signoff.open_round_for("action_plan", lens.revisions[-1].id)
    login_as("signatory")
    page = client.get(f"/validations/{rnd.id}").get_data(as_text=True)
    assert "Votre décision pour" in page
    resp = client.post(f"/validations/{rnd.id}/decision", data={"csrf_token": csrf_from(page), "decision": "approved"})
    assert resp.status_code == 303


def _plan_with_actions(n):
    user = _email("secretariat")
    principal = Principal.for_user(user)
    spel = _by(Spel, slug="lens")
    plan = services.create_plan(spel=spel, year=2025 if n < 100 else 2026, user=user, principal=principal)
    orgs = _db.session.execute(select(Organisation)).scalars().all()
    from erbm_portal.indicators.demo import seed_catalogue
    from erbm_portal.indicators.models import IndicatorValue
    ind = seed_catalogue()["LOG"]
    for i in range(n):
        action = services.add_action(plan, _data(orgs[i % len(orgs)].id, title=f"Action {i}",
                                                 partner_ids=[orgs[(i + 1) % len(orgs)].id,
                                                              orgs[(i + 2) % len(orgs)].id]), user=user)
        _db.session.add(IndicatorValue(indicator=ind, spel_id=spel.id, action_id=action.id, year=2025,
                                       target=Decimal(10), entered_by_organisation_id=user.organisation_id))
    _db.session.commit()
    return plan


def test_plan_page_queries_do_not_grow_with_actions(client, login_as, demo):
    small, big = _plan_with_actions(10), _plan_with_actions(300)
    login_as("secretariat")
    counts = []
    for plan in (small, big):
        client.get(f"/plans/{plan.id}")  # warm-up
        with count_queries() as counter:
            resp = client.get(f"/plans/{plan.id}")
        assert resp.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    page = resp.get_data(as_text=True)
    # 300 actions: 25 a page, the count and budget cover the whole revision.
    assert "Actions (300)" in page and "Actions 1 à 25 sur 300." in page and "Action 299" not in page
    last = client.get(f"/plans/{big.id}?page=12").get_data(as_text=True)
    assert "Action 299" in last and "Actions 276 à 300 sur 300." in last
    assert "Action 299" in client.get(f"/plans/{big.id}?page=99").get_data(as_text=True)  # clamped


def test_every_organisation_signing_at_once_adopts_the_plan_exactly_once(app, valenciennes):
    """Race: all parties sign concurrently; every decision is recorded, the plan adopted once."""
    from erbm_portal.demo.reference import SIGNATORY_PEOPLE

    from .test_signoff import _run_concurrently

    plan, user, principal, lead = valenciennes
    parties = services.default_signatory_ids(plan)
    rnd = services.submit(plan, organisation_ids=parties, user=user, principal=principal)
    _db.session.commit()
    round_id, plan_id = rnd.id, plan.id
    pairs = []
    for org in _db.session.execute(select(Organisation).where(Organisation.id.in_(parties))).scalars():
        pairs.append((_email(SIGNATORY_PEOPLE[org.name][0]).id, org.id))
    _db.session.commit()

    def sign(uid, oid):
        return lambda: signoff.decide(round_id, user=_db.session.get(User, uid), organisation_id=oid,
                                      decision=Decision.APPROVED)

    results = _run_concurrently(app, [sign(u, o) for u, o in pairs])
    assert results == ["ok"] * len(pairs)
    _db.session.expire_all()
    assert _db.session.get(ActionPlan, plan_id).state == PlanState.ADOPTED
    assert len(_audit("action_plan.adopted", plan_id)) == 1
    assert len(_audit("signoff.round_approved", round_id)) == 1


# --- Notifications -------------------------------------------------------------------

def _notified(kind, plan_or_round_url):
    from erbm_portal.notifications.models import Notification

    return {n.user_id for n in _db.session.execute(select(Notification).where(
        Notification.kind == kind, Notification.url == plan_or_round_url)).scalars()}


def test_submit_notifies_the_signatories_and_adoption_the_co_chairs(valenciennes):
    from erbm_portal.notifications import recipients

    plan, user, principal, lead = valenciennes
    parties = services.default_signatory_ids(plan)
    rnd = services.submit(plan, organisation_ids=parties, user=user, principal=principal)
    signatories = set(recipients.signatories_of(parties))
    assert signatories and _notified("signoff_requested", f"/validations/{rnd.id}") == signatories  # same transaction
    _db.session.commit()
    names = [o.name for o in _db.session.execute(select(Organisation).where(Organisation.id.in_(parties))).scalars()]
    for name in names[:-1]:
        _sign(rnd.id, name)
    assert _notified("plan_adopted", f"/plans/{plan.id}") == set()
    _sign(rnd.id, names[-1])
    co_chairs = _notified("plan_adopted", f"/plans/{plan.id}")
    assert user.id in co_chairs and co_chairs == set(recipients.co_chairs_of(plan.spel_id))


def test_a_change_request_notifies_the_co_chairs(valenciennes):
    plan, user, principal, lead = valenciennes
    parties = services.default_signatory_ids(plan)
    rnd = services.submit(plan, organisation_ids=parties, user=user, principal=principal)
    _db.session.commit()
    name = _db.session.get(Organisation, parties[0]).name
    _sign(rnd.id, name, decision=Decision.CHANGES_REQUESTED, comment="Préciser le budget.")
    assert user.id in _notified("changes_requested", f"/plans/{plan.id}")
