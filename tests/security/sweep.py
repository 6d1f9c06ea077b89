"""Crawl what each role can reach, then submit the payload corpus into every form found there."""
from __future__ import annotations

import logging
import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from erbm_portal.web.policy import ENDPOINTS

from ..matrix_ids import resolve
from ..policy_matrix import CASES
from .files_check import file_findings
from .forms_discovery import Form, links, parse_forms, sample_file
from .payloads import PAYLOADS, html_findings

FILE_SUFFIXES = (".docx", ".ics", ".csv", ".xlsx", ".json", ".pdf")
SKIPPED_FILES = (".pdf",)  # LibreOffice conversions of the .docx checked here: slow, tested in the export tests
NEVER_FOLLOW = ("/deconnexion", "/static/")
PAGES_PER_ENDPOINT = 2
HX = {"HX-Request": "true"}
_ERROR_FIELD = re.compile(r'id="([^"]+)-messages"')


class Sweep:
    """One sweep over all roles: forms already swept by an earlier role are not swept again."""

    def __init__(self, app, client, caplog):
        self.app, self.client, self.caplog = app, client, caplog
        self.adapter = app.url_map.bind("localhost")
        self.seed_paths: dict[int, str] = {}
        self.pages: dict[str, dict[str, bool]] = {}  # role -> path -> fetched as htmx fragment
        self.files: dict[str, set[str]] = {}
        self.forms: dict[tuple, Form] = {}
        self.swept: set[tuple] = set()
        self.problems: list[str] = []
        self.submissions = 0
        self.files_checked: set[str] = set()
        self._landed: tuple[str, str] | None = None
        self.gone: list[str] = []  # one-shot forms (withdraw, decide...): gone once accepted
        self.stored = Counter()  # form -> submissions the application accepted

    # --- checks --------------------------------------------------------------------------
    def _last_error(self) -> str:
        errors = [r for r in self.caplog.records if r.levelno >= logging.ERROR]
        if not errors:
            return ""
        rec = errors[-1]
        return f" ({rec.exc_info[1]!r})" if rec.exc_info else f" ({rec.getMessage()})"

    def check(self, what: str, resp, payload: str | None = None) -> None:
        if resp.status_code >= 500:
            self.problems.append(f"{what}: {resp.status_code}{self._last_error()}")
            return
        if resp.mimetype == "text/html":
            html = resp.get_data(as_text=True)
            found = html_findings(html)
            if payload and "<" in payload and payload in html:
                found.append("payload reflected verbatim")
            self.problems.extend(f"{what}: {f}" for f in found)

    # --- crawl ---------------------------------------------------------------------------
    def _endpoint(self, path: str) -> str | None:
        try:
            return self.adapter.match(urlsplit(path).path, method="GET")[0]
        except HTTPException:
            return None

    def seeds(self, role: str) -> list[str]:
        """Paths of the policy matrix's GET rows the role may open (resolved once for all roles)."""
        out = []
        for i, case in enumerate(CASES):
            allowed = ENDPOINTS[case.endpoint].is_public and case.ok == 200 if role == "anonymous" \
                else case.status_for(role) == 200
            if case.method == "GET" and allowed:
                if i not in self.seed_paths:
                    self.seed_paths[i] = resolve(case.path)
                out.append(self.seed_paths[i])
        return out

    def crawl(self, role: str, max_pages: int = 150) -> None:
        pages = self.pages.setdefault(role, {})
        files = self.files.setdefault(role, set())
        per_endpoint: Counter = Counter()
        queue = deque((p, False) for p in self.seeds(role))
        while queue and len(pages) < max_pages:
            path, fragment = queue.popleft()
            if path in pages or path.startswith(NEVER_FOLLOW):
                continue
            if path.split("?")[0].endswith(FILE_SUFFIXES):
                if not path.split("?")[0].endswith(SKIPPED_FILES):
                    files.add(path)
                continue
            endpoint = self._endpoint(path)
            if endpoint is None or endpoint == "static" or per_endpoint[endpoint] >= PAGES_PER_ENDPOINT:
                continue
            per_endpoint[endpoint] += 1
            pages[path] = fragment
            resp = self.client.get(path, headers=HX if fragment else {})
            self.check(f"{role}: GET {path}", resp)
            if resp.status_code != 200 or resp.mimetype != "text/html":
                continue
            html = resp.get_data(as_text=True)
            for form in parse_forms(html, path):
                self.forms.setdefault(form.signature, form)
            queue.extend((link, False) for link in links(html, path))
            queue.extend((link, True) for link in _hx_gets(html, path))

    # --- forms ---------------------------------------------------------------------------
    def to_sweep(self) -> list[Form]:
        """Forms with something a person types or uploads. The others (logout, delete, convene,
        mark as read...) carry only hidden fields, buttons, choices: no text to inject."""
        out = []
        for sig, form in self.forms.items():
            if sig not in self.swept and (form.text_fields or form.typed_fields or form.file_fields):
                self.swept.add(sig)
                out.append(form)
        return out

    def _fresh(self, form: Form, fragment: bool) -> Form | None:
        resp = self.client.get(form.page, headers=HX if fragment else {})
        if resp.status_code != 200:
            return None
        return next((f for f in parse_forms(resp.get_data(as_text=True), form.page)
                     if f.signature == form.signature), None)

    def submit(self, form: Form, data: list, payload: str, htmx: bool):
        headers = HX if htmx else {}
        self.submissions += 1
        if form.method == "get":
            return self.client.get(form.action, query_string=MultiDict(data), headers=headers)
        files = [(f.name, sample_file(f, payload)) for f in form.file_fields]
        return self.client.post(form.action, data=MultiDict(data + files), headers=headers,
                                content_type="multipart/form-data" if files else None)

    def attack(self, role: str, form: Form) -> None:
        fragment = self.pages[role].get(form.page, False)
        current: Form | None = form
        where = f"{role}: {form.method.upper()} {form.signature[1]} (form on {form.page})"
        for i, payload in enumerate(PAYLOADS):
            if current is None:
                self.gone.append(f"{where}: the form is gone after payload #{i - 1}")
                return
            typed = i == 0
            resp = self._send(current, current.with_payload(payload, typed=typed), payload, f"{where} #{i}", i)
            if resp.status_code == 422:
                # Keep the payload only in the fields that accepted it, so it gets stored.
                refused = frozenset(_ERROR_FIELD.findall(resp.get_data(as_text=True)))
                if refused & current.payload_fields(typed) and current.payload_fields(typed) - refused:
                    resp = self._send(current, current.with_payload(payload, typed=typed, refused=refused,
                                                                    serial=self.submissions),
                                      payload, f"{where} #{i} (refused fields kept valid)", i)
            if resp.status_code < 400 or "HX-Redirect" in resp.headers or current.file_fields:
                self.stored[form.signature] += resp.status_code < 400
                landed = self._landed
                if landed is not None and not fragment and landed[0] == form.page:
                    current = next((f for f in parse_forms(landed[1], form.page)
                                    if f.signature == form.signature), None)
                else:
                    current = self._fresh(form, fragment)

    def _send(self, form: Form, data: list, payload: str, what: str, i: int):
        """Submit, check the answer and the page it redirects to (flash messages show there)."""
        self._landed = None
        resp = self.submit(form, data, payload, htmx=bool(i % 2))
        self.check(what, resp, payload)
        target = resp.headers.get("HX-Redirect") or resp.headers.get("Location", "")
        if (300 <= resp.status_code < 400 or "HX-Redirect" in resp.headers) and target.startswith("/"):
            landed = self.client.get(target)
            self.check(f"{what} -> {target}", landed, payload)
            if landed.status_code == 200:
                self._landed = (target, landed.get_data(as_text=True))
        return resp

    def recheck(self, role: str) -> None:
        for path, fragment in self.pages.get(role, {}).items():
            self.check(f"{role}: GET {path} after the sweep", self.client.get(path, headers=HX if fragment else {}))
        for path in sorted(self.files.get(role, ())):
            if path in self.files_checked and not path.startswith("/agenda/"):
                continue  # the same export for every role who may have it; personal feeds excepted
            self.files_checked.add(path)
            resp = self.client.get(path)
            if resp.status_code >= 500:
                self.problems.append(f"{role}: GET {path}: {resp.status_code}{self._last_error()}")
            elif resp.status_code == 200:
                self.problems.extend(f"{role}: {path}: {f}" for f in file_findings(path, resp.get_data()))


def _hx_gets(html: str, page: str) -> list[str]:
    out = []
    for raw in re.findall(r'hx-get="([^"]+)"', html):
        parts = urlsplit(urljoin(page, raw.replace("&amp;", "&")))
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out
