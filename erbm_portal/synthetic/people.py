"""Synthetic people: accounts spread over the organisations, with the real roles.

Most people are partners (no grant); the others hold the grants the demo uses:
committee members, deputy signatories of the agreement parties, observers, a
few more secretariat staff, deputy co-chairs and the co-chairs of past mandates
(expired grants, as the dashboard must ignore them). One argon2 hash is
computed and reused for every account.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from ..accounts.models import Grant, Role, ScopeType, User
from ..accounts.passwords import hash_password
from ..directory.models import Committee, CommitteeOrganisation, Organisation
from ..extensions import db
from .base import EMAIL_DOMAIN, Ctx

FIRST = ["Alice", "Bruno", "Chloé", "David", "Emma", "Fabien", "Gaëlle", "Hugo", "Inès", "Jules", "Karima",
         "Léo", "Manon", "Nicolas", "Océane", "Pierre", "Quentin", "Rachida", "Sarah", "Théo", "Ugo",
         "Valérie", "William", "Yasmine", "Zoé", "Amine", "Brigitte", "Cédric", "Delphine", "Éric"]
LAST = ["Martin", "Bernard", "Dubois", "Durand", "Leroy", "Moreau", "Lefebvre", "Lambert", "Fontaine",
        "Roussel", "Vasseur", "Delattre", "Carpentier", "Lemaire", "Dupont", "Caron", "Masson", "Noël",
        "Petit", "Robert", "Richard", "Dumont", "Gérard", "Bertin", "Lefèvre", "Haddad", "Benali",
        "Kaczmarek", "Wozniak", "Nowak"]
TITLES = ["Chargé·e de mission emploi", "Chargé·e de mission habitat", "Directeur·rice de l'insertion",
          "Responsable formation", "Chef·fe de projet rénovation", "Conseiller·ère en insertion",
          "Chargé·e d'études", "Responsable de service", "Assistant·e de direction", "Juriste"]

USERS_100X = 3000
# Share of the synthetic people per role (the rest are partners, with no grant).
SHARES = [(Role.MEMBER, 0.10), (Role.SIGNATORY, 0.02), (Role.OBSERVER, 0.01), (Role.SECRETARIAT, 0.002)]


def generate(ctx: Ctx) -> dict:
    """Insert the accounts and grants; returns {committee_id: [member user ids]} for the meetings."""
    orgs = db.session.execute(select(Organisation).order_by(Organisation.id)).scalars().all()
    committees = db.session.execute(select(Committee).order_by(Committee.id)).scalars().all()
    invited = {}
    for link in db.session.execute(select(CommitteeOrganisation)).scalars():
        invited.setdefault(link.organisation_id, []).append(link.committee_id)
    count = ctx.n(USERS_100X, minimum=len(orgs))
    password_hash = hash_password(current_app.config["DEMO_PASSWORD"])  # one hash for everyone
    rng = ctx.rng
    user_ids = ctx.ids(User, count)
    created = datetime(2017, 1, 2, 8, 0)
    users, grants, members = [], [], {c.id: [] for c in committees}
    quotas = [(role, round(count * share)) for role, share in SHARES]
    roles: list[Role | None] = [r for r, q in quotas for _ in range(q)]
    roles += [None] * (count - len(roles))
    rng.shuffle(roles)
    for i, (uid, role) in enumerate(zip(user_ids, roles)):
        org = orgs[i % len(orgs)] if role != Role.SIGNATORY else rng.choice([o for o in orgs if o.is_agreement_party])
        first, last = rng.choice(FIRST), rng.choice(LAST)
        users.append(dict(id=uid, email=f"{_ascii(first)}.{_ascii(last)}.{uid}@{EMAIL_DOMAIN}",
                          full_name=f"{first} {last}", job_title=rng.choice(TITLES), organisation_id=org.id,
                          password_hash=password_hash, active=i % 97 != 0, session_version=1, failed_logins=0,
                          created_at=created, version=1))
        if role is None:
            continue
        scope_id, scope_type = None, ScopeType.PLATFORM
        if role == Role.MEMBER:
            committee_id = rng.choice(invited.get(org.id) or [committees[0].id])
            scope_id, scope_type = committee_id, ScopeType.COMMITTEE
            if users[-1]["active"]:
                members[committee_id].append(uid)
        elif role == Role.SIGNATORY:
            scope_id, scope_type = org.id, ScopeType.ORGANISATION
        elif role == Role.SECRETARIAT:
            scope_type = ScopeType.PROGRAMME
        grants.append(_grant(uid, role, scope_type, scope_id, is_deputy=role == Role.SIGNATORY))
    # Co-chairs: a deputy per SPEL today, and the two co-chairs of each SPEL's past mandates.
    spel_ids = [c.spel_id for c in committees if c.spel_id]
    co_chairs = [u for u, r in zip(users, roles) if r is None][: len(spel_ids) * 4]
    for n, user in enumerate(co_chairs):
        spel_id = spel_ids[n % len(spel_ids)]
        if n < len(spel_ids):
            grants.append(_grant(user["id"], Role.CO_CHAIR, ScopeType.SPEL, spel_id, is_deputy=True))
        else:
            ended = ctx.today.year - 1 - 3 * (n // len(spel_ids) - 1)  # three-year mandates, all over
            grants.append(_grant(user["id"], Role.CO_CHAIR, ScopeType.SPEL, spel_id,
                                 valid_from=date(ended - 2, 1, 1), valid_to=date(ended, 12, 31)))
    ctx.insert(User, users)
    for gid, grant in zip(ctx.ids(Grant, len(grants)), grants):
        grant["id"] = gid
    ctx.insert(Grant, grants)
    return members


def _grant(user_id, role, scope_type, scope_id, *, is_deputy=False, valid_from=None, valid_to=None) -> dict:
    return dict(user_id=user_id, role=role, scope_type=scope_type, scope_id=scope_id, valid_from=valid_from,
                valid_to=valid_to, is_deputy=is_deputy, note="données synthétiques" if is_deputy else "",
                created_at=datetime(2017, 1, 2, 8, 0))


def _ascii(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
