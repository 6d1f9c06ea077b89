"""The synthetic data generator (``erbm generate-data``) at a small scale: consistent data,
search index covering it, main pages rendering with the query counts of the demo."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from erbm_portal.extensions import db as _db
from tests.conftest import count_queries

SCALE = 2  # about 1/99 of the 100x additions: a few seconds


@pytest.fixture
def generated(app, demo):
    from erbm_portal.synthetic import generate
    from erbm_portal.synthetic.targets import main_pages

    pages_1x = main_pages()
    counts = generate(SCALE, today=date.today())
    return pages_1x, counts


def _login(app, email):
    from tests.conftest import csrf_from

    client = app.test_client()
    page = client.get("/connexion")
    resp = client.post("/connexion", data={"email": email, "password": app.config["DEMO_PASSWORD"],
                                           "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert resp.status_code == 303
    return client


def test_generated_data_is_consistent(generated):
    from erbm_portal.accounts.models import Grant, User
    from erbm_portal.meetings.models import AgendaItem, Meeting, MeetingState
    from erbm_portal.minutes.models import Decision, DecisionCounter, Minutes, MinutesSection, MinutesState
    from erbm_portal.plans.models import ActionPlan, PlanAction, PlanRevision, PlanState
    from erbm_portal.signoff.models import RoundState, SignoffParty, SignoffRound
    from erbm_portal.signoff.services import sha256_hex

    _pages, counts = generated
    assert counts["meeting"] == 6 and counts["agenda_item"] == 120 and counts["user_account"] == 30
    assert counts["plan_action"] >= 200 and counts["indicator_value"] >= 1000
    s = _db.session
    # Every meeting has its agenda numbered 1..n; published minutes belong to closed meetings.
    for meeting in s.execute(select(Meeting)).scalars():
        positions = sorted(i.position for i in meeting.agenda_items)
        assert positions == list(range(1, len(positions) + 1))
        assert meeting.starts_at < meeting.ends_at
        if meeting.state != MeetingState.PLANNED:
            assert meeting.convened_at is not None
    for minutes in s.execute(select(Minutes)).scalars():
        assert minutes.meeting.state in (MeetingState.HELD, MeetingState.CLOSED)
        assert (minutes.state == MinutesState.PUBLISHED) == (minutes.meeting.state == MeetingState.CLOSED)
        items = s.execute(select(func.count()).where(AgendaItem.meeting_id == minutes.meeting_id)).scalar()
        assert len(minutes.sections) == items + 1 and minutes.sections[-1].is_misc
    # Decision numbers: each counter is the highest number used for its committee and year.
    highest = Counter()
    for d in s.execute(select(Decision)).scalars():
        highest[(d.committee_id, d.year)] = max(highest[(d.committee_id, d.year)], d.seq)
        assert d.minutes.state == MinutesState.PUBLISHED
    counters = {(c.committee_id, c.year): c.last_seq for c in s.execute(select(DecisionCounter)).scalars()}
    assert counters == dict(highest)
    # Plans: one per SPEL and year; rounds hash their content; adopted plans have an approved round.
    for plan in s.execute(select(ActionPlan)).scalars():
        rounds = s.execute(select(SignoffRound).where(SignoffRound.subject_type == "action_plan",
                                                      SignoffRound.subject_id.in_([r.id for r in plan.revisions])))
        states = [r.state for r in rounds.scalars()]
        if plan.state == PlanState.ADOPTED:
            assert states[-1] == RoundState.APPROVED
        elif plan.state == PlanState.DRAFT and len(plan.revisions) == 1:
            assert states == []
    for round_ in s.execute(select(SignoffRound)).scalars():
        assert round_.content_hash == sha256_hex(round_.content)
        for party in round_.parties:
            if party.signed_hash:
                assert party.signed_hash == round_.content_hash and party.decided_by_id is not None
    # One shared password hash for every generated account; grants point at existing users.
    hashes = s.execute(select(func.count(func.distinct(User.password_hash)))
                       .where(User.email.like("%@erbm-synthese.fr"))).scalar()
    assert hashes == 1
    assert s.execute(select(func.count()).select_from(Grant).outerjoin(User, User.id == Grant.user_id)
                     .where(User.id.is_(None))).scalar() == 0
    assert s.execute(select(func.count()).select_from(PlanAction).outerjoin(
        PlanRevision, PlanRevision.id == PlanAction.revision_id).where(PlanRevision.id.is_(None))).scalar() == 0
    assert s.execute(select(func.count()).select_from(MinutesSection)).scalar() >= 100


def test_search_index_is_what_reindex_all_builds(generated):
    """The bulk index equals the one the domains' own indexing helpers build, row for row."""
    from erbm_portal.search.models import SearchDocument
    from erbm_portal.search.services import reindex_all

    def snapshot():
        return sorted(_db.session.execute(select(
            SearchDocument.doc_type, SearchDocument.doc_id, SearchDocument.title, SearchDocument.url,
            SearchDocument.audience, SearchDocument.committee_id, SearchDocument.organisation_id,
            SearchDocument.parent_key)).all())

    bulk = snapshot()
    assert {row.doc_type for row in bulk} >= {"meeting", "agenda_item", "minutes", "decision", "plan_action"}
    reindex_all()
    _db.session.flush()
    assert snapshot() == bulk


def test_generating_twice_is_refused(generated):
    from erbm_portal.synthetic import AlreadyGenerated, generate

    with pytest.raises(AlreadyGenerated):
        generate(SCALE)


def test_main_pages_render_with_the_query_counts_of_the_demo(app, client, generated):
    """Same pages on bigger objects (more agenda items, sections, actions): no query per row."""
    from erbm_portal.synthetic.targets import main_pages

    pages_1x, _counts = generated
    pages_big = main_pages()
    assert [p.url for p in pages_big] != [p.url for p in pages_1x]  # generated objects are the biggest now
    clients = {}
    for small, big in zip(pages_1x, pages_big):
        client = clients.setdefault(small.login, _login(app, small.login))
        counts = []
        for url in (small.url, big.url):
            client.get(url)  # warm-up
            with count_queries() as counter:
                resp = client.get(url)
            assert resp.status_code == 200, (small.name, url)
            counts.append(counter.count)
        assert counts[0] == counts[1], (small.name, counts, small.url, big.url)
    # The search page finds generated meetings (the index covers them), only those the member may read.
    from erbm_portal.meetings.models import Meeting, MeetingState

    html = clients[pages_big[-1].login].get("/recherche?q=séance&type=meeting").get_data(as_text=True)
    found = {int(m) for m in re.findall(r'href="/reunions/(\d+)"', html)}
    generated_ids = dict(_db.session.execute(select(Meeting.id, Meeting.state)
                                             .where(Meeting.ics_uid.like("synthese-%"))).all())
    assert found & set(generated_ids)
    assert all(generated_ids[i] != MeetingState.PLANNED for i in found & set(generated_ids))
