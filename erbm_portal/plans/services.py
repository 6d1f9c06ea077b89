"""Every change to action plans: creation, actions, submission for sign-off, adoption, revisions.

The plan's state machine (PLAN_WORKFLOW): draft -> submitted (a sign-off round is
opened on the canonical content of the latest revision) -> adopted when every
organisation approved (frozen), or back to draft on a change request, as a new
revision copying the actions. Only the latest revision of a draft plan is editable.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import Role
from ..audit.services import record, record_now
from ..core.db import utcnow
from ..core.errors import ServiceError, StaleEdit
from ..core.workflow import Workflow
from ..directory.models import Organisation, OrgKind, Spel
from ..extensions import db
from ..signoff import services as signoff
from ..notifications import recipients
from ..notifications.services import notify
from .search_source import index_plan
from .models import (ACTION_STATUS_LABELS, AXIS_LABELS, PLAN_STATE_LABELS, PROGRAMME_END, PROGRAMME_START,
                     ActionPartner, ActionPlan, ActionStatus, Axis, PlanAction, PlanRevision, PlanState)

SUBJECT_TYPE = "action_plan"

PLAN_WORKFLOW = Workflow(
    "action_plan",
    transitions={
        PlanState.DRAFT: frozenset({PlanState.SUBMITTED}),
        PlanState.SUBMITTED: frozenset({PlanState.ADOPTED, PlanState.DRAFT}),
        PlanState.ADOPTED: frozenset(),
    },
    labels=PLAN_STATE_LABELS,
)


def can_manage(principal, spel_id: int) -> bool:
    """Co-chairs of the SPEL draft and submit its plans; the secretariat may too."""
    return principal.is_secretariat or principal.has(Role.CO_CHAIR, spel_id)


def latest_revision(plan: ActionPlan) -> PlanRevision:
    return plan.revisions[-1]


def _refuse(action: str, obj_type: str, obj_id: int | None, message: str, field: str | None = None,
            **details) -> None:
    record_now(action, object_type=obj_type, object_id=obj_id, summary=message, details=details)
    raise ServiceError(message, field=field)


# --- Plans ---------------------------------------------------------------------

def create_plan(*, spel: Spel, year: int, user, principal, title: str = "") -> ActionPlan:
    if not can_manage(principal, spel.id):
        _refuse("action_plan.create_refused", "spel", spel.id,
                "Seuls les co-présidents du SPEL et le secrétariat créent ses plans d'action.", field="spel_id")
    if not PROGRAMME_START <= year <= PROGRAMME_END:
        _refuse("action_plan.create_refused", "spel", spel.id,
                f"L'année doit être comprise dans la durée du programme ({PROGRAMME_START}-{PROGRAMME_END}).",
                field="year", year=year)
    exists = db.session.execute(select(ActionPlan.id).filter_by(spel_id=spel.id, year=year)).first()
    if exists:
        _refuse("action_plan.create_refused", "spel", spel.id,
                f"Le {spel.label} a déjà un plan d'action pour {year}.", field="year", year=year)
    plan = ActionPlan(spel=spel, year=year, title=(title or f"Plan d'action {year} du {spel.label}").strip()[:200])
    plan.revisions = [PlanRevision(number=1, created_by_id=getattr(user, "id", None))]
    db.session.add(plan)
    db.session.flush()
    record("action_plan.created", plan, actor=user, summary=plan.title, details={"spel_id": spel.id, "year": year})
    return plan


def require_editable(plan: ActionPlan, revision: PlanRevision | None = None) -> PlanRevision:
    """The revision that may be edited, or an audited refusal."""
    latest = latest_revision(plan)
    if plan.state != PlanState.DRAFT:
        _refuse("action_plan.edit_refused", "action_plan", plan.id,
                f"Ce plan est {plan.state_label} : son contenu est figé et ne peut plus être modifié.",
                state=plan.state.value)
    if revision is not None and revision.id != latest.id:
        _refuse("action_plan.edit_refused", "action_plan", plan.id,
                "Seule la dernière révision du plan peut être modifiée.", revision=revision.number)
    return latest


# --- Actions -------------------------------------------------------------------

@dataclass
class ActionData:
    title: str
    description: str
    axis: str
    lead_organisation_id: int | None
    partner_ids: list[int]
    budget_eur: Decimal | None
    start_date: date | None
    end_date: date | None
    status: str
    progress_notes: str


def _check_action(plan: ActionPlan, data: ActionData) -> tuple[Organisation, list[Organisation]]:
    def refuse(message, field):
        _refuse("plan_action.refused", "action_plan", plan.id, message, field=field)

    if not (data.title or "").strip():
        refuse("Donnez un intitulé à l'action.", "title")
    if data.axis not in {a.value for a in Axis}:
        refuse("Choisissez un axe parmi : " + ", ".join(AXIS_LABELS.values()) + ".", "axis")
    if data.status not in {s.value for s in ActionStatus}:
        refuse("Statut inconnu.", "status")
    if data.budget_eur is None:
        refuse("Indiquez le budget en euros (0 si aucun).", "budget_eur")
    if data.budget_eur < 0:
        refuse("Le budget ne peut pas être négatif.", "budget_eur")
    if data.start_date and data.end_date and data.end_date < data.start_date:
        refuse("La date de fin précède la date de début.", "end_date")
    ids = {data.lead_organisation_id, *data.partner_ids} - {None}
    orgs = {o.id: o for o in db.session.execute(
        select(Organisation).where(Organisation.id.in_(ids), Organisation.active.is_(True))).scalars()} if ids else {}
    if data.lead_organisation_id not in orgs:
        refuse("Organisation pilote inconnue : choisissez-la dans la liste.", "lead_organisation_id")
    if any(pid not in orgs for pid in data.partner_ids):
        refuse("Organisation partenaire inconnue : choisissez-les dans la liste.", "partner_ids")
    return orgs[data.lead_organisation_id], [orgs[pid] for pid in dict.fromkeys(data.partner_ids)]


def _apply(action: PlanAction, data: ActionData, lead: Organisation, partners: list[Organisation]) -> None:
    action.title = data.title.strip()[:300]
    action.description = (data.description or "").strip()
    action.axis = Axis(data.axis)
    action.lead_organisation = lead
    action.budget_eur = data.budget_eur
    action.start_date, action.end_date = data.start_date, data.end_date
    action.status = ActionStatus(data.status)
    action.progress_notes = (data.progress_notes or "").strip()
    wanted = [p.id for p in partners]
    action.partner_links = [link for link in action.partner_links if link.organisation_id in wanted]
    have = {link.organisation_id for link in action.partner_links}
    for org in partners:
        if org.id not in have:
            action.partner_links.append(ActionPartner(organisation=org))


def _snapshot(action: PlanAction) -> dict:
    return {"title": action.title, "axis": action.axis.value if action.axis else None,
            "lead_organisation_id": action.lead_organisation_id,
            "partner_ids": sorted(link.organisation_id for link in action.partner_links),
            "budget_eur": f"{Decimal(action.budget_eur or 0):.2f}", "start_date": action.start_date,
            "end_date": action.end_date, "status": action.status.value if action.status else None,
            "description": action.description, "progress_notes": action.progress_notes}


def add_action(plan: ActionPlan, data: ActionData, *, user) -> PlanAction:
    revision = require_editable(plan)
    lead, partners = _check_action(plan, data)
    action = PlanAction(revision=revision, position=len(revision.actions) + 1, partner_links=[])
    _apply(action, data, lead, partners)
    db.session.add(action)
    db.session.flush()
    record("plan_action.created", action, actor=user, summary=action.title,
           details={"plan_id": plan.id, "revision": revision.number})
    index_plan(plan)
    return action


def update_action(plan: ActionPlan, action: PlanAction, data: ActionData, *, expected_version: int,
                  user) -> PlanAction:
    require_editable(plan, action.revision)
    if action.version != expected_version:
        raise StaleEdit(action)
    lead, partners = _check_action(plan, data)
    before = _snapshot(action)
    _apply(action, data, lead, partners)
    after = _snapshot(action)
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        db.session.flush()
        record("plan_action.updated", action, actor=user, summary=action.title,
               details={"plan_id": plan.id, "changed": changed})
        index_plan(plan)
    return action


def delete_action(plan: ActionPlan, action: PlanAction, *, expected_version: int, user) -> None:
    require_editable(plan, action.revision)
    if action.version != expected_version:
        raise StaleEdit(action)
    record("plan_action.deleted", action, actor=user, summary=action.title, details={"plan_id": plan.id})
    db.session.delete(action)
    index_plan(plan)


# --- Sign-off ------------------------------------------------------------------

def default_signatory_ids(plan: ActionPlan) -> list[int]:
    """The State (préfecture de région), the Region, the plan's department and the SPEL's EPCIs."""
    from ..demo.reference import DEPARTMENT_OF_SPEL

    orgs = db.session.execute(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)).scalars().all()
    state = [o for o in orgs if o.kind == OrgKind.ETAT and o.spel_id is None]
    region = [o for o in orgs if o.kind == OrgKind.REGION]
    department_name = DEPARTMENT_OF_SPEL.get(plan.spel.slug)
    department = [o for o in orgs if o.kind == OrgKind.DEPARTEMENT and o.name == department_name]
    epcis = [o for o in orgs if o.kind == OrgKind.EPCI and o.spel_id == plan.spel_id]
    return [o.id for o in state + region + department + epcis]


def revision_content(revision: PlanRevision) -> dict:
    """What is signed: the plan, its actions and their indicator targets, in a stable order."""
    from ..indicators.models import IndicatorValue

    plan = revision.plan
    action_ids = [a.id for a in revision.actions]
    values = db.session.execute(
        select(IndicatorValue).where(IndicatorValue.action_id.in_(action_ids))
        .options(selectinload(IndicatorValue.indicator))
        .order_by(IndicatorValue.action_id, IndicatorValue.indicator_id, IndicatorValue.year)
    ).scalars().all() if action_ids else []
    by_action: dict[int, list] = {}
    for v in values:
        by_action.setdefault(v.action_id, []).append({
            "indicateur": v.indicator.code, "libelle": v.indicator.name, "unite": v.indicator.unit,
            "annee": v.year, "cible": None if v.target is None else f"{Decimal(v.target):.2f}"})
    return {
        "type": "plan_action",
        "plan": {"id": plan.id, "spel": plan.spel.name, "annee": plan.year, "titre": plan.title},
        "revision": revision.number,
        "resume": revision.summary,
        "actions": [{
            "numero": i + 1,
            "intitule": a.title,
            "description": a.description,
            "axe": a.axis.value,
            "pilote": {"id": a.lead_organisation_id, "nom": a.lead_organisation.name},
            "partenaires": [{"id": o.id, "nom": o.name} for o in sorted(a.partners, key=lambda o: o.id)],
            "budget_eur": f"{Decimal(a.budget_eur or 0):.2f}",
            "debut": a.start_date.isoformat() if a.start_date else None,
            "fin": a.end_date.isoformat() if a.end_date else None,
            "statut": a.status.value,
            "avancement": a.progress_notes,
            "indicateurs": by_action.get(a.id, []),
        } for i, a in enumerate(revision.actions)],
    }


def submit(plan: ActionPlan, *, organisation_ids: list[int], user, principal):
    """Open a sign-off round on the latest revision; the plan is frozen while it runs."""
    if not can_manage(principal, plan.spel_id):
        _refuse("action_plan.submit_refused", "action_plan", plan.id,
                "Seuls les co-présidents du SPEL et le secrétariat soumettent son plan.")
    PLAN_WORKFLOW.require(plan, PlanState.SUBMITTED)
    revision = latest_revision(plan)
    if not revision.actions:
        _refuse("action_plan.submit_refused", "action_plan", plan.id,
                "Ajoutez au moins une action avant de soumettre le plan.")
    content = signoff.canonical_json(revision_content(revision))
    try:
        round_ = signoff.open_round(SUBJECT_TYPE, revision.id, title=f"{plan.title} — révision {revision.number}",
                                    content=content, organisation_ids=organisation_ids, opened_by=user)
    except ServiceError as exc:
        _refuse("action_plan.submit_refused", "action_plan", plan.id, exc.message, field=exc.field or "organisations",
                organisation_ids=organisation_ids)
    revision.submitted_at = utcnow()
    PLAN_WORKFLOW.move(plan, PlanState.SUBMITTED,
                       summary=f"{plan.title} : révision {revision.number} soumise à validation",
                       details={"revision": revision.number, "round_id": round_.id, "sha256": round_.content_hash})
    return round_


def _plan_of_round(round_) -> tuple[ActionPlan, PlanRevision]:
    revision = db.session.get(PlanRevision, round_.subject_id)
    return revision.plan, revision


def on_round_approved(round_) -> None:
    plan, revision = _plan_of_round(round_)
    PLAN_WORKFLOW.move(plan, PlanState.ADOPTED, summary=f"{plan.title} adopté (révision {revision.number})",
                       details={"revision": revision.number, "round_id": round_.id, "sha256": round_.content_hash})
    plan.adopted_at = utcnow()
    index_plan(plan)
    notify(recipients.co_chairs_of(plan.spel_id), "plan_adopted", f"Plan adopté : {plan.title}",
           f"/plans/{plan.id}", f"Révision {revision.number} validée par toutes les organisations appelées.")


def on_round_changes_requested(round_, party) -> PlanRevision:
    """Back to draft as a new revision that copies the actions (and their indicator values)."""
    plan, revision = _plan_of_round(round_)
    PLAN_WORKFLOW.move(plan, PlanState.DRAFT,
                       summary=f"{plan.title} : modifications demandées par {party.organisation.name}",
                       details={"revision": revision.number, "round_id": round_.id,
                                "organisation_id": party.organisation_id})
    notify(recipients.co_chairs_of(plan.spel_id), "changes_requested",
           f"Modifications demandées : {plan.title}", f"/plans/{plan.id}",
           f"Demandées par {party.organisation.name}.")
    return _new_revision(plan, revision, reason=f"Modifications demandées (circuit n° {round_.id})")


def _new_revision(plan: ActionPlan, source: PlanRevision, *, reason: str) -> PlanRevision:
    from ..indicators.models import IndicatorValue

    new = PlanRevision(plan=plan, number=source.number + 1, summary=source.summary)
    db.session.add(new)
    db.session.flush()
    values = db.session.execute(
        select(IndicatorValue).where(IndicatorValue.action_id.in_([a.id for a in source.actions]))
    ).scalars().all() if source.actions else []
    for old in source.actions:
        copy = PlanAction(revision=new, position=old.position, title=old.title, description=old.description,
                          axis=old.axis, lead_organisation_id=old.lead_organisation_id, budget_eur=old.budget_eur,
                          start_date=old.start_date, end_date=old.end_date, status=old.status,
                          progress_notes=old.progress_notes,
                          partner_links=[ActionPartner(organisation_id=link.organisation_id)
                                         for link in old.partner_links])
        db.session.add(copy)
        db.session.flush()
        for v in values:
            if v.action_id == old.id:
                db.session.add(IndicatorValue(
                    indicator_id=v.indicator_id, spel_id=v.spel_id, action_id=copy.id, year=v.year,
                    target=v.target, actual=v.actual, source=v.source,
                    entered_by_organisation_id=v.entered_by_organisation_id))
    record("action_plan.revision_created", plan, summary=f"{plan.title} : révision {new.number} ({reason})",
           details={"revision": new.number, "from_revision": source.number})
    index_plan(plan)
    return new


def withdraw(plan: ActionPlan, *, reason: str, user, principal) -> PlanRevision:
    """Co-chairs take a submitted plan back: the round is cancelled, the plan becomes a new draft revision."""
    from ..signoff.models import RoundState

    if not can_manage(principal, plan.spel_id):
        _refuse("action_plan.withdraw_refused", "action_plan", plan.id,
                "Seuls les co-présidents du SPEL et le secrétariat retirent son plan.")
    if not (reason or "").strip():
        _refuse("action_plan.withdraw_refused", "action_plan", plan.id, "Indiquez le motif du retrait.",
                field="reason")
    PLAN_WORKFLOW.require(plan, PlanState.DRAFT)
    revision = latest_revision(plan)
    round_ = signoff.open_round_for(SUBJECT_TYPE, revision.id)
    if round_ is not None and round_.state == RoundState.OPEN:
        signoff.cancel_round(round_, reason=reason)
    PLAN_WORKFLOW.move(plan, PlanState.DRAFT, summary=f"{plan.title} retiré de la validation : {reason.strip()}",
                       details={"revision": revision.number})
    return _new_revision(plan, revision, reason="retrait de la validation")


STATUS_CHOICES = [(s.value, label) for s, label in ACTION_STATUS_LABELS.items()]
AXIS_CHOICES = [(a.value, label) for a, label in AXIS_LABELS.items()]
