"""What the signed-in person may do, computed once per request from their grants."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import g
from flask_login import current_user

from ..accounts.models import ROLE_PRECEDENCE, Role


@dataclass(frozen=True)
class Principal:
    user_id: int | None = None
    organisation_id: int | None = None
    scopes: dict[Role, frozenset] = field(default_factory=dict)

    @classmethod
    def for_user(cls, user, today: date | None = None) -> "Principal":
        today = today or date.today()
        scopes: dict[Role, set] = defaultdict(set)
        for grant in user.grants:
            if grant.is_valid_on(today):
                scopes[grant.role].add(grant.scope_id)
        return cls(user.id, user.organisation_id, {r: frozenset(s) for r, s in scopes.items()})

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has(self, role: Role, scope_id=None) -> bool:
        if role == Role.PARTNER:
            return self.is_authenticated
        ids = self.scopes.get(role)
        if not ids:
            return False
        return scope_id is None or scope_id in ids

    @property
    def is_admin(self) -> bool:
        return self.has(Role.ADMIN)

    @property
    def is_secretariat(self) -> bool:
        return self.has(Role.SECRETARIAT)

    @property
    def is_observer(self) -> bool:
        return self.has(Role.OBSERVER) and not (self.is_secretariat or self.is_admin)

    def scope_ids(self, role: Role) -> frozenset:
        return self.scopes.get(role, frozenset())

    @property
    def co_chair_spel_ids(self) -> frozenset:
        return self.scope_ids(Role.CO_CHAIR)

    @property
    def member_committee_ids(self) -> frozenset:
        return self.scope_ids(Role.MEMBER)

    @property
    def signatory_organisation_ids(self) -> frozenset:
        return self.scope_ids(Role.SIGNATORY)

    def has_signatory_for(self, organisation_id: int) -> bool:
        return self.organisation_id == organisation_id and self.has(Role.SIGNATORY, organisation_id)

    @property
    def roles(self) -> list[Role]:
        found = [r for r in ROLE_PRECEDENCE if self.scopes.get(r)]
        if self.is_authenticated and not (found and found[0] == Role.OBSERVER):
            found.append(Role.PARTNER)
        return found

    @property
    def primary_role(self) -> Role | None:
        roles = self.roles
        return roles[0] if roles else None


ANONYMOUS = Principal()


def current_principal() -> Principal:
    user = current_user._get_current_object() if current_user else None
    authenticated = bool(user is not None and user.is_authenticated)
    key = user.get_id() if authenticated else None
    # Cached per signed-in identity: an app context (and its g) can outlive one request.
    cached = g.get("erbm_principal")
    if cached is None or cached[0] != key:
        g.erbm_principal = (key, Principal.for_user(user) if authenticated else ANONYMOUS)
    return g.erbm_principal[1]
