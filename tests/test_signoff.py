"""The shared sign-off component: rounds, decisions, races, evidence and verification."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from erbm_portal.accounts.models import Role
from erbm_portal.audit.models import AuditEvent
from erbm_portal.core.errors import ServiceError
from erbm_portal.extensions import db as _db
from erbm_portal.signoff import services, subjects
from erbm_portal.signoff.models import Decision, RoundState, SignoffParty, SignoffRound

from . import factories as f
from .conftest import csrf_from


class FakeSubject:
    label = "document de test"

    def __init__(self):
        self.approved, self.changes, self.visible = [], [], True

    def can_view(self, principal, subject_id):
        return self.visible and principal.is_authenticated

    def url(self, subject_id):
        return f"/document/{subject_id}"

    def on_approved(self, round_):
        self.approved.append(round_.id)

    def on_changes_requested(self, round_, party):
        self.changes.append((round_.id, party.organisation_id))


@pytest.fixture
def subject():
    handler = FakeSubject()
    subjects.register("test_doc", handler)
    yield handler
    subjects._registry.pop("test_doc", None)


@pytest.fixture
def three_orgs(db):
    orgs = [f.organisation() for _ in range(3)]
    signatories = [f.user(o, role=Role.SIGNATORY) for o in orgs]
    return orgs, signatories


def _open(orgs, content='{"titre":"Plan 2023"}'):
    rnd = services.open_round("test_doc", 1, title="Plan 2023", content=content,
                              organisation_ids=[o.id for o in orgs])
    _db.session.commit()
    return rnd


def test_round_stores_the_sha256_of_the_exact_content(subject, three_orgs):
    orgs, _ = three_orgs
    content = services.canonical_json({"b": 1, "a": "rénovation"})
    assert content == '{"a":"rénovation","b":1}'
    rnd = _open(orgs, content)
    import hashlib
    assert rnd.content_hash == hashlib.sha256(content.encode()).hexdigest()
    assert [p.organisation_id for p in rnd.parties] == [o.id for o in orgs]
    assert services.find_by_hash(rnd.content_hash)[0][1].id == rnd.id


def test_every_organisation_approving_adopts_once(subject, three_orgs):
    orgs, users = three_orgs
    rnd = _open(orgs)
    for org, user in zip(orgs, users):
        assert rnd.state == RoundState.OPEN
        services.decide(rnd.id, user=user, organisation_id=org.id, decision=Decision.APPROVED)
        _db.session.commit()
    assert rnd.state == RoundState.APPROVED
    assert subject.approved == [rnd.id]
    party = rnd.parties[0]
    assert party.decided_by_id == users[0].id and party.signed_hash == rnd.content_hash
    actions = _db.session.execute(select(AuditEvent.action)).scalars().all()
    assert actions.count("signoff.approved") == 3 and actions.count("signoff.round_approved") == 1


def test_change_request_closes_the_round_and_needs_a_comment(subject, three_orgs):
    orgs, users = three_orgs
    rnd = _open(orgs)
    with pytest.raises(ServiceError) as exc:
        services.decide(rnd.id, user=users[1], organisation_id=orgs[1].id, decision=Decision.CHANGES_REQUESTED)
    assert exc.value.field == "comment"
    services.decide(rnd.id, user=users[1], organisation_id=orgs[1].id, decision=Decision.CHANGES_REQUESTED,
                    comment="Préciser le budget de l'action 3.")
    _db.session.commit()
    assert rnd.state == RoundState.CHANGES_REQUESTED
    assert subject.changes == [(rnd.id, orgs[1].id)]


@pytest.mark.parametrize("case", ["other_org", "twice", "closed", "not_party", "expired", "not_signatory"])
def test_refused_decisions_change_nothing_and_are_audited(case, subject, three_orgs):
    orgs, users = three_orgs
    rnd = _open(orgs[:2])
    user, org_id = users[0], orgs[0].id
    if case == "other_org":
        org_id = orgs[1].id
    elif case == "twice":
        services.decide(rnd.id, user=user, organisation_id=org_id, decision=Decision.APPROVED)
        _db.session.commit()
    elif case == "closed":
        services.decide(rnd.id, user=users[1], organisation_id=orgs[1].id,
                        decision=Decision.CHANGES_REQUESTED, comment="non")
        _db.session.commit()
    elif case == "not_party":
        user, org_id = users[2], orgs[2].id
    elif case == "expired":
        user = f.user(orgs[0], role=Role.SIGNATORY, valid_to=date.today() - timedelta(days=1))
    elif case == "not_signatory":
        user = f.user(orgs[0])
    before = {p.id: p.decision for p in _db.session.execute(select(SignoffParty)).scalars()}
    with pytest.raises(ServiceError):
        services.decide(rnd.id, user=user, organisation_id=org_id, decision=Decision.APPROVED)
    _db.session.rollback()
    after = {p.id: p.decision for p in _db.session.execute(select(SignoffParty)).scalars()}
    assert after == before
    assert _db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "signoff.decision_refused")).first() is not None


def test_deputy_with_a_valid_grant_may_sign(subject, three_orgs):
    orgs, _ = three_orgs
    deputy = f.user(orgs[0], role=Role.SIGNATORY, is_deputy=True,
                    valid_from=date.today() - timedelta(days=3), valid_to=date.today() + timedelta(days=3))
    rnd = _open(orgs[:1])
    services.decide(rnd.id, user=deputy, organisation_id=orgs[0].id, decision=Decision.APPROVED)
    _db.session.commit()
    assert rnd.parties[0].decided_as_deputy is True
    assert rnd.state == RoundState.APPROVED


def test_only_one_open_round_per_subject(subject, three_orgs):
    orgs, _ = three_orgs
    _open(orgs)
    with pytest.raises(ServiceError):
        _open(orgs)


def _run_concurrently(app, jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(i, job):
        with app.app_context():
            barrier.wait()
            try:
                job()
                _db.session.commit()
                results[i] = "ok"
            except ServiceError as exc:
                _db.session.rollback()
                results[i] = exc.message
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_signatories_of_one_organisation_at_once_record_one_decision(app, subject, three_orgs):
    orgs, users = three_orgs
    second = f.user(orgs[0], role=Role.SIGNATORY)
    rnd = _open(orgs)
    round_id, org_id = rnd.id, orgs[0].id
    user_ids = [users[0].id, second.id]
    _db.session.commit()

    def sign(uid):
        from erbm_portal.accounts.models import User
        return lambda: services.decide(round_id, user=_db.session.get(User, uid), organisation_id=org_id,
                                       decision=Decision.APPROVED)

    results = _run_concurrently(app, [sign(uid) for uid in user_ids])
    assert sorted(r == "ok" for r in results) == [False, True]
    assert any("déjà" in r for r in results if r != "ok")
    party = _db.session.execute(select(SignoffParty).filter_by(round_id=round_id, organisation_id=org_id)).scalar_one()
    assert party.decision == Decision.APPROVED and party.decided_by_id in user_ids


def test_all_organisations_at_once_adopt_exactly_once(app, subject, db):
    orgs = [f.organisation() for _ in range(6)]
    users = [f.user(o, role=Role.SIGNATORY) for o in orgs]
    rnd = _open(orgs)
    round_id = rnd.id
    pairs = [(u.id, o.id) for u, o in zip(users, orgs)]
    _db.session.commit()

    def sign(uid, oid):
        from erbm_portal.accounts.models import User
        return lambda: services.decide(round_id, user=_db.session.get(User, uid), organisation_id=oid,
                                       decision=Decision.APPROVED)

    results = _run_concurrently(app, [sign(u, o) for u, o in pairs])
    assert results == ["ok"] * 6
    _db.session.expire_all()
    assert _db.session.get(SignoffRound, round_id).state == RoundState.APPROVED
    assert subject.approved == [round_id]
    adopted = _db.session.execute(select(AuditEvent).where(AuditEvent.action == "signoff.round_approved")).all()
    assert len(adopted) == 1


# --- HTTP ------------------------------------------------------------------

def test_round_page_and_decision_form(client, login_as, subject, demo):
    from erbm_portal.directory.models import Organisation
    lens = _db.session.execute(select(Organisation).filter_by(short_name="CA Lens-Liévin")).scalar_one()
    nord = _db.session.execute(select(Organisation).filter_by(short_name="Nord")).scalar_one()
    rnd = _open([lens, nord])
    login_as("signatory")
    page = client.get(f"/validations/{rnd.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and rnd.content_hash in html and "Votre décision" in html
    token = csrf_from(html)
    bad = client.post(f"/validations/{rnd.id}/decision", data={"csrf_token": token, "decision": "changes_requested"})
    assert bad.status_code == 422 and "Expliquez les modifications" in bad.get_data(as_text=True)
    ok = client.post(f"/validations/{rnd.id}/decision", data={"csrf_token": token, "decision": "approved"})
    assert ok.status_code == 303
    again = client.post(f"/validations/{rnd.id}/decision", data={"csrf_token": token, "decision": "approved"})
    assert again.status_code == 409 and "déjà rendu sa décision" in again.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(SignoffRound, rnd.id).parties[0].decision == Decision.APPROVED


def test_hidden_subject_gives_404(client, login_as, subject, three_orgs):
    orgs, _ = three_orgs
    rnd = _open(orgs)
    login_as("partner")
    assert client.get(f"/validations/{rnd.id}").status_code == 200
    subject.visible = False
    assert client.get(f"/validations/{rnd.id}").status_code == 404
    assert client.get(f"/validations/{rnd.id}/contenu.json").status_code == 404
    assert client.get("/validations/999999").status_code == 404


def test_verify_by_hash_and_by_file(client, login_as, subject, three_orgs):
    orgs, _ = three_orgs
    rnd = _open(orgs)
    login_as("observer")
    token = csrf_from(client.get("/validations/verifier").get_data(as_text=True))
    by_hash = client.post("/validations/verifier", data={"csrf_token": token, "sha256": rnd.content_hash.upper()})
    assert by_hash.status_code == 200 and f"circuit de validation n° {rnd.id}" in by_hash.get_data(as_text=True)
    downloaded = client.get(f"/validations/{rnd.id}/contenu.json").data
    import io
    by_file = client.post("/validations/verifier", data={"csrf_token": token, "document": (io.BytesIO(downloaded), "contenu.json")},
                          content_type="multipart/form-data")
    assert f"circuit de validation n° {rnd.id}" in by_file.get_data(as_text=True)
    nothing = client.post("/validations/verifier", data={"csrf_token": token, "sha256": "0" * 64})
    assert "ne correspond à aucune version" in nothing.get_data(as_text=True)
    bad = client.post("/validations/verifier", data={"csrf_token": token, "sha256": "pas-un-hash"})
    assert bad.status_code == 422 and "64 caractères" in bad.get_data(as_text=True)
    subject.visible = False
    hidden = client.post("/validations/verifier", data={"csrf_token": token, "sha256": rnd.content_hash})
    assert "ne correspond à aucune version" in hidden.get_data(as_text=True)


def test_a_past_round_can_be_recorded_with_its_dates(subject, three_orgs):
    from datetime import datetime
    orgs, users = three_orgs
    opened = datetime(2017, 3, 1, 9, 0)
    rnd = services.open_round("test_doc", 7, title="Texte 2017", content="{}",
                              organisation_ids=[o.id for o in orgs[:2]], opened_at=opened)
    _db.session.commit()
    assert rnd.opened_at == opened
    with pytest.raises(ServiceError):
        services.decide(rnd.id, user=users[0], organisation_id=orgs[0].id, decision=Decision.APPROVED,
                        at=datetime(2017, 2, 1))
    _db.session.rollback()
    services.decide(rnd.id, user=users[0], organisation_id=orgs[0].id, decision=Decision.APPROVED,
                    at=datetime(2017, 3, 6, 10, 0))
    services.decide(rnd.id, user=users[1], organisation_id=orgs[1].id, decision=Decision.APPROVED,
                    at=datetime(2017, 3, 7, 11, 0))
    _db.session.commit()
    assert rnd.state == RoundState.APPROVED and rnd.closed_at == datetime(2017, 3, 7, 11, 0)
    assert [p.decided_at for p in rnd.parties] == [datetime(2017, 3, 6, 10, 0), datetime(2017, 3, 7, 11, 0)]
