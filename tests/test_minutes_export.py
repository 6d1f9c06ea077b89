"""Minutes exported as Word (and PDF where LibreOffice is installed)."""
from __future__ import annotations

import io
import os
import shutil
from datetime import date

import pytest
from docx import Document
from sqlalchemy import select

from erbm_portal.directory.models import Organisation
from erbm_portal.extensions import db as _db
from erbm_portal.minutes import services
from erbm_portal.minutes.access import SYSTEM_ACCESS

from . import minutes_matrix as mx

PAYLOAD = "<script>alert('x')</script> & Cie \x07\x1b 🎉 \u200fعربي"


def _doc(resp):
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype.endswith("wordprocessingml.document")
    return Document(io.BytesIO(resp.data))


@pytest.fixture
def draft(demo):
    m = mx.lens_minutes("draft")
    org = _db.session.execute(select(Organisation).order_by(Organisation.id)).scalars().first()
    first = m.sections[0]
    services.update_section(first, access=SYSTEM_ACCESS, body=f"**Gras** et *italique*\n\n- un\n- deux\n\n{PAYLOAD}",
                            expected_version=first.version)
    services.add_decision(m, access=SYSTEM_ACCESS, text=f"Le comité valide. {PAYLOAD}",
                          agenda_item_id=first.agenda_item_id)
    services.add_decision(m, access=SYSTEM_ACCESS, text="Le comité reporte.", agenda_item_id=None)
    services.add_action(m, access=SYSTEM_ACCESS, title="Envoyer le calendrier", owner_organisation_id=org.id,
                        owner_person="Mme Dupont", due_date=date(2024, 4, 1))
    _db.session.commit()
    return m


def test_minutes_export_has_sections_decisions_and_actions(client, login_as, draft):
    login_as("co_chair")
    resp = client.get(f"/releves/{draft.id}/releve.docx")
    doc = _doc(resp)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    titles = [s.title for s in draft.sections]
    assert headings == titles + ["Décisions", "Actions de suivi"]
    assert doc.paragraphs[0].text == "Relevé de décisions"
    body = "\n".join(p.text for p in doc.paragraphs)
    assert draft.meeting.title in body and "Version 1 — " in body
    decisions, actions = doc.tables[0], doc.tables[1]
    assert [c.text for c in decisions.rows[0].cells] == ["Référence", "Décision", "Point de l'ordre du jour"]
    assert len(decisions.rows) == 3
    assert decisions.rows[1].cells[2].text == draft.sections[0].title
    assert [c.text for c in actions.rows[0].cells] == ["Action", "Porteur", "Échéance", "Statut"]
    assert len(actions.rows) == 2
    assert "Mme Dupont" in actions.rows[1].cells[1].text and actions.rows[1].cells[2].text == "1er avril 2024"
    assert "releve-spel-lens-" in resp.headers["Content-Disposition"]


def test_user_text_survives_as_text(client, login_as, draft):
    login_as("co_chair")
    doc = _doc(client.get(f"/releves/{draft.id}/releve.docx"))
    body = "\n".join(p.text for p in doc.paragraphs)
    clean = "<script>alert('x')</script> & Cie  🎉 \u200fعربي"
    assert clean in body
    assert "\x07" not in body and "\x1b" not in body
    assert clean in doc.tables[0].rows[1].cells[1].text
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert "Gras" in bold


def test_export_is_reproducible(client, login_as, draft):
    login_as("co_chair")
    first = client.get(f"/releves/{draft.id}/releve.docx").data
    second = client.get(f"/releves/{draft.id}/releve.docx").data
    assert first == second


def test_invisible_version_is_404_and_page_links_export(client, login_as, draft):
    login_as("partner")
    assert client.get(f"/releves/{draft.id}/releve.docx").status_code == 404
    login_as("co_chair")
    page = client.get(f"/releves/{draft.id}").get_data(as_text=True)
    assert f"/releves/{draft.id}/releve.docx" in page


def test_pdf_export(client, login_as, draft):
    if not shutil.which("soffice"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required under CI")
        pytest.skip("soffice not installed")
    login_as("co_chair")
    resp = client.get(f"/releves/{draft.id}/releve.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
