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
    # Sign-off: object rows use an id that does not exist until a domain seeds rounds
    # (the plans and agreement rows then name real rounds); visibility is tested in test_signoff.py.
    Case("signoff.verify", "/validations/verifier", EVERYONE),
    Case("signoff.round_detail", "/validations/999999", EVERYONE, ok=404),
    Case("signoff.content", "/validations/999999/contenu.json", EVERYONE, ok=404),
    Case("signoff.decide", "/validations/999999/decision", only("signatory"), method="POST", ok=404),
    Case("search.search_page", "/recherche?q=r%C3%A9novation", EVERYONE),
    Case("notifications.index", "/notifications/", EVERYONE),
    Case("notifications.mark_read", "/notifications/999999/lue", EVERYONE, method="POST", ok=404,
         note="someone else's notification is 404 too: test_notifications.py"),
    Case("notifications.mark_all_read", "/notifications/tout-lire", EVERYONE, method="POST", ok=303),
    Case("notifications.preferences", "/notifications/preferences", EVERYONE),
    Case("notifications.preferences", "/notifications/preferences", EVERYONE, method="POST", ok=422),
    Case("feeds.calendar", "/mon-agenda", EVERYONE),
    Case("feeds.regenerate", "/mon-agenda/nouvelle-adresse", EVERYONE, method="POST"),
    Case("feeds.revoke", "/mon-agenda/desactiver", EVERYONE, method="POST", ok=303),
    Case("feeds.ics", "/agenda/jeton-inconnu.ics", EVERYONE | {"anonymous"}, ok=404,
         note="public: the secret token is the credential"),
    Case("audit.events", "/audit/", only("admin", "secretariat")),
    Case("audit.export_csv", "/audit/export.csv", only("admin", "secretariat")),
]
