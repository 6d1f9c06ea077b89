"""Programme dashboard, indicator catalogue, values and exports."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..audit.services import record_now
from ..core import spreadsheet
from ..core.errors import ServiceError, StaleEdit
from ..core.forms import attach_service_error
from ..core.svgchart import bar_chart
from ..core.timeutil import PARIS
from ..directory.models import Spel
from ..extensions import db
from ..plans.models import PROGRAMME_END, PROGRAMME_START
from ..web.htmx import render
from ..web.principal import current_principal
from . import services
from .forms import IndicatorForm, NewIndicatorForm, NewValueForm, ValueForm
from .metrics import AMBER_FROM, GREEN_FROM, RAG_BADGES, RAG_LABELS, rag_status
from .models import Indicator, IndicatorValue

bp = Blueprint("indicators", __name__, url_prefix="/indicateurs")


def reference_year() -> int:
    """The latest year with an actual figure (the figures' date), else the current year, within 2017-2027."""
    latest = db.session.execute(
        select(db.func.max(IndicatorValue.year)).where(IndicatorValue.actual.is_not(None))).scalar()
    return min(max(latest or date.today().year, PROGRAMME_START), PROGRAMME_END)


def _user():
    return current_user._get_current_object()


def dashboard_data(as_of: int | None = None) -> dict:
    """Roll-up and charts; also used by the summary block of the home dashboard."""
    as_of = as_of or reference_year()
    rollups = services.programme_rollup(as_of)
    charts = {}
    for r in rollups:
        if r.indicator.additive and any(f.actual is not None for f in r.spels):
            rows = [(f.spel.name, float(f.actual or 0), float(f.target) if f.target is not None else None)
                    for f in r.spels]
            charts[r.indicator.id] = bar_chart(f"{r.indicator.name} par SPEL (réalisé et objectif)", rows,
                                               r.indicator.unit, chart_id=f"chart-{r.indicator.code.lower()}")
    targeted = [r for r in rollups if r.target is not None and r.actual is not None]
    overview = bar_chart(
        "Réalisé du programme en pourcentage de son objectif",
        [(r.indicator.name, float(r.progress or 0), 100.0) for r in targeted], "%", chart_id="chart-programme")
    return {"rollups": rollups, "charts": charts, "overview": overview, "as_of": as_of,
            "rag_labels": RAG_LABELS, "rag_badges": RAG_BADGES, "green_from": GREEN_FROM, "amber_from": AMBER_FROM}


@bp.route("/")
def dashboard():
    return render("indicators/dashboard.html", **dashboard_data())


# --- Catalogue ---------------------------------------------------------------------

@bp.route("/catalogue")
def catalogue():
    indicators = db.session.execute(select(Indicator).order_by(Indicator.position, Indicator.id)).scalars().all()
    return render("indicators/catalogue.html", indicators=indicators,
                  action_id=request.args.get("action", type=int))


def _indicator_data(form) -> services.IndicatorData:
    return services.IndicatorData(
        code=form.code.data or "", name=form.name.data or "", unit=form.unit.data or "",
        description=form.description.data or "", programme_target=form.programme_target.data,
        start_year=form.start_year.data, end_year=form.end_year.data, additive=bool(form.additive.data),
        baseline=form.baseline.data, baseline_label=form.baseline_label.data or "")


def _indicator_page(form, indicator=None, status=200):
    return render("indicators/indicator_form.html", form=form, indicator=indicator, status=status)


@bp.route("/catalogue/nouveau", methods=["GET", "POST"])
def indicator_new():
    form = NewIndicatorForm() if request.method == "POST" else NewIndicatorForm(
        formdata=None, data={"start_year": PROGRAMME_START, "end_year": PROGRAMME_END, "additive": True})
    if request.method == "GET":
        return _indicator_page(form)
    if not form.validate_on_submit():
        record_now("indicator.input_refused", object_type="indicator", summary="Saisie refusée",
                   details={"errors": form.errors})
        return _indicator_page(form, status=422)
    try:
        ind = services.create_indicator(_indicator_data(form), principal=current_principal(), user=_user())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        attach_service_error(form, exc)
        return _indicator_page(form, status=422 if exc.field else 409)
    flash("Indicateur ajouté au catalogue.", "success")
    return redirect(url_for("indicators.detail", indicator_id=ind.id), code=303)


def _indicator_or_404(indicator_id: int) -> Indicator:
    ind = db.session.get(Indicator, indicator_id)
    if ind is None:
        abort(404)
    return ind


@bp.route("/<int:indicator_id>/modifier", methods=["GET", "POST"])
def indicator_edit(indicator_id: int):
    ind = _indicator_or_404(indicator_id)
    form = IndicatorForm(obj=ind)
    if request.method == "GET":
        return _indicator_page(form, ind)
    if not form.validate_on_submit():
        record_now("indicator.input_refused", object_type="indicator", object_id=indicator_id,
                   summary="Saisie refusée", details={"errors": form.errors})
        return _indicator_page(form, _indicator_or_404(indicator_id), status=422)
    try:
        services.update_indicator(ind, _indicator_data(form), expected_version=form.version.data,
                                  principal=current_principal(), user=_user())
        db.session.commit()
    except (StaleEdit, StaleDataError):
        db.session.rollback()
        ind = _indicator_or_404(indicator_id)
        fresh = IndicatorForm(formdata=None, obj=ind)
        fresh.form_errors.append(StaleEdit(ind).message)
        return _indicator_page(fresh, ind, status=409)
    except ServiceError as exc:
        db.session.rollback()
        attach_service_error(form, exc)
        return _indicator_page(form, _indicator_or_404(indicator_id), status=422 if exc.field else 409)
    flash("Indicateur modifié.", "success")
    return redirect(url_for("indicators.detail", indicator_id=indicator_id), code=303)


@bp.route("/<int:indicator_id>")
def detail(indicator_id: int):
    ind = _indicator_or_404(indicator_id)
    values = db.session.execute(
        select(IndicatorValue).where(IndicatorValue.indicator_id == ind.id, IndicatorValue.action_id.is_(None))
        .options(joinedload(IndicatorValue.spel), joinedload(IndicatorValue.entered_by),
                 joinedload(IndicatorValue.validated_by))
        .order_by(IndicatorValue.spel_id, IndicatorValue.year)
    ).scalars().all()
    principal = current_principal()
    return render("indicators/detail.html", indicator=ind, values=values, rag_status=rag_status,
                  rag_labels=RAG_LABELS, rag_badges=RAG_BADGES,
                  can_enter=lambda spel_id: services.can_enter(principal, spel_id),
                  may_add=principal.is_secretariat or bool(principal.co_chair_spel_ids))


# --- Values ----------------------------------------------------------------------------

def _level_choices(principal, action_id=None):
    choices = []
    if action_id:
        choices.append((f"action:{action_id}", f"Action n° {action_id} d'un plan d'action"))
    if principal.is_secretariat:
        choices.append(("programme", "Programme (ensemble du bassin minier)"))
    for spel in db.session.execute(select(Spel).order_by(Spel.name)).scalars():
        if services.can_enter(principal, spel.id):
            choices.append((f"spel:{spel.id}", spel.label))
    return choices


def _parse_level(text: str):
    kind, _, ident = (text or "").partition(":")
    if kind == "programme":
        return None, None
    if kind in ("spel", "action") and ident.isdigit():
        return (int(ident), None) if kind == "spel" else (None, int(ident))
    raise ServiceError("Niveau inconnu : choisissez-le dans la liste.", field="level")


def _value_page(form, indicator, value=None, status=200):
    return render("indicators/value_form.html", form=form, indicator=indicator, value=value, status=status)


@bp.route("/<int:indicator_id>/valeurs/nouvelle", methods=["GET", "POST"])
def value_new(indicator_id: int):
    ind = _indicator_or_404(indicator_id)
    principal = current_principal()
    action_id = request.values.get("action", type=int)
    form = NewValueForm() if request.method == "POST" else NewValueForm(formdata=None, data={"year": reference_year()})
    form.level.choices = _level_choices(principal, action_id)
    if request.method == "GET":
        return _value_page(form, ind)
    if not form.validate_on_submit():
        record_now("indicator_value.input_refused", object_type="indicator", object_id=ind.id,
                   summary="Saisie refusée", details={"errors": form.errors})
        return _value_page(form, _indicator_or_404(indicator_id), status=422)
    try:
        spel_id, action = _parse_level(form.level.data)
        value = services.set_value(ind, services.ValueData(form.year.data, form.target.data, form.actual.data,
                                                   form.source.data or ""),
                           spel_id=spel_id, action_id=action, organisation_id=current_user.organisation_id,
                           principal=principal, user=_user())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        attach_service_error(form, exc)
        return _value_page(form, _indicator_or_404(indicator_id), status=422 if exc.field else 409)
    flash("Valeur enregistrée.", "success")
    if value.action_id:
        _action, plan = services._plan_of_action(value.action_id)
        return redirect(url_for("plans.detail", plan_id=plan.id, _anchor=f"action-{value.action_id}"), code=303)
    return redirect(url_for("indicators.detail", indicator_id=indicator_id), code=303)


def _value_or_404(value_id: int) -> IndicatorValue:
    value = db.session.execute(select(IndicatorValue).where(IndicatorValue.id == value_id)
                               .options(joinedload(IndicatorValue.indicator))).scalar_one_or_none()
    if value is None:
        abort(404)
    return value


@bp.route("/valeurs/<int:value_id>/modifier", methods=["GET", "POST"])
def value_edit(value_id: int):
    value = _value_or_404(value_id)
    principal = current_principal()
    if not services.can_enter(principal, value.spel_id):
        abort(403)
    form = ValueForm(obj=value)
    form.level.choices = [("", value.spel.label if value.spel else "Programme")]
    if request.method == "GET":
        return _value_page(form, value.indicator, value)
    if not form.validate_on_submit():
        record_now("indicator_value.input_refused", object_type="indicator_value", object_id=value_id,
                   summary="Saisie refusée", details={"errors": form.errors})
        value = _value_or_404(value_id)
        return _value_page(form, value.indicator, value, status=422)
    try:
        services.update_value(value, services.ValueData(form.year.data, form.target.data, form.actual.data,
                                                        form.source.data or ""),
                              expected_version=form.version.data, organisation_id=current_user.organisation_id,
                              principal=principal, user=_user())
        db.session.commit()
    except (StaleEdit, StaleDataError):
        db.session.rollback()
        value = _value_or_404(value_id)
        fresh = ValueForm(formdata=None, obj=value)
        fresh.level.choices = form.level.choices
        fresh.form_errors.append(StaleEdit(value).message)
        return _value_page(fresh, value.indicator, value, status=409)
    except ServiceError as exc:
        db.session.rollback()
        value = _value_or_404(value_id)
        attach_service_error(form, exc)
        return _value_page(form, value.indicator, value, status=422 if exc.field else 409)
    flash("Valeur modifiée ; elle devra être validée à nouveau par le secrétariat.", "success")
    return redirect(url_for("indicators.detail", indicator_id=value.indicator_id), code=303)


@bp.route("/valeurs/<int:value_id>/valider", methods=["POST"])
def value_validate(value_id: int):
    from flask_wtf import FlaskForm

    value = _value_or_404(value_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    services.validate_value(value, user=_user(), principal=current_principal())
    db.session.commit()
    flash("Valeur validée.", "success")
    return redirect(url_for("indicators.detail", indicator_id=value.indicator_id), code=303)


# --- Exports -----------------------------------------------------------------------------

def _stamp() -> str:
    return datetime.now(PARIS).strftime("%Y%m%d-%H%M")


def _csv_number(value):
    """Decimal comma for French spreadsheets; integers without decimals."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        text = f"{value:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return value


@bp.route("/export.csv")
def export_csv():
    header, rows = services.export_rows()
    rows = [[_csv_number(v) for v in row] for row in rows]
    return Response(spreadsheet.csv_bytes(header, rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="indicateurs-erbm-{_stamp()}.csv"'})


@bp.route("/export.xlsx")
def export_xlsx():
    header, rows = services.export_rows()
    return Response(spreadsheet.xlsx_bytes("Indicateurs", header, rows),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="indicateurs-erbm-{_stamp()}.xlsx"'})
