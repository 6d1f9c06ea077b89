from __future__ import annotations

from datetime import date

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import Grant, Role, User
from ..directory.models import Committee, Spel
from ..extensions import db
from ..web.htmx import render
from ..web.principal import current_principal

bp = Blueprint("home", __name__)


def _committees_with_co_chairs():
    committees = db.session.execute(
        select(Committee).options(joinedload(Committee.spel)).order_by(Committee.kind, Committee.name)
    ).scalars().all()
    today = date.today()
    grants = db.session.execute(
        select(Grant).where(Grant.role == Role.CO_CHAIR)
        .options(joinedload(Grant.user).joinedload(User.organisation))
    ).scalars().all()
    co_chairs: dict[int, list[User]] = {}
    for grant in grants:
        if grant.is_valid_on(today) and grant.user.active:
            co_chairs.setdefault(grant.scope_id, []).append(grant.user)
    return committees, co_chairs


@bp.route("/")
def dashboard():
    principal = current_principal()
    committees, co_chairs = _committees_with_co_chairs()
    spels = {s.id: s for s in db.session.execute(select(Spel)).scalars()}
    from ..indicators.views import dashboard_data

    return render("home/dashboard.html", committees=committees, co_chairs=co_chairs, spels=spels,
                  principal=principal, programme=dashboard_data())
