"""Configuration read from the environment, with safe defaults for the demo."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-erbm-secret-key-change-me"


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on", "oui"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # Demo mode: development secret accepted, cookies not marked Secure.
    ERBM_DEMO = _bool("ERBM_DEMO", False)

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'instance' / 'erbm.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 15000

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Shared storage (redis://...) outside demo mode: memory:// counts per process, so each
    # gunicorn worker and each instance would grant its own quota (create_app refuses it).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT_IP = os.environ.get("LOGIN_RATE_LIMIT_IP", "30 per minute")
    LOGIN_RATE_LIMIT_ACCOUNT = os.environ.get("LOGIN_RATE_LIMIT_ACCOUNT", "10 per minute")
    LOCKOUT_THRESHOLD = int(os.environ.get("LOCKOUT_THRESHOLD", "8"))
    LOCKOUT_MINUTES = int(os.environ.get("LOCKOUT_MINUTES", "15"))

    SESSION_COOKIE_NAME = "erbm_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")))
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_TIMEOUT

    WTF_CSRF_TIME_LIMIT = None  # tied to the session, which has its own timeouts
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")  # console | file | smtp | memory
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(PROJECT_ROOT / "instance" / "mail"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "ne-pas-repondre@erbm-demo.fr")
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "6"))
    # Send queued mail right after the response (demo); None = yes unless testing. Production: False + worker.
    MAIL_SEND_AFTER_RESPONSE = (_bool("MAIL_SEND_AFTER_RESPONSE", True)
                                if "MAIL_SEND_AFTER_RESPONSE" in os.environ else None)

    # How notification emails leave: queued in the outbox, in the same transaction as the change.
    NOTIFICATION_EMAIL_BACKEND = os.environ.get("NOTIFICATION_EMAIL_BACKEND", "erbm_portal.mail.services:queue_mail")

    DEMO_PASSWORD = os.environ.get("ERBM_DEMO_PASSWORD", "bassin-minier-2017")
    PROGRAMME_NAME = "Engagement pour le Renouveau du Bassin Minier"


def is_sqlite(uri: str) -> bool:
    return uri.startswith("sqlite")
