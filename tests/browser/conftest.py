"""Browser-test harness: a live server, Debian's Chromium driven by Playwright, axe on every page.

Fixtures
    live_server  (session)  base URL of the app (the ``app`` fixture of tests/conftest.py)
                            served by werkzeug in a background thread on 127.0.0.1.
    live_data    (module, autouse)  empties the tables and seeds the demo data once per
                            test module; the server reads and writes that data.
    fresh_data   (function) re-seeds before and after a test that changes demo data
                            (a password, a grant...) so the next tests see it unchanged.
    browser      (session)  Chromium; skipped when missing locally, a failure under CI.
    page         (function) a page in a fresh context (no cookies), French locale.
    live_db      (function) ``with live_db() as session:`` to read the database from the
                            test (short transaction, closed at once).

Helpers (import them from tests.browser.conftest)
    visit(page, path)   go to a page and check it with axe;
    axe_check(page)     check the current page (call it after an htmx swap);
    axe_violations / mark_checked   raw axe result and bookkeeping, for callers reporting themselves;
    record_summary(config, line)    a line for the "browser figures" section of the terminal summary;
    login(page, role)   sign in through the form as a demo role (DEMO_LOGINS);
    logout(page)        sign out with the header button.

Every document the page loads must be checked with axe: ``visit`` and ``login`` do it,
and the ``page`` fixture fails the test when a loaded document was never checked (the
last one is checked at teardown). The fixture also fails the test on a
Content-Security-Policy violation, an uncaught JavaScript error or a server error (500).
A failed test leaves a screenshot and the page's HTML in test-results/browser/.
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import WSGIRequestHandler, make_server

from ..conftest import DEMO_LOGINS, _clear_tables

try:  # test modules import ``expect`` from here, so a missing package skips instead of erroring
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture skips (or fails under CI) with the reason
    expect = None

CHROMIUM = os.environ.get("ERBM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_SOURCE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
TIMEOUT_MS = 10_000      # Playwright actions and expect() assertions
TEST_TIMEOUT_S = 180     # a whole test, fixtures included (pytest-timeout)
BROWSER_DIR = Path(__file__).parent


# --- Markers and outcome bookkeeping ---------------------------------------

def pytest_collection_modifyitems(config, items):
    """Everything under tests/browser/ carries the ``browser`` marker (``-m "not browser"``),
    and, with pytest-timeout, a time limit so that a hung browser cannot stall CI."""
    has_timeout = config.pluginmanager.hasplugin("timeout")
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            if has_timeout and item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.erbm_call_failed = report.failed


_SUMMARY = pytest.StashKey[list]()


def record_summary(config, line: str) -> None:
    config.stash.setdefault(_SUMMARY, []).append(line)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if config.stash.get(_SUMMARY, []):
        terminalreporter.section("browser figures")
        terminalreporter.write_line("\n".join(config.stash[_SUMMARY]))


def _unavailable(reason: str):
    """Skip locally, but never silently under CI: there the browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}. CI is set: browser tests must run (install the 'chromium' package).",
                    pytrace=False)
    pytest.skip(reason)


# --- Live server and its data ------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per static file is noise in test output
        pass


class _ServerErrors(logging.Handler):
    """Collects what the app logs at ERROR level (the 500 handler logs the traceback)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@dataclass
class LiveServer:
    app: object
    url: str
    errors: _ServerErrors


@pytest.fixture(scope="session")
def live_server(app):
    # /static/ with a cache lifetime: the browser does not revalidate twenty-odd DSFR files per page
    # (Flask answers "no-cache"); the app's documents and their headers are unchanged.
    wsgi = SharedDataMiddleware(app, {app.static_url_path: app.static_folder}, cache_timeout=3600)
    server = make_server("127.0.0.1", 0, wsgi, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="erbm-live-server", daemon=True)
    thread.start()
    errors = _ServerErrors()
    app_logger = logging.getLogger("erbm_portal")
    app_logger.addHandler(errors)
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", errors)
    finally:
        app_logger.removeHandler(errors)
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _seed(app):
    """Empty tables, then the demo data, committed: the server thread sees it at once.

    Runs in its own app context and ends with ``session.remove()`` so that the test
    process keeps no transaction open (on SQLite a write transaction of the test would
    block every write of the server thread).
    """
    from erbm_portal.demo.seed import seed_demo
    from erbm_portal.extensions import db

    for attempt in range(3):  # PostgreSQL may pick this cleanup as a deadlock victim against the server thread
        with app.app_context():
            try:
                _clear_tables()
                seed_demo()
                db.session.commit()
                return
            except OperationalError:
                db.session.rollback()
                if attempt == 2:
                    raise
            finally:
                db.session.remove()


def _clear(app):
    from erbm_portal.extensions import db

    for attempt in range(3):
        with app.app_context():
            try:
                _clear_tables()
                return
            except OperationalError:
                if attempt == 2:
                    raise
            finally:
                db.session.remove()


@pytest.fixture(scope="module", autouse=True)
def live_data(app):
    """Demo data for a whole browser test module.

    Browser tests do not use the ``db`` fixture of tests/conftest.py (it empties the
    tables around each test, under the server's feet); tests that change demo data
    ask for ``fresh_data``.
    """
    _seed(app)
    yield
    _clear(app)


@pytest.fixture
def fresh_data(app, live_data):
    _seed(app)
    yield
    _seed(app)


@pytest.fixture(autouse=True)
def _reset_rate_limits(app):
    """Many sign-ins from 127.0.0.1: start each test with fresh rate-limit counters."""
    from erbm_portal.extensions import limiter

    with app.app_context():
        limiter.reset()


@pytest.fixture
def live_db(app):
    """``with live_db() as session:`` reads (or writes) the data the server uses."""
    from erbm_portal.extensions import db

    @contextmanager
    def _open():
        with app.app_context():
            try:
                yield db.session
                db.session.commit()
            finally:
                db.session.remove()

    return _open


# --- Browser ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt install chromium)")
    if expect is None:
        _unavailable("the playwright Python package is not installed (pip install -e '.[dev]')")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:  # e.g. missing system libraries
        pw.stop()
        _unavailable(f"Chromium at {CHROMIUM} could not be started: {exc}")
    yield browser
    browser.close()
    pw.stop()


@dataclass
class PageWatch:
    """What happened in a page during a test: loads, axe checks, console problems."""

    loads: list[str] = field(default_factory=list)      # URL of each document loaded, in order
    checked: set[int] = field(default_factory=set)      # indexes in ``loads`` checked with axe
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def context(browser, live_server):
    # CSP stays enforced (no bypass_csp): axe is evaluated through the DevTools protocol,
    # which the page's CSP does not govern, so the tests also catch CSP regressions.
    ctx = browser.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris",
                              viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, live_server, request):
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    watch = PageWatch()
    page._erbm_watch = watch
    page._erbm_live = live_server
    live_server.errors.records.clear()

    def on_load(p):
        watch.loads.append(p.url)

    def on_console(msg):
        if msg.type == "error" and "Content Security Policy" in msg.text:
            watch.problems.append(f"CSP violation on {page.url}: {msg.text}")

    def on_pageerror(exc):
        watch.problems.append(f"JavaScript error on {page.url}: {exc}")

    page.on("load", on_load)
    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    yield page

    if getattr(request.node, "erbm_call_failed", True):
        _save_failure(page, request.node)
        return  # the test's own failure says what went wrong
    problems = list(watch.problems)
    problems += [f"server error: {r.getMessage()}\n{logging.Formatter().formatException(r.exc_info)}"
                 if r.exc_info else f"server error: {r.getMessage()}" for r in live_server.errors.records]
    if watch.loads and len(watch.loads) - 1 not in watch.checked:
        try:
            axe_check(page)  # the page the test ended on
        except pytest.fail.Exception as exc:
            problems.append(str(exc))
    missed = [url for i, url in enumerate(watch.loads) if i not in watch.checked]
    if missed:
        problems.append("pages loaded but never checked with axe (use visit(), or axe_check() after "
                        "a navigation): " + ", ".join(missed))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def _save_failure(page, node) -> None:
    """Screenshot and HTML of a failed test's page, under test-results/browser/ (CI artefacts)."""
    if page.is_closed():
        return
    out = Path(node.config.rootpath) / "test-results" / "browser"
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in node.nodeid.split("::", 1)[-1])
    try:
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        (out / f"{name}.html").write_text(page.content(), encoding="utf-8")
    except Exception:  # a crashed page must not hide the test's own failure
        pass


# --- Helpers -----------------------------------------------------------------------

_AXE_SOURCE: str | None = None

_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), impact: n.impact}))
  }));
}"""


def axe_violations(page) -> list[dict]:
    """All axe violations on the current page, whatever their impact."""
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_SOURCE_PATH.read_text(encoding="utf-8")
    page.wait_for_load_state("load")
    # page.add_script_tag(content=...) is refused by the app's CSP (script-src 'self',
    # no inline script). page.evaluate goes through the DevTools protocol, which CSP does
    # not apply to, so axe runs with the real CSP in force (no bypass_csp needed).
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_AXE_SOURCE)
    return page.evaluate(_AXE_RUN)


def mark_checked(page) -> None:
    """Record that the document now shown was checked (by a caller of ``axe_violations``)."""
    watch = getattr(page, "_erbm_watch", None)
    if watch is not None and watch.loads:
        watch.checked.add(len(watch.loads) - 1)


def axe_check(page) -> list[dict]:
    """Fail on any serious or critical axe violation; returns the milder ones."""
    violations = axe_violations(page)
    mark_checked(page)
    blocking = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    if blocking:
        lines = [f"axe: {len(blocking)} serious/critical violation(s) on {page.url}"]
        for v in blocking:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            lines += [f"    {n['target']}" for n in v["nodes"]]
        pytest.fail("\n".join(lines), pytrace=False)
    return [v for v in violations if v["impact"] not in FAILING_IMPACTS]


def visit(page, path: str, *, expect_status: int | None = 200):
    """Go to ``path`` (relative to the live server), check the status and run axe."""
    response = page.goto(path)
    if expect_status is not None:
        assert response is not None and response.status == expect_status, (
            f"GET {path}: {response.status if response else 'no response'} (expected {expect_status})")
    axe_check(page)
    return response


def login(page, role: str, password: str | None = None):
    """Sign in through the login form as a demo role (or an email address)."""
    email = DEMO_LOGINS.get(role, role)
    visit(page, "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password or demo_password(page))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/connexion" not in url)
    axe_check(page)


def logout(page):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/connexion")
    axe_check(page)


def demo_password(page) -> str:
    return page._erbm_live.app.config["DEMO_PASSWORD"]
