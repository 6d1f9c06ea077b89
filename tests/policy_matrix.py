"""The access-policy matrix: one row per route, the expected status for every demo role.

Each domain adds its rows to CASES. ``path`` is a string or a function of the
demo ids (``ids``: a lookup helper) so rows can name objects of the demo data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

ROLES = ["anonymous", "admin", "secretariat", "co_chair", "member", "signatory", "partner", "observer"]
EVERYONE = frozenset(ROLES) - {"anonymous"}


@dataclass(frozen=True)
class Case:
    endpoint: str
    path: str | Callable
    allowed: frozenset
    method: str = "GET"
    ok: int = 200          # status for allowed roles
    denied: int = 403      # status for signed-in roles outside `allowed` (404 for hidden objects)
    data: dict = field(default_factory=dict)
    note: str = ""

    def status_for(self, role: str) -> int:
        if role == "anonymous":
            return 303
        return self.ok if role in self.allowed else self.denied


def only(*roles: str) -> frozenset:
    return frozenset(roles)


CASES: list[Case] = [
    Case("web.healthz", "/healthz", EVERYONE | {"anonymous"}, note="public"),
    Case("accounts.login", "/connexion", EVERYONE | {"anonymous"}, ok=200),
    Case("accounts.profile", "/mon-compte", EVERYONE),
    Case("accounts.change_password", "/mon-compte/mot-de-passe", EVERYONE, method="POST", ok=422),
    Case("accounts.logout", "/deconnexion", EVERYONE, method="POST", ok=303),
    Case("accounts.logout_everywhere", "/deconnexion-partout", EVERYONE, method="POST", ok=303),
    Case("home.dashboard", "/", EVERYONE),
    Case("audit.events", "/audit/", only("admin", "secretariat")),
    Case("audit.export_csv", "/audit/export.csv", only("admin", "secretariat")),
]


# --- Minutes, decisions and follow-up actions (minutes branch) ---------------------------
# Refused roles do not all get the same status: 404 for minutes they may not see, 403 for
# minutes they see but may not act on. ByRole names the status of each role explicitly.

@dataclass(frozen=True)
class ByRole(Case):
    statuses: dict = field(default_factory=dict)

    def status_for(self, role: str) -> int:
        if role in self.statuses:
            return self.statuses[role]
        return super().status_for(role)


def _minutes_rows() -> list[Case]:
    from . import minutes_matrix as mx

    hidden = 404
    signed = [r for r in ROLES if r != "anonymous"]

    def row(endpoint, path, method="GET", data=None, note="", **statuses):
        missing = set(signed) - set(statuses)
        assert not missing, (endpoint, missing)
        return ByRole(endpoint, path, frozenset(), method=method, data=data or {}, note=note, statuses=statuses)

    everyone_200 = {r: 200 for r in signed}
    draft = dict(admin=hidden, member=hidden, signatory=hidden, partner=hidden, observer=hidden)
    review = dict(admin=hidden, signatory=hidden, partner=hidden, observer=hidden)
    return [
        row("minutes.meeting_minutes", mx.lens_meeting_path(), **everyone_200),
        row("minutes.create", mx.lens_meeting_path(), "POST", co_chair=303, admin=403, secretariat=403,
            member=403, signatory=403, partner=403, observer=403),
        row("minutes.show", mx.minutes_path("draft"), note="Lens draft", secretariat=200, co_chair=200, **draft),
        row("minutes.show", mx.minutes_path("in_review"), note="Lens in review", secretariat=200, co_chair=200,
            member=200, **review),
        row("minutes.show", mx.minutes_path("published"), note="Lens published", **everyone_200),
        row("minutes.section", mx.section_path("draft"), secretariat=303, co_chair=303, **draft),
        row("minutes.edit_section", mx.section_path("draft", "/modifier"), secretariat=403, co_chair=200, **draft),
        row("minutes.edit_section", mx.section_path("draft", "/modifier"), "POST",
            data={"body": "Nouveau texte", "version": "2"}, secretariat=403, co_chair=303, **draft),
        row("minutes.submit_review", mx.minutes_path("draft", "/relecture"), "POST",
            data={"deadline": "2099-01-31"}, secretariat=403, co_chair=303, **draft),
        row("minutes.back_to_draft", mx.minutes_path("in_review", "/brouillon"), "POST",
            secretariat=403, co_chair=303, member=403, **review),
        row("minutes.approve", mx.minutes_path("in_review", "/approbation"), "POST",
            secretariat=403, co_chair=303, member=403, **review),
        row("minutes.publish", mx.minutes_path("approved", "/publication"), "POST",
            secretariat=303, co_chair=403, member=403, **review),
        row("minutes.correct", mx.minutes_path("published", "/correction"), admin=403, secretariat=200,
            co_chair=200, member=403, signatory=403, partner=403, observer=403),
        row("minutes.correct", mx.minutes_path("published", "/correction"), "POST",
            data={"reason": "Coquille dans le chiffre des contrats."}, admin=403, secretariat=303,
            co_chair=303, member=403, signatory=403, partner=403, observer=403),
        row("minutes.compare", mx.minutes_path("published", "/comparaison"), **everyone_200),
        row("minutes.add_comment", mx.section_path("in_review", "/commentaires"), "POST",
            data={"body": "Merci de préciser l'échéance."}, secretariat=303, co_chair=303, member=303, **review),
        row("minutes.resolve_comment", mx.comment_path, "POST", secretariat=403, co_chair=303, member=403,
            **review),
        row("minutes.add_decision", mx.minutes_path("draft", "/decisions"), "POST",
            data={"text": "Le comité valide le calendrier.", "agenda_item_id": ""},
            secretariat=403, co_chair=303, **draft),
        row("minutes.add_action", mx.minutes_path("draft", "/actions"), "POST",
            data={"title": "", "owner_organisation_id": ""}, note="bad input: 422 for the manager",
            secretariat=403, co_chair=422, **draft),
        row("minutes.set_action_status", mx.action_path, "POST", data={"status": "in_progress", "version": "1"},
            admin=403, secretariat=303, co_chair=303, member=403, signatory=403, partner=403, observer=403),
        row("minutes.register", mx.lens_register_path, **everyone_200),
    ]


CASES += _minutes_rows()
