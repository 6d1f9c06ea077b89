"""Prepare a demo database for the load test and write the plan the clients follow.

Run after ``flask --app wsgi db upgrade`` and ``flask --app wsgi erbm seed-demo``
(``bench/load.sh`` does all three). Everything goes through the services, like
the demo seeder. On top of the demo it sets the scene of a committee day:

- synthetic members ("bench.membre.<spel>.<n>") so that 50 different accounts
  sign in, each with a member grant on one committee;
- the published minutes of each SPEL's last meeting reopened as a correction and
  sent for review, so that members and co-chairs can comment on them.

It then writes a JSON plan: for each account, its persona and the pages and
forms it uses (ids read from the database, so the clients never guess).

    DATABASE_URL=... python bench/load_prepare.py --accounts 50 --out /tmp/plan.json
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from erbm_portal import create_app  # noqa: E402
from erbm_portal.accounts import services as accounts  # noqa: E402
from erbm_portal.accounts.models import Role, User  # noqa: E402
from erbm_portal.demo.reference import EMAIL_DOMAIN  # noqa: E402
from erbm_portal.directory.access import committee_access  # noqa: E402
from erbm_portal.directory.models import Committee  # noqa: E402
from erbm_portal.extensions import db  # noqa: E402
from erbm_portal.meetings.models import Meeting, MeetingState  # noqa: E402
from erbm_portal.minutes import services as minutes_services  # noqa: E402
from erbm_portal.minutes.access import SYSTEM_ACCESS  # noqa: E402
from erbm_portal.minutes.models import Minutes, MinutesState  # noqa: E402
from erbm_portal.meetings.access import meeting_visible  # noqa: E402
from erbm_portal.plans.access import visible_plans  # noqa: E402
from erbm_portal.signoff.subjects import handler_for  # noqa: E402
from erbm_portal.signoff.models import RoundState, SignoffRound  # noqa: E402
from erbm_portal.web.principal import Principal  # noqa: E402

SEARCH_TERMS = ["insertion", "emploi", "plan d'action", "RSA", "SIAE", "clauses", "formation", "bilan"]


def _synthetic_members(wanted: int, password: str) -> None:
    """Member accounts spread over the SPEL committees and the COPIL, until `wanted` accounts exist."""
    committees = db.session.execute(select(Committee).order_by(Committee.id)).scalars().all()
    existing = db.session.execute(select(User).order_by(User.id)).scalars().all()
    missing = wanted - len(existing)
    for n in range(missing):
        committee = committees[n % len(committees)]
        orgs = sorted((link.organisation for link in committee.invited), key=lambda o: o.id)
        org = orgs[n % len(orgs)]
        email = f"bench.membre.{committee.slug}.{n:02d}@{EMAIL_DOMAIN}"
        if accounts.find_user_by_email(email) is None:
            user = accounts.create_user(email=email, full_name=f"Membre de test {n:02d}", organisation=org,
                                        password=password, job_title="Compte de charge (banc d'essai)")
            accounts.add_grant(user, role=Role.MEMBER, scope_id=committee.id, valid_from=None, valid_to=None)
    db.session.commit()


def _open_reviews() -> None:
    """Each SPEL's latest published minutes reopened as a correction, in review for two weeks."""
    published = db.session.execute(
        select(Minutes).join(Meeting).join(Committee)
        .where(Committee.spel_id.is_not(None), Minutes.state == MinutesState.PUBLISHED)).scalars().all()
    for minutes in published:
        latest = minutes_services.latest_version(minutes.meeting_id)
        if latest.id != minutes.id:
            continue  # already reopened by an earlier run
        draft = minutes_services.start_correction(
            minutes, access=SYSTEM_ACCESS, reason="Relecture collective en séance (banc d'essai de charge).")
        db.session.flush()
        minutes_services.submit_for_review(draft, access=SYSTEM_ACCESS, deadline=date.today() + timedelta(days=14))
    db.session.commit()


def _visible_committees(principal: Principal) -> list[Committee]:
    committees = db.session.execute(select(Committee).order_by(Committee.id)).scalars().all()
    return [c for c in committees if committee_access(principal, c).read_published]


def _plan_for(user: User) -> dict:
    principal = Principal.for_user(user)
    committees = _visible_committees(principal)
    entry = {"email": user.email, "persona": _persona(user), "committees": [], "meetings": [], "minutes": [],
             "agenda_items": [], "plans": [], "rounds": [], "search": SEARCH_TERMS}
    for committee in committees:
        access = committee_access(principal, committee)
        entry["committees"].append(committee.id)
        meetings = db.session.execute(select(Meeting).where(Meeting.committee_id == committee.id)
                                      .order_by(Meeting.starts_at)).scalars().all()
        for meeting in meetings:
            if not meeting_visible(access, meeting):
                continue
            entry["meetings"].append(meeting.id)
            if meeting.state == MeetingState.PLANNED and access.manage:
                entry["agenda_items"] += [[meeting.id, item.id] for item in meeting.agenda_items]
            latest = minutes_services.latest_version(meeting.id)
            if latest is None:
                continue
            review = latest.state == MinutesState.IN_REVIEW and (access.member or access.read_drafts)
            if review or latest.state == MinutesState.PUBLISHED:
                entry["minutes"].append({"id": latest.id, "review": review,
                                         "sections": [s.id for s in latest.sections] if review else []})
    entry["plans"] = [plan.id for plan, _access in visible_plans(principal)]
    rounds = db.session.execute(select(SignoffRound).where(SignoffRound.state == RoundState.OPEN)
                                .order_by(SignoffRound.id)).scalars().all()
    entry["rounds"] = [r.id for r in rounds if handler_for(r.subject_type).can_view(principal, r.subject_id)]
    return entry


def _persona(user: User) -> str:
    roles = {g.role for g in user.grants}
    for role in (Role.CO_CHAIR, Role.SIGNATORY, Role.MEMBER, Role.SECRETARIAT, Role.ADMIN, Role.OBSERVER):
        if role in roles:
            return role.value
    return "partner"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        password = app.config["DEMO_PASSWORD"]
        _synthetic_members(args.accounts, password)
        _open_reviews()
        users = db.session.execute(select(User).where(User.active.is_(True)).order_by(User.id)).scalars().all()
        plan = {"password": password, "accounts": [_plan_for(u) for u in users[: args.accounts]]}
    Path(args.out).write_text(json.dumps(plan, indent=1, ensure_ascii=False), encoding="utf-8")
    personas = {}
    for a in plan["accounts"]:
        personas[a["persona"]] = personas.get(a["persona"], 0) + 1
    print(f"plan: {len(plan['accounts'])} accounts {personas} -> {args.out}")


if __name__ == "__main__":
    main()
