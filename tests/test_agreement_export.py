"""The consolidated agreement exported as Word (and PDF where LibreOffice is installed)."""
from __future__ import annotations

import io
import os
import shutil

import pytest
from docx import Document
from sqlalchemy import select

from erbm_portal.agreement.models import AgreementVersion
from erbm_portal.extensions import db as _db
from erbm_portal.signoff.models import SignoffRound


def _doc(resp):
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype.endswith("wordprocessingml.document")
    return Document(io.BytesIO(resp.data))


def test_version_export_has_articles_and_signature_evidence(client, login_as):
    login_as("partner")
    resp = client.get("/convention/versions/2/engagement.docx")
    doc = _doc(resp)
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    texts = [t for _, t in headings]
    assert texts.index("Parties signataires") < texts.index("Texte consolidé") < texts.index("Signatures")
    assert any(t.startswith("Avenant n° 1") for t in texts)
    article_headings = [t for s, t in headings if s == "Heading 2" and t.startswith("Article")]
    assert len(article_headings) >= 5
    assert "engagement-erbm-version-2.docx" in resp.headers["Content-Disposition"]
    round_ = _db.session.execute(select(SignoffRound).where(
        SignoffRound.subject_type == "agreement_version",
        SignoffRound.subject_id == _db.session.execute(
            select(AgreementVersion.id).filter_by(number=2)).scalar_one())).scalars().first()
    body = "\n".join(p.text for p in doc.paragraphs)
    assert round_.content_hash in body
    evidence = doc.tables[-1]
    assert [c.text for c in evidence.rows[0].cells] == ["Organisation", "Décision", "Signataire", "Date"]
    assert len(evidence.rows) == 1 + len(round_.parties)
    parties = doc.tables[0]
    assert len(parties.rows) == 13  # header + the twelve signing parties


def test_export_is_reproducible(client, login_as):
    login_as("observer")
    first = client.get("/convention/versions/1/engagement.docx").data
    second = client.get("/convention/versions/1/engagement.docx").data
    assert first == second


def test_draft_version_export_is_hidden(client, login_as):
    login_as("signatory")
    assert client.get("/convention/versions/3/engagement.docx").status_code == 404
    login_as("secretariat")
    assert _doc(client.get("/convention/versions/3/engagement.docx"))


def test_pdf_export(client, login_as):
    if not shutil.which("soffice"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required under CI")
        pytest.skip("soffice not installed")
    login_as("partner")
    resp = client.get("/convention/versions/1/engagement.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
