"""An action plan revision as a Word document: actions, indicator targets and sign-off evidence."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..core.svgchart import format_number_fr
from ..core.timeutil import format_date_fr, format_datetime_fr
from ..exports.builder import DocBuilder
from ..exports.services import current_template_bytes
from ..extensions import db
from ..signoff import services as signoff
from . import services
from .models import ActionPartner, ActionPlan, PlanAction, PlanRevision


def number_fr(value) -> str:
    if value is None:
        return ""
    d = Decimal(str(value))
    return format_number_fr(value, 0 if d == d.to_integral_value() else 2)


def revision_actions(revision: PlanRevision) -> list[PlanAction]:
    return db.session.execute(
        select(PlanAction).where(PlanAction.revision_id == revision.id)
        .options(joinedload(PlanAction.lead_organisation),
                 selectinload(PlanAction.partner_links).joinedload(ActionPartner.organisation))
        .order_by(PlanAction.position, PlanAction.id)
    ).unique().scalars().all()


def revision_values(revision: PlanRevision) -> list:
    from ..indicators.models import IndicatorValue

    return db.session.execute(
        select(IndicatorValue)
        .where(IndicatorValue.action_id.in_(select(PlanAction.id).where(PlanAction.revision_id == revision.id)))
        .options(joinedload(IndicatorValue.indicator))
        .order_by(IndicatorValue.action_id, IndicatorValue.indicator_id, IndicatorValue.year)
    ).scalars().all()


def _document_date(plan: ActionPlan, revision: PlanRevision, rounds) -> datetime:
    """Dates in the file come from the data, so the same revision always gives the same bytes."""
    stamps = [revision.created_at, revision.submitted_at]
    if revision.id == plan.revisions[-1].id:
        stamps.append(plan.adopted_at)
    for rnd in rounds:
        stamps += [p.decided_at for p in rnd.parties]
    return max(s for s in stamps if s is not None)


def add_signoff_evidence(doc: DocBuilder, rounds, level: int = 2) -> None:
    for rnd in rounds:
        doc.heading(f"Circuit de validation n° {rnd.id} ({rnd.state_label})", level)
        doc.paragraph(f"Empreinte SHA-256 du contenu soumis : {rnd.content_hash}")
        doc.table(
            ["Organisation", "Décision", "Signataire", "Date"],
            [[p.organisation.name, p.decision_label,
              (p.decided_by.full_name + (" (suppléance)" if p.decided_as_deputy else "")) if p.decided_by else "",
              format_datetime_fr(p.decided_at) if p.decided_at else ""] for p in rnd.parties],
            widths=[6.5, 3.5, 3.5, 3],
        )


def plan_docx(plan: ActionPlan, revision: PlanRevision) -> bytes:
    actions = revision_actions(revision)
    values = revision_values(revision)
    rounds = signoff.rounds_for(services.SUBJECT_TYPE, [revision.id])
    stamp = _document_date(plan, revision, rounds)
    doc = DocBuilder(current_template_bytes())
    doc.core_properties(title=f"{plan.title} — révision {revision.number}", author=plan.spel.name,
                        subject="Plan d'action", created=stamp, modified=stamp)
    lines = [f"{plan.spel.name} — année {plan.year}", f"Révision n° {revision.number} — {plan.state_label}"]
    if plan.adopted_at and revision.id == plan.revisions[-1].id:
        lines.append(f"Adopté le {format_datetime_fr(plan.adopted_at)}")
    doc.title_page(plan.title, "Plan d'action", lines=lines)
    doc.toc()

    if revision.summary.strip():
        doc.heading("Résumé de la révision", 1)
        doc.markdown(revision.summary, heading_offset=1)

    doc.heading("Actions", 1)
    total = sum((Decimal(a.budget_eur or 0) for a in actions), Decimal(0))
    doc.paragraph(f"{len(actions)} action(s), budget total : {number_fr(total)} €")
    if actions:
        doc.table(["Action", "Axe", "Pilote", "Partenaires", "Budget (€)", "Début", "Fin", "Statut"],
                  [[a.title, a.axis_label, a.lead_organisation.name, ", ".join(o.name for o in a.partners),
                    number_fr(a.budget_eur), format_date_fr(a.start_date) if a.start_date else "",
                    format_date_fr(a.end_date) if a.end_date else "", a.status_label] for a in actions],
                  widths=[3.5, 1.8, 2.4, 2.6, 1.6, 1.6, 1.6, 1.5])

    doc.heading("Cibles des indicateurs", 1)
    if values:
        titles = {a.id: a.title for a in actions}
        doc.table(["Action", "Indicateur", "Année", "Cible", "Réalisé", "Unité"],
                  [[titles.get(v.action_id, ""), v.indicator.name, str(v.year), number_fr(v.target),
                    number_fr(v.actual), v.indicator.unit] for v in values],
                  widths=[4.5, 4.5, 1.5, 2, 2, 2])
    else:
        doc.paragraph("Aucune cible d'indicateur n'est associée aux actions de cette révision.")

    doc.heading("Validation", 1)
    if not rounds:
        doc.paragraph("Cette révision n'a pas été soumise à validation.")
    add_signoff_evidence(doc, rounds)
    return doc.save()


def export_filename(plan: ActionPlan, revision: PlanRevision, ext: str) -> str:
    return f"plan-action-{plan.spel.slug}-{plan.year}-r{revision.number}.{ext}"
