"""Rendu Markdown sûr pour les contenus saisis par les utilisateurs.

Deux barrières : markdown-it-py avec le HTML brut désactivé (le HTML tapé
est affiché comme texte), puis nh3 qui ne garde qu'une liste blanche de
balises, d'attributs et de schémas d'URL.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml as escape_html
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre",
        "blockquote", "h3", "h4", "h5", "h6", "table", "thead", "tbody",
        "tr", "th", "td", "hr", "del",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Contenu supprimé entièrement (pas seulement la balise) par nh3.
DROPPED_CONTENT_TAGS = frozenset({"script", "style"})

# Les titres h1/h2 appartiennent à la page : « # » devient h3, etc.
_HEADING_OFFSET = 2


def _demote_headings(state) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + _HEADING_OFFSET, 6)
            token.tag = f"h{level}"


def _use_del_for_strikethrough(state) -> None:
    # markdown-it émet <s> ; la liste blanche attend <del>.
    for token in state.tokens:
        for child in token.children or ():
            if child.type in ("s_open", "s_close"):
                child.tag = "del"


def _render_image_as_alt_text(renderer, tokens, idx, options, env):
    # <img> n'est pas autorisé : on garde au moins le texte alternatif.
    token = tokens[idx]
    return escape_html(renderer.renderInlineAsText(token.children or [], options, env))


def _build_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _render_image_as_alt_text)
    parser.core.ruler.push("erbm_demote_headings", _demote_headings)
    parser.core.ruler.push("erbm_strikethrough_del", _use_del_for_strikethrough)
    return parser


_PARSER = _build_parser()


def sanitize_html(html: str) -> str:
    """Nettoie un fragment HTML selon la liste blanche du portail."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_CONTENT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Convertit du Markdown utilisateur en HTML sûr, prêt pour Jinja."""
    if not text:
        return Markup("")
    return Markup(sanitize_html(_PARSER.render(text)))
