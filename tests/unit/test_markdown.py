import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from erbm_portal.core.markdown import ALLOWED_TAGS, render_markdown


class _TagCollector(HTMLParser):
    """Collecte les balises et attributs réellement présents dans le HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def parse_tags(html: str):
    collector = _TagCollector()
    collector.feed(html)
    collector.close()
    return collector.tags


def href_scheme(href: str) -> str:
    # Comme un navigateur : blancs et caractères de contrôle ignorés avant le schéma.
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", href).lower()
    match = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else ""


def assert_safe(html: str) -> None:
    assert "<script" not in html.lower()
    for tag, attrs in parse_tags(html):
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs.items():
            assert not name.lower().startswith("on"), (tag, name)
            if name == "href":
                assert href_scheme(value or "") in {"", "http", "https", "mailto"}, value
        if tag == "a":
            assert set(attrs) <= {"href", "title", "rel"}
            assert attrs.get("rel") == "noopener noreferrer"


def test_returns_markup_and_empty_input():
    assert isinstance(render_markdown("x"), Markup)
    assert render_markdown("") == Markup("")
    assert render_markdown(None) == Markup("")


def test_basic_formatting():
    html = str(render_markdown("**gras** et *italique* et ~~barré~~ et `code`"))
    assert "<strong>gras</strong>" in html
    assert "<em>italique</em>" in html
    assert "<del>barré</del>" in html
    assert "<code>code</code>" in html


def test_lists_quotes_and_rules():
    html = str(render_markdown("- un\n- deux\n\n1. a\n2. b\n\n> cité\n\n---\n"))
    assert "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>" in html
    assert "<ol>" in html and "<li>b</li>" in html
    assert "<blockquote>" in html
    assert "<hr>" in html


def test_headings_are_demoted_below_page_titles():
    html = str(render_markdown("# Ordre du jour\n\n## Point 1\n\n###### Fin"))
    assert "<h3>Ordre du jour</h3>" in html
    assert "<h4>Point 1</h4>" in html
    assert "<h6>Fin</h6>" in html
    assert "<h1" not in html and "<h2" not in html


def test_table_renders_without_style_attributes():
    html = str(render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n"))
    assert "<table>" in html and "<th>a</th>" in html and "<td>2</td>" in html
    assert "style=" not in html


def test_links_get_rel_and_keep_title():
    html = str(render_markdown('[site](https://example.org "Titre") <mailto:a@b.fr>'))
    tags = parse_tags(html)
    assert ("a", {"href": "https://example.org", "title": "Titre",
                  "rel": "noopener noreferrer"}) in tags
    assert any(attrs.get("href") == "mailto:a@b.fr" for _, attrs in tags)


def test_relative_links_are_kept():
    html = str(render_markdown("[réunion](/reunions/3) [vide]()"))
    tags = parse_tags(html)
    assert ("a", {"href": "/reunions/3", "rel": "noopener noreferrer"}) in tags
    assert_safe(html)


def test_href_scheme_helper_sees_obfuscated_javascript():
    assert href_scheme(" Java\tScRipt:alert(1)") == "javascript"
    assert href_scheme("/reunions/3") == ""


def test_accents_survive():
    assert "Réunion à l’école" in str(render_markdown("Réunion à l’école"))


def test_raw_script_is_shown_as_text():
    html = str(render_markdown("<script>alert(1)</script>"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert_safe(html)


def test_img_onerror_is_neutralised():
    html = str(render_markdown('<img src=x onerror="alert(1)">'))
    assert parse_tags(html) == [("p", {})]
    assert_safe(html)


def test_markdown_image_keeps_only_escaped_alt_text():
    html = str(render_markdown("![logo <b>ERBM</b>](https://x.fr/l.png)"))
    assert "<img" not in html
    assert "logo &lt;b&gt;ERBM&lt;/b&gt;" in html


def test_javascript_markdown_link_is_not_a_link():
    html = str(render_markdown("[x](javascript:alert(1))"))
    assert "<a" not in html
    assert_safe(html)


def test_mixed_case_javascript_anchor_is_neutralised():
    html = str(render_markdown('<a href="JaVaScRiPt:alert(1)">x</a>'))
    assert "<a" not in html
    assert_safe(html)


def test_encoded_and_other_schemes_are_rejected():
    for src in (
        "[x](jav&#x61;script:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "<javascript:alert(1)>",
    ):
        html = str(render_markdown(src))
        assert "href" not in html, src
        assert_safe(html)


def test_raw_iframe_is_shown_as_text():
    html = str(render_markdown('<iframe src="https://evil"></iframe>'))
    assert "<iframe" not in html
    assert "&lt;iframe" in html


def test_code_block_escapes_html():
    html = str(render_markdown("```\n<script>alert(1)</script>\n```"))
    assert "<pre><code>&lt;script&gt;" in html


_NASTY_FRAGMENTS = st.sampled_from([
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:",
    "JaVaScRiPt:", "[x](", ")", "<", ">", '"', "'", "&#x6A;", "\n", "`",
    "**", "<a href=", " onclick=", "<svg onload=alert(1)>", "![a](", "|",
])
_INPUTS = st.one_of(
    st.text(),
    st.lists(st.one_of(_NASTY_FRAGMENTS, st.text(max_size=5)), max_size=30).map("".join),
)


@settings(max_examples=300, deadline=None, database=None)  # pas de dossier .hypothesis/
@given(_INPUTS)
def test_output_is_always_safe(text):
    assert_safe(str(render_markdown(text)))
