"""A minutes version as a Word document: sections, decisions and follow-up actions."""
from __future__ import annotations

from datetime import datetime

from ..core.timeutil import format_date_fr, format_datetime_fr
from ..exports.builder import DocBuilder
from ..exports.services import current_template_bytes
from . import services
from .models import Minutes


def _document_date(minutes: Minutes) -> datetime:
    """Dates in the file come from the data, so the same version always gives the same bytes."""
    stamps = [minutes.created_at, minutes.submitted_at, minutes.approved_at, minutes.published_at]
    stamps += [s.updated_at for s in minutes.sections]
    return max(s for s in stamps if s is not None)


def minutes_docx(minutes: Minutes) -> bytes:
    meeting = minutes.meeting
    committee = meeting.committee
    stamp = _document_date(minutes)
    doc = DocBuilder(current_template_bytes())
    doc.core_properties(title=f"Relevé de décisions — {meeting.title} — version {minutes.number}",
                        author=committee.name, subject="Relevé de décisions", created=stamp, modified=stamp)
    lines = [committee.name, f"Réunion du {format_datetime_fr(meeting.starts_at)}",
             f"Version {minutes.number} — {minutes.state_label}"]
    if minutes.published_at:
        lines.append(f"Publiée le {format_datetime_fr(minutes.published_at)}")
    if minutes.correction_reason:
        lines.append(f"Motif de la correction : {minutes.correction_reason}")
    doc.title_page("Relevé de décisions", meeting.title, lines=lines)
    doc.toc()

    add_minutes_body(doc, minutes, level=1)
    return doc.save()


def add_minutes_body(doc: DocBuilder, minutes: Minutes, level: int = 1) -> None:
    """Sections (one heading each, Markdown body), then the decisions and follow-up actions tables."""
    decisions, actions = services.decisions_and_actions(minutes)
    for section in minutes.sections:
        doc.heading(section.title, level)
        if section.body.strip():
            doc.markdown(section.body, heading_offset=level)
        else:
            doc.paragraph("(section sans contenu)")

    doc.heading("Décisions", level)
    if decisions:
        doc.table(["Référence", "Décision", "Point de l'ordre du jour"],
                  [[d.reference, d.text, d.agenda_item.title if d.agenda_item else ""] for d in decisions],
                  widths=[3.5, 8.5, 4])
    else:
        doc.paragraph("Aucune décision enregistrée.")

    doc.heading("Actions de suivi", level)
    if actions:
        doc.table(["Action", "Porteur", "Échéance", "Statut"],
                  [[a.title, f"{a.owner_organisation.name} — {a.owner_person}", format_date_fr(a.due_date),
                    a.status_label] for a in actions],
                  widths=[7, 5, 2.5, 2])
    else:
        doc.paragraph("Aucune action de suivi.")


def export_filename(minutes: Minutes, ext: str) -> str:
    day = minutes.meeting.starts_at.strftime("%Y-%m-%d")
    return f"releve-{minutes.meeting.committee.slug}-{day}-v{minutes.number}.{ext}"
