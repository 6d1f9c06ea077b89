"""The meeting pack (dossier de séance) exported as Word (and PDF where LibreOffice is installed)."""
from __future__ import annotations

import io
import os
import shutil
from datetime import datetime

import pytest
from docx import Document
from sqlalchemy import select

from erbm_portal.directory.models import Committee
from erbm_portal.extensions import db as _db
from erbm_portal.meetings.models import Meeting, MeetingState

from . import factories

PARTS = ["Ordre du jour", "Invités et présences", "Relevé de décisions de la réunion précédente",
         "Registre des décisions et des actions de suivi", "Plan d'action", "Indicateurs", "Annexes",
         "Preuves de validation des plans adoptés"]


def _doc(resp):
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype.endswith("wordprocessingml.document")
    return Document(io.BytesIO(resp.data))


def _meeting(title: str) -> Meeting:
    return _db.session.execute(select(Meeting).filter_by(title=title)).scalar_one()


def _committee(slug: str) -> Committee:
    return _db.session.execute(select(Committee).filter_by(slug=slug)).scalar_one()


def _headings(doc, level=1):
    return [p.text for p in doc.paragraphs if p.style.name == f"Heading {level}"]


def test_pack_has_every_part_in_order(client, login_as, demo):
    meeting = _meeting("Comité de pilotage de mi-parcours de l'ERBM")
    login_as("partner")
    resp = client.get(f"/reunions/{meeting.id}/dossier.docx")
    doc = _doc(resp)
    assert _headings(doc) == PARTS
    assert doc.paragraphs[0].text == "Dossier de séance"
    body = "\n".join(p.text for p in doc.paragraphs)
    assert meeting.title in body and meeting.committee.name in body
    agenda = doc.tables[0]
    assert [c.text for c in agenda.rows[0].cells] == ["N°", "Point", "Présenté par", "Durée", "Nature"]
    assert len(agenda.rows) == 1 + len(meeting.agenda_items)
    assert [r.cells[1].text for r in agenda.rows[1:]] == [
        i.title for i in sorted(meeting.agenda_items, key=lambda i: i.position)]
    assert "dossier-seance-" in resp.headers["Content-Disposition"]


def test_spel_pack_has_plan_indicators_and_chart(client, login_as, demo):
    meeting = _meeting("SPEL de Lens — réunion de bilan")
    login_as("co_chair")
    doc = _doc(client.get(f"/reunions/{meeting.id}/dossier.docx"))
    assert _headings(doc) == PARTS
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert ["Action", "Pilote", "Statut", "Avancement"] in headers
    assert ["Périmètre", "Cible", "Réalisé", "%", "Statut"] in headers
    assert doc.inline_shapes, "an indicator chart"


def test_pack_says_when_no_minutes_are_published_yet(client, login_as, demo):
    committee = _committee("spel-lens")
    factories.meeting(committee, title="Réunion sans relevé", starts_at=datetime(2030, 1, 10, 9, 0))
    later = factories.meeting(committee, title="Réunion suivante", starts_at=datetime(2030, 2, 10, 9, 0),
                              state=MeetingState.CONVENED)
    login_as("co_chair")
    doc = _doc(client.get(f"/reunions/{later.id}/dossier.docx"))
    paras = doc.paragraphs
    i = next(n for n, p in enumerate(paras)
             if p.style.name == "Heading 1" and p.text == "Relevé de décisions de la réunion précédente")
    assert paras[i + 1].text == "Pas encore de relevé publié pour la réunion du 10 janvier 2030."


def test_pack_is_reproducible(client, login_as, demo):
    meeting = _meeting("SPEL de Lens — réunion de bilan")
    login_as("co_chair")
    first = client.get(f"/reunions/{meeting.id}/dossier.docx").data
    second = client.get(f"/reunions/{meeting.id}/dossier.docx").data
    assert first == second


def test_hidden_meeting_is_404(client, login_as, demo):
    meeting = _meeting("SPEL de Lens — préparation du plan d'action")
    login_as("partner")
    assert client.get(f"/reunions/{meeting.id}/dossier.docx").status_code == 404
    login_as("co_chair")
    assert _doc(client.get(f"/reunions/{meeting.id}/dossier.docx"))


def test_pdf_export(client, login_as, demo):
    if not shutil.which("soffice"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required under CI")
        pytest.skip("soffice not installed")
    login_as("secretariat")
    resp = client.get(f"/reunions/{_meeting('SPEL de Lens — réunion de bilan').id}/dossier.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")


def test_pack_includes_the_previous_published_minutes(client, login_as, demo):
    committee = _committee("spel-lens")
    earlier = factories.meeting(committee, title="Réunion publiée", starts_at=datetime(2030, 1, 10, 9, 0))
    minutes = factories.minutes(earlier, state="published")
    later = factories.meeting(committee, title="Réunion suivante", starts_at=datetime(2030, 2, 10, 9, 0),
                              state=MeetingState.CONVENED)
    login_as("co_chair")
    doc = _doc(client.get(f"/reunions/{later.id}/dossier.docx"))
    level2 = _headings(doc, 2)
    for section in minutes.sections:
        assert section.title in level2
    assert "Décisions" in level2 and "Actions de suivi" in level2
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Compte rendu du point « Point 1 »." in body


def test_meeting_page_links_the_pack(client, login_as, demo):
    meeting = _meeting("Comité de pilotage de mi-parcours de l'ERBM")
    login_as("observer")
    page = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    assert f"/reunions/{meeting.id}/dossier.docx" in page


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_pack_as_sent_is_frozen_at_convocation(client, login_as, demo):
    import hashlib

    from erbm_portal.audit.models import AuditEvent
    from erbm_portal.meetings import services
    from erbm_portal.meetings.models import MeetingPackSnapshot

    from .meeting_helpers import at_state

    meeting = at_state("convened")
    snapshot = _db.session.execute(select(MeetingPackSnapshot).filter_by(meeting_id=meeting.id)).scalar_one()
    assert hashlib.sha256(snapshot.data).hexdigest() == snapshot.sha256
    assert _db.session.execute(select(AuditEvent).filter_by(action="meeting.pack_frozen",
                                                            object_id=meeting.id)).first()
    login_as("co_chair")
    sent = client.get(f"/reunions/{meeting.id}/dossier-envoye.docx")
    assert sent.status_code == 200 and hashlib.sha256(sent.data).hexdigest() == snapshot.sha256
    assert "tel-qu-envoye" in sent.headers["Content-Disposition"]

    services.add_item(meeting, title="Point ajouté après l'envoi", kind="information", duration=15)
    _db.session.commit()
    assert "Point ajouté après l'envoi" in _text(client.get(f"/reunions/{meeting.id}/dossier.docx").data)
    again = client.get(f"/reunions/{meeting.id}/dossier-envoye.docx").data
    assert again == sent.data and "Point ajouté après l'envoi" not in _text(again)
    page = client.get(f"/reunions/{meeting.id}").get_data(as_text=True)
    assert snapshot.sha256 in page and "Dossier tel qu'envoyé" in page


def test_no_pack_sent_before_convocation(client, login_as, demo):
    from .meeting_helpers import new_meeting

    meeting = new_meeting(items=1)
    login_as("co_chair")
    assert client.get(f"/reunions/{meeting.id}/dossier-envoye.docx").status_code == 404
