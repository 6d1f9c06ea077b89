"""Per-request checks: session timeouts, then the endpoint's access rule."""
from __future__ import annotations

import time

from flask import Flask, current_app, request, session, url_for
from flask_login import current_user, logout_user

from ..audit.services import record_now
from .errors import error_page
from .htmx import hx_redirect
from .policy import rule_for, undeclared_endpoints
from .principal import current_principal


def _session_expired() -> bool:
    now = time.time()
    cfg = current_app.config
    login_at = session.get("login_at", now)
    seen_at = session.get("seen_at", now)
    if now - seen_at > cfg["SESSION_IDLE_TIMEOUT"].total_seconds():
        return True
    if now - login_at > cfg["SESSION_ABSOLUTE_TIMEOUT"].total_seconds():
        return True
    session["seen_at"] = now
    return False


def enforce_policy():
    rule = rule_for(request.endpoint)
    if request.endpoint is None:
        return None  # no route: Flask answers 404/405
    if rule is None:
        raise RuntimeError(f"endpoint {request.endpoint!r} has no access rule")
    if rule.is_public:
        return None
    if current_user.is_authenticated and _session_expired():
        logout_user()
        session.clear()
    principal = current_principal()
    if not principal.is_authenticated:
        return hx_redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
    if not rule.admits(principal):
        record_now("access.denied", summary=f"{request.method} {request.path}",
                   details={"endpoint": request.endpoint})
        return error_page(403)
    return None


def init_guard(app: Flask) -> None:
    missing = undeclared_endpoints(app)
    if missing:
        raise RuntimeError(f"endpoints without an access rule: {', '.join(missing)}")
    app.before_request(enforce_policy)
