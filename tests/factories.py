"""Small builders for test data, going through the services like the app does."""
from __future__ import annotations

import itertools

from erbm_portal.accounts import services as accounts
from erbm_portal.accounts.models import Role
from erbm_portal.directory import services as directory
from erbm_portal.directory.models import OrgKind
from erbm_portal.extensions import db

_seq = itertools.count(1)
PASSWORD = "mot-de-passe-de-test"


def organisation(name: str | None = None, kind: OrgKind = OrgKind.PARTENAIRE, **kw):
    n = next(_seq)
    org = directory.create_organisation(name=name or f"Organisation {n}", short_name=f"Org {n}", kind=kind,
                                        subtype=kw.pop("subtype", "autre" if kind == OrgKind.PARTENAIRE else None),
                                        **kw)
    db.session.commit()
    return org


def user(org=None, *, role: Role | None = None, scope_id=None, email: str | None = None,
         password: str = PASSWORD, **grant_kw):
    n = next(_seq)
    org = org or organisation()
    u = accounts.create_user(email=email or f"personne{n}@exemple.fr", full_name=f"Personne {n}",
                             organisation=org, password=password)
    if role and role != Role.PARTNER:
        if role == Role.SIGNATORY and scope_id is None:
            scope_id = org.id
        accounts.add_grant(u, role=role, scope_id=scope_id, valid_from=grant_kw.pop("valid_from", None),
                           valid_to=grant_kw.pop("valid_to", None), **grant_kw)
    db.session.commit()
    return u


def spel(slug: str | None = None, name: str | None = None):
    n = next(_seq)
    s = directory.create_spel(slug=slug or f"spel{n}", name=name or f"Arrondissement {n}")
    db.session.commit()
    return s


def committee(spel_obj=None, *, slug: str | None = None):
    n = next(_seq)
    c = directory.create_committee(slug=slug or f"comite-{n}", code=f"C{n}", name=f"Comité {n}", spel=spel_obj)
    db.session.commit()
    return c
