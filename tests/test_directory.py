"""Administration screens: organisations, accounts, grants (HTTP level)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from erbm_portal.accounts.models import Grant, Role, User
from erbm_portal.audit.models import AuditEvent
from erbm_portal.directory.models import Committee, Organisation, OrgKind, Spel
from erbm_portal.extensions import db

from . import factories
from .conftest import csrf_from

HX = {"HX-Request": "true"}
OSARTIS = "Communauté de communes Osartis-Marquion"
PARTNER_EMAIL = "partenaire@erbm-demo.fr"


# --- helpers -----------------------------------------------------------------------

@pytest.fixture
def admin(login_as, client):
    """Signed in as the demo administrator; returns a CSRF token for the session."""
    login_as("admin")
    return csrf_from(client.get("/mon-compte").get_data(as_text=True))


def body(resp) -> str:
    return resp.get_data(as_text=True)


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def org_named(name: str) -> Organisation:
    db.session.expire_all()
    return db.session.execute(select(Organisation).where(Organisation.name == name)).scalar_one()


def user_by_email(email: str) -> User:
    db.session.expire_all()
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def spel_id(slug: str) -> int:
    return db.session.execute(select(Spel.id).where(Spel.slug == slug)).scalar_one()


def committee_id(slug: str) -> int:
    return db.session.execute(select(Committee.id).where(Committee.slug == slug)).scalar_one()


def sign_in(client, email: str, password: str):
    token = csrf_from(client.get("/connexion").get_data(as_text=True))
    resp = client.post("/connexion", data={"email": email, "password": password, "csrf_token": token})
    assert resp.status_code == 303, body(resp)


def assert_fragment(resp):
    text = body(resp)
    assert "<html" not in text and "<body" not in text
    return text


def assert_page(resp):
    text = body(resp)
    assert "<html" in text
    return text


def org_payload(org: Organisation | None = None, **over) -> dict:
    data = {"name": "Maison de l'emploi de l'Artois", "short_name": "MDE Artois", "kind": "partenaire",
            "subtype": "spe", "spel_id": str(spel_id("bethune")), "is_agreement_party": ""}
    if org is not None:
        data = {"name": org.name, "short_name": org.short_name, "kind": org.kind.value, "subtype": org.subtype or "",
                "spel_id": str(org.spel_id or ""), "version": str(org.version)}
        if org.is_agreement_party:
            data["is_agreement_party"] = "y"
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def user_payload(user: User | None = None, **over) -> dict:
    if user is None:
        data = {"full_name": "Zoé Delcourt", "email": "zoe.delcourt@exemple.fr", "job_title": "Chargée de mission",
                "organisation_id": str(org_named(OSARTIS).id), "password": "un-mot-de-passe-solide"}
    else:
        data = {"full_name": user.full_name, "email": user.email, "job_title": user.job_title,
                "organisation_id": str(user.organisation_id), "version": str(user.version)}
    data.update(over)
    return data


# --- Organisations: list -------------------------------------------------------------

def test_organisation_list_shows_kind_attachment_and_filters(client, admin):
    text = assert_page(client.get("/admin/organisations"))
    assert OSARTIS in text and "SPEL de Douai" in text and "Intercommunalité (EPCI)" in text
    assert "Bailleur social" in text and 'class="fr-table' in text and "<caption>" in text
    # Main navigation: both admin entries, the current one marked.
    assert 'href="/admin/organisations" aria-current="page">Organisations</a>' in text
    assert 'href="/admin/utilisateurs">Utilisateurs</a>' in text

    frag = assert_fragment(client.get("/admin/organisations?kind=epci", headers=HX))
    assert 'id="org-results"' in frag
    assert OSARTIS in frag and "Région Hauts-de-France" not in frag
    assert client.get("/admin/organisations?kind=nimporte").status_code == 422


# --- Organisations: create -------------------------------------------------------------

def test_create_organisation(client, admin):
    resp = client.post("/admin/organisations/nouvelle", data={**org_payload(), "csrf_token": admin})
    assert resp.status_code == 303
    org = org_named("Maison de l'emploi de l'Artois")
    assert resp.headers["Location"].endswith(f"/admin/organisations#org-{org.id}")
    assert org.kind == OrgKind.PARTENAIRE and org.subtype == "spe" and org.spel.slug == "bethune"
    assert "organisation.created" in audit_actions()


@pytest.mark.parametrize("over, message", [
    ({"name": ""}, "Ce champ est obligatoire."),
    ({"name": "x" * 201}, "200 caractères au maximum."),
    ({"short_name": "x" * 61}, "60 caractères au maximum."),
    ({"kind": "ministere"}, "Catégorie inconnue."),
    ({"subtype": "inconnu"}, "Type de partenaire inconnu."),
    ({"kind": "epci", "subtype": "plie"}, "Seuls les partenaires locaux ont un type de partenaire."),
    ({"name": OSARTIS.upper()}, "Une organisation porte déjà ce nom."),
    ({"spel_id": "999999"}, "Arrondissement inconnu."),
    ({"spel_id": "abc"}, "Arrondissement inconnu."),
])
def test_create_organisation_refuses_bad_input(client, admin, over, message):
    before, events = count(Organisation), len(audit_actions())
    resp = client.post("/admin/organisations/nouvelle", data={**org_payload(**over), "csrf_token": admin})
    assert resp.status_code == 422
    text = body(resp)
    assert message.replace("'", "&#39;") in text or message in text
    assert 'class="fr-error-text"' in text or "fr-alert--error" in text
    assert count(Organisation) == before
    assert len(audit_actions()) == events


# --- Organisations: inline edit ----------------------------------------------------------

def test_edit_organisation_inline_fragment_and_full_page(client, admin):
    org = org_named(OSARTIS)
    url = f"/admin/organisations/{org.id}/modifier"
    frag = assert_fragment(client.get(url, headers=HX))
    assert frag.lstrip().startswith(f'<tr id="org-{org.id}"')
    assert "hx-post" in frag and "data-erbm-escape" in frag and "data-erbm-cancel" in frag
    assert re.search(r'<input[^>]*data-erbm-focus[^>]*id="org\d+-name"|<input[^>]*id="org\d+-name"[^>]*data-erbm-focus', frag)
    assert f'<label class="fr-label" for="org{org.id}-name">' in frag
    page = assert_page(client.get(url))
    assert "<h1" in page and "hx-post" not in page.split("<h1", 1)[1] and "<tr" not in page.split("<h1", 1)[1]


def test_edit_organisation_moves_epci_to_another_spel_htmx(client, admin):
    org = org_named(OSARTIS)
    assert org.spel.slug == "douai"
    resp = client.post(f"/admin/organisations/{org.id}/modifier", headers=HX,
                       data={**org_payload(org, spel_id=str(spel_id("lens"))), "csrf_token": admin})
    assert resp.status_code == 200
    frag = assert_fragment(resp)
    assert frag.lstrip().startswith(f'<tr id="org-{org.id}"') and "SPEL de Lens" in frag
    assert "data-erbm-announce" in frag
    assert re.search(r'href="/admin/organisations/\d+/modifier"[^>]*data-erbm-focus', frag)
    assert org_named(OSARTIS).spel.slug == "lens"
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "organisation.updated")).scalar_one()
    assert ev.object_id == org.id and "spel_id" in ev.details["changed"]


def test_edit_organisation_plain_post_redirects(client, admin):
    org = org_named(OSARTIS)
    resp = client.post(f"/admin/organisations/{org.id}/modifier",
                       data={**org_payload(org, short_name="Osartis"), "csrf_token": admin})
    assert resp.status_code == 303
    assert org_named(OSARTIS).short_name == "Osartis"


def test_edit_organisation_can_detach_from_any_spel(client, admin):
    org = org_named(OSARTIS)
    page = body(client.get(f"/admin/organisations/{org.id}/modifier"))
    assert '<option value="">— Aucun —</option>' in page
    resp = client.post(f"/admin/organisations/{org.id}/modifier", data={**org_payload(org, spel_id=""), "csrf_token": admin})
    assert resp.status_code == 303
    assert org_named(OSARTIS).spel_id is None
    assert '<option selected value="">— Aucun —</option>' in body(client.get(f"/admin/organisations/{org.id}/modifier"))


@pytest.mark.parametrize("over", [
    {"name": ""}, {"name": "y" * 201}, {"name": "Région Hauts-de-France"}, {"spel_id": "424242"},
    {"kind": "bidule"}, {"version": ""},
])
def test_edit_organisation_refuses_bad_input(client, admin, over):
    org = org_named(OSARTIS)
    snapshot = (org.name, org.spel_id, org.kind, org.version)
    events = len(audit_actions())
    resp = client.post(f"/admin/organisations/{org.id}/modifier", headers=HX,
                       data={**org_payload(org, **over), "csrf_token": admin})
    assert resp.status_code == 422
    frag = assert_fragment(resp)
    assert frag.lstrip().startswith(f'<tr id="org-{org.id}"') and "hx-post" in frag
    fresh = org_named(OSARTIS)
    assert (fresh.name, fresh.spel_id, fresh.kind, fresh.version) == snapshot
    assert len(audit_actions()) == events


def test_stale_organisation_edit_is_refused_with_current_values(client, admin):
    org = org_named(OSARTIS)
    stale = org_payload(org, spel_id=str(spel_id("lens")))
    # Someone else saves first.
    from erbm_portal.directory import services
    services.update_organisation(org, expected_version=org.version, name=org.name, short_name="CC Osartis (nouveau)",
                                 kind=org.kind, subtype=None, spel=org.spel, is_agreement_party=True)
    db.session.commit()
    for headers in (HX, {}):
        resp = client.post(f"/admin/organisations/{org.id}/modifier", headers=headers, data={**stale, "csrf_token": admin})
        assert resp.status_code == 409
        text = body(resp)
        assert "Quelqu&#39;un a enregistré une modification entre-temps" in text
        assert "CC Osartis (nouveau)" in text  # current values shown
        assert f'value="{org_named(OSARTIS).version}"' in text  # and the current version, to save again
    fresh = org_named(OSARTIS)
    assert fresh.spel.slug == "douai" and fresh.short_name == "CC Osartis (nouveau)"


def test_concurrent_save_between_check_and_update_is_a_409(client, admin, monkeypatch):
    """The version check passes, then someone else's UPDATE lands before ours: still a 409."""
    from sqlalchemy import text

    from erbm_portal.directory import services
    real = services.update_organisation

    def racing(org, **kw):
        db.session.execute(text("UPDATE organisation SET version = version + 1, short_name = 'Concurrent' "
                                "WHERE id = :id"), {"id": org.id})
        return real(org, **kw)

    monkeypatch.setattr(services, "update_organisation", racing)
    org = org_named(OSARTIS)
    resp = client.post(f"/admin/organisations/{org.id}/modifier", headers=HX,
                       data={**org_payload(org, name="Nom qui ne doit pas rester"), "csrf_token": admin})
    assert resp.status_code == 409
    assert "entre-temps" in assert_fragment(resp)
    assert org_named(OSARTIS).name == OSARTIS


def test_organisation_row_cancel(client, admin):
    org = org_named(OSARTIS)
    frag = assert_fragment(client.get(f"/admin/organisations/{org.id}/ligne", headers=HX))
    assert frag.lstrip().startswith(f'<tr id="org-{org.id}"') and "Modifier" in frag and "data-erbm-focus" in frag
    resp = client.get(f"/admin/organisations/{org.id}/ligne")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"#org-{org.id}")
    assert client.get("/admin/organisations/999999/ligne", headers=HX).status_code == 404


def test_deactivate_and_reactivate_organisation(client, admin):
    org = org_named(OSARTIS)
    resp = client.post(f"/admin/organisations/{org.id}/activation", headers=HX,
                       data={"version": org.version, "active": "0", "csrf_token": admin})
    assert resp.status_code == 200
    frag = assert_fragment(resp)
    assert "Inactive" in frag and "Réactiver" in frag and "data-erbm-announce" in frag
    org = org_named(OSARTIS)
    assert not org.active
    # A stale toggle (old version) is refused.
    resp = client.post(f"/admin/organisations/{org.id}/activation", headers=HX,
                       data={"version": org.version - 1, "active": "1", "csrf_token": admin})
    assert resp.status_code == 409 and not org_named(OSARTIS).active
    resp = client.post(f"/admin/organisations/{org.id}/activation",
                       data={"version": org.version, "active": "1", "csrf_token": admin})
    assert resp.status_code == 303 and org_named(OSARTIS).active
    actions = audit_actions()
    assert "organisation.deactivated" in actions and "organisation.activated" in actions


# --- Users: list -----------------------------------------------------------------------

def test_user_list_shows_roles_and_filters(client, admin):
    text = assert_page(client.get("/admin/utilisateurs"))
    assert "Thomas Lambert" in text and "co-président·e" in text and "Jamais" in text
    lens = org_named("Communauté d'agglomération de Lens-Liévin")
    frag = assert_fragment(client.get(f"/admin/utilisateurs?organisation={lens.id}", headers=HX))
    assert 'id="user-results"' in frag and "Karim Haddad" in frag and "Thomas Lambert" not in frag
    frag = assert_fragment(client.get("/admin/utilisateurs?q=LAMBERT", headers=HX))
    assert "Thomas Lambert" in frag and "Karim Haddad" not in frag
    assert client.get("/admin/utilisateurs?organisation=999999").status_code == 422
    assert client.get("/admin/utilisateurs?q=" + "a" * 121).status_code == 422


# --- Users: create -----------------------------------------------------------------------

def test_create_user_then_they_can_sign_in(app, client, admin):
    resp = client.post("/admin/utilisateurs/nouveau", data={**user_payload(email="Zoe.Delcourt@Exemple.fr"),
                                                              "csrf_token": admin})
    assert resp.status_code == 303
    user = user_by_email("zoe.delcourt@exemple.fr")
    assert resp.headers["Location"].endswith(f"/admin/utilisateurs/{user.id}/droits")
    assert user.organisation.name == OSARTIS and user.job_title == "Chargée de mission"
    assert "user.created" in audit_actions()
    other = app.test_client()
    sign_in(other, "zoe.delcourt@exemple.fr", "un-mot-de-passe-solide")


@pytest.mark.parametrize("over, message", [
    ({"email": "pas-une-adresse"}, "Adresse électronique invalide."),
    ({"email": "SECRETARIAT@erbm-demo.fr"}, "Un compte existe déjà avec cette adresse."),
    ({"email": ""}, "Ce champ est obligatoire."),
    ({"email": "a" * 250 + "@exemple.fr"}, "254 caractères au maximum."),
    ({"full_name": ""}, "Ce champ est obligatoire."),
    ({"full_name": "n" * 121}, "120 caractères au maximum."),
    ({"job_title": "j" * 161}, "160 caractères au maximum."),
    ({"password": "trop-court1"}, "Le mot de passe doit comporter entre 12 et 256 caractères."),
    ({"organisation_id": "999999"}, "Organisation inconnue."),
    ({"organisation_id": "abc"}, "Organisation inconnue."),
    ({"organisation_id": ""}, "Choisissez une organisation."),
])
def test_create_user_refuses_bad_input(client, admin, over, message):
    before, events = count(User), len(audit_actions())
    resp = client.post("/admin/utilisateurs/nouveau", data={**user_payload(**over), "csrf_token": admin})
    assert resp.status_code == 422
    assert message in body(resp)
    assert count(User) == before
    assert len(audit_actions()) == events


def test_new_account_cannot_join_an_inactive_organisation(client, admin):
    org = org_named(OSARTIS)
    org.active = False
    db.session.commit()
    before = count(User)
    resp = client.post("/admin/utilisateurs/nouveau", data={**user_payload(), "csrf_token": admin})
    assert resp.status_code == 422 and "Organisation inconnue." in body(resp)
    assert count(User) == before


# --- Users: edit -------------------------------------------------------------------------

def test_edit_user_inline(client, admin):
    user = user_by_email("membre.lens@erbm-demo.fr")
    url = f"/admin/utilisateurs/{user.id}/modifier"
    frag = assert_fragment(client.get(url, headers=HX))
    assert frag.lstrip().startswith(f'<tr id="user-{user.id}"') and "data-erbm-focus" in frag
    assert_page(client.get(url))
    resp = client.post(url, headers=HX, data={**user_payload(user, job_title="Chef de projet emploi"),
                                             "csrf_token": admin})
    assert resp.status_code == 200
    frag = assert_fragment(resp)
    assert "Chef de projet emploi" in frag and "data-erbm-announce" in frag
    assert user_by_email("membre.lens@erbm-demo.fr").job_title == "Chef de projet emploi"
    assert "user.updated" in audit_actions()


@pytest.mark.parametrize("over, message", [
    ({"email": "invalide@"}, "Adresse électronique invalide."),
    ({"email": "admin@erbm-demo.fr"}, "Un compte existe déjà avec cette adresse."),
    ({"full_name": "z" * 121}, "120 caractères au maximum."),
    ({"organisation_id": "999999"}, "Organisation inconnue."),
])
def test_edit_user_refuses_bad_input(client, admin, over, message):
    user = user_by_email("membre.lens@erbm-demo.fr")
    snapshot = (user.email, user.full_name, user.organisation_id, user.version)
    events = len(audit_actions())
    resp = client.post(f"/admin/utilisateurs/{user.id}/modifier", headers=HX,
                       data={**user_payload(user, **over), "csrf_token": admin})
    assert resp.status_code == 422
    assert message in assert_fragment(resp)
    fresh = user_by_email("membre.lens@erbm-demo.fr")
    assert (fresh.email, fresh.full_name, fresh.organisation_id, fresh.version) == snapshot
    assert len(audit_actions()) == events


def test_moving_a_signatory_to_another_organisation_ends_their_signature_right(client, admin):
    user = user_by_email("signataire.lens-lievin@erbm-demo.fr")
    assert [g.role for g in user.grants] == [Role.SIGNATORY]
    version = user.session_version
    resp = client.post(f"/admin/utilisateurs/{user.id}/modifier",
                       data={**user_payload(user, organisation_id=str(org_named(OSARTIS).id)), "csrf_token": admin})
    assert resp.status_code == 303
    user = user_by_email("signataire.lens-lievin@erbm-demo.fr")
    assert user.organisation.name == OSARTIS and user.grants == []
    assert user.session_version == version + 1
    actions = audit_actions()
    assert "grant.revoked" in actions and "auth.sessions_ended" in actions and "user.updated" in actions


def test_stale_user_edit_is_refused(client, admin):
    user = user_by_email("membre.lens@erbm-demo.fr")
    stale = user_payload(user, full_name="Nom perdu")
    from erbm_portal.accounts import services
    services.update_user(user, expected_version=user.version, email=user.email, full_name="Karim Haddad-Nouveau",
                         job_title=user.job_title, organisation=user.organisation)
    db.session.commit()
    resp = client.post(f"/admin/utilisateurs/{user.id}/modifier", headers=HX, data={**stale, "csrf_token": admin})
    assert resp.status_code == 409
    text = assert_fragment(resp)
    assert "entre-temps" in text and "Karim Haddad-Nouveau" in text
    assert user_by_email("membre.lens@erbm-demo.fr").full_name == "Karim Haddad-Nouveau"


# --- Users: deactivation -------------------------------------------------------------------

def test_deactivating_a_user_ends_their_open_session(app, client, admin):
    partner_client = app.test_client()
    sign_in(partner_client, PARTNER_EMAIL, app.config["DEMO_PASSWORD"])
    assert partner_client.get("/").status_code == 200

    user = user_by_email(PARTNER_EMAIL)
    resp = client.post(f"/admin/utilisateurs/{user.id}/activation", headers=HX,
                       data={"version": user.version, "active": "0", "csrf_token": admin})
    assert resp.status_code == 200
    assert "Désactivé" in assert_fragment(resp)
    resp = partner_client.get("/")
    assert resp.status_code == 303 and "/connexion" in resp.headers["Location"]
    actions = audit_actions()
    assert "user.deactivated" in actions and "auth.sessions_ended" in actions
    # And they cannot sign in again until reactivated.
    token = csrf_from(partner_client.get("/connexion").get_data(as_text=True))
    resp = partner_client.post("/connexion", data={"email": PARTNER_EMAIL, "password": app.config["DEMO_PASSWORD"],
                                                    "csrf_token": token})
    assert resp.status_code == 422

    user = user_by_email(PARTNER_EMAIL)
    resp = client.post(f"/admin/utilisateurs/{user.id}/activation",
                       data={"version": user.version, "active": "1", "csrf_token": admin})
    assert resp.status_code == 303 and user_by_email(PARTNER_EMAIL).active
    assert "user.activated" in audit_actions()


def test_admin_cannot_deactivate_themselves(client, admin):
    me = user_by_email("admin@erbm-demo.fr")
    resp = client.post(f"/admin/utilisateurs/{me.id}/activation", headers=HX,
                       data={"version": me.version, "active": "0", "csrf_token": admin})
    assert resp.status_code == 422
    assert "propre compte" in body(resp)
    assert user_by_email("admin@erbm-demo.fr").active


def test_stale_user_toggle_is_refused(client, admin):
    user = user_by_email(PARTNER_EMAIL)
    resp = client.post(f"/admin/utilisateurs/{user.id}/activation",
                       data={"version": user.version + 5, "active": "0", "csrf_token": admin})
    assert resp.status_code == 409
    assert "entre-temps" in assert_page(resp)
    assert user_by_email(PARTNER_EMAIL).active


def test_user_row_cancel(client, admin):
    user = user_by_email(PARTNER_EMAIL)
    frag = assert_fragment(client.get(f"/admin/utilisateurs/{user.id}/ligne", headers=HX))
    assert frag.lstrip().startswith(f'<tr id="user-{user.id}"')
    assert client.get(f"/admin/utilisateurs/{user.id}/ligne").status_code == 303


# --- Grants ----------------------------------------------------------------------------

def grants_url(user: User) -> str:
    return f"/admin/utilisateurs/{user.id}/droits"


def test_grants_page_lists_roles_in_french_with_scope_names(client, admin):
    user = user_by_email("membre.lens@erbm-demo.fr")
    text = assert_page(client.get(grants_url(user)))
    assert "Membre" in text and "Comité du SPEL de Lens" in text and "En vigueur" in text
    co_chair = user_by_email("sous-prefet.lens@erbm-demo.fr")
    text = body(client.get(grants_url(co_chair)))
    assert "Co-président·e" in text and "SPEL de Lens" in text


def test_role_change_returns_scope_choices_that_fit(client, admin):
    user = user_by_email(PARTNER_EMAIL)
    frag = assert_fragment(client.get(grants_url(user) + "?role=co_chair", headers=HX))
    assert frag.lstrip().startswith('<form id="grant-form"')
    assert f'value="spel:{spel_id("lens")}"' in frag and "committee:" not in frag
    frag = body(client.get(grants_url(user) + "?role=member", headers=HX))
    assert f'value="committee:{committee_id("copil")}"' in frag and "spel:" not in frag
    frag = body(client.get(grants_url(user) + "?role=signatory", headers=HX))
    scope_select = re.search(r'<select[^>]*name="scope".*?</select>', frag, re.S).group(0)
    assert f'value="organisation:{user.organisation_id}"' in scope_select and scope_select.count("<option") == 1
    frag = body(client.get(grants_url(user) + "?role=admin", headers=HX))
    assert "Aucun (plateforme ou programme)" in frag and "spel:" not in frag


def test_add_grant_gives_rights_and_is_audited(app, client, admin):
    user = user_by_email(PARTNER_EMAIL)
    resp = client.post(grants_url(user), headers=HX, data={"role": "co_chair", "scope": f"spel:{spel_id('douai')}",
                                                           "valid_from": "2024-01-01", "is_deputy": "y",
                                                           "csrf_token": admin})
    assert resp.status_code == 200
    frag = assert_fragment(resp)
    assert frag.lstrip().startswith('<div id="grants-panel"') and "SPEL de Douai" in frag
    assert "data-erbm-announce" in frag and "data-erbm-focus" in frag
    grant = db.session.execute(select(Grant).where(Grant.user_id == user.id)).scalar_one()
    assert grant.role == Role.CO_CHAIR and grant.scope_id == spel_id("douai") and grant.is_deputy
    assert "grant.added" in audit_actions()

    # A platform role through a plain request: the person can then open the admin pages.
    resp = client.post(grants_url(user), data={"role": "admin", "scope": "", "csrf_token": admin})
    assert resp.status_code == 303
    other = app.test_client()
    sign_in(other, PARTNER_EMAIL, app.config["DEMO_PASSWORD"])
    assert other.get("/admin/organisations").status_code == 200


def test_expired_grant_gives_no_rights(app, client, admin):
    user = user_by_email(PARTNER_EMAIL)
    yesterday = date.today() - timedelta(days=1)
    resp = client.post(grants_url(user), data={
        "role": "admin", "scope": "", "valid_from": (yesterday - timedelta(days=30)).isoformat(),
        "valid_to": yesterday.isoformat(), "csrf_token": admin})
    assert resp.status_code == 303
    assert "Échu" in body(client.get(grants_url(user)))
    other = app.test_client()
    sign_in(other, PARTNER_EMAIL, app.config["DEMO_PASSWORD"])
    assert other.get("/admin/organisations").status_code == 403
    # Nor does a grant that only starts tomorrow.
    resp = client.post(grants_url(user), data={
        "role": "secretariat", "scope": "", "valid_from": (date.today() + timedelta(days=1)).isoformat(),
        "csrf_token": admin})
    assert resp.status_code == 303
    assert other.get("/audit/").status_code == 403


@pytest.mark.parametrize("data, message", [
    ({"role": ""}, "Choisissez un rôle."),
    ({"role": "partner"}, "Rôle inconnu."),
    ({"role": "chef"}, "Rôle inconnu."),
    ({"role": "co_chair", "scope": ""}, "Choisissez le périmètre de ce rôle."),
    ({"role": "co_chair", "scope": "committee:{copil}"}, "Ce rôle s&#39;exerce sur un SPEL"),
    ({"role": "co_chair", "scope": "spel:999999"}, "Périmètre inconnu."),
    ({"role": "co_chair", "scope": "spel:abc"}, "Périmètre inconnu."),
    ({"role": "member", "scope": "spel:{lens}"}, "Ce rôle s&#39;exerce sur un comité"),
    ({"role": "member", "scope": "committee:999999"}, "Périmètre inconnu."),
    ({"role": "signatory", "scope": "organisation:{other_org}"}, "Un·e signataire ne signe que pour sa propre organisation."),
    ({"role": "admin", "scope": "spel:{lens}"}, "Ce rôle ne prend pas de périmètre"),
    ({"role": "observer", "valid_from": "2025-06-01", "valid_to": "2025-01-01"}, "La fin de validité précède le début."),
    ({"role": "observer", "valid_from": "31/02/2025"}, "Date invalide"),
    ({"role": "observer", "note": "n" * 201}, "200 caractères au maximum."),
])
def test_add_grant_refuses_bad_input(client, admin, data, message):
    user = user_by_email(PARTNER_EMAIL)
    ids = {"copil": committee_id("copil"), "lens": spel_id("lens"), "other_org": org_named(OSARTIS).id}
    data = {k: v.format(**ids) for k, v in data.items()}
    before, events = count(Grant), len(audit_actions())
    resp = client.post(grants_url(user), headers=HX, data={**data, "csrf_token": admin})
    assert resp.status_code == 422
    assert message in assert_fragment(resp)
    assert count(Grant) == before
    assert len(audit_actions()) == events
    resp = client.post(grants_url(user), data={**data, "csrf_token": admin})
    assert resp.status_code == 422 and message in assert_page(resp)
    assert count(Grant) == before


def test_signatory_grant_for_own_organisation(client, admin):
    user = user_by_email(PARTNER_EMAIL)
    resp = client.post(grants_url(user), data={"role": "signatory", "scope": f"organisation:{user.organisation_id}",
                                               "csrf_token": admin})
    assert resp.status_code == 303
    grant = db.session.execute(select(Grant).where(Grant.user_id == user.id)).scalar_one()
    assert grant.role == Role.SIGNATORY and grant.scope_id == user.organisation_id
    assert "Bailleur social des cités minières (démo)" in body(client.get(grants_url(user)))


def test_revoke_grant(app, client, admin):
    user = user_by_email("membre.lens@erbm-demo.fr")
    grant_id = user.grants[0].id
    resp = client.post(f"/admin/droits/{grant_id}/revoquer", headers=HX, data={"csrf_token": admin})
    assert resp.status_code == 200
    frag = assert_fragment(resp)
    assert frag.lstrip().startswith('<div id="grants-panel"') and "Aucun droit particulier" in frag
    assert count(Grant, Grant.user_id == user.id) == 0
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "grant.revoked")).scalar_one()
    assert ev.object_id == grant_id and ev.details["user_id"] == user.id
    assert client.post(f"/admin/droits/{grant_id}/revoquer", data={"csrf_token": admin}).status_code == 404


def test_revoke_grant_plain_request_redirects(client, admin):
    user = user_by_email("membre.lens@erbm-demo.fr")
    resp = client.post(f"/admin/droits/{user.grants[0].id}/revoquer", data={"csrf_token": admin})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(grants_url(user))


def test_admin_cannot_revoke_their_own_admin_grant(client, admin):
    me = user_by_email("admin@erbm-demo.fr")
    grant = next(g for g in me.grants if g.role == Role.ADMIN)
    events = len(audit_actions())
    resp = client.post(f"/admin/droits/{grant.id}/revoquer", headers=HX, data={"csrf_token": admin})
    assert resp.status_code == 422 and "propre rôle d&#39;administrateur" in body(resp)
    assert count(Grant, Grant.id == grant.id) == 1
    assert len(audit_actions()) == events


def test_admin_pages_refuse_other_roles(client, login_as):
    login_as("secretariat")
    dashboard = body(client.get("/"))
    assert 'href="/admin/utilisateurs"' not in dashboard and 'href="/admin/organisations"' not in dashboard
    assert client.get("/admin/utilisateurs").status_code == 403
    assert client.get("/admin/organisations").status_code == 403


# --- Query counts ----------------------------------------------------------------------

def _extra_users(n: int, org: Organisation) -> None:
    for i in range(n):
        factories.user(org, role=Role.MEMBER if i % 2 else None, scope_id=committee_id("copil") if i % 2 else None)


def _extra_orgs(n: int) -> None:
    for _ in range(n):
        factories.organisation(spel=db.session.get(Spel, spel_id("lens")))


def _queries(client, assert_max_queries, path: str) -> int:
    client.get(path)  # warm-up (session, CSRF)
    with assert_max_queries(12) as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_user_and_organisation_lists_use_constant_queries(client, admin, assert_max_queries):
    org = org_named("Mission d'observation du bassin minier (démo)")
    _extra_users(5, org)
    _extra_orgs(5)
    few_users = _queries(client, assert_max_queries, "/admin/utilisateurs")
    few_orgs = _queries(client, assert_max_queries, "/admin/organisations")
    _extra_users(55, org)
    _extra_orgs(55)
    assert count(User) > 60 and count(Organisation) > 60
    assert _queries(client, assert_max_queries, "/admin/utilisateurs") == few_users
    assert _queries(client, assert_max_queries, "/admin/organisations") == few_orgs
    many = assert_fragment(client.get(f"/admin/utilisateurs?organisation={org.id}", headers=HX))
    assert many.count('<tr id="user-') == 50  # first page of 50


def test_grants_page_uses_constant_queries(client, admin, assert_max_queries):
    user = user_by_email(PARTNER_EMAIL)
    few = _queries(client, assert_max_queries, grants_url(user))
    from erbm_portal.accounts import services
    user = user_by_email(PARTNER_EMAIL)
    scopes = [(Role.MEMBER, committee_id(slug)) for slug in ("copil", "spel-lens", "spel-douai")]
    scopes += [(Role.CO_CHAIR, spel_id("lens")), (Role.SIGNATORY, user.organisation_id)]
    for role, scope_id in scopes:
        services.add_grant(user, role=role, scope_id=scope_id, valid_from=None, valid_to=None)
    db.session.commit()
    assert _queries(client, assert_max_queries, grants_url(user)) == few


@pytest.mark.parametrize("data", [{}, {"active": "0"}, {"version": "1", "active": "peut-être"}, {"version": "x", "active": "0"}])
def test_toggles_refuse_malformed_requests(client, admin, data):
    org, user = org_named(OSARTIS), user_by_email(PARTNER_EMAIL)
    events = len(audit_actions())
    for url in (f"/admin/organisations/{org.id}/activation", f"/admin/utilisateurs/{user.id}/activation"):
        resp = client.post(url, headers=HX, data={**data, "csrf_token": admin})
        assert resp.status_code == 422 and "Demande invalide" in assert_fragment(resp)
    assert org_named(OSARTIS).active and user_by_email(PARTNER_EMAIL).active
    assert len(audit_actions()) == events
