"""ERBM partner intranet: application factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from .config import DEV_SECRET_KEY, PROJECT_ROOT, Config, is_sqlite


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    from .web.request import CleanRequest

    app.request_class = CleanRequest  # control characters removed from what people type
    app.config.from_object(Config)
    if test_config:
        app.config.update(test_config)
    _check_secret_key(app)
    _check_rate_limit_storage(app)
    if app.config["ERBM_DEMO"] or app.debug or app.testing:
        app.config["SESSION_COOKIE_SECURE"] = app.config.get("FORCE_SECURE_COOKIE", False)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_extensions(app)
    _register_blueprints(app)

    from .web.errors import register_error_handlers
    from .web.guard import init_guard
    from .web.security import add_security_headers
    from .web.templating import init_templating

    register_error_handlers(app)
    init_templating(app)
    app.after_request(add_security_headers)
    init_guard(app)  # last: it checks that every endpoint has an access rule

    from .cli import register_cli

    register_cli(app)
    return app


def _check_secret_key(app: Flask) -> None:
    lax = app.config["ERBM_DEMO"] or app.debug or app.testing
    if not lax and app.config["SECRET_KEY"] in (DEV_SECRET_KEY, "", None):
        raise RuntimeError(
            "SECRET_KEY must be set outside demo mode (set ERBM_DEMO=1 for a local demonstration)."
        )


def _check_rate_limit_storage(app: Flask) -> None:
    """Login throttling must count across every worker and instance, hence shared storage."""
    lax = app.config["ERBM_DEMO"] or app.debug or app.testing
    uri = app.config.get("RATELIMIT_STORAGE_URI") or ("memory://" if lax else "")
    if not lax and (not uri or uri.startswith("memory://")):
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI must name shared storage outside demo mode (e.g. redis://host:6379/0): "
            "memory:// counts per process, so every worker and instance would allow its own quota.")
    app.config["RATELIMIT_STORAGE_URI"] = uri


def _init_extensions(app: Flask) -> None:
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .core.db import configure_sqlite

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if is_sqlite(uri):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
            "connect_args": {"timeout": app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000},
        }
        if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
            Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        if is_sqlite(uri):
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    from .search.ddl import include_name

    # include_name: alembic leaves the raw full-text objects (search.ddl) alone.
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, include_name=include_name)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from .accounts.loader import load_user

    login_manager.user_loader(load_user)
    _import_models()


def _domain_module(domain: str, name: str):
    from importlib import import_module
    from importlib.util import find_spec

    qualified = f"{__name__}.{domain}.{name}"
    return import_module(qualified) if find_spec(qualified) else None


def _import_models() -> None:
    """Every model module, so that metadata (and migrations) see all tables."""
    from .domains import DOMAINS

    for domain in DOMAINS:
        _domain_module(domain, "models")


def _register_blueprints(app: Flask) -> None:
    from .domains import DOMAINS

    for domain in DOMAINS:
        views = _domain_module(domain, "views")
        if views is not None:
            app.register_blueprint(views.bp)
