"""The one access policy: every endpoint of the application declares who may call it.

``who`` is checked before the view runs. ``object`` names the object-level
check that the view's load-and-authorise helper applies on top (404 when the
object is not visible, 403 when visible but not allowed); it is documentation
the policy test reads, and the helper is the enforcement.

An endpoint missing from this table makes the app refuse to start and the
policy test fail.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..accounts.models import Role

PUBLIC = "public"
USER = "user"  # any signed-in person, whatever their role


@dataclass(frozen=True)
class Rule:
    who: frozenset[str]
    object: str | None = None

    @property
    def is_public(self) -> bool:
        return PUBLIC in self.who

    def admits(self, principal) -> bool:
        if self.is_public:
            return True
        if not principal.is_authenticated:
            return False
        if USER in self.who:
            return True
        return any(principal.has(Role(r)) for r in self.who)


def public() -> Rule:
    return Rule(frozenset({PUBLIC}))


def signed_in(object: str | None = None) -> Rule:
    return Rule(frozenset({USER}), object)


def roles(*names: Role, object: str | None = None) -> Rule:
    return Rule(frozenset(r.value for r in names), object)


ADMIN, SECRETARIAT = Role.ADMIN, Role.SECRETARIAT
CO_CHAIR, MEMBER, SIGNATORY = Role.CO_CHAIR, Role.MEMBER, Role.SIGNATORY

ENDPOINTS: dict[str, Rule] = {
    # Infrastructure
    "static": public(),
    "web.healthz": public(),
    # Sign-in and own account
    "accounts.login": public(),
    "accounts.logout": signed_in(),
    "accounts.logout_everywhere": signed_in(),
    "accounts.profile": signed_in(),
    "accounts.change_password": signed_in(),
    # Home
    "home.dashboard": signed_in(),
    # Audit trail
    "audit.events": roles(ADMIN, SECRETARIAT),
    "audit.export_csv": roles(ADMIN, SECRETARIAT),
    # Administration: organisations, accounts, grants (directory blueprint)
    "directory.organisations": roles(ADMIN),
    "directory.organisation_new": roles(ADMIN),
    "directory.organisation_edit": roles(ADMIN, object="organisation:admin"),
    "directory.organisation_row": roles(ADMIN, object="organisation:admin"),
    "directory.organisation_toggle": roles(ADMIN, object="organisation:admin"),
    "directory.users": roles(ADMIN),
    "directory.user_new": roles(ADMIN),
    "directory.user_edit": roles(ADMIN, object="user:admin"),
    "directory.user_row": roles(ADMIN, object="user:admin"),
    "directory.user_toggle": roles(ADMIN, object="user:admin"),
    "directory.user_grants": roles(ADMIN, object="user:admin"),
    "directory.grant_revoke": roles(ADMIN, object="grant:admin"),
}


def rule_for(endpoint: str | None) -> Rule | None:
    return ENDPOINTS.get(endpoint) if endpoint else None


def undeclared_endpoints(app) -> list[str]:
    return sorted({r.endpoint for r in app.url_map.iter_rules()} - set(ENDPOINTS))
