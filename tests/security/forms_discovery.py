"""Forms found from the pages themselves: parse every <form>, fill it with its own defaults.

``parse_forms(html)`` reads each form (method, action, enctype, fields with their type, value,
options). ``Form.baseline()`` is what a person submitting it unchanged would send (hidden fields
such as csrf_token and version as given, selects on their selected or first real option, checked
boxes); ``Form.with_payload()`` puts one payload into every text-like field at once. A field of a
type this module does not know makes ``parse_forms`` raise: a new kind of field cannot be skipped
silently.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

TEXT_TYPES = {"text", "search", "email", "url", "tel", "password", "textarea"}
TYPED_TYPES = {"date", "datetime-local", "time", "month", "week", "number"}  # get a payload once
KEPT_TYPES = {"hidden", "checkbox", "radio", "select", "select-multiple"}
IGNORED_TYPES = {"submit", "button", "reset", "image"}  # buttons: their name/value added if they have one
KNOWN_TYPES = TEXT_TYPES | TYPED_TYPES | KEPT_TYPES | IGNORED_TYPES | {"file"}


@dataclass
class Field:
    name: str
    type: str
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)
    accept: str = ""


@dataclass
class Form:
    method: str
    action: str
    enctype: str
    fields: list[Field]
    page: str

    @property
    def text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.type in TEXT_TYPES]

    @property
    def typed_fields(self) -> list[Field]:
        return [f for f in self.fields if f.type in TYPED_TYPES]

    @property
    def file_fields(self) -> list[Field]:
        return [f for f in self.fields if f.type == "file"]

    @property
    def signature(self) -> tuple:
        """Same action shape and same fields: the same form (ids in the action replaced)."""
        return (self.method, re.sub(r"/\d+", "/N", urlsplit(self.action).path),
                tuple(sorted({re.sub(r"\d+", "N", f"{f.name}:{f.type}") for f in self.fields})))

    def baseline(self) -> list[tuple[str, object]]:
        data: list[tuple[str, object]] = []
        radios_done: set[str] = set()
        for f in self.fields:
            if f.type in IGNORED_TYPES:
                continue
            if f.type == "checkbox":
                if f.checked:
                    data.append((f.name, f.value or "y"))
            elif f.type == "radio":
                group = [g for g in self.fields if g.type == "radio" and g.name == f.name]
                if f.name not in radios_done:
                    radios_done.add(f.name)
                    chosen = next((g for g in group if g.checked), group[0])
                    data.append((f.name, chosen.value))
            elif f.type in ("select", "select-multiple"):
                chosen = [v for v, sel in f.options if sel] or [v for v, _ in f.options if v][:1]
                data.extend((f.name, v) for v in chosen)
            elif f.type == "file":
                continue  # see sample_file()
            elif f.type in TYPED_TYPES:
                data.append((f.name, f.value or _valid_typed(f.type)))
            else:
                data.append((f.name, f.value))
        return data

    def with_payload(self, payload: str, *, typed: bool = False, refused: frozenset = frozenset(), serial: int = 0):
        """The baseline with ``payload`` in every text field (and typed fields if ``typed``).

        ``refused``: fields the application refused the payload in; they get a valid value
        instead (their own, or a plausible one) so that the payloads in the other fields can
        pass validation and be stored.
        """
        targets = {f.name for f in self.text_fields}
        if typed:
            targets |= {f.name for f in self.typed_fields}
        by_name = {f.name: f for f in self.fields}
        out = []
        for name, value in self.baseline():
            if name in targets:
                value = _plausible(by_name[name], serial) if name in refused else payload
            out.append((name, value))
        return out

    def payload_fields(self, typed: bool = False) -> set[str]:
        return {f.name for f in self.text_fields + (self.typed_fields if typed else [])}


def _plausible(f: Field, serial: int) -> str:
    if f.value:
        return f.value
    if f.type == "email":
        return f"securite.{serial}@exemple.fr"
    if f.type == "url":
        return f"https://exemple.fr/{serial}"
    if f.type in TYPED_TYPES:
        return _valid_typed(f.type)
    return f"Texte de test {serial}"


def _valid_typed(kind: str) -> str:
    day = date.today() + timedelta(days=45)
    return {"date": day.isoformat(), "datetime-local": f"{day.isoformat()}T10:00", "time": "10:00",
            "month": day.strftime("%Y-%m"), "week": day.strftime("%G-W%V"), "number": "1"}[kind]


class _FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: list | None = None
        self._textarea: Field | None = None
        self._orphans: list[tuple[str, Field]] = []  # fields with form="id" outside their form
        self._ids: dict[str, Form] = {}

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("method", "get").lower(), urljoin(self.page, a.get("action") or self.page),
                              a.get("enctype", ""), [], self.page)
            self.forms.append(self._form)
            if a.get("id"):
                self._ids[a["id"]] = self._form
            return
        if tag not in ("input", "select", "textarea", "option", "button"):
            return
        if tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select.options.append(self._option)
            return
        if "name" not in a or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            f = Field(a["name"], kind, a.get("value", ""), "checked" in a, accept=a.get("accept", ""))
        elif tag == "button":
            f = Field(a["name"], "submit", a.get("value", ""))
        elif tag == "select":
            f = Field(a["name"], "select-multiple" if "multiple" in a else "select")
            self._select = f
        else:
            f = Field(a["name"], "textarea")
            self._textarea = f
        if f.type not in KNOWN_TYPES:
            raise ValueError(f"{self.page}: field {f.name!r} of unknown type {f.type!r}: teach forms_discovery")
        owner = a.get("form")
        if owner:
            self._orphans.append((owner, f))
        elif self._form is not None:
            self._form.fields.append(f)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            self._select.options = [(o[0] if o[0] is not None else o[2].strip(), o[1])
                                    for o in self._select.options]
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None

    def close(self):
        super().close()
        for owner, f in self._orphans:
            if owner in self._ids:
                self._ids[owner].fields.append(f)


def parse_forms(html: str, page: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    return parser.forms


_HREF = re.compile(r'\bhref="([^"#]+)"')


def links(html: str, page: str) -> list[str]:
    """Same-site paths linked from a page (query strings kept), without the fragment."""
    out = []
    for raw in _HREF.findall(html):
        url = urljoin(page, raw.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


# --- Files for upload fields ----------------------------------------------------------------

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
               b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _docx_bytes() -> bytes:
    from docx import Document

    out = io.BytesIO()
    doc = Document()
    doc.add_paragraph("Document de test")
    doc.save(out)
    return out.getvalue()


def sample_file(f: Field, name_stem: str):
    """A small valid file the field accepts, named after the payload (filenames are input too)."""
    stem = re.sub(r"[\x00-\x1f/\\]", "", name_stem)[:80] or "fichier"
    if f.accept and ".pdf" not in f.accept and ".docx" in f.accept:
        return (io.BytesIO(_docx_bytes()), f"{stem}.docx")
    return (io.BytesIO(MINIMAL_PDF), f"{stem}.pdf")
