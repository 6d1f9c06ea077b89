from __future__ import annotations

from flask import Blueprint, flash, g, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..core.db import read_intent
from ..extensions import db
from ..web.htmx import hx_redirect, is_htmx, render
from ..web.principal import current_principal
from . import services
from .access import get_own_notification_or_404
from .forms import preferences_form
from .models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE_SIZE = 30


def unread_notification_count() -> int:
    """For the header: one query per full page, none for htmx fragments (never called there)."""
    if "erbm_unread" not in g:
        principal = current_principal()
        try:
            g.erbm_unread = services.unread_count(principal.user_id) if principal.is_authenticated else 0
        except SQLAlchemyError:  # e.g. while rendering an error page: the header must not fail
            db.session.rollback()
            g.erbm_unread = 0
    return g.erbm_unread


@bp.app_context_processor
def _inject():
    return {"unread_notification_count": unread_notification_count}


def _list_page(status: int = 200, *, announce: str | None = None, focus_id: int | None = None):
    """The list; after a swap, ``announce`` goes to the live region and focus to notification
    ``focus_id``'s link (or the first one): the button pressed is gone with the swap."""
    user_id = current_principal().user_id
    page = min(max(request.args.get("page", 1, type=int), 1), 1000)
    rows = db.session.execute(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).scalars().all()
    g.pop("erbm_unread", None)
    return render("notifications/list.html", "list", rows=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE,
                  page=page, oob=is_htmx(), status=status, announce=announce, focus_id=focus_id)


@bp.route("/")
def index():
    return _list_page()


@bp.route("/<int:notification_id>/lue", methods=["POST"])
def mark_read(notification_id: int):
    n = get_own_notification_or_404(notification_id)
    services.mark_read(n)
    db.session.commit()
    if is_htmx():
        with read_intent():  # the refreshed list only reads: on SQLite, no write lock meanwhile
            return _list_page(announce=f"Notification « {n.title} » marquée comme lue.", focus_id=n.id)
    return hx_redirect(url_for("notifications.index"))


@bp.route("/tout-lire", methods=["POST"])
def mark_all_read():
    count = services.mark_all_read(current_principal().user_id)
    db.session.commit()
    s = "s" if count != 1 else ""
    message = f"{count} notification{s} marquée{s} comme lue{s}."
    if is_htmx():
        with read_intent():  # the refreshed list only reads: on SQLite, no write lock meanwhile
            return _list_page(announce=message, focus_id=0)
    flash(message, "success")
    return hx_redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    user = current_user._get_current_object()
    current = services.preferences_for([user.id])[user.id]
    form = preferences_form(request.form if request.method == "POST" else None, current)
    if request.method == "POST":
        if form.validate():
            services.set_preferences(user, {f.name: f.data for f in form.kinds})
            db.session.commit()
            flash("Vos préférences de notification sont enregistrées.", "success")
            return hx_redirect(url_for("notifications.preferences"))
        return render("notifications/preferences.html", form=form, status=422)
    return render("notifications/preferences.html", form=form)
