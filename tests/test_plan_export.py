"""Action plan revisions exported as Word (and PDF where LibreOffice is installed)."""
from __future__ import annotations

import io
import os
import shutil

import pytest
from docx import Document
from sqlalchemy import select

from erbm_portal.directory.models import Spel
from erbm_portal.extensions import db as _db
from erbm_portal.plans import services
from erbm_portal.plans.models import ActionPlan, PlanAction
from erbm_portal.signoff.services import rounds_for


def _doc(resp):
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype.endswith("wordprocessingml.document")
    return Document(io.BytesIO(resp.data))


def _plan(slug: str) -> ActionPlan:
    return _db.session.execute(select(ActionPlan).join(Spel).where(Spel.slug == slug)).scalars().first()


def test_adopted_plan_export_has_actions_targets_and_evidence(client, login_as, demo):
    plan = _plan("bethune")
    revision = plan.revisions[-1]
    login_as("observer")
    resp = client.get(f"/plans/{plan.id}/plan.docx")
    doc = _doc(resp)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [h for h in headings if h != "Résumé de la révision"] == ["Actions", "Cibles des indicateurs", "Validation"]
    assert doc.paragraphs[0].text == plan.title
    actions = doc.tables[0]
    assert [c.text for c in actions.rows[0].cells] == [
        "Action", "Axe", "Pilote", "Partenaires", "Budget (€)", "Début", "Fin", "Statut"]
    n_actions = _db.session.execute(select(PlanAction).filter_by(revision_id=revision.id)).scalars().all()
    assert len(actions.rows) == 1 + len(n_actions)
    rounds = rounds_for(services.SUBJECT_TYPE, [revision.id])
    assert rounds
    body = "\n".join(p.text for p in doc.paragraphs)
    for rnd in rounds:
        assert rnd.content_hash in body
    evidence = doc.tables[-1]
    assert [c.text for c in evidence.rows[0].cells] == ["Organisation", "Décision", "Signataire", "Date"]
    assert len(evidence.rows) == 1 + len(rounds[-1].parties)
    assert f"plan-action-{plan.spel.slug}-{plan.year}-r{revision.number}.docx" in resp.headers["Content-Disposition"]


def test_user_text_survives_as_text(client, login_as, demo):
    plan = _plan("valenciennes")
    action = plan.revisions[-1].actions[0]
    action.title = "<script>alert(1)</script> & Cie \x0b 🎉"
    _db.session.commit()
    login_as("secretariat")
    doc = _doc(client.get(f"/plans/{plan.id}/plan.docx"))
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    mine = [c for c in cells if c.startswith("<script>alert(1)</script> & Cie")]
    assert mine and mine[0].endswith("🎉") and "\x0b" not in mine[0], cells[:12]


def test_export_is_reproducible(client, login_as, demo):
    plan = _plan("lens")
    login_as("co_chair")
    first = client.get(f"/plans/{plan.id}/plan.docx").data
    second = client.get(f"/plans/{plan.id}/plan.docx").data
    assert first == second


def test_hidden_plan_is_404_and_page_links_export(client, login_as, demo):
    plan = _plan("valenciennes")
    login_as("partner")
    assert client.get(f"/plans/{plan.id}/plan.docx").status_code == 404
    login_as("secretariat")
    assert client.get(f"/plans/{plan.id}/plan.docx?revision=99").status_code == 404
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f"/plans/{plan.id}/plan.docx?revision=" in page


def test_pdf_export(client, login_as, demo):
    if not shutil.which("soffice"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required under CI")
        pytest.skip("soffice not installed")
    login_as("secretariat")
    resp = client.get(f"/plans/{_plan('bethune').id}/plan.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
