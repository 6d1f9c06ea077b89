from __future__ import annotations

import csv
import io
from datetime import datetime, time

from flask import Blueprint, Response, request
from sqlalchemy import select

from ..core.spreadsheet import CSV_BOM, csv_cell
from ..core.timeutil import PARIS, from_paris, to_paris
from ..extensions import db
from ..web.htmx import render
from .forms import AuditFilterForm
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


def _filtered_query(form: AuditFilterForm):
    q = select(AuditEvent)
    if form.action.data:
        q = q.where(AuditEvent.action.startswith(form.action.data.strip()))
    if form.actor.data:
        q = q.where(AuditEvent.actor_email.contains(form.actor.data.strip().lower()))
    if form.object_type.data:
        q = q.where(AuditEvent.object_type == form.object_type.data)
    if form.date_from.data:
        q = q.where(AuditEvent.created_at >= from_paris(datetime.combine(form.date_from.data, time.min)))
    if form.date_to.data:
        q = q.where(AuditEvent.created_at <= from_paris(datetime.combine(form.date_to.data, time.max)))
    return q.order_by(AuditEvent.id.desc())


@bp.route("/")
def events():
    form = AuditFilterForm(request.args, meta={"csrf": False})
    page = max(request.args.get("page", 1, type=int), 1)
    rows, has_next = [], False
    if form.validate():
        rows = db.session.execute(
            _filtered_query(form).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
        ).scalars().all()
        has_next = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    status = 200 if not form.errors else 422
    return render("audit/events.html", "results", form=form, rows=rows, page=page, has_next=has_next,
                  status=status)


@bp.route("/export.csv")
def export_csv():
    form = AuditFilterForm(request.args, meta={"csrf": False})
    if not form.validate():
        return events()
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(["id", "date (Paris)", "acteur", "organisation", "action", "objet", "id objet",
                     "résumé", "IP", "empreinte"])
    query = _filtered_query(form).execution_options(yield_per=1000)
    for ev in db.session.execute(query).scalars():
        writer.writerow([csv_cell(v) for v in (
            ev.id, to_paris(ev.created_at).strftime("%d/%m/%Y %H:%M:%S"), ev.actor_email, ev.organisation_id,
            ev.action, ev.object_type, ev.object_id, ev.summary, ev.ip, ev.hash)])
    stamp = datetime.now(PARIS).strftime("%Y%m%d-%H%M")
    return Response(CSV_BOM + buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="journal-audit-{stamp}.csv"'})
