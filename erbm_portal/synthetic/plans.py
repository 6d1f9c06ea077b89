"""Synthetic action plans (every SPEL x programme year the demo left free), their actions,
indicator values and sign-off rounds.

A plan for a past year is adopted (every third one after a round in which changes
were requested, hence a second revision copying the actions and their values, as
``plans.services`` does); the current year's plan is submitted, its round open;
later years are drafts. Round content and hash are computed by the same
``revision_content`` + ``canonical_json`` the services use.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..accounts.models import Grant, Role
from ..directory.models import Organisation, OrgKind, Spel
from ..extensions import db
from ..indicators.models import Indicator, IndicatorValue
from ..plans import services as plan_services
from ..plans.models import (PROGRAMME_END, PROGRAMME_START, ActionPartner, ActionPlan, ActionStatus, Axis,
                            PlanAction, PlanRevision, PlanState)
from ..signoff.models import Decision, Fingerprint, RoundState, SignoffParty, SignoffRound
from ..signoff.services import canonical_json, sha256_hex
from .base import Ctx, spread

ACTIONS_100X = 20_000
VALUES_100X = 200_000
INDICATORS_100X = 20
VERBS = ["Accompagner", "Financer", "Développer", "Coordonner", "Expérimenter", "Renforcer", "Évaluer"]
OBJECTS = ["les parcours d'insertion", "la rénovation des logements miniers", "les clauses d'insertion",
           "la mobilité des demandeurs d'emploi", "la formation des allocataires du RSA",
           "l'accès aux soins", "les structures d'insertion par l'activité économique",
           "les actions culturelles des cités", "l'apprentissage des jeunes", "la création d'activité"]


def generate(ctx: Ctx) -> None:
    rng = ctx.rng
    spels = db.session.execute(select(Spel).order_by(Spel.id)).scalars().all()
    orgs = db.session.execute(select(Organisation).order_by(Organisation.id)).scalars().all()
    taken = set(db.session.execute(select(ActionPlan.spel_id, ActionPlan.year)).all())
    free = [(s, y) for y in range(PROGRAMME_START, PROGRAMME_END + 1) for s in spels if (s.id, y) not in taken]
    wanted = min(len(free), ctx.n(len(free), minimum=1))
    chosen = [free[i * len(free) // wanted] for i in range(wanted)]
    indicators = _catalogue(ctx)
    signers = _signatories()
    plans, revisions, rounds = [], [], []
    for n, (spel, year) in enumerate(chosen):
        state = (PlanState.ADOPTED if year < ctx.today.year else
                 PlanState.SUBMITTED if year == ctx.today.year else PlanState.DRAFT)
        (pid,) = ctx.ids(ActionPlan, 1)
        created = datetime(year - 1, 10, 1, 9)
        plans.append(dict(id=pid, spel_id=spel.id, year=year, title=f"Plan d'action {year} du {spel.label}",
                          state=state, created_at=created, version=1,
                          adopted_at=datetime(year, 2, 1, 9) if state == PlanState.ADOPTED else None))
        numbers = [1, 2] if state == PlanState.ADOPTED and n % 3 == 0 else [1]
        for number in numbers:
            (rid,) = ctx.ids(PlanRevision, 1)
            submitted = created + timedelta(days=60 * number) if state != PlanState.DRAFT else None
            revisions.append(dict(id=rid, plan_id=pid, number=number, summary="", created_at=created,
                                  submitted_at=submitted, spel=spel, year=year))
            if submitted is not None:
                outcome = (RoundState.OPEN if state == PlanState.SUBMITTED else
                           RoundState.CHANGES_REQUESTED if number < len(numbers) else RoundState.APPROVED)
                rounds.append((rid, pid, spel, year, number, submitted, outcome))
    ctx.insert(ActionPlan, plans)
    ctx.insert(PlanRevision, [{k: v for k, v in r.items() if k not in ("spel", "year")} for r in revisions])
    _actions(ctx, revisions, plans, orgs, indicators)
    db.session.flush()
    _rounds(ctx, rounds, signers)


def _catalogue(ctx: Ctx) -> list[Indicator]:
    """The demo catalogue plus synthetic indicators (programme-long, additive), with SPEL values."""
    existing = db.session.execute(select(Indicator).order_by(Indicator.position, Indicator.id)).scalars().all()
    count = ctx.n(INDICATORS_100X, minimum=1)
    rows = [dict(id=i, code=f"SYN{k:02d}", name=f"Indicateur de suivi n° {k} (synthétique)", unit="personnes",
                 description="Indicateur généré pour les mesures de charge.", programme_target=None,
                 start_year=PROGRAMME_START, end_year=PROGRAMME_END, additive=True, baseline=None,
                 baseline_label="", position=100 + k, active=True, version=1)
            for k, i in enumerate(ctx.ids(Indicator, count), start=1)]
    ctx.insert(Indicator, rows)
    db.session.flush()
    return existing + db.session.execute(select(Indicator).where(Indicator.code.like("SYN%"))
                                         .order_by(Indicator.id)).scalars().all()


def _actions(ctx: Ctx, revisions, plans, orgs, indicators) -> None:
    rng = ctx.rng
    state_of = {p["id"]: p["state"] for p in plans}
    prefecture = next(o for o in orgs if o.kind == OrgKind.ETAT and o.spel_id is None)
    # Revisions of one plan hold the same actions (a new revision copies them): draw per plan.
    per_plan: dict[int, list[dict]] = {}
    for r in revisions:
        per_plan.setdefault(r["plan_id"], []).append(r)
    wanted = ctx.n(ACTIONS_100X, minimum=len(revisions))
    per_revision = spread(wanted, len(revisions))
    values_per_action = max(1, round(VALUES_100X / ACTIONS_100X))
    actions, partners, values = [], [], []
    k = 0
    for plan_id, revs in per_plan.items():
        size = per_revision[k]
        k += len(revs)
        spel, year = revs[0]["spel"], revs[0]["year"]
        local = [o for o in orgs if o.spel_id == spel.id] or orgs
        eligible = [i for i in indicators if i.additive and i.start_year <= year <= i.end_year]
        template = []
        for pos in range(1, size + 1):
            lead, *others = rng.sample(local + [prefecture], min(3, len(local) + 1))
            status = _status(rng, state_of[plan_id], year, ctx.today)
            template.append(dict(
                position=pos, title=f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} — action {pos}",
                description=f"Action du SPEL de {spel.name} pour {year}.", axis=rng.choice(list(Axis)),
                lead_organisation_id=lead.id, budget_eur=Decimal(rng.randrange(5, 2000) * 1000),
                start_date=date(year, 1, 1), end_date=date(year, 12, 31), status=status,
                progress_notes="", version=1, _partners=[o.id for o in others[:rng.randint(0, 2)]],
                _values=[(ind, Decimal(rng.randrange(10, 5000))) for ind in
                         rng.sample(eligible, min(values_per_action, len(eligible)))]))
        for rev in revs:
            ids = ctx.ids(PlanAction, len(template))
            for aid, t in zip(ids, template):
                actions.append({**{k: v for k, v in t.items() if not k.startswith("_")}, "id": aid,
                                "revision_id": rev["id"]})
                partners += [dict(action_id=aid, organisation_id=o) for o in t["_partners"]]
                past = state_of[plan_id] == PlanState.ADOPTED
                values += [dict(indicator_id=ind.id, spel_id=spel.id, action_id=aid, year=year, target=target,
                                actual=target * Decimal("0.9") if past else None, source="Saisie du SPEL",
                                entered_by_organisation_id=t["lead_organisation_id"],
                                entered_at=datetime(year, 1, 15, 9), version=1) for ind, target in t["_values"]]
    ctx.insert(PlanAction, actions)
    ctx.insert(ActionPartner, partners)
    ctx.insert(IndicatorValue, values)


def _status(rng, state: PlanState, year: int, today: date) -> ActionStatus:
    if state == PlanState.ADOPTED and year < today.year:
        return rng.choice([ActionStatus.DONE] * 4 + [ActionStatus.ABANDONED, ActionStatus.DELAYED])
    if state == PlanState.DRAFT:
        return ActionStatus.PLANNED
    return rng.choice([ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.DELAYED])


def _signatories() -> dict[int, int]:
    """A signatory (first granted) of each organisation."""
    out: dict[int, int] = {}
    for g in db.session.execute(select(Grant).where(Grant.role == Role.SIGNATORY, Grant.valid_to.is_(None))
                                .order_by(Grant.id)).scalars():
        out.setdefault(g.scope_id, g.user_id)
    return out


def _rounds(ctx: Ctx, rounds, signers) -> None:
    round_rows, parties, prints = [], [], []
    for rid, pid, spel, year, number, opened, outcome in rounds:
        revision = db.session.get(PlanRevision, rid)
        content = canonical_json(plan_services.revision_content(revision))
        digest = sha256_hex(content)
        (round_id,) = ctx.ids(SignoffRound, 1)
        closed = None if outcome == RoundState.OPEN else opened + timedelta(days=20)
        round_rows.append(dict(id=round_id, subject_type=plan_services.SUBJECT_TYPE, subject_id=rid,
                               title=f"{revision.plan.title} — révision {number}"[:300], content=content,
                               content_hash=digest, state=outcome, opened_at=opened, closed_at=closed))
        prints.append(dict(round_id=round_id, sha256=digest, label="Contenu soumis (texte canonique)",
                           created_at=opened))
        org_ids = plan_services.default_signatory_ids(revision.plan)
        for pos, org_id in enumerate(org_ids):
            if outcome == RoundState.APPROVED or (outcome != RoundState.OPEN and pos == 0) \
                    or (outcome == RoundState.OPEN and pos < 2):
                decision = Decision.APPROVED
            elif outcome == RoundState.CHANGES_REQUESTED and pos == 1:
                decision = Decision.CHANGES_REQUESTED
            else:
                decision = Decision.PENDING
            decided = decision != Decision.PENDING
            parties.append(dict(round_id=round_id, organisation_id=org_id, position=pos, decision=decision,
                                decided_at=opened + timedelta(days=pos + 1) if decided else None,
                                decided_by_id=signers.get(org_id) if decided else None, decided_as_deputy=False,
                                comment="Demande de précisions sur les cibles." if decision == Decision.CHANGES_REQUESTED
                                else "", signed_hash=digest if decision == Decision.APPROVED else None))
        db.session.expunge(revision)
    ctx.insert(SignoffRound, round_rows)
    ctx.insert(SignoffParty, parties)
    ctx.insert(Fingerprint, prints)
