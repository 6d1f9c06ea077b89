"""The consolidated agreement of a version as a Word document, with its signature evidence."""
from __future__ import annotations

from datetime import datetime, time

from ..core.timeutil import format_date_fr, format_datetime_fr
from ..exports.builder import DocBuilder
from ..exports.services import current_template_bytes
from ..signoff import services as signoff
from . import services
from .models import Agreement, AgreementVersion


def _document_date(agreement: Agreement, version: AgreementVersion) -> datetime:
    """Dates in the file come from the data, so the same version always gives the same bytes."""
    if version.in_force_on:
        return datetime.combine(version.in_force_on, time(12, 0))
    return version.first_opened_at or version.created_at or agreement.created_at


def agreement_docx(agreement: Agreement, version: AgreementVersion) -> bytes:
    articles = services.text_of(agreement, version.number)
    rounds = signoff.rounds_for(services.SUBJECT_TYPE, [version.id])
    stamp = _document_date(agreement, version)
    doc = DocBuilder(current_template_bytes())
    doc.core_properties(title=f"{agreement.title} — {version.label}", author="Préfecture de la région Hauts-de-France",
                        subject="Engagement partenarial consolidé", created=stamp, modified=stamp)
    status = f"En vigueur depuis le {format_date_fr(version.in_force_on)}" if version.in_force_on else \
        f"État : {version.state_label}"
    doc.title_page(agreement.title, f"{version.label} — texte consolidé", lines=[status])
    doc.toc()

    doc.heading("Parties signataires", 1)
    doc.table(["Organisation"], [[p.organisation.name] for p in agreement.parties], widths=[16])

    if not version.is_original:
        doc.heading("Avenants intégrés", 1)
        for v in agreement.versions:
            if 2 <= v.number <= version.number:
                doc.heading(f"Avenant n° {v.amendment_number}" + (f" — {v.title}" if v.title else ""), 2)
                doc.markdown(v.statement or "", heading_offset=2)

    doc.heading("Texte consolidé", 1)
    for article in articles:
        doc.heading(f"Article {article.number}" + (f" — {article.title}" if article.title else ""), 2)
        doc.markdown(article.body, heading_offset=2)

    doc.heading("Signatures", 1)
    if not rounds:
        doc.paragraph("Cette version n'a pas encore été ouverte à la signature.")
    for rnd in rounds:
        doc.heading(f"Circuit de signature n° {rnd.id} ({rnd.state_label})", 2)
        doc.paragraph(f"Empreinte SHA-256 du texte soumis : {rnd.content_hash}")
        doc.table(
            ["Organisation", "Décision", "Signataire", "Date"],
            [[p.organisation.name, p.decision_label,
              (p.decided_by.full_name + (" (suppléance)" if p.decided_as_deputy else "")) if p.decided_by else "",
              format_datetime_fr(p.decided_at) if p.decided_at else ""] for p in rnd.parties],
            widths=[6.5, 3.5, 3.5, 3],
        )
    return doc.save()


def export_filename(agreement: Agreement, version: AgreementVersion, ext: str) -> str:
    return f"engagement-erbm-version-{version.number}.{ext}"
