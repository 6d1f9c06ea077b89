"""The Word export engine: structure, determinism, text safety, Markdown, template, routes, PDF."""
from __future__ import annotations

import html
import io
import os
import re
import zipfile
from datetime import datetime

import pytest
from docx import Document
from docx.oxml.ns import qn

from erbm_portal.exports.builder import (PROGRAMME_NAME, TABLE_STYLE, ZIP_DATE_TIME, DocBuilder,
                                         default_template_bytes, sha256_of)
from erbm_portal.exports.chart import bar_chart_png
from erbm_portal.exports.pdf import pdf_available, to_pdf

from .conftest import csrf_from

CREATED = datetime(2026, 3, 1, 9, 30)
MODIFIED = datetime(2026, 3, 12, 18, 0)


def _pack(rows: int = 40, text: str = "Point") -> bytes:
    b = DocBuilder()
    b.core_properties(title="Dossier de séance", author="Secrétariat ERBM", subject="Comité de Lens",
                      created=CREATED, modified=MODIFIED)
    b.title_page("Dossier de séance", "Comité territorial de Lens", ["12 mars 2026", "Lens"])
    b.toc()
    b.heading("Ordre du jour", 1)
    b.table(["N°", "Point", "Présentateur"], [[i, f"{text} {i}", "Secrétariat"] for i in range(1, rows + 1)],
            widths=[1.5, 11, 4.5])
    b.page_break()
    b.heading("Indicateurs", 1)
    b.heading("Emploi", 2)
    b.table(["Indicateur", "Objectif", "Réalisé"], [["Emplois", 100, 120], ["Formations", 50, None]])
    b.image(bar_chart_png("Emploi", [("Emplois", 120, 100), ("Formations", 0, 50)], ""), 15)
    b.heading("Détail", 3)
    b.paragraph("Fin.")
    return b.save()


def _open(data: bytes):
    return Document(io.BytesIO(data))


def _headings(doc):
    return [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]


# -- structure -------------------------------------------------------------------

def test_headings_in_order_with_real_heading_styles():
    doc = _open(_pack())
    assert _headings(doc) == [
        ("Title", "Dossier de séance"), ("Heading 1", "Ordre du jour"), ("Heading 1", "Indicateurs"),
        ("Heading 2", "Emploi"), ("Heading 3", "Détail")]


def test_tables_have_all_rows_and_a_repeating_header_row():
    doc = _open(_pack(rows=40))
    agenda, indicators = doc.tables
    assert len(agenda.rows) == 41 and len(agenda.columns) == 3
    assert [c.text for c in agenda.rows[0].cells] == ["N°", "Point", "Présentateur"]
    assert [c.text for c in agenda.rows[40].cells] == ["40", "Point 40", "Secrétariat"]
    header_tr = agenda.rows[0]._tr
    assert header_tr.trPr.find(qn("w:tblHeader")) is not None
    assert agenda.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
    assert agenda.style.name == TABLE_STYLE
    assert [c.text for c in indicators.rows[2].cells] == ["Formations", "50", ""]


def test_footer_has_page_and_numpages_fields_and_header_the_programme():
    doc = _open(_pack())
    section = doc.sections[0]
    footer_xml = section.footer._element.xml
    instructions = [t.text.strip() for t in section.footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert "Page " in footer_xml and " sur " in footer_xml
    assert PROGRAMME_NAME in section.header.paragraphs[0].text
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)


def test_french_language_and_toc_field_with_update_on_open():
    data = _pack()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = z.read("word/styles.xml").decode()
        settings = z.read("word/settings.xml").decode()
        document = z.read("word/document.xml").decode()
    assert 'w:lang w:val="fr-FR"' in styles
    assert '<w:updateFields w:val="true"/>' in settings
    assert re.search(r"<w:instrText[^>]*> TOC \\o &quot;1-3&quot;|<w:instrText[^>]*> TOC \\o \"1-3\"", document)
    # The cached result lists the headings, each linked to its bookmark.
    doc = _open(data)
    toc_texts = [p.text for p in doc.paragraphs[:12]]
    assert "Ordre du jour" in toc_texts and "Détail" in toc_texts


def test_core_properties_come_from_the_data():
    props = _open(_pack()).core_properties
    assert (props.title, props.author, props.subject) == ("Dossier de séance", "Secrétariat ERBM", "Comité de Lens")
    assert props.created == CREATED.replace(tzinfo=props.created.tzinfo)
    assert props.modified == MODIFIED.replace(tzinfo=props.modified.tzinfo)
    assert props.revision == 1


def test_image_is_embedded():
    doc = _open(_pack())
    assert len(doc.inline_shapes) == 1
    assert any(p.partname.endswith(".png") for p in doc.part.package.parts)


# -- reproducibility --------------------------------------------------------------

def test_two_builds_give_identical_bytes_and_fixed_zip_timestamps():
    first, second = _pack(), _pack()
    assert first == second
    assert sha256_of(first) == sha256_of(second)
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {ZIP_DATE_TIME}
        assert z.namelist()[0] == "[Content_Types].xml"
    assert sha256_of(_pack(text="Autre")) != sha256_of(first)


def test_reference_template_is_reproducible_from_its_script():
    from erbm_portal.exports.make_reference import build

    assert build() == default_template_bytes()


def test_chart_png_is_deterministic():
    rows = [("Logements", 530, 600), ("Emplois", 120.5, None)]
    png = bar_chart_png("Logements", rows, "m²")
    assert png.startswith(b"\x89PNG") and png == bar_chart_png("Logements", rows, "m²")


# -- text safety ------------------------------------------------------------------

PAYLOADS = [
    "<script>alert('x')</script>",
    "Tom & Jerry <b>gras</b> ]]> <![CDATA[x]]>",
    "emoji 😀🎉 et accents éàçœ",
    "\u200fمرحبا\u200e RTL \u202eabc\u202c",
    'guillemets " et \'apostrophes\'',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_survive_as_text_everywhere(payload):
    b = DocBuilder()
    b.core_properties(title=payload, author=payload, subject=payload, created=CREATED)
    b.title_page(payload, payload, [payload])
    b.heading(payload, 1)
    b.paragraph(payload)
    b.table([payload], [[payload]])
    doc = _open(b.save())
    texts = [p.text for p in doc.paragraphs]
    assert payload in texts
    assert doc.tables[0].rows[0].cells[0].text == payload
    assert doc.tables[0].rows[1].cells[0].text == payload
    assert doc.core_properties.title == payload
    assert ("Heading 1", payload) in _headings(doc)


def test_control_characters_are_removed_tabs_and_newlines_kept():
    b = DocBuilder()
    b.paragraph("a\x00b\x01c\x08d\x0be\x1ff\x7fg\ud800h\ufffei")
    b.paragraph("col1\tcol2\nligne 2\r\nligne 3")
    b.table(["x\x00y"], [["p\x02q"]])
    doc = _open(b.save())
    assert doc.paragraphs[0].text == "abcd\nefghi"  # vertical tab is a line break
    assert doc.paragraphs[1].text == "col1\tcol2\nligne 2\nligne 3"
    assert doc.tables[0].rows[0].cells[0].text == "xy"
    assert doc.tables[0].rows[1].cells[0].text == "pq"


def test_fifty_thousand_characters_survive():
    long_text = ("Éléments & <données> 😀 " * 2500)[:50_000]
    b = DocBuilder()
    b.paragraph(long_text)
    b.table(["Texte"], [[long_text]])
    b.markdown(long_text)
    doc = _open(b.save())
    assert doc.paragraphs[0].text == long_text
    assert doc.tables[0].rows[1].cells[0].text == long_text


# -- Markdown ---------------------------------------------------------------------

MINUTES = """# Point 1 : budget

Texte avec **gras**, *italique*, ~~barré~~ et `code`, puis un [lien](https://example.org/a?b=1&c=2).

- premier
- second
  - imbriqué

1. un
2. deux

## Détail

<script>alert(1)</script> reste du texte, [lien js](javascript:alert(1)) n'est pas un lien.
"""


def _md_doc():
    b = DocBuilder()
    b.heading("Compte rendu", 1)
    b.markdown(MINUTES, heading_offset=1)
    return _open(b.save())


def test_markdown_headings_are_shifted_below_the_export_headings():
    assert _headings(_md_doc()) == [("Heading 1", "Compte rendu"), ("Heading 2", "Point 1 : budget"),
                                    ("Heading 3", "Détail")]


def test_markdown_bold_italic_runs():
    doc = _md_doc()
    para = next(p for p in doc.paragraphs if p.text.startswith("Texte avec"))
    assert [r.text for r in para.runs if r.bold] == ["gras"]
    assert [r.text for r in para.runs if r.italic] == ["italique"]
    assert [r.text for r in para.runs if r.font.strike] == ["barré"]
    assert "Courier New" in [r.font.name for r in para.runs if r.text == "code"]


def test_markdown_lists_use_list_styles():
    styles = [(p.style.name, p.text) for p in _md_doc().paragraphs if p.style.name.startswith("List")]
    assert styles == [("List Bullet", "premier"), ("List Bullet", "second"), ("List Bullet 2", "imbriqué"),
                      ("List Number", "un"), ("List Number", "deux")]


def test_markdown_link_is_a_real_hyperlink_with_relationship():
    doc = _md_doc()
    para = next(p for p in doc.paragraphs if p.text.startswith("Texte avec"))
    links = para._p.findall(qn("w:hyperlink"))
    assert len(links) == 1
    rel = doc.part.rels[links[0].get(qn("r:id"))]
    assert rel.is_external and rel.target_ref == "https://example.org/a?b=1&c=2"
    assert "lien" in "".join(t.text for t in links[0].iter(qn("w:t")))
    # Raw HTML stays text, and a javascript: URL is not turned into a link.
    last = next(p for p in doc.paragraphs if "reste du texte" in p.text)
    assert last.text.startswith("<script>alert(1)</script>")
    assert not last._p.findall(qn("w:hyperlink"))


# -- template validation ----------------------------------------------------------

def _template_without(*names: str) -> bytes:
    doc = Document(io.BytesIO(default_template_bytes()))
    for name in names:
        style = doc.styles[name]
        style.element.getparent().remove(style.element)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_template_lacking_styles_is_refused_naming_them():
    from erbm_portal.core.errors import ServiceError
    from erbm_portal.exports.services import validate_template

    with pytest.raises(ServiceError) as exc:
        validate_template(_template_without("Heading 2", TABLE_STYLE), "modele.docx")
    assert "« Heading 2 »" in exc.value.message and f"« {TABLE_STYLE} »" in exc.value.message
    assert "« Heading 1 »" not in exc.value.message
    assert exc.value.field == "document"


@pytest.mark.parametrize("data,name,fragment", [
    (b"pas un docx", "modele.docx", "n'est pas un document Word"),
    (b"%PDF-1.4 x", "modele.pdf", "document Word"),
    (b"", "modele.docx", "est vide"),
])
def test_template_that_is_not_a_docx_is_refused(data, name, fragment):
    from erbm_portal.core.errors import ServiceError
    from erbm_portal.exports.services import validate_template

    with pytest.raises(ServiceError) as exc:
        validate_template(data, name)
    assert fragment in exc.value.message


def test_french_word_style_ids_are_resolved_by_name():
    # French Word saves "heading 1" with the id "Titre1": the builder must follow names, not ids.
    data = default_template_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    entries["word/styles.xml"] = entries["word/styles.xml"].replace(
        b'w:styleId="Heading1"', b'w:styleId="Titre1"')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, blob in entries.items():
            z.writestr(name, blob)
    b = DocBuilder(out.getvalue())
    b.heading("Titre en français", 1)
    doc = _open(b.save())
    assert _headings(doc) == [("Heading 1", "Titre en français")]


# -- HTTP -------------------------------------------------------------------------

def _upload(client, data: bytes, filename: str):
    token = csrf_from(client.get("/exports/modele").get_data(as_text=True))
    return client.post("/exports/modele", data={"csrf_token": token, "document": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_template_page_and_download(client, login_as):
    login_as("secretariat")
    page = client.get("/exports/modele")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "Modèle de document" in text and "Modèle fourni avec l'intranet" in text
    if pdf_available():
        assert "Aperçu en PDF" in text
    else:
        assert "LibreOffice (soffice) n'est pas installé" in text and "Aperçu en PDF" not in text
    resp = client.get("/exports/modele.docx")
    assert resp.status_code == 200 and resp.data == default_template_bytes()
    assert "attachment" in resp.headers["Content-Disposition"]
    specimen = client.get("/exports/modele/apercu.docx")
    assert specimen.status_code == 200 and _headings(_open(specimen.data))[0] == ("Title", "Aperçu du modèle")


def test_upload_replaces_the_template_then_reset(client, login_as, db):
    from erbm_portal.audit.models import AuditEvent
    from erbm_portal.exports.services import current_template

    login_as("secretariat")
    custom = Document(io.BytesIO(default_template_bytes()))
    custom.sections[0].header.paragraphs[0].text = "Préfecture du Pas-de-Calais"
    buf = io.BytesIO()
    custom.save(buf)
    resp = _upload(client, buf.getvalue(), "papier-en-tete.docx")
    assert resp.status_code == 303
    assert client.get("/exports/modele.docx").data == buf.getvalue()
    specimen = _open(client.get("/exports/modele/apercu.docx").data)
    assert specimen.sections[0].header.paragraphs[0].text == "Préfecture du Pas-de-Calais"
    assert "papier-en-tete.docx" in client.get("/exports/modele").get_data(as_text=True)
    token = csrf_from(client.get("/exports/modele").get_data(as_text=True))
    assert client.post("/exports/modele/reinitialiser", data={"csrf_token": token}).status_code == 303
    assert current_template().is_default
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert "exports.template_replaced" in actions and "exports.template_reset" in actions


def test_upload_missing_style_is_refused_beside_the_field(client, login_as):
    login_as("secretariat")
    resp = _upload(client, _template_without("Heading 3"), "modele.docx")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "« Heading 3 »" in page and "fr-error-text" in page
    assert client.get("/exports/modele.docx").data == default_template_bytes()


def test_upload_not_a_docx_is_refused(client, login_as):
    login_as("secretariat")
    resp = _upload(client, b"\x89PNG\r\n\x1a\nxxxx", "modele.docx")
    assert resp.status_code == 422
    assert "n'est pas un document Word (.docx)" in html.unescape(resp.get_data(as_text=True))


def test_only_the_secretariat_sees_the_nav_entry(client, login_as):
    login_as("secretariat")
    assert "Modèle de document" in client.get("/").get_data(as_text=True)
    login_as("member")
    assert "Modèle de document" not in client.get("/").get_data(as_text=True)


# -- PDF --------------------------------------------------------------------------

def _require_soffice():
    if not pdf_available():
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required under CI for the PDF conversion test")
        pytest.skip("LibreOffice (soffice) is not installed")


def test_pdf_conversion_page_count():
    _require_soffice()
    b = DocBuilder()
    b.title_page("Dossier de séance", "Comité", ["Lens"])  # page 1, then a page break
    b.heading("Ordre du jour", 1)
    b.table(["N°", "Point"], [[i, f"Point {i}"] for i in range(1, 11)])
    b.page_break()
    b.heading("Annexes", 1)  # page 3
    pdf = to_pdf(b.save())
    assert pdf is not None and pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) == 3
    # The conversion went through the macro that refreshes the TOC and fields.
    from erbm_portal.exports.pdf import _profile_dir

    assert (_profile_dir() / "user" / "basic" / "Standard" / "ErbmPdf.xba").exists()


def test_pdf_unavailable_says_so(monkeypatch):
    from erbm_portal.exports import pdf as pdf_module

    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)
    assert pdf_module.pdf_available() is False
    assert pdf_module.to_pdf(b"x") is None


def test_without_libreoffice_the_page_hides_pdf_links_and_says_why(client, login_as, monkeypatch):
    from erbm_portal.exports import pdf as pdf_module

    monkeypatch.setattr(pdf_module, "soffice_path", lambda: None)
    monkeypatch.setattr("erbm_portal.exports.views.pdf_available", pdf_module.pdf_available)
    login_as("secretariat")
    text = html.unescape(client.get("/exports/modele").get_data(as_text=True))
    assert "Aperçu en PDF" not in text and "LibreOffice (soffice) n'est pas installé" in text
    resp = client.get("/exports/modele/apercu.pdf")
    assert resp.status_code == 404
    assert "LibreOffice (soffice) n'est pas installé" in html.unescape(resp.get_data(as_text=True))


def test_each_numbered_list_starts_again_at_one():
    b = DocBuilder()
    b.markdown("1. a\n2. b\n\nTexte.\n\n1. c\n2. d\n")
    doc = _open(b.save())
    num_ids = [p._p.pPr.numPr.numId.val for p in doc.paragraphs if p.style.name == "List Number"]
    assert len(num_ids) == 4 and num_ids[0] == num_ids[1] != num_ids[2] == num_ids[3]
    numbering = doc.part.numbering_part.element
    for num_id in (num_ids[0], num_ids[2]):
        override = numbering.num_having_numId(num_id).find(qn("w:lvlOverride"))
        assert override.find(qn("w:startOverride")).get(qn("w:val")) == "1"


def test_template_that_unpacks_too_big_is_refused(monkeypatch):
    from erbm_portal.core.errors import ServiceError
    from erbm_portal.exports import services

    monkeypatch.setattr(services, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(ServiceError) as exc:
        services.validate_template(default_template_bytes(), "modele.docx")
    assert "trop lourd" in exc.value.message
