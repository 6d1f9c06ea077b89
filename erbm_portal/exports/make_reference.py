"""Generate the shipped reference template, erbm_portal/exports/reference.docx.

    python -m erbm_portal.exports.make_reference [output.docx]

Starts from python-docx's own default template and sets: A4 portrait, French
language, Arial, the DSFR "bleu France" on Title and Heading 1-3, the table
style "Tableau ERBM" (bold shaded header row), a Hyperlink character style, a
header with the programme's name and a footer "Page X sur Y" made of real
PAGE and NUMPAGES fields. The output is byte-identical from one run to the next.
"""
from __future__ import annotations

import sys
from datetime import datetime
from importlib import resources
from pathlib import Path

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from .builder import PROGRAMME_NAME, TABLE_STYLE, DocBuilder

BLEU_FRANCE = RGBColor(0x00, 0x00, 0x91)
FONT = "Arial"
OUTPUT = Path(__file__).with_name("reference.docx")


def _field_runs(instruction: str, cached: str) -> str:
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t>{cached}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _set_language(doc) -> None:
    styles = doc.styles.element
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    rpr.insert(0, parse_xml(f'<w:rFonts {nsdecls("w")} w:ascii="{FONT}" w:hAnsi="{FONT}" '
                            f'w:eastAsia="{FONT}" w:cs="{FONT}"/>'))
    rpr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="fr-FR" w:eastAsia="en-US" w:bidi="ar-SA"/>'))
    settings = doc.settings.element
    for tag in ("w:rsids", "w:proofState", "w:attachedTemplate"):
        for old in settings.findall(qn(tag)):
            settings.remove(old)
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "fr-FR")
        lang.attrib.pop(qn("w:eastAsia"), None)
    for tag, value in (("w:decimalSymbol", ","), ("w:listSeparator", ";")):
        el = settings.find(qn(tag))
        if el is not None:
            el.set(qn("w:val"), value)


def _style_fonts(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    title = doc.styles["Title"]
    title.font.name = FONT
    title.font.size = Pt(26)
    title.font.bold = True
    title.font.color.rgb = BLEU_FRANCE
    for level, size in ((1, 16), (2, 13), (3, 11)):
        style = doc.styles[f"Heading {level}"]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = BLEU_FRANCE
        style.paragraph_format.space_before = Pt(12 if level == 1 else 8)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True


def _table_style(doc) -> None:
    style = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
    style.base_style = doc.styles["Normal Table"] if "Normal Table" in [s.name for s in doc.styles] else None
    element = style.element
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="8A8A8A"/>'
    borders = "".join(border.format(side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    element.append(parse_xml(
        f'<w:pPr {nsdecls("w")}><w:spacing w:before="0" w:after="0"/></w:pPr>'))
    element.append(parse_xml(f'<w:rPr {nsdecls("w")}><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr>'))
    element.append(parse_xml(
        f'<w:tblPr {nsdecls("w")}><w:tblBorders>{borders}</w:tblBorders>'
        '<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="80" w:type="dxa"/>'
        '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr>'))
    element.append(parse_xml(
        f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>'
        '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="E3E3FD"/></w:tcPr></w:tblStylePr>'))


def _hyperlink_style(doc) -> None:
    if "Hyperlink" in [s.name for s in doc.styles]:
        return
    style = doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    style.font.color.rgb = RGBColor(0x00, 0x00, 0x91)
    style.font.underline = True


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.left_margin = section.right_margin = Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)
    header = section.header.paragraphs[0]
    header.text = PROGRAMME_NAME
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for run in header.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = BLEU_FRANCE
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    runs = ('<w:r><w:t xml:space="preserve">Page </w:t></w:r>' + _field_runs("PAGE", "1")
            + '<w:r><w:t xml:space="preserve"> sur </w:t></w:r>' + _field_runs("NUMPAGES", "1"))
    for run in parse_xml(f'<w:p {nsdecls("w")}>{runs}</w:p>'):
        footer._p.append(run)


def _drop_thumbnail(doc) -> None:
    rels = doc.part.package.rels
    for rid, rel in list(rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del rels[rid]


def build() -> bytes:
    # python-docx's own template is the base.
    base = resources.files("docx").joinpath("templates/default.docx").read_bytes()
    builder = DocBuilder(base)
    doc = builder.document
    _drop_thumbnail(doc)
    _set_language(doc)
    _style_fonts(doc)
    _table_style(doc)
    _hyperlink_style(doc)
    _page_setup(doc)
    stamp = datetime(2026, 1, 1)
    builder.core_properties(title="Modèle de document ERBM", author="Secrétariat ERBM",
                            subject=PROGRAMME_NAME, created=stamp, modified=stamp)
    doc.core_properties.category = ""
    return builder.save()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else OUTPUT
    target.write_bytes(build())
    print(f"{target} ({target.stat().st_size} octets)")


if __name__ == "__main__":
    main()
