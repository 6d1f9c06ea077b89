"""Indicators: RAG status, roll-up, the computed +47 %, exports safe against formula injection, bad input."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from erbm_portal.audit.models import AuditEvent
from erbm_portal.core import spreadsheet
from erbm_portal.core.errors import ServiceError
from erbm_portal.core.svgchart import percent_change
from erbm_portal.directory.models import Spel
from erbm_portal.extensions import db as _db
from erbm_portal.indicators import services
from erbm_portal.indicators.metrics import expected_target, rag_status
from erbm_portal.indicators.models import Indicator, IndicatorValue
from erbm_portal.web.principal import Principal

from .conftest import csrf_from


def _ind(code):
    return _db.session.execute(select(Indicator).filter_by(code=code)).scalar_one()


def _secretariat():
    from erbm_portal.accounts.models import User
    user = _db.session.execute(select(User).filter_by(email="secretariat@erbm-demo.fr")).scalar_one()
    return user, Principal.for_user(user)


@pytest.mark.parametrize("actual, target, status", [
    (95, 100, "green"), (200, 100, "green"), (94, 100, "amber"), (75, 100, "amber"), (74, 100, "red"),
    (0, 100, "red"), (10, None, None), (None, 100, None), (10, 0, None),
])
def test_rag_thresholds(actual, target, status):
    assert rag_status(actual, target) == status


def test_expected_target_is_linear_over_the_period():
    assert expected_target(23000, 2017, 2027, 2023) == 14636  # 7 of 11 years
    assert expected_target(23000, 2017, 2027, 2030) == 23000
    assert expected_target(None, 2017, 2027, 2023) is None


def test_rollup_sums_spel_values_and_computes_plus_47(demo):
    rollups = {r.indicator.code: r for r in services.programme_rollup(2023)}
    hours = rollups["HRS"]
    assert hours.actual == Decimal(530000) and hours.target == Decimal(360000)
    assert hours.change_vs_baseline == percent_change(530000, 360000) == 47
    assert hours.actual == sum(f.actual for f in hours.spels)
    assert rollups["LOG"].target == 23000 and rollups["LOG"].actual == sum(f.actual for f in rollups["LOG"].spels)
    assert rollups["CTR"].actual == 586 and rollups["CIE"].actual == 550 and rollups["RSA"].actual > 5000
    assert rollups["ETP"].actual == 13000 and rollups["EUR"].actual == 193_000_000
    assert rollups["HAB"].actual == 1_200_000
    env = rollups["ENV"]  # not additive: the latest programme value, +15 % on 2017
    assert env.actual == 115 and env.change_vs_baseline == 15 and env.spels == []
    assert rollups["LOG"].rag == "amber"  # 12 600 done against 14 636 expected by 2023 (86 %)


def test_dashboard_and_home_show_the_computed_figures(client, login_as):
    login_as("partner")
    page = client.get("/indicateurs/").get_data(as_text=True)
    assert "+47&nbsp;%" in page and "530\u202f000" in page and "<svg" in page and 'role="img"' in page
    assert "<table" in page and "SPEL de Lens" in page
    home = client.get("/").get_data(as_text=True)
    assert "Le programme en chiffres" in home and "+47&nbsp;%" in home


def _inject(demo_db):
    user, principal = _secretariat()
    ind = services.create_indicator(services.IndicatorData(
        code="INJ", name="=HYPERLINK(\"http://x\")", unit="@unité", start_year=2017, end_year=2027),
        principal=principal, user=user)
    spel = _db.session.execute(select(Spel).filter_by(slug="lens")).scalar_one()
    services.set_value(ind, services.ValueData(2023, Decimal(10), Decimal(5), "+cmd|' /C calc'!A0"),
                       spel_id=spel.id, organisation_id=user.organisation_id, principal=principal, user=user)
    _db.session.commit()


def test_csv_export_neutralises_formulas(client, login_as):
    login_as("observer")
    _inject(_db)
    resp = client.get("/indicateurs/export.csv")
    raw = resp.data
    assert resp.status_code == 200 and raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Code", "Indicateur", "Unité"]
    inj = next(r for r in rows if r[0] == "INJ")
    assert inj[1] == "'=HYPERLINK(\"http://x\")" and inj[2] == "'@unité" and inj[8].startswith("'+cmd")
    assert inj[5] == "10" and inj[6] == "5"
    assert not any(cell[:1] in "=+-@" for r in rows for cell in r if cell)


def test_xlsx_export_neutralises_formulas(client, login_as):
    login_as("observer")
    _inject(_db)
    resp = client.get("/indicateurs/export.xlsx")
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(values_only=True))
    inj = next(r for r in rows if r[0] == "INJ")
    assert inj[1].startswith("'=") and inj[8].startswith("'+") and inj[5] == 10
    assert all(not (isinstance(c, str) and c[:1] in "=+-@") for r in rows for c in r)
    assert any(r[0] == "HRS" for r in rows)


def test_spreadsheet_helper_is_the_one_used_by_the_audit_export():
    from erbm_portal.audit import views as audit_views
    assert audit_views.csv_cell is spreadsheet.csv_cell
    assert spreadsheet.safe_text("-1") == "'-1" and spreadsheet.xlsx_cell(-1) == -1
    assert spreadsheet.safe_text("\tx") == "'\tx" and spreadsheet.safe_text("ok") == "ok"


@pytest.mark.parametrize("field, value, message", [
    ("target", "douze", "La cible doit être un nombre"),
    ("actual", "1.2.3", "Le réalisé doit être un nombre"),
    ("year", "2030", "2017-2027"),
    ("year", "2016", "2017-2027"),
    ("year", "deux mille", "quatre chiffres"),
    ("actual", "-4", "négative"),
])
def test_value_form_bad_input(client, login_as, field, value, message):
    login_as("co_chair")
    ind = _ind("LOG")
    url = f"/indicateurs/{ind.id}/valeurs/nouvelle"
    token = csrf_from(client.get(url).get_data(as_text=True))
    lens = _db.session.execute(select(Spel).filter_by(slug="lens")).scalar_one()
    data = {"csrf_token": token, "level": f"spel:{lens.id}", "year": "2024", "target": "10", "actual": "5",
            "source": "test", field: value}
    before = _db.session.execute(select(_db.func.count(IndicatorValue.id))).scalar()
    resp = client.post(url, data=data)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert _db.session.execute(select(_db.func.count(IndicatorValue.id))).scalar() == before
    assert _db.session.execute(select(AuditEvent).where(AuditEvent.action.in_(
        ["indicator_value.input_refused", "indicator_value.refused"]))).first()


def test_value_entry_level_is_checked(client, login_as):
    login_as("co_chair")
    ind = _ind("CTR")
    url = f"/indicateurs/{ind.id}/valeurs/nouvelle"
    token = csrf_from(client.get(url).get_data(as_text=True))
    bethune = _db.session.execute(select(Spel).filter_by(slug="bethune")).scalar_one()
    resp = client.post(url, data={"csrf_token": token, "level": f"spel:{bethune.id}", "year": "2024", "actual": "5"})
    assert resp.status_code == 422 and "ne pouvez pas" in resp.get_data(as_text=True)
    lens = _db.session.execute(select(Spel).filter_by(slug="lens")).scalar_one()
    ok = client.post(url, data={"csrf_token": token, "level": f"spel:{lens.id}", "year": "2024", "actual": "5,5"})
    assert ok.status_code == 303
    value = _db.session.execute(select(IndicatorValue).filter_by(spel_id=lens.id, indicator_id=ind.id, year=2024)
                                ).scalar_one()
    assert value.actual == Decimal("5.5") and value.validated_by_id is None


def test_value_stale_edit_gives_409_and_validation(client, login_as):
    login_as("secretariat")
    value = _db.session.execute(select(IndicatorValue).where(IndicatorValue.action_id.is_(None),
                                                             IndicatorValue.spel_id.is_not(None))).scalars().first()
    url = f"/indicateurs/valeurs/{value.id}/modifier"
    token = csrf_from(client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "version": str(value.version), "year": str(value.year), "actual": "7",
            "target": "", "source": "x"}
    assert client.post(url, data=form).status_code == 303
    stale = client.post(url, data={**form, "actual": "8"})
    assert stale.status_code == 409 and "entre-temps" in stale.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(IndicatorValue, value.id).actual == 7
    assert client.post(f"/indicateurs/valeurs/{value.id}/valider", data={"csrf_token": token}).status_code == 303
    _db.session.expire_all()
    assert _db.session.get(IndicatorValue, value.id).validated_by_id is not None


def test_catalogue_is_managed_by_the_secretariat(client, login_as):
    user, principal = _secretariat()
    with pytest.raises(ServiceError, match="2017-2027"):
        services.create_indicator(services.IndicatorData(code="X", name="X", unit="u", start_year=2015, end_year=2020),
                                  principal=principal, user=user)
    _db.session.rollback()
    login_as("secretariat")
    url = "/indicateurs/catalogue/nouveau"
    token = csrf_from(client.get(url).get_data(as_text=True))
    bad = client.post(url, data={"csrf_token": token, "code": "TST", "name": "Test", "unit": "u",
                                 "start_year": "2017", "end_year": "2028", "programme_target": "mille"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Saisissez un nombre" in body
    ok = client.post(url, data={"csrf_token": token, "code": "TST", "name": "Test", "unit": "u",
                                "start_year": "2017", "end_year": "2027", "programme_target": "1 000", "additive": "y"})
    assert ok.status_code == 303 and _ind("TST").programme_target == 1000
    dup = client.post(url, data={"csrf_token": token, "code": "TST", "name": "Autre", "unit": "u",
                                 "start_year": "2017", "end_year": "2027"})
    assert dup.status_code == 422 and "déjà" in dup.get_data(as_text=True)


@pytest.fixture(autouse=True)
def _demo_for_http(request):
    if "login_as" in request.fixturenames or "demo" in request.fixturenames:
        request.getfixturevalue("demo")


def test_action_target_entered_from_a_draft_plan_only(client, login_as):
    from erbm_portal.plans.models import ActionPlan, PlanState

    login_as("secretariat")
    ind = _ind("CTR")
    plans = {p.spel.slug: p for p in _db.session.execute(select(ActionPlan)).scalars()}
    draft_action = plans["valenciennes"].revisions[-1].actions[0]
    url = f"/indicateurs/{ind.id}/valeurs/nouvelle?action={draft_action.id}"
    page = client.get(url).get_data(as_text=True)
    token = csrf_from(page)
    ok = client.post(url, data={"csrf_token": token, "level": f"action:{draft_action.id}", "year": "2023",
                                "target": "12"})
    assert ok.status_code == 303 and f"/plans/{plans['valenciennes'].id}" in ok.headers["Location"]
    frozen_action = plans["lens"].revisions[-1].actions[0]
    assert plans["lens"].state == PlanState.SUBMITTED
    url = f"/indicateurs/{ind.id}/valeurs/nouvelle?action={frozen_action.id}"
    refused = client.post(url, data={"csrf_token": token, "level": f"action:{frozen_action.id}", "year": "2023",
                                     "target": "12"})
    assert refused.status_code == 422 and "figé" in refused.get_data(as_text=True)
