"""Main navigation: an entry shows when the access policy admits its endpoint."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from .policy import rule_for


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    section: str  # blueprint prefix that marks the item as current


NAV = [
    NavItem("Tableau de bord", "home.dashboard", "home"),
    NavItem("Comités", "meetings.committees", "meetings"),
    NavItem("Plans d'action", "plans.index", "plans."),
    NavItem("Indicateurs", "indicators.dashboard", "indicators."),
    NavItem("Convention", "agreement.index", "agreement"),
    NavItem("Vérifier un document", "signoff.verify", "signoff.verify"),
    NavItem("Organisations", "directory.organisations", "directory.organisation"),
    NavItem("Utilisateurs", "directory.users", "directory.user"),
    NavItem("Modèle de document", "exports.template_page", "exports"),
    NavItem("Journal d'audit", "audit.events", "audit"),
]


def nav_for(principal) -> list[tuple[NavItem, bool]]:
    items = []
    current = request.endpoint or ""
    for item in NAV:
        rule = rule_for(item.endpoint)
        if item.endpoint in current_app.view_functions and rule and rule.admits(principal):
            items.append((item, current.startswith(item.section)))
    return items
