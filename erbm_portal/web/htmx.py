"""Render a page, or just one of its blocks when htmx asks for a fragment."""
from __future__ import annotations

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    # A history restore needs the whole page, not the fragment that was swapped.
    return is_htmx() and request.headers.get("HX-History-Restore-Request") != "true"


def render(template: str, block: str | None = None, *, status: int = 200, **context):
    """The page and its fragment come from the same template file."""
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status)


def hx_redirect(url: str):
    """Redirect that works for both plain and htmx requests."""
    from flask import redirect

    if is_htmx():
        resp = make_response("", 204)
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url, code=303)
