"""A bare Flask app rendering the application's base layout (templates/base.html: DSFR
header, navigation, footer) with no database: the ceiling ``bench/wrk_ratio.sh`` compares with.

It uses the same Jinja environment setup (``init_templating``: filters, macro
globals, trim/lstrip) and a signed-in header like the dashboard's (name,
organisation, notification badge, the navigation of a partner), with constants
instead of the session, the principal and the database.

    gunicorn --chdir bench bare_app:app
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask, render_template_string  # noqa: E402

from erbm_portal.web.navigation import NAV  # noqa: E402
from erbm_portal.web.templating import MacroLibrary, field_attrs  # noqa: E402

app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
app.config.update(SECRET_KEY="bench-only", PROGRAMME_NAME="Engagement pour le Renouveau du Bassin Minier")
app.jinja_env.add_extension("jinja2.ext.do")
app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
for path in sorted((ROOT / "templates" / "macros").glob("*.html")):
    app.jinja_env.globals[path.stem] = MacroLibrary(app.jinja_env, path.stem)
app.jinja_env.globals.update(csrf_token=lambda: "bench-token", field_attrs=field_attrs)


class _Org:
    display_name = "Bailleur des cités"


class _User:
    full_name = "Élodie Vasseur"
    organisation = _Org()
    is_authenticated = True


PARTNER_NAV = [item for item in NAV if item.endpoint in {
    "home.dashboard", "meetings.committees", "plans.index", "indicators.dashboard", "agreement.index",
    "signoff.verify"}]
# The endpoints base.html links to, so that url_for() resolves as in the application.
for endpoint in {i.endpoint for i in NAV} | {"accounts.logout", "accounts.profile", "notifications.index",
                                            "search.search_page"}:
    if endpoint != "home.dashboard":
        app.add_url_rule(f"/{endpoint.replace('.', '/')}", endpoint, lambda: "")

PAGE = """{% extends "base.html" %}
{% block title %}Tableau de bord{% endblock %}
{% block content %}<h1>Tableau de bord</h1><p>Page nue : la mise en page seule, sans base de données.</p>{% endblock %}
"""


@app.route("/", endpoint="home.dashboard")
def dashboard():
    return render_template_string(PAGE, principal=_User(), current_user=_User(),
                                  nav_items=[(item, item.endpoint == "home.dashboard") for item in PARTNER_NAV],
                                  programme_name=app.config["PROGRAMME_NAME"], unread_notification_count=lambda: 3)
