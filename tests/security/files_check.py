"""Checks on exported files holding swept payloads: Word, iCalendar, CSV, XLSX."""
from __future__ import annotations

import csv
import io
import re
import zipfile

from lxml import etree

from .payloads import FORMULA_STARTS, TEMPLATE_RESULTS

_ICS_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*(;[^:\r\n]*)?:")


def docx_findings(data: bytes) -> list[str]:
    """Every XML part parses (lxml refuses control characters and broken markup)."""
    findings = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        if "word/document.xml" not in names:
            return ["no word/document.xml"]
        for name in names:
            if not name.endswith((".xml", ".rels")):
                continue
            raw = archive.read(name)
            try:
                etree.fromstring(raw)
            except etree.XMLSyntaxError as exc:
                findings.append(f"{name}: {exc}")
            if TEMPLATE_RESULTS.search(raw.decode("utf-8", "replace")):
                findings.append(f"{name}: template syntax evaluated")
    return findings


def ics_findings(data: bytes) -> list[str]:
    """Lines are CRLF-terminated properties; a payload's CR/LF never starts a line of its own."""
    from icalendar import Calendar

    findings = []
    text = data.decode("utf-8")
    if re.search(r"\r(?!\n)|(?<!\r)\n", text):
        findings.append("bare CR or LF inside the calendar")
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        findings.append("control character in the calendar")
    for line in re.sub(r"\r\n[ \t]", "", text).split("\r\n"):
        if line and not _ICS_LINE.match(line):
            findings.append(f"malformed line {line[:80]!r}")
        if line.startswith(("X-INJ", "SUMMARY:injecté")):
            findings.append(f"injected line {line[:80]!r}")
    begins, ends = text.count("\r\nBEGIN:VEVENT"), text.count("\r\nEND:VEVENT")
    if begins != ends:
        findings.append("unbalanced VEVENT")
    Calendar.from_ical(data)  # raises on a calendar a client could not read
    return findings


def csv_findings(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [f"formula cell {cell[:60]!r}" for row in csv.reader(io.StringIO(text), delimiter=";")
            for cell in row if cell.startswith(FORMULA_STARTS)]


def xlsx_findings(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    findings = []
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)):
                    findings.append(f"{sheet.title}!{cell.coordinate}: formula {str(cell.value)[:60]!r}")
    return findings


def file_findings(path: str, data: bytes) -> list[str]:
    kind = path.split("?")[0].rsplit(".", 1)[-1]
    checker = {"docx": docx_findings, "ics": ics_findings, "csv": csv_findings, "xlsx": xlsx_findings}.get(kind)
    return checker(data) if checker else []
