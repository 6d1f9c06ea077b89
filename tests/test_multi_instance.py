"""Two app instances sharing one database and one Redis behave as one.

Runs two real server processes (same SECRET_KEY, database and Redis, nothing
else shared): a session opened on one is valid on the other, login throttling
counts attempts made on both (Flask-Limiter on Redis), a file uploaded through
one is downloaded byte for byte from the other, the Word pack frozen by a
convocation on one is served by the other, a change made on one is seen at once
on the other, and a stale edit is refused (409) whichever instance receives it.
On SQLite both processes open the same database file (WAL).
"""
from __future__ import annotations

import hashlib
import http.cookiejar
import io
import json
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
from docx import Document

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
CO_CHAIR = "copresidente@exemple.fr"
SCENE: dict = {}  # ids created by the fixture's preparation (committee, meeting, agenda items)


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
           "LOGIN_RATE_LIMIT_IP": "100 per minute", "MAIL_SEND_AFTER_RESPONSE": "0", "MAIL_BACKEND": "console"}
    prep = (
        "from erbm_portal import create_app\n"
        "from erbm_portal.extensions import db\n"
        "from erbm_portal.accounts import services\n"
        "from erbm_portal.directory import services as d\n"
        "from erbm_portal.directory.models import OrgKind, Organisation\n"
        "from erbm_portal.accounts.models import Role\n"
        "from erbm_portal.core.db import utcnow\n"
        "from erbm_portal.meetings import services as m\n"
        "from erbm_portal.search.ddl import install_search_ddl\n"
        "from datetime import timedelta\n"
        "import json\n"
        "app = create_app({'PASSWORD_HASH_PARAMS': {'time_cost': 1, 'memory_cost': 1024, 'parallelism': 1}})\n"
        "with app.app_context():\n"
        "    db.drop_all(); db.create_all()\n"
        "    with db.engine.begin() as conn:\n"
        "        install_search_ddl(conn)\n"
        "    org = d.create_organisation(name='Org multi', short_name='M', kind=OrgKind.ETAT)\n"
        "    services.create_user(email='multi@exemple.fr', full_name='Multi', organisation=org, password='mot-de-passe-multi')\n"
        "    spel = d.create_spel(slug='multi', name='Multi')\n"
        "    committee = d.create_committee(slug='spel-multi', code='MUL', name='Comité multi', spel=spel)\n"
        "    d.invite_organisation(committee, org)\n"
        f"    co = services.create_user(email='{CO_CHAIR}', full_name='Coprésidente', organisation=org, password='mot-de-passe-multi')\n"
        "    services.add_grant(co, role=Role.CO_CHAIR, scope_id=spel.id, valid_from=None, valid_to=None)\n"
        "    start = utcnow().replace(microsecond=0) + timedelta(days=30)\n"
        "    meeting = m.create_meeting(committee, title='Réunion multi-instances', starts_at=start, ends_at=start + timedelta(hours=2))\n"
        "    items = [m.add_item(meeting, title=t, kind='information', duration=20) for t in ('Point un', 'Point deux')]\n"
        "    db.session.commit()\n"
        "    print(json.dumps({'meeting': meeting.id, 'items': [i.id for i in items]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", prep], cwd=ROOT, env=env, check=True, timeout=120,
                          capture_output=True, text=True)
    SCENE.update(json.loads(done.stdout.strip().splitlines()[-1]))
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

    def request(self, url, data=None, *, files=None, headers=None, raw=False):
        headers = dict(headers or {})
        if files is not None:
            body, headers["Content-Type"] = _multipart(data or {}, files)
        else:
            body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            resp = self.opener.open(urllib.request.Request(url, data=body, headers=headers), timeout=60)
            content = resp.read()
            return resp.status, content if raw else content.decode()
        except urllib.error.HTTPError as err:
            content = err.read()
            return err.code, content if raw else content.decode()

    def login(self, base, password, email="multi@exemple.fr"):
        _, html = self.request(base + "/connexion")
        token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
        return self.request(base + "/connexion", {"email": email, "password": password,
                                                  "csrf_token": token})[0]

    def csrf(self, base, path="/"):
        _, html = self.request(base + path)
        return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "----erbm-multi-instance-boundary"
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, mimetype) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {mimetype}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


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


@pytest.fixture(scope="module")
def co_chair(two_instances):
    """The SPEL co-chair, signed in once on instance A (the session serves on both)."""
    browser = Browser()
    assert browser.login(two_instances[0], "mot-de-passe-multi", email=CO_CHAIR) == 303
    return browser


def _png(width: int = 3) -> bytes:
    """A real PNG (the upload checks the content, not the name)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, 2), (0, 85, 164)).save(buf, format="PNG")
    return buf.getvalue()


def _edit_form(browser, base, meeting_id, item_id) -> dict:
    """The agenda item's edit form as instance `base` serves it (its version included)."""
    status, html = browser.request(f"{base}/reunions/{meeting_id}/ordre-du-jour/{item_id}/modifier")
    assert status == 200
    fields = {name: value for name, value in re.findall(r'<input[^>]*name="(edit-[\w-]+)"[^>]*value="([^"]*)"', html)}
    fields["edit-kind"] = "information"
    fields["edit-notes"] = ""
    fields["csrf_token"] = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return fields


def test_attachment_uploaded_on_one_instance_downloads_identically_from_the_other(two_instances, co_chair):
    a, b = two_instances
    meeting_id, item_id = SCENE["meeting"], SCENE["items"][0]
    content = _png(7)
    status, _ = co_chair.request(
        f"{a}/reunions/{meeting_id}/ordre-du-jour/{item_id}/pieces-jointes",
        {"csrf_token": co_chair.csrf(a, f"/reunions/{meeting_id}")},
        files={f"up{item_id}-file": ("carte-du-bassin.png", content, "image/png")})
    assert status in (200, 303)
    status, page = co_chair.request(f"{b}/reunions/{meeting_id}")
    assert status == 200 and "carte-du-bassin.png" in page  # listed by the other instance
    version_id = re.search(r'href="/pieces-jointes/(\d+)"[^>]*>\s*carte-du-bassin\.png', page).group(1)
    status, downloaded = co_chair.request(f"{b}/pieces-jointes/{version_id}", raw=True)
    assert status == 200
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(content).hexdigest()


def test_change_on_one_instance_is_visible_at_once_on_the_other(two_instances, co_chair):
    a, b = two_instances
    meeting_id, item_id = SCENE["meeting"], SCENE["items"][1]
    fields = _edit_form(co_chair, a, meeting_id, item_id)
    fields["edit-title"] = "Point deux, intitulé revu sur l'instance A"
    status, _ = co_chair.request(f"{a}/reunions/{meeting_id}/ordre-du-jour/{item_id}/modifier", fields)
    assert status in (200, 303)
    status, page = co_chair.request(f"{b}/reunions/{meeting_id}")
    assert status == 200 and "Point deux, intitulé revu sur l&#39;instance A" in page


def test_stale_edit_prepared_on_one_instance_is_refused_on_the_other(two_instances, co_chair):
    a, b = two_instances
    meeting_id, item_id = SCENE["meeting"], SCENE["items"][0]
    url = f"/reunions/{meeting_id}/ordre-du-jour/{item_id}/modifier"
    stale = _edit_form(co_chair, a, meeting_id, item_id)  # read on A...
    fresh = dict(stale, **{"edit-title": "Point un, modifié entre-temps sur A"})
    assert co_chair.request(a + url, fresh)[0] in (200, 303)  # ...changed on A...
    stale["edit-title"] = "Point un, ancienne version envoyée à B"
    status, html = co_chair.request(b + url, stale)  # ...and the stale form is submitted to B
    assert status == 409
    assert "Point un, modifié entre-temps sur A" in html  # B shows the current values
    status, page = co_chair.request(f"{a}/reunions/{meeting_id}")
    assert "ancienne version envoyée à B" not in page


def test_pack_frozen_by_a_convocation_on_one_instance_is_served_by_the_other(two_instances, co_chair):
    a, b = two_instances
    meeting_id = SCENE["meeting"]
    status, _ = co_chair.request(f"{a}/reunions/{meeting_id}/convoquer",
                                 {"csrf_token": co_chair.csrf(a, f"/reunions/{meeting_id}")})
    assert status in (200, 303)
    status, page = co_chair.request(f"{b}/reunions/{meeting_id}")
    assert status == 200 and f"/reunions/{meeting_id}/dossier-envoye.docx" in page  # listed on B
    status_a, from_a = co_chair.request(f"{a}/reunions/{meeting_id}/dossier-envoye.docx", raw=True)
    status_b, from_b = co_chair.request(f"{b}/reunions/{meeting_id}/dossier-envoye.docx", raw=True)
    assert status_a == status_b == 200 and from_a == from_b
    text = "\n".join(p.text for p in Document(io.BytesIO(from_b)).paragraphs)
    assert "Réunion multi-instances" in text


def test_outside_demo_the_app_refuses_rate_limits_counted_per_process():
    """memory:// would give each worker and each instance its own login quota."""
    from erbm_portal import create_app

    base = {"SECRET_KEY": "une-vraie-cle-secrete", "TESTING": False, "ERBM_DEMO": False,
            "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    for storage in (None, "memory://"):
        with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
            create_app({**base, "RATELIMIT_STORAGE_URI": storage})
    assert create_app({**base, "RATELIMIT_STORAGE_URI": REDIS_URL}).config["RATELIMIT_STORAGE_URI"] == REDIS_URL
