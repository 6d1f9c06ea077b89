"""Demo action plans for 2023, one per SPEL, each at a different stage of its sign-off:

- Béthune: adopted, every organisation having approved (full sign-off evidence);
- Lens: in an open round (the State and the Region approved, the others pending);
- Douai: the Département du Nord requested changes, so the plan is back to draft as revision 2;
- Valenciennes: a draft.

Decisions go through signoff.services.decide with the demo signatories.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import Role, User
from ..directory.models import Organisation, OrgKind, Spel
from ..demo.reference import EMAIL_DOMAIN, SIGNATORY_PEOPLE
from ..extensions import db
from ..signoff import services as signoff
from ..signoff.models import Decision
from ..web.principal import Principal
from . import services
from .models import ActionPlan

YEAR = 2023
CO_CHAIR_LOGIN = {"bethune": "sous-prefet.bethune", "lens": "sous-prefet.lens", "douai": "sous-prefet.douai",
                  "valenciennes": "sous-prefete.valenciennes"}
STAGE = {"bethune": "adopted", "lens": "open", "douai": "changes", "valenciennes": "draft"}

# title, axis, lead ("spel_state" | "epci" | "department" | "region" | an organisation short name),
# partners, budget, status, description, indicator code and 2023 target
ACTIONS = [
    ("Rénovation thermique des logements des cités minières", "habitat", "Bailleur des cités", ["epci", "region"],
     Decimal("4200000"), "in_progress",
     "Poursuite du programme de réhabilitation des logements miniers : isolation, chauffage, menuiseries.", "LOG", 600),
    ("Clauses d'insertion dans les marchés de réhabilitation", "emploi", "epci", ["spel_state", "department"],
     Decimal("180000"), "in_progress",
     "Mobilisation des PLIE et des facilitateurs pour les heures d'insertion des chantiers de rénovation.", "HRS", 15000),
    ("Contrats initiative emploi (CIE) bassin minier", "emploi", "spel_state", ["region"],
     Decimal("350000"), "in_progress", "Repérage et accompagnement des candidats au CIE bassin minier.", "CIE", 140),
    ("Formation des allocataires du RSA", "formation", "department", ["region", "epci"],
     Decimal("600000"), "in_progress",
     "Parcours de formation des allocataires du RSA, dans le partenariat avec le département.", "RSA", 900),
    ("Soutien aux structures d'insertion par l'activité économique", "emploi", "spel_state", ["department"],
     Decimal("2500000"), "planned", "Renforcement des postes financés dans les SIAE du territoire.", "ETP", 650),
    ("Aide à la mobilité vers l'emploi et la formation", "mobilite", "region", ["epci"],
     Decimal("120000"), "planned", "Solutions de transport pour les personnes en parcours d'insertion.", None, None),
    ("Accès aux soins des personnes en parcours d'insertion", "sante", "epci", ["spel_state"],
     Decimal("45000"), "planned", "Bilans de santé et orientation vers les professionnels du territoire.", None, None),
]


def _user(local: str) -> User:
    return db.session.execute(select(User).filter_by(email=f"{local}@{EMAIL_DOMAIN}")).scalar_one()


def _orgs_for(spel: Spel, orgs: list[Organisation]) -> dict[str, Organisation]:
    from ..demo.reference import DEPARTMENT_OF_SPEL

    by_short = {o.short_name: o for o in orgs}
    return {
        **by_short,
        "spel_state": next(o for o in orgs if o.kind == OrgKind.ETAT and o.spel_id == spel.id),
        "epci": next(o for o in orgs if o.kind == OrgKind.EPCI and o.spel_id == spel.id),
        "department": next(o for o in orgs if o.name == DEPARTMENT_OF_SPEL[spel.slug]),
        "region": next(o for o in orgs if o.kind == OrgKind.REGION),
    }


def _sign(round_, organisation: Organisation, decision: Decision, comment: str = "") -> None:
    local = SIGNATORY_PEOPLE[organisation.name][0]
    signoff.decide(round_.id, user=_user(local), organisation_id=organisation.id, decision=decision,
                   comment=comment, today=date.today())


def seed_demo() -> None:
    from ..indicators.demo import seed_catalogue
    from ..indicators.models import IndicatorValue

    catalogue = seed_catalogue()
    orgs = db.session.execute(select(Organisation).order_by(Organisation.name)).scalars().all()
    for slug, stage in STAGE.items():
        spel = db.session.execute(select(Spel).filter_by(slug=slug)).scalar_one_or_none()
        if spel is None or db.session.execute(select(ActionPlan.id).filter_by(spel_id=spel.id, year=YEAR)).first():
            continue
        co_chair = _user(CO_CHAIR_LOGIN[slug])
        principal = Principal.for_user(co_chair)
        named = _orgs_for(spel, orgs)
        plan = services.create_plan(spel=spel, year=YEAR, user=co_chair, principal=principal)
        for title, axis, lead, partners, budget, status, description, code, target in ACTIONS:
            action = services.add_action(plan, services.ActionData(
                title=title, description=description, axis=axis, lead_organisation_id=named[lead].id,
                partner_ids=[named[p].id for p in partners], budget_eur=budget, start_date=date(YEAR, 1, 1),
                end_date=date(YEAR, 12, 31), status=status, progress_notes=""), user=co_chair)
            if code:
                db.session.add(IndicatorValue(indicator=catalogue[code], spel_id=spel.id, action_id=action.id,
                                              year=YEAR, target=Decimal(target),
                                              entered_by_organisation_id=co_chair.organisation_id))
        db.session.flush()
        db.session.refresh(plan)
        if stage == "draft":
            continue
        parties = services.default_signatory_ids(plan)
        round_ = services.submit(plan, organisation_ids=parties, user=co_chair, principal=principal)
        db.session.flush()
        party_orgs = [o for pid in parties for o in orgs if o.id == pid]
        if stage == "adopted":
            for org in party_orgs:
                _sign(round_, org, Decision.APPROVED, "Vu et approuvé.")
        elif stage == "open":
            for org in party_orgs:
                if org.kind in (OrgKind.ETAT, OrgKind.REGION):
                    _sign(round_, org, Decision.APPROVED)
        elif stage == "changes":
            state = next(o for o in party_orgs if o.kind == OrgKind.ETAT)
            _sign(round_, state, Decision.APPROVED)
            nord = next(o for o in party_orgs if o.kind == OrgKind.DEPARTEMENT)
            _sign(round_, nord, Decision.CHANGES_REQUESTED,
                  "Préciser le nombre d'allocataires du RSA visés par l'action de formation et son calendrier.")
        db.session.flush()
