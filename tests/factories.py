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


# --- Meetings and minutes (minutes branch) ------------------------------------------
# Meetings are built directly with the models: the meetings services live on another branch.

def meeting(committee_obj, *, state=None, starts_at=None, title: str | None = None, items: int = 3):
    from datetime import datetime, timedelta

    from erbm_portal.meetings.models import AgendaItemKind, Meeting, MeetingState

    n = next(_seq)
    starts_at = starts_at or datetime(2024, 3, 14, 9, 0)
    m = Meeting(committee_id=committee_obj.id, title=title or f"Réunion {n}", starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2), place="Salle du conseil",
                state=state or MeetingState.HELD)
    db.session.add(m)
    db.session.flush()
    kinds = [AgendaItemKind.INFORMATION, AgendaItemKind.DISCUSSION, AgendaItemKind.DECISION]
    for i in range(items):
        agenda_item(m, title=f"Point {i + 1}", kind=kinds[i % 3], commit=False)
    db.session.commit()
    return m


def agenda_item(meeting_obj, *, title: str | None = None, kind=None, commit: bool = True):
    from sqlalchemy import func, select

    from erbm_portal.meetings.models import AgendaItem, AgendaItemKind

    position = (db.session.execute(select(func.max(AgendaItem.position))
                                   .where(AgendaItem.meeting_id == meeting_obj.id)).scalar() or 0) + 1
    item = AgendaItem(meeting_id=meeting_obj.id, position=position, title=title or f"Point {position}",
                      kind=kind or AgendaItemKind.DECISION, duration_minutes=20)
    db.session.add(item)
    db.session.flush()
    if commit:
        db.session.commit()
    return item


def minutes(meeting_obj, *, state: str = "draft", filled: bool = True):
    """Minutes of a meeting brought to `state` through the services (system rights)."""
    from datetime import timedelta

    from erbm_portal.minutes import services as ms
    from erbm_portal.minutes.access import SYSTEM_ACCESS

    m = ms.create_minutes(meeting_obj, access=SYSTEM_ACCESS)
    db.session.flush()
    if filled or state != "draft":
        for s in m.sections:
            if not s.is_misc:
                ms.update_section(s, access=SYSTEM_ACCESS, body=f"Compte rendu du point « {s.title} ».",
                                  expected_version=s.version)
        db.session.flush()
    if state in ("in_review", "approved", "published"):
        ms.submit_for_review(m, access=SYSTEM_ACCESS, deadline=ms.paris_today() + timedelta(days=7))
    if state in ("approved", "published"):
        ms.approve(m, access=SYSTEM_ACCESS)
    if state == "published":
        ms.publish(m, access=SYSTEM_ACCESS)
    db.session.commit()
    return m
