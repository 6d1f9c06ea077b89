"""Accessibility sweep: each demo role (and an anonymous visitor) crawls every page it can reach
by following links, and axe-core checks each one: no serious or critical violation anywhere.

Breadth-first, GET only, same origin. Skipped: sign-out, downloads (Word, PDF, calendar, CSV,
spreadsheet, attached files: by endpoint and URL suffix, and by Content-Type should one slip
through), other sites, fragment-only links. To keep CI time bounded the crawl dedupes by Flask
endpoint (the path is resolved with the app's URL map): at most ``PER_ENDPOINT`` addresses per
endpoint, plus each query-string variant (the set of parameter names: a filter, a page number)
once, and at most ``MAX_PAGES`` pages per role. Each role also has to reach a minimum set of
endpoints, so that a broken navigation cannot make the sweep pass by visiting nothing.

One browser context per role, signed in once. A page whose main content is identical to one already
checked (the same agreement version seen by two partners) is loaded, its links followed, but not
checked again. The figures (pages, endpoints, time) are printed in
the terminal summary.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from .conftest import FAILING_IMPACTS, axe_violations, login, mark_checked, record_summary

pytestmark = pytest.mark.browser

PER_ENDPOINT = 1     # distinct addresses (without query string) per endpoint and role
MAX_PAGES = 50       # per role: the crawl stops there and says so
SKIP_ENDPOINTS = {"static", "accounts.logout", "accounts.logout_everywhere", "web.healthz"}
DOWNLOAD_ENDPOINT = re.compile(r"(^|\.)(export_\w+|\w*_download|\w*ics|template_default|template_specimen\w*)$")
DOWNLOAD_SUFFIX = re.compile(r"\.(docx|pdf|ics|csv|xlsx|odt|zip|png|jpe?g)$", re.I)
# Links, and the address of GET forms (the header search box is how one reaches the search page).
LINKS_JS = """() => [
  ...Array.from(document.querySelectorAll("a[href]"))
    .filter(a => !a.getAttribute("href").startsWith("#")).map(a => a.href),
  ...Array.from(document.querySelectorAll("form"))
    .filter(f => (f.getAttribute("method") || "get").toLowerCase() === "get").map(f => f.action),
]"""
# A fingerprint of the page's main content (form tokens left out): a document whose <main> was already
# checked, by this role or an earlier one, is not checked again (axe would say the same); its header and
# footer are those of the role's other pages, checked with them.
MAIN_JS = """() => {
  const main = document.querySelector("main");
  if (!main) return null;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('input[name="csrf_token"], input[name="form_token"]').forEach(i => i.removeAttribute("value"));
  return copy.outerHTML;
}"""
CHECKED_MAINS: dict[str, str] = {}  # fingerprint -> first address checked, for the whole session
HTML = re.compile(r"^text/html\b", re.I)

# The main pages each role must reach from its dashboard by following links.
# (Members and partners of the demo see no action plan: the Lens plan is shown to its SPEL's signatories
# and co-chairs, the observer and the programme.)
COMMON = {"home.dashboard", "meetings.committees", "meetings.committee", "meetings.meeting",
          "minutes.meeting_minutes", "minutes.show", "minutes.register", "plans.index",
          "signoff.round_detail", "agreement.index", "agreement.versions", "agreement.version_detail",
          "agreement.compare", "indicators.dashboard", "indicators.detail", "search.search_page",
          "notifications.index", "accounts.profile", "signoff.verify"}
REQUIRED = {
    "anonymous": {"accounts.login"},
    "admin": {"home.dashboard", "directory.organisations", "directory.users", "directory.user_grants",
              "audit.events", "accounts.profile", "notifications.index"},
    "secretariat": COMMON | {"plans.detail", "audit.events", "exports.template_page", "indicators.catalogue"},
    "co_chair": COMMON | {"plans.detail", "indicators.value_new", "minutes.correct"},
    "member": COMMON,
    "signatory": COMMON | {"plans.detail"},
    "partner": COMMON,
    "observer": COMMON | {"plans.detail"},
}
ROLES = list(REQUIRED)


@dataclass
class Crawl:
    origin: str
    adapter: object
    queue: deque = field(default_factory=deque)
    queued: set = field(default_factory=set)           # normalised URLs already queued or refused
    per_endpoint: Counter = field(default_factory=Counter)
    variants: set = field(default_factory=set)          # (endpoint, query parameter names)
    visited: list = field(default_factory=list)         # (url, endpoint)
    skipped: Counter = field(default_factory=Counter)
    capped: int = 0
    findings: list = field(default_factory=list)        # readable lines
    errors: list = field(default_factory=list)          # links that lead to an error page
    seconds: Counter = field(default_factory=Counter)   # time spent loading pages and in axe

    def offer(self, href: str) -> None:
        """Queue a link found in a page, unless a rule says to skip it."""
        parts = urlsplit(href)
        if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.skipped["autre site ou schéma"] += 1
            return
        url = parts.path + (f"?{parts.query}" if parts.query else "")  # fragment dropped
        if url in self.queued:
            return
        self.queued.add(url)
        endpoint = self.endpoint(parts.path)
        if endpoint is None:
            self.errors.append(f"{url}: no route matches this link")
            return
        if endpoint in SKIP_ENDPOINTS:
            self.skipped[endpoint] += 1
            return
        if DOWNLOAD_ENDPOINT.search(endpoint) or DOWNLOAD_SUFFIX.search(parts.path):
            self.skipped["téléchargement"] += 1
            return
        if parts.query:
            variant = (endpoint, tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})))
            if variant in self.variants:
                self.skipped["variante déjà vue"] += 1
                return
            self.variants.add(variant)
        else:
            if self.per_endpoint[endpoint] >= PER_ENDPOINT:
                self.skipped["point d'entrée déjà vu"] += 1
                return
            self.per_endpoint[endpoint] += 1
        self.queue.append((url, endpoint))

    def endpoint(self, path: str) -> str | None:
        try:
            endpoint, _ = self.adapter.match(path, method="GET")
            return endpoint
        except RequestRedirect as redirect:
            return self.endpoint(urlsplit(redirect.new_url).path)
        except HTTPException:
            return None


def _visit(page, crawl: Crawl, url: str, endpoint: str) -> None:
    started = time.monotonic()
    try:
        response = page.goto(url)
    except Exception as exc:  # noqa: BLE001 - Playwright raises a plain Error when a download starts
        if "Download is starting" in str(exc):
            crawl.skipped["téléchargement"] += 1
            return
        raise
    status = response.status if response else 0
    content_type = response.headers.get("content-type", "") if response else ""
    if status >= 400:
        crawl.errors.append(f"{url} ({endpoint}): HTTP {status}")
    if not HTML.match(content_type):
        mark_checked(page)  # nothing for axe in a non-HTML document
        crawl.skipped[f"non HTML ({content_type or '?'})"] += 1
        return
    endpoint = crawl.endpoint(urlsplit(page.url).path) or endpoint  # after redirects (sign-in page...)
    crawl.visited.append((url, endpoint))
    loaded = time.monotonic()
    crawl.seconds["load"] += loaded - started
    main = page.evaluate(MAIN_JS)
    fingerprint = hashlib.sha256(main.encode()).hexdigest() if main else None
    if fingerprint and fingerprint in CHECKED_MAINS:
        crawl.skipped["axe : même contenu déjà vérifié"] += 1
        violations = []
    else:
        violations = axe_violations(page)
        if fingerprint:
            CHECKED_MAINS[fingerprint] = url
    crawl.seconds["axe"] += time.monotonic() - loaded
    for v in violations:
        if v["impact"] in FAILING_IMPACTS:
            nodes = ", ".join(n["target"] for n in v["nodes"][:5]) + (" ..." if len(v["nodes"]) > 5 else "")
            crawl.findings.append(f"{url} [{endpoint}] {v['id']} ({v['impact']}): {v['help']} -> {nodes}")
    mark_checked(page)
    for href in page.evaluate(LINKS_JS):
        crawl.offer(href)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("role", ROLES)
def test_every_reachable_page_passes_axe(page, live_server, role, request):
    started = time.monotonic()
    crawl = Crawl(live_server.url, live_server.app.url_map.bind(""))
    if role == "anonymous":
        crawl.offer(live_server.url + "/")  # sends to the sign-in page
    else:
        login(page, role)
        crawl.offer(page.url)
    while crawl.queue:
        if len(crawl.visited) >= MAX_PAGES:
            crawl.capped = len(crawl.queue)
            break
        _visit(page, crawl, *crawl.queue.popleft())

    reached = {endpoint for _, endpoint in crawl.visited}
    elapsed = time.monotonic() - started
    record_summary(request.config, f"a11y crawl {role:<12} {len(crawl.visited):3d} pages, "
                   f"{len(reached):3d} endpoints, {elapsed:5.1f} s (loading {crawl.seconds['load']:.1f} s, "
                   f"axe {crawl.seconds['axe']:.1f} s)"
                   + (f", cap reached ({crawl.capped} left in the queue)" if crawl.capped else "")
                   + f"; skipped: {dict(crawl.skipped)}")

    problems = []
    if crawl.findings:
        problems.append(f"axe: {len(crawl.findings)} serious/critical violation(s) while crawling as {role}:")
        problems += [f"- {line}" for line in crawl.findings]
    if crawl.errors:
        problems.append(f"links leading to an error page for {role}:")
        problems += [f"- {line}" for line in crawl.errors]
    missing = REQUIRED[role] - reached
    if missing:
        problems.append(f"the crawl as {role} never reached: {', '.join(sorted(missing))} "
                        f"(reached: {', '.join(sorted(reached))})")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
