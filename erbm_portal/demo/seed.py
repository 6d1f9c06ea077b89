"""Idempotent demo data: run it twice, get the same database."""
from __future__ import annotations

import importlib
import importlib.util

from flask import current_app
from sqlalchemy import select, update

from ..accounts import services as accounts
from ..accounts.models import Grant, Role, User
from ..directory import services as directory
from ..directory.models import Committee, CommitteeOrganisation, Organisation, OrgKind, Spel
from ..domains import DOMAINS
from ..extensions import db
from . import reference as ref



def _by(model, **where):
    return db.session.execute(select(model).filter_by(**where)).scalar_one_or_none()


def seed_reference() -> None:
    spels = {}
    for slug, name in ref.SPELS:
        spels[slug] = _by(Spel, slug=slug) or directory.create_spel(slug=slug, name=name)
    for name, short, kind, subtype, spel_slug, party in ref.ORGANISATIONS:
        if _by(Organisation, name=name) is None:
            directory.create_organisation(name=name, short_name=short, kind=OrgKind(kind), subtype=subtype,
                                          spel=spels.get(spel_slug), is_agreement_party=party)
    orgs = {o.name: o for o in db.session.execute(select(Organisation)).scalars()}
    for slug, code, name, spel_slug in ref.COMMITTEES:
        committee = _by(Committee, slug=slug) or directory.create_committee(
            slug=slug, code=code, name=name, spel=spels.get(spel_slug))
        invited = {link.organisation_id for link in committee.invited}
        for org in _invitees(spel_slug, orgs):
            if org.id not in invited:
                directory.invite_organisation(committee, org)


def _invitees(spel_slug: str | None, orgs: dict[str, Organisation]) -> list[Organisation]:
    if spel_slug is None:  # the COPIL: every organisation of the programme
        return sorted(orgs.values(), key=lambda o: o.name)
    wanted = [o for o in orgs.values() if o.spel and o.spel.slug == spel_slug]
    wanted += [orgs["Région Hauts-de-France"], orgs[ref.DEPARTMENT_OF_SPEL[spel_slug]],
               orgs["Préfecture de la région Hauts-de-France"]]
    return sorted(wanted, key=lambda o: o.name)


def _scope_id(scope: str | None, user_org: Organisation) -> int | None:
    if scope is None:
        return None
    if scope == "org":
        return user_org.id
    kind, slug = scope.split(":", 1)
    model = Spel if kind == "spel" else Committee
    return _by(model, slug=slug).id


def _ensure_user(local: str, full_name: str, title: str, org_name: str) -> User:
    email = f"{local}@{ref.EMAIL_DOMAIN}"
    user = accounts.find_user_by_email(email)
    if user is None:
        user = accounts.create_user(email=email, full_name=full_name, job_title=title,
                                    organisation=_by(Organisation, name=org_name),
                                    password=current_app.config["DEMO_PASSWORD"])
    return user


def _ensure_grant(user: User, role: Role, scope_id: int | None) -> None:
    if role == Role.PARTNER:
        return
    exists = db.session.execute(
        select(Grant.id).filter_by(user_id=user.id, role=role, scope_id=scope_id)
    ).first()
    if not exists:
        accounts.add_grant(user, role=role, scope_id=scope_id, valid_from=None, valid_to=None)


def demo_people() -> list[tuple[str, str, str, str, str, str | None]]:
    people = list(ref.PEOPLE)
    for org_name, (local, full_name, title) in ref.SIGNATORY_PEOPLE.items():
        people.append((local, full_name, title, org_name, "signatory", "org"))
    return people


def seed_users() -> None:
    for local, full_name, title, org_name, role, scope in demo_people():
        user = _ensure_user(local, full_name, title, org_name)
        _ensure_grant(user, Role(role), _scope_id(scope, user.organisation))


def seed_demo() -> None:
    seed_reference()
    seed_users()
    db.session.commit()
    # Then each domain's own demo content (erbm_portal/<domain>/demo.py), in DOMAINS order.
    for domain in DOMAINS:
        name = f"erbm_portal.{domain}.demo"
        if importlib.util.find_spec(name):
            importlib.import_module(name).seed_demo()
            db.session.commit()
    _mark_historical_notification_mail_sent()
    # Finally the search index, rebuilt from every domain's documents (demo data may bypass a hook).
    from ..search.services import reindex_all

    reindex_all()
    db.session.commit()


def _mark_historical_notification_mail_sent() -> None:
    """The demo's past events notified people in the intranet; their emails are history, not to be sent."""
    from ..core.db import utcnow
    from ..mail.models import OutboxMessage, OutboxStatus

    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.related_type == "notification", OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENT, sent_at=utcnow(), last_error="demo: notification historique"))
    db.session.commit()


def demo_accounts() -> list[dict]:
    """The demo logins as {email, role, organisation, scope}."""
    rows = []
    for local, _name, _title, org_name, role, scope in demo_people():
        if scope is None:
            scope_label = {"admin": "plateforme", "observer": "plateforme", "secretariat": "programme"}.get(
                role, "organisation")
        elif scope == "org":
            scope_label = org_name
        else:
            kind, slug = scope.split(":", 1)
            scope_label = (_by(Spel, slug=slug).label if kind == "spel" else _by(Committee, slug=slug).name)
        rows.append({"email": f"{local}@{ref.EMAIL_DOMAIN}", "role": role, "organisation": org_name,
                     "scope": scope_label})
    return rows


def is_empty() -> bool:
    return db.session.execute(select(Organisation.id).limit(1)).first() is None
