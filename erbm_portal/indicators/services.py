"""Indicator catalogue (secretariat), values (co-chairs of the SPEL, secretariat), roll-up to the programme."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import Role
from ..audit.services import record, record_now
from ..core.db import utcnow
from ..core.errors import ServiceError, StaleEdit
from ..core.svgchart import percent_change, progress_percent
from ..directory.models import Spel
from ..extensions import db
from ..plans.models import PROGRAMME_END, PROGRAMME_START, ActionPlan, PlanAction, PlanRevision, PlanState
from .metrics import expected_target, rag_status
from .models import Indicator, IndicatorValue


def _refuse(action: str, obj_type: str, obj_id, message: str, field: str | None = None, **details):
    record_now(action, object_type=obj_type, object_id=obj_id, summary=message, details=details)
    raise ServiceError(message, field=field)


# --- Catalogue -------------------------------------------------------------------

@dataclass
class IndicatorData:
    code: str
    name: str
    unit: str
    description: str = ""
    programme_target: Decimal | None = None
    start_year: int | None = PROGRAMME_START
    end_year: int | None = PROGRAMME_END
    additive: bool = True
    baseline: Decimal | None = None
    baseline_label: str = ""


def _check_indicator(data: IndicatorData, exclude_id: int | None = None) -> None:
    def refuse(message, field):
        _refuse("indicator.refused", "indicator", exclude_id, message, field=field)

    if not data.code.strip():
        refuse("Donnez un code court à l'indicateur.", "code")
    if not data.name.strip():
        refuse("Donnez un nom à l'indicateur.", "name")
    if not data.unit.strip():
        refuse("Précisez l'unité (logements, heures, personnes, euros…).", "unit")
    for name in ("start_year", "end_year"):
        year = getattr(data, name)
        if year is None or not PROGRAMME_START <= year <= PROGRAMME_END:
            refuse(f"La période doit être comprise dans le programme ({PROGRAMME_START}-{PROGRAMME_END}).", name)
    if data.end_year < data.start_year:
        refuse("L'année de fin précède l'année de début.", "end_year")
    if data.programme_target is not None and data.programme_target < 0:
        refuse("L'objectif ne peut pas être négatif.", "programme_target")
    for column, value, fld in ((Indicator.code, data.code.strip(), "code"), (Indicator.name, data.name.strip(), "name")):
        q = select(Indicator.id).where(column == value)
        if exclude_id:
            q = q.where(Indicator.id != exclude_id)
        if db.session.execute(q).first():
            refuse("Un indicateur du catalogue porte déjà ce " + ("code." if fld == "code" else "nom."), fld)


def _require_secretariat(principal, obj_id=None):
    if not principal.is_secretariat:
        _refuse("indicator.refused", "indicator", obj_id, "Seul le secrétariat gère le catalogue des indicateurs.")


def create_indicator(data: IndicatorData, *, principal, user=None) -> Indicator:
    _require_secretariat(principal)
    _check_indicator(data)
    ind = Indicator(position=(db.session.execute(select(db.func.count(Indicator.id))).scalar() or 0) + 1)
    _apply_indicator(ind, data)
    db.session.add(ind)
    db.session.flush()
    record("indicator.created", ind, actor=user, summary=ind.name, details={"code": ind.code})
    return ind


def update_indicator(ind: Indicator, data: IndicatorData, *, expected_version: int, principal, user=None) -> Indicator:
    _require_secretariat(principal, ind.id)
    if ind.version != expected_version:
        raise StaleEdit(ind)
    _check_indicator(data, exclude_id=ind.id)
    _apply_indicator(ind, data)
    record("indicator.updated", ind, actor=user, summary=ind.name, details={"code": ind.code})
    return ind


def _apply_indicator(ind: Indicator, data: IndicatorData) -> None:
    ind.code, ind.name, ind.unit = data.code.strip(), data.name.strip(), data.unit.strip()
    ind.description = (data.description or "").strip()
    ind.programme_target, ind.baseline = data.programme_target, data.baseline
    ind.baseline_label = (data.baseline_label or "").strip()
    ind.start_year, ind.end_year, ind.additive = data.start_year, data.end_year, data.additive


# --- Values ----------------------------------------------------------------------

def can_enter(principal, spel_id: int | None) -> bool:
    """SPEL values: its co-chairs and the secretariat; programme-wide values: the secretariat."""
    if principal.is_secretariat:
        return True
    return spel_id is not None and principal.has(Role.CO_CHAIR, spel_id)


@dataclass
class ValueData:
    year: int | None
    target: Decimal | None
    actual: Decimal | None
    source: str = ""


def _plan_of_action(action_id: int) -> tuple[PlanAction, ActionPlan]:
    row = db.session.execute(
        select(PlanAction, ActionPlan).join(PlanRevision, PlanAction.revision_id == PlanRevision.id)
        .join(ActionPlan, PlanRevision.plan_id == ActionPlan.id).where(PlanAction.id == action_id)
    ).first()
    if row is None:
        raise ServiceError("Action inconnue.", field="action_id")
    return row[0], row[1]


def _check_value(indicator: Indicator, data: ValueData, obj_id=None) -> None:
    def refuse(message, fld):
        _refuse("indicator_value.refused", "indicator", indicator.id, message, field=fld, year=data.year)

    if data.year is None or not PROGRAMME_START <= data.year <= PROGRAMME_END:
        refuse(f"L'année doit être comprise dans la durée du programme ({PROGRAMME_START}-{PROGRAMME_END}).", "year")
    if not indicator.start_year <= data.year <= indicator.end_year:
        refuse(f"Cet indicateur porte sur la période {indicator.period_label}.", "year")
    if data.target is None and data.actual is None:
        refuse("Saisissez au moins une cible ou une valeur réalisée.", "target")
    for name in ("target", "actual"):
        value = getattr(data, name)
        if value is not None and value < 0:
            refuse("Une valeur d'indicateur ne peut pas être négative.", name)


def set_value(indicator: Indicator, data: ValueData, *, spel_id: int | None, action_id: int | None = None,
              organisation_id: int, principal, user=None) -> IndicatorValue:
    """Create the value of (indicator, level, year), or refuse if it already exists (edit it instead)."""
    plan = None
    if action_id is not None:
        action, plan = _plan_of_action(action_id)
        spel_id = plan.spel_id
    if not can_enter(principal, spel_id):
        _refuse("indicator_value.refused", "indicator", indicator.id,
                "Vous ne pouvez pas saisir de valeur à ce niveau (SPEL : ses co-présidents ; programme : le secrétariat).",
                field="level")
    if plan is not None and plan.state != PlanState.DRAFT:
        _refuse("indicator_value.refused", "action_plan", plan.id,
                "Ce plan est figé : les cibles de ses actions ne peuvent plus être modifiées.", field="target")
    if spel_id is None and indicator.additive and action_id is None:
        pass  # programme-wide value of an additive indicator: allowed (added to the SPEL sum)
    _check_value(indicator, data)
    exists = db.session.execute(select(IndicatorValue.id).where(
        IndicatorValue.indicator_id == indicator.id, IndicatorValue.year == data.year,
        IndicatorValue.spel_id.is_(None) if spel_id is None else IndicatorValue.spel_id == spel_id,
        IndicatorValue.action_id.is_(None) if action_id is None else IndicatorValue.action_id == action_id)).first()
    if exists:
        _refuse("indicator_value.refused", "indicator", indicator.id,
                f"Une valeur existe déjà pour {data.year} à ce niveau : modifiez-la.", field="year")
    value = IndicatorValue(indicator=indicator, spel_id=spel_id, action_id=action_id, year=data.year,
                           target=data.target, actual=data.actual, source=(data.source or "").strip()[:300],
                           entered_by_organisation_id=organisation_id)
    db.session.add(value)
    db.session.flush()
    record("indicator_value.created", value, actor=user, summary=f"{indicator.name} {data.year}",
           details={"spel_id": spel_id, "action_id": action_id, "target": data.target, "actual": data.actual})
    return value


def update_value(value: IndicatorValue, data: ValueData, *, expected_version: int, organisation_id: int,
                 principal, user=None) -> IndicatorValue:
    if not can_enter(principal, value.spel_id):
        _refuse("indicator_value.refused", "indicator_value", value.id,
                "Vous ne pouvez pas modifier cette valeur.")
    if value.version != expected_version:
        raise StaleEdit(value)
    if value.action_id is not None:
        _action, plan = _plan_of_action(value.action_id)
        if plan.state != PlanState.DRAFT and data.target != value.target:
            _refuse("indicator_value.refused", "action_plan", plan.id,
                    "Ce plan est figé : la cible de l'action ne peut plus changer (le réalisé reste modifiable).",
                    field="target")
    data.year = value.year if data.year is None else data.year
    if data.year != value.year:
        _refuse("indicator_value.refused", "indicator_value", value.id,
                "L'année d'une valeur ne se modifie pas : saisissez une nouvelle valeur.", field="year")
    _check_value(value.indicator, data)
    before = {"target": value.target, "actual": value.actual, "source": value.source}
    value.target, value.actual, value.source = data.target, data.actual, (data.source or "").strip()[:300]
    value.entered_by_organisation_id, value.entered_at = organisation_id, utcnow()
    value.validated_by_id, value.validated_at = None, None  # a changed figure needs validating again
    record("indicator_value.updated", value, actor=user, summary=f"{value.indicator.name} {value.year}",
           details={"before": before, "after": {"target": data.target, "actual": data.actual, "source": value.source}})
    return value


def validate_value(value: IndicatorValue, *, user, principal) -> IndicatorValue:
    if not principal.is_secretariat:
        _refuse("indicator_value.refused", "indicator_value", value.id, "Seul le secrétariat valide les valeurs.")
    value.validated_by_id, value.validated_at = user.id, utcnow()
    record("indicator_value.validated", value, actor=user, summary=f"{value.indicator.name} {value.year}")
    return value


# --- Roll-up -------------------------------------------------------------------------

@dataclass
class SpelFigure:
    spel: Spel
    target: Decimal | None
    target_to_date: Decimal | None
    actual: Decimal | None

    @property
    def progress(self):
        return progress_percent(self.actual, self.target_to_date) if self.actual is not None else None

    @property
    def rag(self):
        return rag_status(self.actual, self.target_to_date)


@dataclass
class Rollup:
    indicator: Indicator
    actual: Decimal | None
    target: Decimal | None          # the programme's target for the whole period
    target_to_date: Decimal | None  # what a linear trajectory reaches by the reference year
    spels: list[SpelFigure] = field(default_factory=list)

    @property
    def progress(self):
        return progress_percent(self.actual, self.target) if self.actual is not None else None

    @property
    def rag(self):
        return rag_status(self.actual, self.target_to_date)

    @property
    def change_vs_baseline(self):
        if self.actual is None or self.indicator.baseline is None:
            return None
        return percent_change(self.actual, self.indicator.baseline)


def _sum(values):
    values = [Decimal(v) for v in values if v is not None]
    return sum(values, Decimal(0)) if values else None


def programme_rollup(as_of_year: int) -> list[Rollup]:
    """Every active indicator with its SPEL figures and the programme's (three queries whatever the data).

    Additive indicators: the programme's actual is the sum of SPEL values (and of any
    programme-wide value). Others: the latest programme-wide value. Action values are
    not added in (they detail the SPEL's figures and would count twice).
    """
    indicators = db.session.execute(
        select(Indicator).where(Indicator.active.is_(True)).order_by(Indicator.position, Indicator.id)).scalars().all()
    spels = db.session.execute(select(Spel).order_by(Spel.name)).scalars().all()
    rows = db.session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.spel_id, IndicatorValue.year, IndicatorValue.target,
               IndicatorValue.actual).where(IndicatorValue.action_id.is_(None))
    ).all()
    grouped = defaultdict(list)
    for r in rows:
        grouped[(r.indicator_id, r.spel_id)].append(r)
    out = []
    for ind in indicators:
        figures = []
        for spel in spels:
            vals = grouped.get((ind.id, spel.id), [])
            figures.append(SpelFigure(
                spel=spel, target=_sum(v.target for v in vals),
                target_to_date=_sum(v.target for v in vals if v.year <= as_of_year),
                actual=_sum(v.actual for v in vals if v.year <= as_of_year)))
        programme_vals = grouped.get((ind.id, None), [])
        if ind.additive:
            actual = _sum([f.actual for f in figures] + [v.actual for v in programme_vals if v.year <= as_of_year])
        else:
            latest = [v for v in sorted(programme_vals, key=lambda v: v.year) if v.actual is not None and v.year <= as_of_year]
            actual = Decimal(latest[-1].actual) if latest else None
        target = ind.programme_target
        if target is None and ind.additive:
            target = _sum([f.target for f in figures])
        out.append(Rollup(indicator=ind, actual=actual, target=target,
                          target_to_date=expected_target(target, ind.start_year, ind.end_year, as_of_year),
                          spels=figures if ind.additive else []))
    return out


def export_rows(principal=None) -> tuple[list[str], list[list]]:
    """SPEL-level and programme-wide values (action values stay with their plans)."""
    values = db.session.execute(
        select(IndicatorValue).where(IndicatorValue.action_id.is_(None))
        .options(joinedload(IndicatorValue.indicator), joinedload(IndicatorValue.spel),
                 joinedload(IndicatorValue.entered_by), joinedload(IndicatorValue.validated_by))
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .order_by(Indicator.position, Indicator.id, IndicatorValue.spel_id, IndicatorValue.year)
    ).scalars().all()
    header = ["Code", "Indicateur", "Unité", "Niveau", "Année", "Cible", "Réalisé", "Statut", "Source",
              "Saisi par", "Validé par"]
    from .metrics import RAG_LABELS

    rows = [[v.indicator.code, v.indicator.name, v.indicator.unit,
             v.spel.label if v.spel else "Programme", v.year,
             None if v.target is None else Decimal(v.target), None if v.actual is None else Decimal(v.actual),
             RAG_LABELS[rag_status(v.actual, v.target)], v.source, v.entered_by.name,
             v.validated_by.full_name if v.validated_by else ""] for v in values]
    return header, rows
