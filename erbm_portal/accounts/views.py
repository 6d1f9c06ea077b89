from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..web.htmx import hx_redirect, render
from . import services
from .forms import ChangePasswordForm, LoginForm

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.dashboard")


def _account_key() -> str:
    return "login-account:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"], methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        if result.user is not None:
            session.clear()  # no session fixation: nothing from before sign-in survives
            login_user(result.user)
            session["sid"] = services.new_session_id()
            session["login_at"] = session["seen_at"] = time.time()
            session.permanent = True
            return redirect(_safe_next(form.next.data), code=303)
        form.form_errors.append(result.error)
        return render("accounts/login.html", form=form, status=422)
    status = 422 if form.is_submitted() else 200
    return render("accounts/login.html", form=form, status=status)


@bp.route("/deconnexion", methods=["POST"])
def logout():
    services.end_session(current_user._get_current_object(), session.get("sid"))
    db.session.commit()
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté·e.", "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/deconnexion-partout", methods=["POST"])
def logout_everywhere():
    user = current_user._get_current_object()
    services.end_all_sessions(user, reason="déconnexion de toutes les sessions")
    db.session.commit()
    logout_user()
    session.clear()
    flash("Toutes vos sessions ont été fermées.", "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/mon-compte")
def profile():
    return render("accounts/profile.html", form=ChangePasswordForm())


@bp.route("/mon-compte/mot-de-passe", methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        error = services.change_password(user, form.current.data, form.new.data)
        if error is None:
            db.session.commit()
            logout_user()
            session.clear()
            flash("Mot de passe changé. Reconnectez-vous avec le nouveau mot de passe.", "success")
            # The form is posted by htmx: a plain redirect would be followed by the XHR
            # and the login page swapped into the form. HX-Redirect loads it as a page.
            return hx_redirect(url_for("accounts.login"))
        form.current.errors = [error]
    return render("accounts/profile.html", "password_form", form=form, status=422)
