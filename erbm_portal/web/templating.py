"""Template globals and filters (French formatting, current principal, navigation)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_wtf.csrf import generate_csrf

from ..core import timeutil
from .navigation import nav_for
from .principal import current_principal


def format_int_fr(value) -> str:
    if value is None:
        return ""
    return f"{int(value):,}".replace(",", "\u202f")


class MacroLibrary:
    """A macro file (templates/macros/<name>.html) exposed as a global named <name>.

    jinja2-fragments renders a single block without running the template's
    top-level ``{% import %}``s, so macros used inside fragments must be globals.
    """

    def __init__(self, env, name: str):
        self._env, self._name, self._module = env, name, None

    def __getattr__(self, attr):
        if self._module is None:
            self._module = self._env.get_template(f"macros/{self._name}.html").module
        return getattr(self._module, attr)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["date_fr"] = timeutil.format_date_fr
    app.jinja_env.filters["datetime_fr"] = timeutil.format_datetime_fr
    app.jinja_env.filters["int_fr"] = format_int_fr
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.jinja_env.globals["field_attrs"] = field_attrs
    macros_dir = Path(app.template_folder) / "macros"
    for path in sorted(macros_dir.glob("*.html")):
        app.jinja_env.globals[path.stem] = MacroLibrary(app.jinja_env, path.stem)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject():
        principal = current_principal()
        return {
            "principal": principal,
            "nav_items": nav_for(principal) if principal.is_authenticated else [],
            "programme_name": app.config["PROGRAMME_NAME"],
        }


def field_attrs(field, css_class: str, extra: dict) -> dict:
    """Attributes for a DSFR input: error class and aria links when the field has errors."""
    attrs = {"class_": css_class, **extra}
    if field.errors:
        attrs["class_"] = f"{css_class} {css_class}--error"
        attrs["aria-describedby"] = f"{field.id}-messages"
        attrs["aria-invalid"] = "true"
    return attrs
