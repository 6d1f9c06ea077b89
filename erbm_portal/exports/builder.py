"""The Word export engine: a small document builder over python-docx.

Domain exports (meeting pack, minutes, action plan, agreement) feed it plain
data::

    b = DocBuilder(template_bytes)          # or DocBuilder() for the shipped template
    b.core_properties(title=..., author=..., subject=..., created=dt, modified=dt)
    b.title_page("Dossier de séance", subtitle="Comité de Lens", lines=["12 mars 2026", "Lens"])
    b.toc()
    b.heading("Ordre du jour", 1)
    b.table(["N°", "Point", "Présentateur"], rows, widths=[1.5, 10, 5])
    b.markdown(minutes_text, heading_offset=2)
    b.image(bar_chart_png(...), width_cm=16)
    data = b.save()                          # bytes, identical for identical input
    digest = sha256_of(data)

Everything is written as WordprocessingML built here (paragraphs, runs, tables
in one piece), so long tables cost one XML parse instead of python-docx's
cell-by-cell grid walk. Style ids are looked up by style *name* in the
template, because a template saved by a French Word uses ids such as
``Titre1`` for "heading 1".
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime
from importlib import resources

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
from docx.opc.pkgwriter import _ContentTypesItem
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm

from .textsafe import clean_line, clean_text, xml_attr, xml_escape

TABLE_STYLE = "Tableau ERBM"
REQUIRED_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "Normal", TABLE_STYLE)
PROGRAMME_NAME = "Engagement pour le Renouveau du Bassin Minier"
# Fixed timestamp of every zip entry (the zip format's epoch), for byte-identical output.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_NS = nsdecls("w", "r")
_TWIPS_PER_CM = 567
_MAX_HEADING = 9
_HYPERLINK_SCHEMES = ("http://", "https://", "mailto:")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def default_template_bytes() -> bytes:
    """The reference template shipped with the package (see make_reference.py)."""
    return resources.files(__package__).joinpath("reference.docx").read_bytes()


def run_xml(text: str, rpr: str = "") -> str:
    """One w:r holding ``text`` (already cleaned), tabs and line breaks as w:tab / w:br."""
    if not text:
        return ""
    parts = []
    for i, line in enumerate(text.split("\n")):
        if i:
            parts.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if chunk:
                parts.append(f'<w:t xml:space="preserve">{xml_escape(chunk)}</w:t>')
    return f"<w:r>{rpr}{''.join(parts)}</w:r>"


class DocBuilder:
    def __init__(self, template: bytes | None = None):
        self.document = Document(io.BytesIO(template if template is not None else default_template_bytes()))
        self.part = self.document.part
        body = self.document.element.body
        self._body = body
        self._sectPr = body.find(qn("w:sectPr"))
        self._style_ids: dict[str, str | None] = {}
        self._section = self.document.sections[-1]
        self._headings: list[tuple[int, str, str]] = []  # (level, text, bookmark name)
        self._toc_anchor = None
        self._toc_levels = 3
        # Keep only what the template's body holds before its final section (usually nothing).
        for child in list(body):
            if child is not self._sectPr:
                body.remove(child)

    # -- styles ---------------------------------------------------------------
    def style_id(self, name: str) -> str | None:
        """The template's id for the style called ``name`` (None when absent)."""
        if name not in self._style_ids:
            try:
                self._style_ids[name] = self.document.styles[name].style_id
            except KeyError:
                self._style_ids[name] = None
        return self._style_ids[name]

    def _ppr(self, style: str | None, extra: str = "") -> str:
        sid = self.style_id(style) if style else None
        inner = (f'<w:pStyle w:val="{xml_attr(sid)}"/>' if sid else "") + extra
        return f"<w:pPr>{inner}</w:pPr>" if inner else ""

    # -- low level --------------------------------------------------------------
    def append_xml(self, xml: str):
        """Parse one body-level element (``w:`` and ``r:`` prefixes declared) and append it."""
        element = parse_xml(xml)
        self.append_element(element)
        return element

    def append_element(self, element) -> None:
        if self._sectPr is not None:
            self._sectPr.addprevious(element)
        else:
            self._body.append(element)

    def paragraph_xml(self, runs: str, style: str | None = "Normal", extra_ppr: str = "") -> str:
        return f"<w:p {_NS}>{self._ppr(style, extra_ppr)}{runs}</w:p>"

    # -- content --------------------------------------------------------------
    def title_page(self, title: str, subtitle: str | None = None, lines=(), *, page_break: bool = True) -> None:
        """Cover: the title (style Title), an optional subtitle, then one paragraph per line."""
        self.append_xml(self.paragraph_xml(run_xml(clean_line(title)), "Title"))
        if subtitle:
            style = "Subtitle" if self.style_id("Subtitle") else "Normal"
            self.append_xml(self.paragraph_xml(run_xml(clean_line(subtitle)), style))
        for line in lines:
            self.paragraph(line)
        if page_break:
            self.page_break()

    def toc(self, title: str | None = "Sommaire", levels: int = 3) -> None:
        """A real TOC field (headings 1 to ``levels``).

        Its current result is written at save time from the headings added (each
        heading carries a bookmark, each entry links to it). Word rebuilds the table
        with page numbers on open (w:updateFields); pdf.to_pdf has LibreOffice
        update it before exporting. A reader that refreshes nothing still sees the
        headings, linked, without page numbers.
        """
        if title:
            style = "TOC Heading" if self.style_id("TOC Heading") else "Normal"
            self.append_xml(self.paragraph_xml(run_xml(clean_line(title), "<w:rPr><w:b/></w:rPr>"), style))
        self._toc_levels = max(1, min(int(levels), _MAX_HEADING))
        self._toc_anchor = self.append_xml(f"<w:p {_NS}/>")
        self.set_update_fields_on_open()

    def _write_toc(self) -> None:
        anchor = self._toc_anchor
        if anchor is None or anchor.getparent() is None:
            return
        levels = self._toc_levels
        instr = f' TOC \\o "1-{levels}" \\h \\z \\u '
        begin = ('<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
                 f'<w:r><w:instrText xml:space="preserve">{instr}</w:instrText></w:r>'
                 '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        entries = [(lvl, text, name) for lvl, text, name in self._headings if lvl <= levels]
        paragraphs = []
        for i, (lvl, text, name) in enumerate(entries):
            style = f"TOC {lvl}"
            ppr = "" if self.style_id(style) else f'<w:ind w:left="{283 * (lvl - 1)}"/>'
            # No cached page numbers: a wrong "1" is worse than none, and Word and
            # pdf.to_pdf recompute the whole table anyway.
            body = f'<w:hyperlink w:anchor="{name}" w:history="1">{run_xml(text)}</w:hyperlink>'
            paragraphs.append(self.paragraph_xml((begin if i == 0 else "") + body
                                                 + (end if i == len(entries) - 1 else ""),
                                                 style if self.style_id(style) else "Normal", ppr))
        if not entries:
            placeholder = xml_escape("Sommaire : mettez à jour les champs (F9) pour l'afficher.")
            paragraphs.append(self.paragraph_xml(f"{begin}<w:r><w:t>{placeholder}</w:t></w:r>{end}"))
        for xml in paragraphs:
            anchor.addprevious(parse_xml(xml))
        anchor.getparent().remove(anchor)

    def set_update_fields_on_open(self) -> None:
        settings = self.document.settings.element
        if settings.find(qn("w:updateFields")) is None:
            element = parse_xml(f'<w:updateFields {nsdecls("w")} w:val="true"/>')
            # CT_Settings keeps the schema order: the successors of w:updateFields.
            successors = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars",
                          "w:rsids", "m:mathPr", "w:attachedSchema", "w:themeFontLang",
                          "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
                          "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions",
                          "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary",
                          "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol",
                          "w:listSeparator")
            settings.insert_element_before(element, *successors)

    def heading(self, text: str, level: int = 1) -> None:
        """A real heading (style Heading N: the navigation pane and the TOC see it)."""
        level = max(1, min(int(level), _MAX_HEADING))
        while level > 1 and not self.style_id(f"Heading {level}"):
            level -= 1
        text = clean_line(text)
        self._headings.append((level, text, f"_TocERBM{len(self._headings) + 1}"))
        bookmark_id = len(self._headings)
        name = self._headings[-1][2]
        self.append_xml(self.paragraph_xml(
            f'<w:bookmarkStart w:id="{bookmark_id}" w:name="{name}"/>{run_xml(text)}'
            f'<w:bookmarkEnd w:id="{bookmark_id}"/>', f"Heading {level}"))

    def paragraph(self, text: str = "", style: str | None = "Normal", *, bold: bool = False,
                  italic: bool = False) -> None:
        """A paragraph of plain text: line breaks and tabs kept, nothing interpreted."""
        rpr = ""
        if bold or italic:
            rpr = "<w:rPr>" + ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "") + "</w:rPr>"
        if style and not self.style_id(style):
            style = "Normal"
        self.append_xml(self.paragraph_xml(run_xml(clean_text(text), rpr), style))

    def page_break(self) -> None:
        self.append_xml(f'<w:p {_NS}><w:r><w:br w:type="page"/></w:r></w:p>')

    def _width_twips(self) -> int:
        sec = self._section
        usable = sec.page_width - sec.left_margin - sec.right_margin
        return int(usable / 635)  # EMU -> twips

    def table(self, columns, rows, widths=None, *, header: bool = True) -> None:
        """A real table, built in one piece; the header row repeats on every page.

        ``columns``: header labels; ``rows``: sequences of values (None shows empty,
        other values through str()); ``widths``: column widths in cm (default: equal).
        """
        columns = [clean_line(c) for c in columns]
        ncols = len(columns) or (len(rows[0]) if rows else 1)
        if widths:
            twips = [int(float(w) * _TWIPS_PER_CM) for w in widths][:ncols]
            twips += [twips[-1]] * (ncols - len(twips))
        else:
            twips = [self._width_twips() // ncols] * ncols
        sid = self.style_id(TABLE_STYLE) or self.style_id("Table Grid")
        out = [f"<w:tbl {_NS}><w:tblPr>"]
        if sid:
            out.append(f'<w:tblStyle w:val="{xml_attr(sid)}"/>')
        out.append(f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
                   '<w:tblLayout w:type="fixed"/>'
                   '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
                   'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>')
        out.extend(f'<w:gridCol w:w="{w}"/>' for w in twips)
        out.append("</w:tblGrid>")
        tcprs = [f'<w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>' for w in twips]
        if header and columns:
            out.append("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
            for i, label in enumerate(columns):
                out.append(f"<w:tc>{tcprs[i]}<w:p><w:pPr><w:keepNext/></w:pPr>"
                           f"{run_xml(label, '<w:rPr><w:b/></w:rPr>')}</w:p></w:tc>")
            out.append("</w:tr>")
        for row in rows:
            out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            values = list(row)[:ncols]
            values += [None] * (ncols - len(values))
            for i, value in enumerate(values):
                text = "" if value is None else clean_text(value)
                out.append(f"<w:tc>{tcprs[i]}<w:p>{run_xml(text)}</w:p></w:tc>")
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.append_xml("".join(out))
        # Two tables in a row would merge in Word: an empty paragraph keeps them apart.
        self.append_xml(f"<w:p {_NS}/>")

    def image(self, png_bytes: bytes, width_cm: float = 16.0, *, description: str = "") -> None:
        """An inline picture (PNG or JPEG) in its own paragraph."""
        paragraph = self.document.add_paragraph()
        run = paragraph.add_run()
        run.add_picture(io.BytesIO(png_bytes), width=Cm(width_cm))
        if description:
            for doc_pr in paragraph._p.iter(qn("wp:docPr")):
                doc_pr.set("descr", clean_line(description))
        # add_paragraph placed it before sectPr already; nothing else to move.

    def hyperlink_xml(self, url: str, pieces) -> str:
        """A w:hyperlink to an external http(s)/mailto URL; other URLs give plain text.

        ``pieces``: the link text, or a list of (text, extra run properties) pairs.
        """
        if isinstance(pieces, str):
            pieces = [(pieces, "")]
        url = clean_line(url)
        if not url.lower().startswith(_HYPERLINK_SCHEMES):
            return "".join(run_xml(t, f"<w:rPr>{p}</w:rPr>" if p else "") for t, p in pieces)
        rid = self.part.relate_to(url, RT.HYPERLINK, is_external=True)
        sid = self.style_id("Hyperlink")
        # Run properties in schema order: rStyle, rFonts, b, i, strike, color, u.
        before = f'<w:rStyle w:val="{xml_attr(sid)}"/>' if sid else ""
        after = "" if sid else '<w:color w:val="0563C1"/><w:u w:val="single"/>'
        runs = "".join(run_xml(t, f"<w:rPr>{before}{p}{after}</w:rPr>") for t, p in pieces)
        return f'<w:hyperlink r:id="{rid}">{runs}</w:hyperlink>'

    def markdown(self, text: str, *, heading_offset: int = 2) -> None:
        """User Markdown as Word formatting: ``# x`` becomes Heading (1 + heading_offset)."""
        from .md import render_markdown

        render_markdown(self, clean_text(text), heading_offset=heading_offset)

    # -- metadata and output --------------------------------------------------
    def core_properties(self, title: str = "", author: str = "", subject: str = "",
                        created: datetime | None = None, modified: datetime | None = None,
                        keywords: str = "") -> None:
        """Dates come from the data (never "now"), so that the file is reproducible."""
        props = self.document.core_properties
        props.title = clean_line(title)[:255]
        props.author = clean_line(author)[:255]
        props.last_modified_by = clean_line(author)[:255]
        props.subject = clean_line(subject)[:255]
        props.keywords = clean_line(keywords)[:255]
        props.comments = ""
        props.revision = 1
        if created is not None:
            props.created = created.replace(microsecond=0)
        if modified is not None or created is not None:
            props.modified = (modified or created).replace(microsecond=0)

    def save(self) -> bytes:
        """The .docx bytes: zip entries in a fixed order with fixed timestamps."""
        self._write_toc()
        package = self.part.package
        parts = package.parts
        for part in parts:
            part.before_marshal()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            def write(name: str, blob: bytes) -> None:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 0
                info.external_attr = 0
                archive.writestr(info, blob)

            write(CONTENT_TYPES_URI.membername, _ContentTypesItem.from_parts(parts).blob)
            write(PACKAGE_URI.rels_uri.membername, package.rels.xml)
            for part in parts:
                write(part.partname.membername, part.blob)
                if len(part.rels):
                    write(part.partname.rels_uri.membername, part.rels.xml)
        return buffer.getvalue()
