"""The sweep's detectors catch what they are meant to catch, and input is cleaned on arrival."""
from __future__ import annotations

import io
import zipfile

from ..conftest import csrf_from
from .files_check import csv_findings, docx_findings, ics_findings, xlsx_findings
from .forms_discovery import parse_forms
from .payloads import PAYLOADS, html_findings


def test_html_detector_flags_injections_and_not_escaped_text():
    from markupsafe import escape

    for payload in PAYLOADS[:5]:
        assert html_findings(f"<p>{escape(payload)}</p><input value=\"{escape(payload)}\">") == [], payload
    assert html_findings("<p><script>alert('erbm')</script></p>")
    assert html_findings('<img src=x onerror=alert(1)>')
    assert html_findings('<input value="" autofocus onfocus=alert(1) x="">')
    assert html_findings('<a href=" javascript:alert(1)">a</a>')
    assert html_findings("<p>erbm49tpl</p>")
    assert html_findings('<script src="/static/js/erbm.js"></script>') == []


def test_file_detectors():
    assert csv_findings("\ufeffa;'=1+1\r\n".encode()) == [] and csv_findings(b"a;=1+1\r\n")
    assert ics_findings(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n") == []
    assert ics_findings(b"BEGIN:VCALENDAR\r\nSUMMARY:a\nX-INJ:1\r\nEND:VCALENDAR\r\n")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document xmlns:w='urn:x'>\x00</w:document>")
    assert docx_findings(out.getvalue())
    from openpyxl import Workbook
    wb, out = Workbook(), io.BytesIO()
    wb.active.append(["=HYPERLINK(\"http://x\")"])
    wb.save(out)
    assert xlsx_findings(out.getvalue())


def test_form_parser_reads_fields_and_refuses_unknown_types():
    html = ('<form method="post" action="/x"><input type="hidden" name="csrf_token" value="t">'
            '<input name="title" value="a"><textarea name="body">\nb</textarea>'
            '<select name="s"><option value="">—</option><option value="2">deux</option></select>'
            '<input type="date" name="d"><button name="go" value="1">OK</button></form>')
    form = parse_forms(html, "/page")[0]
    assert dict(form.baseline())["s"] == "2" and dict(form.baseline())["body"] == "b"
    assert dict(form.with_payload("P"))["title"] == "P" and dict(form.with_payload("P"))["csrf_token"] == "t"
    try:
        parse_forms('<form><input type="color" name="c"></form>', "/page")
    except ValueError as exc:
        assert "unknown type" in str(exc)
    else:
        raise AssertionError("an unknown field type must stop the sweep")


def test_control_characters_are_removed_from_input(client, login_as, demo):
    """PostgreSQL refuses NUL in text: a NUL in a filter or a form field gave a 500 there."""
    login_as("secretariat")
    assert client.get("/audit/?actor=a%00b&action=%01").status_code == 200
    assert client.get("/recherche?q=r%C3%A9no%00vation").status_code == 200
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/mon-compte").get_data(as_text=True))})
    token = csrf_from(client.get("/connexion").get_data(as_text=True))
    resp = client.post("/connexion", data={"email": "a\x00b@exemple.fr", "password": "x\x00", "csrf_token": token})
    assert resp.status_code == 422
