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
    # Minutes, decisions and follow-up actions (object checks in minutes/access.py:
    # 404 for minutes the person may not see, 403 when seen but not allowed)
    "minutes.meeting_minutes": signed_in(object="meeting:read_published"),
    "minutes.create": signed_in(object="meeting:manage"),
    "minutes.show": signed_in(object="minutes:read"),
    "minutes.section": signed_in(object="minutes:read"),
    "minutes.edit_section": signed_in(object="minutes:manage"),
    "minutes.submit_review": signed_in(object="minutes:manage"),
    "minutes.back_to_draft": signed_in(object="minutes:manage"),
    "minutes.approve": signed_in(object="minutes:manage"),
    "minutes.publish": signed_in(object="minutes:publish"),
    "minutes.correct": signed_in(object="minutes:manage_or_publish"),
    "minutes.compare": signed_in(object="minutes:read"),
    "minutes.add_comment": signed_in(object="minutes:comment"),
    "minutes.resolve_comment": signed_in(object="minutes:resolve"),
    "minutes.add_decision": signed_in(object="minutes:manage"),
    "minutes.add_action": signed_in(object="minutes:manage"),
    "minutes.set_action_status": signed_in(object="minutes:follow_up"),
    "minutes.register": signed_in(object="committee:read_published"),
}


def rule_for(endpoint: str | None) -> Rule | None:
    return ENDPOINTS.get(endpoint) if endpoint else None


def undeclared_endpoints(app) -> list[str]:
    return sorted({r.endpoint for r in app.url_map.iter_rules()} - set(ENDPOINTS))
