"""User Markdown (minutes, comments) turned into Word paragraphs and runs.

Same dialect as the web pages (core.markdown: CommonMark, raw HTML shown as
text, tables, strikethrough). Bold, italics, strikethrough, inline code,
links (w:hyperlink with an external relationship), bullet and numbered lists
(the template's List Bullet / List Number styles, nested up to 3 levels),
quotes, code blocks, tables (through DocBuilder.table) and headings, shifted
by ``heading_offset`` so that "# Point 1" inside minutes sits below the
export's own headings. Images become their alternative text.
"""
from __future__ import annotations

from markdown_it import MarkdownIt

from .builder import DocBuilder, run_xml
from .textsafe import clean_line

_PARSER = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_MONO = '<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New" w:cs="Courier New"/>'


def _restart_numbering(builder: DocBuilder, style: str) -> str:
    """numPr for a numbered list that starts again at 1 (Word continues a style's numbering)."""
    try:
        ppr = builder.document.styles[style].element.pPr
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is None or num_pr.numId is None:
            return ""
        numbering = builder.part.numbering_part.element
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        current = numbering.num_having_numId(num_pr.numId.val)
        num = numbering.add_num(current.abstractNumId.val)
        num.add_lvlOverride(ilvl).add_startOverride(1)
    except (KeyError, AttributeError, ValueError, NotImplementedError):
        return ""
    return f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num.numId}"/></w:numPr>'


def _list_style(builder: DocBuilder, ordered: bool, depth: int) -> tuple[str | None, str]:
    base = "List Number" if ordered else "List Bullet"
    for level in range(min(depth, 3), 0, -1):
        name = base if level == 1 else f"{base} {level}"
        if builder.style_id(name):
            return name, ""
    # No list style in the template: indent and a visible marker instead.
    return "Normal", f'<w:ind w:left="{360 * depth}" w:hanging="360"/>'


class _Renderer:
    def __init__(self, builder: DocBuilder, heading_offset: int):
        self.b = builder
        self.offset = heading_offset
        self.lists: list[dict] = []  # stack of {"ordered": bool, "n": int}
        self.quote = 0
        self.item_first_para = False

    def inline(self, children) -> str:
        out = []
        bold = italic = strike = 0
        link: str | None = None
        link_runs: list[str] = []

        def props(extra: str = "") -> str:
            # Schema order: rFonts (extra), b, i, strike.
            return extra + ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "") + \
                ("<w:strike/>" if strike else "")

        def emit(text: str, extra: str = "") -> None:
            if link is not None:
                link_runs.append((text, props(extra)))
            else:
                inner = props(extra)
                out.append(run_xml(text, f"<w:rPr>{inner}</w:rPr>" if inner else ""))

        for tok in children or ():
            kind = tok.type
            if kind == "text":
                emit(tok.content)
            elif kind == "softbreak":
                emit(" ")
            elif kind == "hardbreak":
                emit("\n")
            elif kind == "strong_open":
                bold += 1
            elif kind == "strong_close":
                bold -= 1
            elif kind == "em_open":
                italic += 1
            elif kind == "em_close":
                italic -= 1
            elif kind == "s_open":
                strike += 1
            elif kind == "s_close":
                strike -= 1
            elif kind == "code_inline":
                emit(tok.content, _MONO)
            elif kind == "link_open":
                link, link_runs = tok.attrGet("href") or "", []
            elif kind == "link_close":
                if link is not None:
                    out.append(self._link(link, link_runs))
                link = None
            elif kind == "image":
                emit(tok.content or "")
            elif kind in ("html_inline", "html_block"):
                emit(tok.content)
            else:
                emit(tok.content or "")
        return "".join(out)

    def _link(self, url: str, runs) -> str:
        return self.b.hyperlink_xml(url, runs) if runs else ""

    def render(self, tokens) -> None:
        i = 0
        n = len(tokens)
        while i < n:
            tok = tokens[i]
            kind = tok.type
            if kind == "heading_open":
                level = int(tok.tag[1]) + self.offset
                self.b.heading(clean_line(_plain(tokens[i + 1].children)), level)
                i += 3
                continue
            if kind in ("bullet_list_open", "ordered_list_open"):
                start = int(tok.attrGet("start") or 1)
                self.lists.append({"ordered": kind == "ordered_list_open", "n": start, "numpr": None})
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
            elif kind == "list_item_open":
                self.item_first_para = True
            elif kind == "paragraph_open":
                runs = self.inline(tokens[i + 1].children)
                self._paragraph(runs)
                i += 3
                continue
            elif kind == "blockquote_open":
                self.quote += 1
            elif kind == "blockquote_close":
                self.quote -= 1
            elif kind in ("fence", "code_block"):
                code = tok.content[:-1] if tok.content.endswith("\n") else tok.content
                self.b.append_xml(self.b.paragraph_xml(run_xml(code, f"<w:rPr>{_MONO}</w:rPr>"), "Normal"))
            elif kind == "hr":
                self.b.append_xml(self.b.paragraph_xml(
                    "", "Normal", '<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="auto"/></w:pBdr>'))
            elif kind == "table_open":
                i = self._table(tokens, i)
                continue
            elif kind == "html_block":
                self.b.paragraph(tok.content.rstrip("\n"))
            i += 1

    def _paragraph(self, runs: str) -> None:
        if self.lists:
            current = self.lists[-1]
            depth = len(self.lists)
            if self.item_first_para:
                self.item_first_para = False
                style, ind = _list_style(self.b, current["ordered"], depth)
                if current["ordered"] and not ind:
                    if current["numpr"] is None:
                        current["numpr"] = _restart_numbering(self.b, style)
                    ind = current["numpr"]
                if ind.startswith("<w:ind"):  # no list style: write the marker ourselves
                    marker = f"{current['n']}." if current["ordered"] else "•"
                    runs = run_xml(marker + "\t") + runs
                current["n"] += 1
                self.b.append_xml(self.b.paragraph_xml(runs, style, ind))
            else:  # a further paragraph inside the same item
                self.b.append_xml(self.b.paragraph_xml(runs, "Normal", f'<w:ind w:left="{360 * depth}"/>'))
            return
        if self.quote:
            style = "Quote" if self.b.style_id("Quote") else "Normal"
            self.b.append_xml(self.b.paragraph_xml(runs, style, f'<w:ind w:left="{567 * self.quote}"/>'))
            return
        self.b.append_xml(self.b.paragraph_xml(runs, "Normal"))

    def _table(self, tokens, i: int) -> int:
        header: list[str] = []
        rows: list[list[str]] = []
        row: list[str] | None = None
        in_head = False
        while tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "thead_open":
                in_head = True
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                row = []
            elif tok.type == "tr_close":
                if in_head:
                    header = row or []
                else:
                    rows.append(row or [])
            elif tok.type == "inline" and row is not None:
                row.append(_plain(tok.children))
            i += 1
        self.b.table(header, rows)
        return i + 1


def _plain(children) -> str:
    parts = []
    for tok in children or ():
        if tok.type in ("text", "code_inline", "html_inline", "image"):
            parts.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def render_markdown(builder: DocBuilder, text: str, *, heading_offset: int = 2) -> None:
    if not text.strip():
        return
    _Renderer(builder, heading_offset).render(_PARSER.parse(text))
