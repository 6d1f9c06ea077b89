"""Synthetic data at scale, for measurement: ``flask --app wsgi erbm generate-data --scale N``.

Scale 1 is the demo (``seed-demo``); scale 100 adds, on top of it, ten years of
meetings of the five committees (twelve a year, twenty agenda items each) with
their minutes, decisions and follow-up actions, 20,000 plan actions, 200,000
indicator values, 3,000 accounts with the real roles, sign-off rounds, and the
search index rebuilt over all of it. Scales in between add the matching share
(scale 2: about 1/99 of the 100x additions). Deterministic (seeded), bulk
inserts, one password hash for every account.
"""
from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from .base import EMAIL_DOMAIN, Ctx, fix_sequences


class AlreadyGenerated(Exception):
    pass


def already_generated() -> bool:
    return db.session.execute(
        select(User.id).where(User.email.like(f"%@{EMAIL_DOMAIN}")).limit(1)).first() is not None


def generate(scale: float, *, seed: int = 2017, today: date | None = None, log=lambda msg: None) -> dict:
    """Seed the demo if needed, then add the synthetic data for ``scale``; commits. Returns row counts."""
    from ..demo.seed import is_empty, seed_demo

    if scale < 1:
        raise ValueError("scale must be >= 1")
    started = time.perf_counter()
    if is_empty():
        seed_demo()
        log(f"démonstration chargée ({time.perf_counter() - started:.1f} s)")
    if scale == 1:
        return {}
    if already_generated():
        raise AlreadyGenerated("Des données synthétiques sont déjà présentes dans cette base.")
    from . import meetings, people, plans
    from ..accounts.models import Grant
    from ..indicators.models import Indicator
    from ..meetings.models import AgendaAttachment, AgendaItem, AttachmentVersion, Meeting, MeetingInvitee
    from ..minutes.models import Decision, Minutes
    from ..plans.models import ActionPlan, PlanAction, PlanRevision
    from ..search.services import bulk_reindex
    from ..signoff.models import SignoffRound

    ctx = Ctx(scale=scale, seed=seed, today=today or date.today())
    members = people.generate(ctx)
    log(f"comptes ({time.perf_counter() - started:.1f} s)")
    meetings.generate(ctx, members)
    log(f"réunions et relevés ({time.perf_counter() - started:.1f} s)")
    plans.generate(ctx)
    log(f"plans, indicateurs, validations ({time.perf_counter() - started:.1f} s)")
    fix_sequences([User, Grant, Meeting, AgendaItem, AgendaAttachment, AttachmentVersion, MeetingInvitee, Minutes, Decision, ActionPlan, PlanRevision,
                   PlanAction, Indicator, SignoffRound])
    db.session.commit()
    ctx.counts["search_document"] = bulk_reindex()
    db.session.commit()
    log(f"index de recherche ({time.perf_counter() - started:.1f} s)")
    db.session.execute(db.text("ANALYZE"))  # fresh planner statistics for the new volumes
    db.session.commit()
    return ctx.counts
