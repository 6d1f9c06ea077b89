"""Search: French, accent-insensitive, filtered by the access policy in SQL, safe on any input.

Runs on SQLite (FTS5) and, with DATABASE_URL, on PostgreSQL (tsvector).
"""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from erbm_portal.accounts.services import find_user_by_email
from erbm_portal.directory.access import committee_access
from erbm_portal.directory.models import Committee
from erbm_portal.extensions import db as _db
from erbm_portal.search import query as q
from erbm_portal.search.models import Audience, SearchDocument
from erbm_portal.search.services import highlight_markup, index_document, remove_document, search
from erbm_portal.search.visibility import visibility_clause
from erbm_portal.web.principal import Principal

from .conftest import DEMO_LOGINS

_ids = itertools.count(1)


@pytest.fixture
def indexed_demo(demo):
    """The demo as seeded, its search index included (built by the domains and the seed's reindex)."""
    return demo


@pytest.fixture(autouse=True)
def _empty_index(request):
    """The index tests below start from the demo's people and committees with an empty index."""
    if "demo" in request.fixturenames and "indexed_demo" not in request.fixturenames:
        request.getfixturevalue("demo")
        _db.session.execute(SearchDocument.__table__.delete())
        _db.session.commit()


def committee(slug: str) -> Committee:
    return _db.session.execute(select(Committee).filter_by(slug=slug)).scalar_one()


def principal(role: str) -> Principal:
    return Principal.for_user(find_user_by_email(DEMO_LOGINS.get(role, role)))


def doc(title, body="", *, slug=None, audience=Audience.PUBLISHED, doc_type="minutes", org=None, parent=None):
    doc_id = next(_ids)
    return index_document(doc_type, doc_id, title=title, body=body, url=f"/test/{doc_type}/{doc_id}",
                          audience=audience, committee_id=committee(slug).id if slug else None,
                          organisation_id=org, parent_key=parent)


def titles(role, text, **kw):
    return [str(h.title).replace("<mark>", "").replace("</mark>", "") for h in search(principal(role), text, **kw).hits]


# --- Query parsing (pure) ---------------------------------------------------

def test_parse_keeps_plain_words_only():
    parsed = q.parse('"rénovation" AND (logement* OR NEAR(x y)) -- ; DROP TABLE x; \' : & | ! <-> ^ ')
    assert parsed.terms == ("rénovation", "and", "logement", "or", "near", "drop", "table")
    assert q.fts5_match(q.parse("Rénovation logements")) == '"rénovation"* "logements"*'
    assert q.pg_tsquery(q.parse("Rénovation logements")) == "rénovation:* & logements:*"


def test_parse_drops_stop_words_and_limits_length():
    assert q.parse("la rénovation des cités").terms == ("rénovation", "cités")
    assert q.parse("").is_empty and q.parse(None).is_empty and q.parse("  * \" ' ").is_empty
    long = q.parse("mot " * 500)
    assert long.terms == ("mot",) and long.truncated
    many = q.parse(" ".join(f"mot{i}" for i in range(30)))
    assert len(many.terms) == q.MAX_TERMS and many.truncated


def test_highlight_escapes_before_marking():
    html = highlight_markup("<script>alert(1)</script> \ue000rénovation\ue001")
    assert str(html) == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>rénovation</mark>"
    assert "<mark>" not in str(highlight_markup("coupé \ue000rénov"))


# --- Matching ---------------------------------------------------------------

def test_accent_and_case_insensitive(demo):
    doc("Rénovation énergétique des logements miniers", "Le chantier de la cité Bruno à Dourges.", slug="copil")
    doc("Insertion professionnelle", "Clauses d'insertion dans les marchés.", slug="copil")
    _db.session.commit()
    for text in ("renovation", "RÉNOVATION", "rénov", "renov energetique", "Énergétique logements"):
        assert titles("partner", text) == ["Rénovation énergétique des logements miniers"], text
    assert titles("partner", "dourges") == ["Rénovation énergétique des logements miniers"]
    assert titles("partner", "renovation insertion") == []  # every word must match


def test_title_match_ranks_first_and_snippet_is_highlighted(demo):
    doc("Point divers", "Il est question de rénovation en fin de séance, sans plus.", slug="copil")
    doc("Rénovation des cités minières", "Bilan à mi-parcours.", slug="copil")
    _db.session.commit()
    res = search(principal("partner"), "renovation")
    assert res.total == 2
    assert [h.title.striptags() for h in res.hits] == ["Rénovation des cités minières", "Point divers"]
    assert res.hits[0].rank >= res.hits[1].rank
    assert "<mark>Rénovation</mark>" in str(res.hits[0].title)
    assert "<mark>rénovation</mark>" in str(res.hits[1].snippet)
    assert res.hits[1].type_label == "Relevé de décisions"
    assert res.hits[1].committee_name == "Comité de pilotage de l'ERBM"


def test_markup_in_indexed_text_is_escaped(demo):
    doc("<script>alert('titre')</script> rénovation", "<img src=x onerror=alert(1)> rénovation \ue000x", slug="copil")
    _db.session.commit()
    hit = search(principal("partner"), "renovation").hits[0]
    assert "<script>" not in str(hit.title) and "&lt;script&gt;" in str(hit.title)
    # (PostgreSQL's headline parser may drop tag-like text; whatever remains is escaped.)
    for html in (str(hit.title), str(hit.snippet)):
        assert "<" not in html.replace("<mark>", "").replace("</mark>", "")
    assert str(hit.snippet).count("<mark>") == str(hit.snippet).count("</mark>")


@pytest.mark.parametrize("text", [
    "", "   ", "*", '"', "'", "\"rénovation", "rénovation*", "NOT rénovation", "rénovation OR 1=1",
    "a & b | !c", "rénovation:*", "<-> <2>", "(((", "NEAR(rénovation cités, 2)", "title:rénovation",
    "'; DROP TABLE search_document; --", "%_%", "\\", "\x00rénovation", "rénovation " * 400, "x" * 2000,
    "😀 rénovation", "l'habitat d’après", "^rénovation", "{title}: rénovation", "-rénovation",
])
def test_hostile_queries_do_not_fail(demo, text):
    doc("Rénovation des cités", "Habitat minier, l'habitat d'après.", slug="copil")
    _db.session.commit()
    res = search(principal("partner"), text)
    assert res.total == len(res.hits) <= 1
    if text in FOUND:
        assert res.total == 1, text


FOUND = {'"rénovation', "rénovation*", "rénovation:*", "\x00rénovation", "😀 rénovation", "^rénovation",
         "-rénovation", "rénovation " * 400, "l'habitat d’après"}


# --- Access filter -----------------------------------------------------------

@pytest.fixture
def corpus(demo):
    doc("Brouillon Béthune rénovation", "secret béthune", slug="spel-bethune", audience=Audience.DRAFT)
    doc("Relevé Béthune en relecture rénovation", "relecture béthune", slug="spel-bethune",
        audience=Audience.CIRCULATED)
    doc("Relevé Béthune publié rénovation", "publié béthune", slug="spel-bethune")
    doc("Brouillon Lens rénovation", "secret lens", slug="spel-lens", audience=Audience.DRAFT)
    doc("Relevé Lens en relecture rénovation", "relecture lens", slug="spel-lens", audience=Audience.CIRCULATED)
    doc("Relevé Lens publié rénovation", "publié lens", slug="spel-lens")
    doc("COPIL brouillon rénovation", "secret copil", slug="copil", audience=Audience.DRAFT)
    doc("COPIL publié rénovation", "publié copil", slug="copil")
    doc("Convention en préparation rénovation", "article", audience=Audience.DRAFT, doc_type="agreement_article")
    doc("Convention en vigueur rénovation", "article", doc_type="agreement_article")
    lens_org = find_user_by_email(DEMO_LOGINS["signatory"]).organisation_id
    doc("Action confiée à Lens-Liévin rénovation", "suivi", slug="spel-bethune", audience=Audience.ORGANISATION,
        org=lens_org, doc_type="follow_up_action")
    _db.session.commit()


EXPECTED = {
    "co_chair": {"Brouillon Lens", "Relevé Lens en relecture", "Relevé Lens publié", "COPIL publié",
                 "Convention en vigueur"},
    "co_chair_bethune": {"Brouillon Béthune", "Relevé Béthune en relecture", "Relevé Béthune publié",
                         "COPIL publié", "Convention en vigueur", "Action confiée à Lens-Liévin"},
    # The Lens member works for CA de Lens-Liévin: the action assigned to it concerns them.
    "member": {"Relevé Lens en relecture", "Relevé Lens publié", "COPIL publié", "Convention en vigueur",
               "Action confiée à Lens-Liévin"},
    "partner": {"Relevé Lens publié", "COPIL publié", "Convention en vigueur"},
    "signatory": {"Relevé Lens publié", "COPIL publié", "Convention en vigueur", "Action confiée à Lens-Liévin"},
    "observer": {"Relevé Béthune publié", "Relevé Lens publié", "COPIL publié", "Convention en vigueur"},
    "admin": {"Relevé Béthune publié", "Relevé Lens publié", "COPIL publié", "Convention en vigueur"},
    "secretariat": {"Brouillon Béthune", "Relevé Béthune en relecture", "Relevé Béthune publié",
                    "Brouillon Lens", "Relevé Lens en relecture", "Relevé Lens publié", "COPIL brouillon",
                    "COPIL publié", "Convention en préparation", "Convention en vigueur",
                    "Action confiée à Lens-Liévin"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_results_are_filtered_by_access(corpus, role):
    res = search(principal(role), "rénovation", limit=100)
    assert {h.title.striptags().removesuffix(" rénovation") for h in res.hits} == EXPECTED[role]
    assert res.total == len(EXPECTED[role])  # the count leaks nothing either


@pytest.mark.parametrize("role", ["co_chair", "partner", "member", "observer"])
def test_bethune_drafts_never_surface_in_titles_or_snippets(corpus, role):
    for text in ("secret", "béthune", "brouillon", "relecture béthune", "secret béthune"):
        for hit in search(principal(role), text, limit=100).hits:
            assert "secret béthune" not in (str(hit.title) + str(hit.snippet)).replace("<mark>", "").replace(
                "</mark>", "").lower()
            assert "Brouillon Béthune" not in hit.title.striptags()
    if role != "observer":
        assert search(principal(role), "béthune relecture").total == 0


def test_sql_filter_matches_committee_access_rules(demo):
    """visibility_clause is committee_access expressed in SQL: check every role x committee x audience."""
    committees = _db.session.execute(select(Committee)).scalars().all()
    for c in committees:
        for audience in (Audience.PUBLISHED, Audience.CIRCULATED, Audience.DRAFT):
            doc(f"{c.slug} {audience.value}", slug=c.slug, audience=audience)
    _db.session.commit()
    for role in list(DEMO_LOGINS):
        p = principal(role)
        visible = set(_db.session.execute(
            select(SearchDocument.title).where(visibility_clause(p))).scalars())
        for c in committees:
            access = committee_access(p, c)
            expected = {Audience.PUBLISHED: access.read_published,
                        Audience.CIRCULATED: access.read_drafts or access.member,
                        Audience.DRAFT: access.read_drafts}
            for audience, allowed in expected.items():
                assert (f"{c.slug} {audience.value}" in visible) == allowed, (role, c.slug, audience)


# --- Filters and index maintenance -------------------------------------------

def test_filters_by_type_and_committee(corpus):
    sec = principal("secretariat")
    assert {h.doc_type for h in search(sec, "rénovation", types=["agreement_article"]).hits} == {"agreement_article"}
    assert search(sec, "rénovation", types=["agreement_article"]).total == 2
    lens = committee("spel-lens").id
    assert {h.committee_id for h in search(sec, "rénovation", committee_id=lens).hits} == {lens}
    assert search(sec, "rénovation", committee_id=lens).total == 3
    assert search(principal("partner"), "rénovation", committee_id=committee("spel-bethune").id).total == 0


def test_reindex_replaces_text_and_audience_and_remove_cascades(demo):
    d = doc("Ancien titre", "texte", slug="spel-bethune", audience=Audience.DRAFT, doc_type="meeting")
    doc("Annexe budget.pdf", doc_type="attachment", slug="spel-bethune", parent=f"meeting:{d.doc_id}")
    _db.session.commit()
    assert search(principal("observer"), "titre").total == 0
    index_document("meeting", d.doc_id, title="Nouveau titre", body="texte", url=d.url,
                   audience=Audience.PUBLISHED, committee_id=d.committee_id)
    _db.session.commit()
    assert search(principal("observer"), "ancien").total == 0
    assert titles("observer", "nouveau titre") == ["Nouveau titre"]
    remove_document("meeting", d.doc_id)
    _db.session.commit()
    assert search(principal("secretariat"), "titre").total == 0
    assert search(principal("secretariat"), "annexe").total == 0
    assert _db.session.execute(select(SearchDocument)).first() is None


def test_index_refuses_external_urls(demo):
    with pytest.raises(ValueError):
        index_document("meeting", 1, title="x", url="https://evil.example/", audience=Audience.PUBLISHED)
    with pytest.raises(ValueError):
        index_document("meeting", 1, title="x", url="//evil.example/", audience=Audience.PUBLISHED)


def test_pagination(demo):
    for i in range(25):
        doc(f"Rénovation lot {i}", slug="copil")
    _db.session.commit()
    first = search(principal("partner"), "renovation", limit=10)
    third = search(principal("partner"), "renovation", limit=10, offset=20)
    assert first.total == third.total == 25 and len(first.hits) == 10 and len(third.hits) == 5
    assert first.has_next and not third.has_next


def test_page_past_the_end_still_counts(demo):
    for i in range(3):
        doc(f"Rénovation lot {i}", slug="copil")
    doc("Rénovation cachée", slug="spel-bethune", audience=Audience.DRAFT)
    _db.session.commit()
    res = search(principal("partner"), "renovation", limit=10, offset=20)
    assert res.total == 3 and res.hits == [] and not res.has_next


# --- HTTP --------------------------------------------------------------------

def test_search_page_plain_and_fragment(client, login_as, corpus):
    login_as("co_chair")
    page = client.get("/recherche?q=renovation")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "5 résultats" in html and "Béthune" not in html.split('id="search-results"')[1]
    assert "<mark>rénovation</mark>" in html
    frag = client.get("/recherche?q=renovation", headers={"HX-Request": "true"})
    body = frag.get_data(as_text=True)
    assert frag.status_code == 200 and "<html" not in body and body.lstrip().startswith('<div id="search-results">')
    assert 'data-erbm-announce="5 résultats"' in body
    assert client.get("/recherche").status_code == 200


def test_search_page_filters_and_bad_input(client, login_as, corpus):
    login_as("secretariat")
    lens = committee("spel-lens").id
    html = client.get(f"/recherche?q=rénovation&committee={lens}&type=minutes").get_data(as_text=True)
    assert "3 résultats" in html
    for args in ("q=%22&type=nimporte&committee=abc", "q=" + "é" * 2000, "q=rénovation&page=-3",
                 "q=rénovation&page=abc&committee=999999", "q=%00%27%3B--"):
        assert client.get(f"/recherche?{args}").status_code == 200, args
    # A committee the person may not read is not offered and not applied.
    login_as("partner")
    bethune = committee("spel-bethune").id
    html = client.get(f"/recherche?q=rénovation&committee={bethune}").get_data(as_text=True)
    assert f'value="{bethune}"' not in html and "Béthune publié" not in html


def test_header_has_a_search_box(client, login_as):
    login_as("partner")
    html = client.get("/").get_data(as_text=True)
    assert 'role="search"' in html and 'action="/recherche"' in html


def test_search_page_query_count_does_not_grow(client, login_as, demo, assert_max_queries):
    def add(start, stop):
        for i in range(start, stop):
            doc(f"Rénovation {i}", f"corps {i}", slug="copil" if i % 2 else "spel-lens",
                audience=Audience.PUBLISHED if i % 3 else Audience.DRAFT)
        _db.session.commit()

    login_as("co_chair")
    counts = []
    for start, stop in ((0, 5), (5, 100)):
        add(start, stop)
        client.get("/recherche?q=renovation")  # warm-up
        with assert_max_queries(8) as counter:
            resp = client.get("/recherche?q=renovation")
        assert resp.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert "100 résultats" not in resp.get_data(as_text=True)  # the COPIL drafts stay hidden


def test_registered_source_labels_and_reindex_command(app, demo):
    from erbm_portal.search import sources
    from erbm_portal.search.services import IndexEntry

    copil = committee("copil").id
    entries = [IndexEntry("meeting_test", i, f"Réunion test {i}", f"/reunions/{i}", Audience.PUBLISHED,
                          body="rénovation", committee_id=copil) for i in (1, 2)]
    sources.register("meeting_test", sources.SearchSource("Réunion (test)", reindex=lambda: entries))
    try:
        doc("Périmée", "rénovation", slug="copil", doc_type="meeting_test")
        _db.session.commit()
        result = app.test_cli_runner().invoke(args=["erbm", "search-reindex"])
        assert result.exit_code == 0 and "Index de recherche reconstruit" in result.output  # + the domains' documents
        hits = search(principal("partner"), "renovation", types=["meeting_test"]).hits
        assert sorted(h.title.striptags() for h in hits) == ["Réunion test 1", "Réunion test 2"]
        assert {h.type_label for h in hits} == {"Réunion (test)"}
    finally:
        sources._registry.pop("meeting_test", None)


def test_anonymous_principal_finds_nothing(demo):
    doc("Rénovation", slug="copil")
    _db.session.commit()
    assert search(Principal(), "renovation").total == 0


def test_search_form_labels_match_fields(client, login_as, demo):
    login_as("partner")
    html = client.get("/recherche?q=x").get_data(as_text=True)
    for field_id in ("recherche-q", "recherche-type", "recherche-instance"):
        assert f'for="{field_id}"' in html and f'id="{field_id}"' in html
    assert 'hx-trigger="submit, input changed delay:300ms from:#recherche-q' in html
    assert 'name="q"' in html and 'name="type"' in html and 'name="committee"' in html


# --- The demo, indexed by the domains -----------------------------------------

DEMO_WORDS = ("rénovation", "insertion", "CIE", "plan action", "formation RSA", "décision", "convention")


def _hits(role, text):
    found = search(principal(role), text, limit=100).hits
    return _db.session.execute(select(SearchDocument).where(
        SearchDocument.doc_type.in_({h.doc_type for h in found}) if found else SearchDocument.id.is_(None))
    ).scalars().all(), found


def test_the_demo_search_finds_published_items_for_every_role(indexed_demo):
    for role in ("partner", "member", "observer", "co_chair_bethune", "signatory"):
        for text in ("rénovation", "insertion", "CIE"):
            assert search(principal(role), text).total > 0, (role, text)
    assert "agreement_article" in {h.doc_type for h in search(principal("partner"), "insertion", limit=100).hits}
    bethune_plan = search(principal("co_chair_bethune"), "insertion", types=["plan_action"], limit=100).hits
    assert bethune_plan and {h.committee_id for h in bethune_plan} == {committee("spel-bethune").id}  # adopted
    assert search(principal("partner"), "mi-parcours", types=["meeting"]).total == 1  # the convened COPIL


def test_the_demo_search_never_shows_a_lens_draft_to_the_bethune_co_chair(indexed_demo):
    lens = committee("spel-lens").id
    lens_drafts = set(_db.session.execute(select(SearchDocument.doc_type, SearchDocument.doc_id).where(
        SearchDocument.committee_id == lens, SearchDocument.audience != Audience.PUBLISHED)).all())
    assert lens_drafts  # the planned Lens meeting and the Lens plan, not yet adopted
    seen_by_lens = set()
    for text in DEMO_WORDS + ("Lens", "préparation"):
        hits = search(principal("co_chair_bethune"), text, limit=100).hits
        assert not {(h.doc_type, h.doc_id) for h in hits} & lens_drafts, text
        seen_by_lens |= {(h.doc_type, h.doc_id) for h in search(principal("co_chair"), text, limit=100).hits}
    assert seen_by_lens & lens_drafts  # the Lens co-chair does find them


def test_domain_changes_update_the_index_in_the_same_transaction(indexed_demo):
    from erbm_portal.meetings import services as meetings

    from .meeting_helpers import new_meeting

    meeting = new_meeting("spel-lens", title="Réunion sur la géothermie", items=0)
    assert titles("co_chair", "géothermie") == ["Réunion sur la géothermie"]
    assert titles("partner", "géothermie") == []  # planned: a draft
    meetings.add_item(meeting, title="Forage de géothermie", kind="information", duration=10)
    meetings.convene_meeting(meeting)
    _db.session.commit()
    assert sorted(titles("member", "géothermie")) == ["Forage de géothermie", "Réunion sur la géothermie"]
