"""Two app instances sharing one database and one Redis behave as one.

Runs two real server processes: a session opened on one is valid on the other,
and login throttling counts attempts made on both (Flask-Limiter on Redis).
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    parsed = urllib.parse.urlparse(REDIS_URL)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_instances(tmp_path_factory):
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required under CI ({REDIS_URL})")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    db_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if db_url.startswith("postgresql"):
        db_url = _own_schema(db_url, "erbm_multi_instance")  # never touch the suite's own tables
    else:
        db_url = f"sqlite:///{tmp_path_factory.mktemp('multi') / 'shared.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "shared-secret-for-both-instances",
           "ERBM_DEMO": "1", "RATELIMIT_STORAGE_URI": REDIS_URL, "LOGIN_RATE_LIMIT_ACCOUNT": "4 per minute",
           "LOGIN_RATE_LIMIT_IP": "100 per minute"}
    prep = (
        "from erbm_portal import create_app\n"
        "from erbm_portal.extensions import db\n"
        "from erbm_portal.accounts import services\n"
        "from erbm_portal.directory import services as d\n"
        "from erbm_portal.directory.models import OrgKind, Organisation\n"
        "app = create_app({'PASSWORD_HASH_PARAMS': {'time_cost': 1, 'memory_cost': 1024, 'parallelism': 1}})\n"
        "with app.app_context():\n"
        "    db.drop_all(); db.create_all()\n"
        "    org = d.create_organisation(name='Org multi', short_name='M', kind=OrgKind.ETAT)\n"
        "    services.create_user(email='multi@exemple.fr', full_name='Multi', organisation=org, password='mot-de-passe-multi')\n"
        "    db.session.commit()\n"
    )
    subprocess.run([sys.executable, "-c", prep], cwd=ROOT, env=env, check=True, timeout=120)
    _flush_redis()
    procs, urls = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port), "--no-reload"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"instance {url} did not start")
                time.sleep(0.2)
    yield urls
    for p in procs:
        p.terminate()
        p.wait(10)


def _own_schema(url: str, schema: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


class Browser:
    """A tiny cookie-keeping client that does not follow redirects."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, url, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            resp = self.opener.open(url, data=body, timeout=10)
            return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def login(self, base, password):
        _, html = self.request(base + "/connexion")
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        return self.request(base + "/connexion", {"email": "multi@exemple.fr", "password": password,
                                                  "csrf_token": token})[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_session_opened_on_one_instance_is_valid_on_the_other(two_instances):
    a, b = two_instances
    browser = Browser()
    assert browser.login(a, "mot-de-passe-multi") == 303
    status, html = browser.request(b + "/")
    assert status == 200 and "Bonjour Multi" in html


def test_login_throttling_is_shared_through_redis(two_instances):
    a, b = two_instances
    _flush_redis()
    statuses = [Browser().login(base, "mauvais") for base in (a, b, a, b, a)]
    assert statuses == [422, 422, 422, 422, 429]
