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


# --- Administration (directory blueprint) --------------------------------------------
def _org_id() -> int:
    from erbm_portal.directory.models import Organisation

    from .matrix_ids import one_id
    return one_id(Organisation, name="Communauté de communes Osartis-Marquion")


def _user_id() -> int:
    from erbm_portal.accounts.models import User

    from .matrix_ids import one_id
    return one_id(User, email="membre.lens@erbm-demo.fr")


def _admin_grant_id() -> int:
    from erbm_portal.accounts.models import Grant, Role, User

    from .matrix_ids import one_id
    return one_id(Grant, user_id=one_id(User, email="admin@erbm-demo.fr"), role=Role.ADMIN)


ADMIN_ONLY = only("admin")
CASES += [
    Case("directory.organisations", "/admin/organisations", ADMIN_ONLY),
    Case("directory.organisation_new", "/admin/organisations/nouvelle", ADMIN_ONLY),
    Case("directory.organisation_new", "/admin/organisations/nouvelle", ADMIN_ONLY, method="POST", ok=422,
         note="empty form: refused, nothing created"),
    Case("directory.organisation_edit", lambda: f"/admin/organisations/{_org_id()}/modifier", ADMIN_ONLY),
    Case("directory.organisation_edit", lambda: f"/admin/organisations/{_org_id()}/modifier", ADMIN_ONLY,
         method="POST", ok=422),
    Case("directory.organisation_row", lambda: f"/admin/organisations/{_org_id()}/ligne", ADMIN_ONLY, ok=303,
         note="plain request: back to the list"),
    Case("directory.organisation_toggle", lambda: f"/admin/organisations/{_org_id()}/activation", ADMIN_ONLY,
         method="POST", ok=422, note="no version: refused"),
    Case("directory.users", "/admin/utilisateurs", ADMIN_ONLY),
    Case("directory.user_new", "/admin/utilisateurs/nouveau", ADMIN_ONLY),
    Case("directory.user_new", "/admin/utilisateurs/nouveau", ADMIN_ONLY, method="POST", ok=422),
    Case("directory.user_edit", lambda: f"/admin/utilisateurs/{_user_id()}/modifier", ADMIN_ONLY),
    Case("directory.user_edit", lambda: f"/admin/utilisateurs/{_user_id()}/modifier", ADMIN_ONLY,
         method="POST", ok=422),
    Case("directory.user_row", lambda: f"/admin/utilisateurs/{_user_id()}/ligne", ADMIN_ONLY, ok=303),
    Case("directory.user_toggle", lambda: f"/admin/utilisateurs/{_user_id()}/activation", ADMIN_ONLY,
         method="POST", ok=422, note="no version: refused"),
    Case("directory.user_grants", lambda: f"/admin/utilisateurs/{_user_id()}/droits", ADMIN_ONLY),
    Case("directory.user_grants", lambda: f"/admin/utilisateurs/{_user_id()}/droits", ADMIN_ONLY,
         method="POST", ok=422),
    Case("directory.grant_revoke", lambda: f"/admin/droits/{_admin_grant_id()}/revoquer", ADMIN_ONLY,
         method="POST", ok=422, note="the admin's own admin grant: refused, kept"),
    Case("directory.grant_revoke", "/admin/droits/999999/revoquer", ADMIN_ONLY, method="POST", ok=404,
         note="unknown grant: 404 (a real revoke is tested in test_directory)"),
]
