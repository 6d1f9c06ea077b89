from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import select

from ..directory.models import Committee
from ..extensions import db
from ..web.htmx import render
from ..web.principal import current_principal
from .forms import SearchForm
from .services import search
from .sources import type_labels
from .visibility import readable_committees

bp = Blueprint("search", __name__)
PAGE_SIZE = 20
MAX_PAGE = 50


@bp.route("/recherche")
def search_page():
    principal = current_principal()
    committees = db.session.execute(
        select(Committee.id, Committee.name).where(Committee.id.in_(readable_committees(principal)))
        .order_by(Committee.kind, Committee.name)
    ).all()
    labels = type_labels()
    form = SearchForm(request.args, meta={"csrf": False})
    form.type.choices = [("", "Tous les types")] + sorted(labels.items(), key=lambda kv: kv[1])
    form.committee.choices = [("", "Toutes les instances")] + [(str(c.id), c.name) for c in committees]
    doc_type = form.type.data if form.type.data in labels else None
    committee_ids = {str(c.id): c.id for c in committees}
    committee_id = committee_ids.get(form.committee.data or "")
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    results = search(principal, form.q.data, types=[doc_type] if doc_type else None,
                     committee_id=committee_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render("search/results.html", "results", form=form, results=results, page=page,
                  submitted=bool((form.q.data or "").strip()), max_page=MAX_PAGE,
                  browsable=MAX_PAGE * PAGE_SIZE)
