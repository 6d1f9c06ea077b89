"""The partnership agreement: persisted avenants, consolidation, comparison, signature rounds, files."""
from __future__ import annotations

import hashlib
import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from erbm_portal.accounts.models import Role
from erbm_portal.agreement import consolidation as c
from erbm_portal.agreement import services
from erbm_portal.agreement.access import load_agreement
from erbm_portal.agreement.demo import demo_pdf
from erbm_portal.agreement.models import (
    AgreementArticle,
    AgreementChange,
    AgreementFile,
    AgreementVersion,
    VersionState,
)
from erbm_portal.audit.models import AuditEvent
from erbm_portal.core.errors import ServiceError, StaleEdit
from erbm_portal.extensions import db as _db
from erbm_portal.signoff import services as signoff
from erbm_portal.signoff.models import Decision, RoundState, SignoffRound

from . import factories as f
from .conftest import count_queries, csrf_from

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


# --- Builders ----------------------------------------------------------------


@pytest.fixture
def parties(db):
    orgs = [f.organisation(is_agreement_party=True) for _ in range(3)]
    return orgs, [f.user(o, role=Role.SIGNATORY) for o in orgs]


def _sign_all(version, parties, *, last_at=None):
    orgs, users = parties
    round_ = signoff.open_round_for(services.SUBJECT_TYPE, version.id)
    for i, (org, user) in enumerate(zip(orgs, users)):
        at = last_at if (last_at and i == len(orgs) - 1) else None
        signoff.decide(round_.id, user=user, organisation_id=org.id, decision=Decision.APPROVED, at=at)
        _db.session.commit()
    return round_


def _agreement_in_force(parties):
    orgs, _ = parties
    agreement = services.create_agreement(title="Convention de test", organisation_ids=[o.id for o in orgs])
    for key, number, title, body in [("a", "1", "Objet", "Rénover les cités minières."),
                                     ("b", "2", "Insertion", "Objectif de 360 000 heures."),
                                     ("c", "3", "Transitoire", "Suivi trimestriel en 2017.")]:
        services.add_original_article(agreement, key=key, number=number, title=title, body=body)
    services.open_for_signature(agreement.versions[0])
    _db.session.commit()
    _sign_all(agreement.versions[0], parties)
    return agreement


def _amendment(agreement, changes, statement="Bilan à mi-parcours."):
    version = services.create_amendment(agreement, title="Avenant", statement=statement)
    for change in changes:
        services.add_change(version, **change)
    _db.session.commit()
    return version


def _counts():
    return (_db.session.execute(select(func.count(AgreementChange.id))).scalar_one(),
            _db.session.execute(select(func.count(AgreementVersion.id))).scalar_one())


# --- Persistence and consolidation ---------------------------------------------


def test_persisted_amendments_consolidate_to_the_expected_text(parties):
    agreement = _agreement_in_force(parties)
    first = _amendment(agreement, [
        dict(op="modify", article_key="b", body="Objectif dépassé : 530 000 heures."),
        dict(op="insert", after_key="a", number="1 bis", title="CIE", body="550 contrats en 2022."),
        dict(op="repeal", article_key="c"),
    ])
    services.open_for_signature(first)
    _db.session.commit()
    _sign_all(first, parties)
    inserted_key = first.changes[1].article_key
    _amendment(agreement, [dict(op="modify", article_key=inserted_key, number="2", title="CIE bassin minier",
                                body="550 contrats en 2022 ; poursuite en 2023.")])
    agreement_id = agreement.id
    _db.session.expire_all()
    _db.session.remove()

    reloaded = load_agreement()
    assert reloaded.id == agreement_id and [v.number for v in reloaded.versions] == [1, 2, 3]
    assert services.text_of(reloaded, 1) == [
        c.Article("a", "1", "Objet", "Rénover les cités minières."),
        c.Article("b", "2", "Insertion", "Objectif de 360 000 heures."),
        c.Article("c", "3", "Transitoire", "Suivi trimestriel en 2017."),
    ]
    assert services.text_of(reloaded, 2) == [
        c.Article("a", "1", "Objet", "Rénover les cités minières."),
        c.Article(inserted_key, "1 bis", "CIE", "550 contrats en 2022."),
        c.Article("b", "2", "Insertion", "Objectif dépassé : 530 000 heures."),
    ]
    assert services.text_of(reloaded, 3)[1] == c.Article(inserted_key, "2", "CIE bassin minier",
                                                         "550 contrats en 2022 ; poursuite en 2023.")
    # The rows map one-to-one to the pure engine's changes.
    assert services.amendment_of(reloaded.versions[1]) == c.Amendment(1, [
        c.Change("modify", "b", body="Objectif dépassé : 530 000 heures."),
        c.Change("insert", inserted_key, number="1 bis", title="CIE", body="550 contrats en 2022.", after_key="a"),
        c.Change("repeal", "c"),
    ])


def test_the_demo_agreement(demo):
    agreement = load_agreement()
    assert len(agreement.parties) == 12
    assert [v.state for v in agreement.versions] == [VersionState.IN_FORCE, VersionState.SIGNING, VersionState.DRAFT]
    assert agreement.signed_on == date(2017, 3, 7) and agreement.versions[0].in_force_on == date(2017, 3, 7)
    in_force = services.text_of(agreement, services.version_in_force(agreement).number)
    assert "360 000" in in_force[2].body
    v2 = services.text_of(agreement, 2)
    assert "530 000" in v2[2].body and all(a.key != "transitoire" for a in v2)
    round_ = services.current_round(agreement.versions[1])
    assert round_.state == RoundState.OPEN
    assert sum(p.decision == Decision.APPROVED for p in round_.parties) == 3
    assert round_.content == services.canonical_content(agreement, agreement.versions[1], v2)
    assert round_.content_hash == hashlib.sha256(round_.content.encode()).hexdigest()
    from erbm_portal.agreement.demo import seed_demo
    seed_demo()  # idempotent
    assert _db.session.execute(select(func.count(AgreementVersion.id))).scalar_one() == 3


# --- Signature rounds through the shared component -----------------------------


def test_every_party_signing_brings_the_version_into_force_on_the_last_signature_date(parties):
    agreement = _agreement_in_force(parties)
    amendment = _amendment(agreement, [dict(op="repeal", article_key="c")])
    round_ = services.open_for_signature(amendment, opened_at=datetime(2024, 5, 1, 8, 0))
    _db.session.commit()
    assert amendment.state == VersionState.SIGNING
    assert [p.organisation_id for p in round_.parties] == [o.id for o in parties[0]]
    orgs, users = parties
    signoff.decide(round_.id, user=users[0], organisation_id=orgs[0].id, decision=Decision.APPROVED,
                   at=datetime(2024, 5, 2, 9, 0))
    _db.session.commit()
    assert amendment.state == VersionState.SIGNING and services.version_in_force(agreement).number == 1
    signoff.decide(round_.id, user=users[1], organisation_id=orgs[1].id, decision=Decision.APPROVED,
                   at=datetime(2024, 5, 3, 9, 0))
    # Last signature at 23:30 UTC on 6 May 2024: 7 May in Paris.
    signoff.decide(round_.id, user=users[2], organisation_id=orgs[2].id, decision=Decision.APPROVED,
                   at=datetime(2024, 5, 6, 23, 30))
    _db.session.commit()
    assert round_.state == RoundState.APPROVED
    assert amendment.state == VersionState.IN_FORCE and amendment.in_force_on == date(2024, 5, 7)
    assert services.version_in_force(agreement).number == 2
    actions = _db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "agreement_version.in_force" in actions and "agreement_version.signing" in actions


def test_a_change_request_returns_the_amendment_to_draft(parties):
    agreement = _agreement_in_force(parties)
    amendment = _amendment(agreement, [dict(op="repeal", article_key="c")])
    round_ = services.open_for_signature(amendment)
    _db.session.commit()
    orgs, users = parties
    signoff.decide(round_.id, user=users[1], organisation_id=orgs[1].id, decision=Decision.CHANGES_REQUESTED,
                   comment="Garder l'article 3 jusqu'en 2024.")
    _db.session.commit()
    assert round_.state == RoundState.CHANGES_REQUESTED and amendment.state == VersionState.DRAFT
    # Editable again, and a new round can be opened on the corrected text.
    services.delete_change(amendment, amendment.changes[0].id)
    services.add_change(amendment, op="modify", article_key="c", body="Suivi trimestriel jusqu'en 2024.")
    second = services.open_for_signature(amendment)
    _db.session.commit()
    assert second.id != round_.id and second.content_hash != round_.content_hash
    assert amendment.is_circulated  # opened once: read by every partner


def test_editing_a_version_open_for_signature_or_in_force_is_refused(parties):
    agreement = _agreement_in_force(parties)
    amendment = _amendment(agreement, [dict(op="repeal", article_key="c")])
    services.open_for_signature(amendment)
    _db.session.commit()
    original, amendment_id = agreement.versions[0], amendment.id
    before = _counts()
    attempts = [
        lambda v: services.add_change(v, op="modify", article_key="a", body="Autre texte."),
        lambda v: services.delete_change(v, v.changes[0].id),
        lambda v: services.update_amendment(v, title="Autre", statement="Autre", expected_version=v.version),
        lambda v: services.open_for_signature(v),
    ]
    for attempt in attempts:
        with pytest.raises(ServiceError) as exc:
            attempt(_db.session.get(AgreementVersion, amendment_id))
        assert "en signature : elle ne peut plus être modifiée" in exc.value.message
        _db.session.rollback()
    with pytest.raises(ServiceError) as exc:
        services.add_original_article(agreement, number="9", title="", body="Ajout tardif.")
    assert "signée : elle ne peut plus être modifiée" in exc.value.message
    _db.session.rollback()
    assert _counts() == before
    assert _db.session.get(AgreementVersion, amendment_id).statement == "Bilan à mi-parcours."
    refused = _db.session.execute(select(AuditEvent).where(AuditEvent.action == "agreement.edit_refused")).all()
    assert len(refused) == 5


# --- Bad input (services) -------------------------------------------------------


@pytest.mark.parametrize("change, message", [
    (dict(op="modify", article_key="c", body="x"), "L'article 3 n'existe pas ou a été abrogé."),
    (dict(op="repeal", article_key="c"), "L'article 3 n'existe pas ou a été abrogé."),
    (dict(op="modify", article_key="zz", body="x"), "L'article zz n'existe pas ou a été abrogé."),
    (dict(op="modify", article_key="b", body="x"), "Deux modifications portent sur l'article 2"),
    (dict(op="modify", article_key="a", body="  "), "ne peut pas être vide"),
    (dict(op="insert", after_key="a", body="x"), "Le numéro de l'article inséré est obligatoire."),
    (dict(op="insert", number="4", after_key="c", body="x"), "Impossible d'insérer"),
    (dict(op="rename", article_key="a"), "Choisissez le type de modification."),
])
def test_bad_changes_are_refused_and_change_nothing(parties, change, message):
    agreement = _agreement_in_force(parties)
    first = _amendment(agreement, [dict(op="repeal", article_key="c")])
    services.open_for_signature(first)
    _db.session.commit()
    _sign_all(first, parties)
    second = _amendment(agreement, [dict(op="modify", article_key="b", body="530 000 heures.")])
    before = _counts()
    with pytest.raises(ServiceError) as exc:
        services.add_change(second, **change)
    _db.session.rollback()
    assert message in exc.value.message
    assert _counts() == before


def test_bad_amendments_are_refused(parties):
    agreement = _agreement_in_force(parties)
    with pytest.raises(ServiceError) as exc:
        services.create_amendment(agreement, title="Avenant", statement="  ")
    assert exc.value.field == "statement" and "exposé des motifs" in exc.value.message
    _db.session.rollback()
    amendment = _amendment(agreement, [])
    with pytest.raises(ServiceError) as exc:
        services.create_amendment(agreement, title="Autre", statement="Autre motif.")
    assert "déjà en préparation" in exc.value.message
    _db.session.rollback()
    with pytest.raises(ServiceError) as exc:
        services.open_for_signature(amendment)
    assert "ne contient aucune modification" in exc.value.message
    _db.session.rollback()
    with pytest.raises(ServiceError):
        services.update_amendment(amendment, title="Avenant", statement="", expected_version=amendment.version)
    _db.session.rollback()
    with pytest.raises(StaleEdit):
        services.update_amendment(amendment, title="Avenant", statement="Motif", expected_version=amendment.version - 1)
    _db.session.rollback()
    assert _counts() == (0, 2)


def test_an_amendment_waits_for_the_previous_version_to_be_in_force(parties):
    agreement = _agreement_in_force(parties)
    first = _amendment(agreement, [dict(op="repeal", article_key="c")])
    services.open_for_signature(first)
    _db.session.commit()
    second = _amendment(agreement, [dict(op="modify", article_key="a", body="Texte.")])
    with pytest.raises(ServiceError) as exc:
        services.open_for_signature(second)
    assert "n'est pas encore en vigueur" in exc.value.message


def test_annexes_are_typed_from_their_content(parties):
    agreement = _agreement_in_force(parties)
    with pytest.raises(ServiceError) as exc:
        services.add_annex(agreement, title="Liste", filename="liste.pdf", data=PNG)
    assert "n'est pas un PDF" in exc.value.message and exc.value.field == "document"
    _db.session.rollback()
    with pytest.raises(ServiceError):
        services.add_annex(agreement, title="Script", filename="x.exe", data=b"MZ\x90")
    _db.session.rollback()
    stored = services.add_annex(agreement, title="Carte", filename="carte.png", data=PNG)
    _db.session.commit()
    assert stored.content_type == "image/png" and stored.sha256 == hashlib.sha256(PNG).hexdigest()
    assert _db.session.execute(select(func.count(AgreementFile.id))).scalar_one() == 1


def test_a_signed_copy_is_recognised_by_its_fingerprint(parties):
    agreement = _agreement_in_force(parties)
    pdf = demo_pdf("Exemplaire signe")
    services.add_signed_copy(agreement.versions[0], filename="convention-signee.pdf", data=pdf)
    _db.session.commit()
    matches = signoff.find_by_hash(hashlib.sha256(pdf).hexdigest())
    assert [rnd.subject_id for _fp, rnd in matches] == [agreement.versions[0].id]
    draft = _amendment(agreement, [dict(op="repeal", article_key="c")])
    with pytest.raises(ServiceError):
        services.add_signed_copy(draft, filename="brouillon.pdf", data=pdf)


# --- HTTP: reading and comparing -------------------------------------------------


def test_text_in_force_and_history_for_a_partner(client, login_as):
    login_as("partner")
    html = client.get("/convention/").get_data(as_text=True)
    assert "<strong>360 000 heures d'insertion</strong>" in html  # Markdown rendered
    assert "530 000" not in html and "avenant n° 2" not in html
    history = client.get("/convention/versions").get_data(as_text=True)
    assert "Version 2 (avenant n° 1)" in history and "Version 3" not in history
    assert "Fabrice Noël" in history  # the grid of signatures
    version = client.get("/convention/versions/2").get_data(as_text=True)
    assert "en signature" in version and "530 000" in version and "Anne Martin" in version


def test_article_markdown_is_sanitised(client, login_as):
    agreement = load_agreement()
    _db.session.add(AgreementArticle(agreement_id=agreement.id, key="xss", number="99", title="Test",
                                     body="<script>alert(1)</script> [lien](javascript:alert(1)) **gras**",
                                     position=99))
    _db.session.commit()
    login_as("partner")
    html = client.get("/convention/versions/1").get_data(as_text=True)
    assert "<script>alert" not in html and 'href="javascript' not in html and "<strong>gras</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_compare_two_versions(client, login_as):
    login_as("observer")
    page = client.get("/convention/comparer?de=1&a=2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<del>est fixé à</del>" in html and "<ins>" in html and "530 000" in html
    assert "abrogé" in html and "ajouté" in html and "Article 5 bis" in html
    assert "2 articles modifiés" in html
    fragment = client.get("/convention/comparer?de=1&a=2", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and body.lstrip().startswith('<div id="comparison">')
    default = client.get("/convention/comparer").get_data(as_text=True)
    import re
    assert re.search(r'<option selected value="1">', default) and re.search(r'<option selected value="2">', default)
    assert "2 articles modifiés" in default


@pytest.mark.parametrize("query, message", [
    ("de=1&a=1", "Choisissez deux versions différentes."),
    ("de=abc&a=2", "Choisissez une version dans la liste."),
    ("de=1&a=99", "Choisissez une version dans la liste."),
    ("de=2&a=3", "Choisissez une version dans la liste."),  # a draft, hidden from partners
])
def test_compare_bad_input(client, login_as, query, message):
    login_as("partner")
    page = client.get(f"/convention/comparer?{query}")
    assert page.status_code == 422 and message in page.get_data(as_text=True)


def test_secretariat_compares_with_the_draft(client, login_as):
    login_as("secretariat")
    html = client.get("/convention/comparer?de=2&a=3").get_data(as_text=True)
    assert "rapport annuel" in html and "1 article modifié" in html


def test_query_count_of_the_text_pages_does_not_grow_with_articles(client, login_as):
    login_as("partner")
    agreement = load_agreement()
    pages = ["/convention/", "/convention/versions/2", "/convention/comparer?de=1&a=2"]

    def measure():
        counts = []
        for page in pages:
            with count_queries() as counter:
                assert client.get(page).status_code == 200
            counts.append(counter.count)
        return counts

    client.get("/convention/")  # warm-up
    small = measure()
    for i in range(45):
        _db.session.add(AgreementArticle(agreement_id=agreement.id, key=f"extra-{i}", number=f"{20 + i}",
                                         title=f"Article ajouté {i}", body=f"Texte **{i}**.", position=100 + i))
    _db.session.commit()
    assert len(load_agreement().articles) >= 50
    assert measure() == small


# --- HTTP: forms with bad input ----------------------------------------------------


def _token(client, path="/convention/"):
    return csrf_from(client.get(path).get_data(as_text=True))


def test_new_amendment_form(client, login_as):
    login_as("secretariat")
    token = _token(client, "/convention/avenants/nouveau")
    empty = client.post("/convention/avenants/nouveau", data={"csrf_token": token, "title": "Avenant 3",
                                                               "statement": "  "})
    assert empty.status_code == 422 and "exposé des motifs de l&#39;avenant est obligatoire" in empty.get_data(as_text=True)
    second = client.post("/convention/avenants/nouveau", data={"csrf_token": token, "title": "Avenant 3",
                                                                "statement": "Motif."})
    assert second.status_code == 422 and "déjà en préparation" in second.get_data(as_text=True)
    assert _counts() == (5, 3)


def test_amendment_edit_form(client, login_as):
    login_as("secretariat")
    page = client.get("/convention/avenants/2").get_data(as_text=True)
    token = csrf_from(page)
    version = _db.session.execute(select(AgreementVersion).filter_by(number=3)).scalar_one()
    data = {"csrf_token": token, "title": "Rapport annuel", "statement": "", "version": version.version}
    empty = client.post("/convention/avenants/2/modifier", data=data)
    assert empty.status_code == 422 and "exposé des motifs" in empty.get_data(as_text=True)
    stale = client.post("/convention/avenants/2/modifier", data={**data, "statement": "Nouveau motif.",
                                                                  "version": version.version - 1})
    assert stale.status_code == 409 and "entre-temps" in stale.get_data(as_text=True)
    frozen = client.post("/convention/avenants/1/modifier", data={**data, "statement": "Nouveau motif.",
                                                                   "version": 99})
    assert frozen.status_code == 409 and "ne peut plus être modifiée" in frozen.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(AgreementVersion, version.id).title.startswith("Rapport annuel d'avancement")
    ok = client.post("/convention/avenants/2/modifier", data={**data, "statement": "Nouveau motif."})
    assert ok.status_code == 303
    fragment = client.post("/convention/avenants/2/modifier", data={**data, "statement": ""},
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)


@pytest.mark.parametrize("data, status, message", [
    ({"op": "modify", "article": "transitoire", "body": "Retour."}, 422, "n&#39;existe pas ou a été abrogé"),
    ({"op": "modify", "article": "inconnu", "body": "Texte."}, 422, "n&#39;existe pas ou a été abrogé"),
    ({"op": "modify", "article": "gouvernance", "body": "Texte."}, 422, "Deux modifications portent sur l&#39;article 7"),
    ({"op": "insert", "after": "objet", "body": "Texte."}, 422, "numéro de l&#39;article inséré est obligatoire"),
    ({"op": "modify", "article": "", "body": "Texte."}, 422, "Choisissez l&#39;article à modifier."),
    ({"op": "modify", "article": "objet", "body": ""}, 422, "ne peut pas être vide"),
    ({"article": "objet", "body": "Texte."}, 422, "Choisissez le type de modification."),
])
def test_change_form_bad_input(client, login_as, data, status, message):
    login_as("secretariat")
    token = _token(client, "/convention/avenants/2")
    before = _counts()
    resp = client.post("/convention/avenants/2/modifications", data={"csrf_token": token, **data})
    assert resp.status_code == status and message in resp.get_data(as_text=True)
    assert _counts() == before


def test_change_form_adds_and_removes_changes(client, login_as):
    login_as("secretariat")
    token = _token(client, "/convention/avenants/2")
    ok = client.post("/convention/avenants/2/modifications", data={
        "csrf_token": token, "op": "insert", "after": "spel", "number": "6 bis", "title": "Mobilité",
        "body": "Les parties soutiennent la mobilité vers l'emploi."})
    assert ok.status_code == 303
    html = client.get("/convention/versions/3").get_data(as_text=True)
    assert "Article 6 bis — Mobilité" in html
    change = _db.session.execute(select(AgreementChange).filter_by(number="6 bis")).scalar_one()
    removed = client.post(f"/convention/avenants/2/modifications/{change.id}/supprimer", data={"csrf_token": token})
    assert removed.status_code == 303 and _counts()[0] == 5


def test_changes_to_an_open_amendment_are_refused_over_http(client, login_as):
    login_as("secretariat")
    token = _token(client, "/convention/avenants/1")
    before = _counts()
    resp = client.post("/convention/avenants/1/modifications", data={
        "csrf_token": token, "op": "modify", "article": "objet", "body": "Nouveau texte."})
    assert resp.status_code == 409 and "en signature : elle ne peut plus être modifiée" in resp.get_data(as_text=True)
    change = _db.session.execute(select(AgreementChange).limit(1)).scalar_one()
    delete = client.post(f"/convention/avenants/1/modifications/{change.id}/supprimer", data={"csrf_token": token})
    assert delete.status_code == 409
    reopen = client.post("/convention/versions/3/signature", data={"csrf_token": token})
    assert reopen.status_code == 409 and "n&#39;est pas encore en vigueur" in reopen.get_data(as_text=True)
    assert _counts() == before


def test_annex_form(client, login_as):
    login_as("secretariat")
    token = _token(client)
    wrong = client.post("/convention/annexes", data={"csrf_token": token, "title": "Carte",
                                                      "document": (io.BytesIO(PNG), "carte.pdf")},
                        content_type="multipart/form-data")
    assert wrong.status_code == 422 and "n&#39;est pas un PDF" in wrong.get_data(as_text=True)
    missing = client.post("/convention/annexes", data={"csrf_token": token, "title": "Carte"},
                          content_type="multipart/form-data")
    assert missing.status_code == 422 and "Choisissez un fichier." in missing.get_data(as_text=True)
    untitled = client.post("/convention/annexes", data={"csrf_token": token, "title": "",
                                                         "document": (io.BytesIO(PNG), "carte.png")},
                           content_type="multipart/form-data")
    assert untitled.status_code == 422 and "intitulé de l&#39;annexe est obligatoire" in untitled.get_data(as_text=True)
    assert _db.session.execute(select(func.count(AgreementFile.id))).scalar_one() == 1
    ok = client.post("/convention/annexes", data={"csrf_token": token, "title": "Carte des cités",
                                                   "document": (io.BytesIO(PNG), "carte des cités.png")},
                     content_type="multipart/form-data")
    assert ok.status_code == 303
    stored = _db.session.execute(select(AgreementFile).filter_by(title="Carte des cités")).scalar_one()
    login_as("observer")
    download = client.get(f"/convention/fichiers/{stored.id}")
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''carte%20des%20cit%C3%A9s.png" in download.headers["Content-Disposition"]


def test_signed_copy_form_and_verification(client, login_as):
    login_as("secretariat")
    token = _token(client, "/convention/versions/1")
    wrong = client.post("/convention/versions/1/exemplaire-signe", data={
        "csrf_token": token, "document": (io.BytesIO(b"pas un pdf"), "scan.pdf")}, content_type="multipart/form-data")
    assert wrong.status_code == 422 and "n&#39;est pas un PDF" in wrong.get_data(as_text=True)
    draft = client.post("/convention/versions/3/exemplaire-signe", data={
        "csrf_token": token, "document": (io.BytesIO(demo_pdf("x")), "scan.pdf")}, content_type="multipart/form-data")
    assert draft.status_code == 422 and "ouverte à la signature" in draft.get_data(as_text=True)
    pdf = demo_pdf("Convention signee 2017")
    ok = client.post("/convention/versions/1/exemplaire-signe", data={
        "csrf_token": token, "document": (io.BytesIO(pdf), "convention-2017-signée.pdf")},
        content_type="multipart/form-data")
    assert ok.status_code == 303
    login_as("partner")
    token = _token(client, "/validations/verifier")
    check = client.post("/validations/verifier", data={"csrf_token": token,
                                                        "document": (io.BytesIO(pdf), "copie.pdf")},
                        content_type="multipart/form-data")
    html = check.get_data(as_text=True)
    assert "Exemplaire signé numérisé" in html and "Version 1 (texte initial)" in html


def test_a_signatory_signs_the_open_amendment(client, login_as):
    login_as("signatory")
    round_ = _db.session.execute(select(SignoffRound).filter_by(state=RoundState.OPEN, subject_type="agreement_version")).scalar_one()
    page = client.get(f"/validations/{round_.id}").get_data(as_text=True)
    assert "Votre décision" in page and "version de la convention" in page.lower()
    resp = client.post(f"/validations/{round_.id}/decision", data={"csrf_token": csrf_from(page),
                                                                   "decision": "approved"})
    assert resp.status_code == 303
    _db.session.expire_all()
    assert sum(p.decision == Decision.APPROVED for p in _db.session.get(SignoffRound, round_.id).parties) == 4
    assert _db.session.execute(select(AgreementVersion).filter_by(number=2)).scalar_one().state == VersionState.SIGNING

