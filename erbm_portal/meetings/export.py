"""The meeting pack (dossier de séance) as a Word document.

Everything in the file derives from the data (dates included), so the same data
gives the same bytes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..core.timeutil import format_date_fr, format_datetime_fr
from ..exports.builder import DocBuilder
from ..exports.services import current_template_bytes
from ..extensions import db
from .models import Meeting


def _previous_published_minutes(meeting: Meeting):
    from ..minutes.models import Minutes, MinutesState

    previous = db.session.execute(
        select(Meeting).where(Meeting.committee_id == meeting.committee_id, Meeting.starts_at < meeting.starts_at)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1)
    ).scalar_one_or_none()
    if previous is None:
        return None, None
    minutes = db.session.execute(
        select(Minutes).where(Minutes.meeting_id == previous.id, Minutes.state == MinutesState.PUBLISHED)
        .order_by(Minutes.number.desc()).limit(1)
    ).scalar_one_or_none()
    return previous, minutes


def _current_plan(spel_id: int | None):
    from ..plans.models import ActionPlan

    if spel_id is None:
        return None
    return db.session.execute(
        select(ActionPlan).where(ActionPlan.spel_id == spel_id)
        .order_by(ActionPlan.year.desc(), ActionPlan.id.desc()).limit(1)
    ).scalar_one_or_none()


def _pct(value) -> str:
    return "" if value is None else f"{float(value):.0f} %".replace(".", ",")


def _stamp(meeting: Meeting) -> datetime:
    stamps = [meeting.created_at, meeting.convened_at]
    return max(s for s in stamps if s is not None)


def pack_docx(meeting: Meeting) -> bytes:
    from ..exports.chart import bar_chart_png
    from ..indicators.metrics import RAG_LABELS
    from ..indicators.services import programme_rollup
    from ..minutes import services as minutes_services
    from ..minutes.export import add_minutes_body
    from ..plans import services as plan_services
    from ..plans.export import add_signoff_evidence, number_fr, revision_actions
    from ..signoff import services as signoff

    committee = meeting.committee
    stamp = _stamp(meeting)
    doc = DocBuilder(current_template_bytes())
    doc.core_properties(title=f"Dossier de séance — {meeting.title}", author=committee.name,
                        subject="Dossier de séance", created=stamp, modified=stamp)
    doc.title_page("Dossier de séance", meeting.title, lines=[
        committee.name, f"Le {format_datetime_fr(meeting.starts_at)}", f"Lieu : {meeting.place or 'à préciser'}"])
    doc.toc()

    # Agenda
    doc.heading("Ordre du jour", 1)
    items = sorted(meeting.agenda_items, key=lambda i: i.position)
    if items:
        doc.table(["N°", "Point", "Présenté par", "Durée", "Nature"],
                  [[str(n), i.title, _presenter(i), f"{i.duration_minutes} min", i.kind_label]
                   for n, i in enumerate(items, 1)], widths=[1, 7, 4, 1.8, 2.2])
    else:
        doc.paragraph("L'ordre du jour n'est pas encore établi.")

    # Invitees
    doc.page_break()
    doc.heading("Invités et présences", 1)
    invitees = sorted(meeting.invitees, key=lambda v: (v.user.organisation.name if v.user.organisation else "",
                                                       v.user.full_name, v.id))
    if invitees:
        doc.table(["Invité", "Organisation", "Réponse", "Représenté par", "Présence"],
                  [[v.user.full_name, v.user.organisation.name if v.user.organisation else "", v.response_label,
                    v.represented_by, v.attendance_label] for v in invitees], widths=[4, 4.5, 2.5, 3, 2])
    else:
        doc.paragraph("Aucun invité.")

    # Previous minutes
    doc.page_break()
    doc.heading("Relevé de décisions de la réunion précédente", 1)
    previous, minutes = _previous_published_minutes(meeting)
    if minutes is None:
        doc.paragraph("Pas encore de relevé publié." if previous is None else
                      f"Pas encore de relevé publié pour la réunion du {format_date_fr(previous.starts_at)}.")
    else:
        doc.paragraph(f"{previous.title} — réunion du {format_datetime_fr(previous.starts_at)}, "
                      f"version {minutes.number} publiée le {format_datetime_fr(minutes.published_at)}.")
        add_minutes_body(doc, minutes, level=2)

    # Register
    doc.page_break()
    doc.heading("Registre des décisions et des actions de suivi", 1)
    decisions, _all = minutes_services.register(committee.id, minutes_services.RegisterFilter(),
                                                today=meeting.starts_at.date())
    doc.heading("Décisions publiées", 2)
    if decisions:
        doc.table(["Référence", "Décision", "Réunion"],
                  [[d.reference, d.text, f"{d.meeting.title} ({format_date_fr(d.meeting.starts_at)})"]
                   for d in decisions], widths=[3, 9, 4.5])
    else:
        doc.paragraph("Aucune décision publiée.")
    doc.heading("Actions ouvertes", 2)
    actions = minutes_services.open_actions_for_committee(committee.id)
    if actions:
        doc.table(["Action", "Décision", "Porteur", "Échéance", "Statut"],
                  [[a.title, a.decision.reference if a.decision else "",
                    f"{a.owner_organisation.name} — {a.owner_person}", format_date_fr(a.due_date), a.status_label]
                   for a in actions], widths=[6, 2.5, 4.5, 2, 1.5])
    else:
        doc.paragraph("Aucune action ouverte.")

    # Action plan
    plan = _current_plan(committee.spel_id)
    doc.page_break()
    doc.heading("Plan d'action", 1)
    plan_rounds = []
    if plan is None:
        doc.paragraph("Pas de plan d'action pour ce comité." if committee.spel_id is None else
                      "Aucun plan d'action n'a encore été établi.")
    else:
        revision = plan.revisions[-1]
        doc.paragraph(f"{plan.title} — révision n° {revision.number}, {plan.state_label}.")
        rows = revision_actions(revision)
        if rows:
            doc.table(["Action", "Pilote", "Statut", "Avancement"],
                      [[a.title, a.lead_organisation.name, a.status_label, a.progress_notes] for a in rows],
                      widths=[6, 4, 2, 4.5])
        plan_rounds = signoff.rounds_for(plan_services.SUBJECT_TYPE, [r.id for r in plan.revisions])

    # Indicators
    doc.page_break()
    doc.heading("Indicateurs", 1)
    year = min(max(meeting.starts_at.year, 2017), 2027)
    rollups = programme_rollup(year)
    for r in rollups:
        unit = r.indicator.unit
        if committee.spel_id is None:
            figures = [(s.spel.name, s.target_to_date, s.actual, s.progress, s.rag) for s in r.spels]
            figures.append(("Programme", r.target, r.actual, r.progress, r.rag))
        else:
            figures = [(s.spel.name, s.target_to_date, s.actual, s.progress, s.rag)
                       for s in r.spels if s.spel.id == committee.spel_id]
        if not figures:
            continue
        doc.heading(f"{r.indicator.name} ({unit})", 2)
        doc.table(["Périmètre", "Cible", "Réalisé", "%", "Statut"],
                  [[name, number_fr(t), number_fr(a), _pct(p), RAG_LABELS[rag]] for name, t, a, p, rag in figures],
                  widths=[5, 3, 3, 2, 3.5])
        chart_rows = [(name, a, t) for name, t, a, _p, _r in figures if a is not None]
        if chart_rows:
            doc.image(bar_chart_png(r.indicator.name, chart_rows, unit), 16,
                      description=f"Graphique : {r.indicator.name}")
    if not rollups:
        doc.paragraph("Aucun indicateur.")

    # Annexes
    doc.page_break()
    doc.heading("Annexes", 1)
    annexes = [(n, i, a) for n, i in enumerate(items, 1) for a in i.attachments]
    if annexes:
        doc.table(["Point", "Document", "Fichier", "Version", "SHA-256"],
                  [[str(n), a.title, a.versions[0].filename if a.versions else "",
                    str(a.versions[0].number) if a.versions else "",
                    a.versions[0].sha256 if a.versions else ""] for n, i, a in annexes],
                  widths=[1, 4.5, 4, 1.5, 5.5])
    else:
        doc.paragraph("Aucune pièce jointe.")

    # Sign-off evidence
    doc.heading("Preuves de validation des plans adoptés", 1)
    from ..plans.models import PlanState

    if plan is not None and plan.state == PlanState.ADOPTED and plan_rounds:
        add_signoff_evidence(doc, plan_rounds)
    else:
        doc.paragraph("Aucun plan adopté pour ce comité.")
    return doc.save()


def _presenter(item) -> str:
    parts = []
    if item.presenter_user is not None:
        parts.append(item.presenter_user.full_name)
    if item.presenter_organisation is not None:
        parts.append(item.presenter_organisation.name)
    return " — ".join(parts)


def export_filename(meeting: Meeting, ext: str) -> str:
    return f"dossier-seance-{meeting.committee.slug}-{meeting.starts_at.strftime('%Y-%m-%d')}.{ext}"
