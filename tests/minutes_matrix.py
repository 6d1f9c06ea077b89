"""Objects for the minutes rows of the policy matrix (built on demand: each call makes fresh ones,
so a POST by one role does not change what the next role sees)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from erbm_portal.directory.models import Committee
from erbm_portal.extensions import db

from . import factories


def lens():
    return db.session.execute(select(Committee).filter_by(slug="spel-lens")).scalar_one()


def lens_meeting(**kw):
    return factories.meeting(lens(), **kw)


def lens_minutes(state: str, filled: bool = True):
    return factories.minutes(lens_meeting(), state=state, filled=filled)


def minutes_path(state: str, suffix: str = "", filled: bool = True):
    return lambda: f"/releves/{lens_minutes(state, filled).id}{suffix}"


def section_path(state: str, suffix: str = ""):
    def _path():
        m = lens_minutes(state)
        return f"/releves/{m.id}/sections/{m.sections[0].id}{suffix}"
    return _path


def comment_path():
    from erbm_portal.minutes import services
    from erbm_portal.minutes.access import SYSTEM_ACCESS
    from erbm_portal.accounts.models import User

    m = lens_minutes("in_review")
    author = db.session.execute(select(User).filter_by(email="membre.lens@erbm-demo.fr")).scalar_one()
    c = services.add_comment(m.sections[0], access=SYSTEM_ACCESS, body="Chiffre à vérifier.", author=author)
    db.session.commit()
    return f"/releves/commentaires/{c.id}/traite"


def action_path():
    from erbm_portal.minutes import services
    from erbm_portal.minutes.access import SYSTEM_ACCESS
    from erbm_portal.directory.models import Organisation

    meeting = lens_meeting()
    m = factories.minutes(meeting, state="draft")
    org = db.session.execute(select(Organisation).filter_by(short_name="PLIE Lens")).scalar_one()
    a = services.add_action(m, access=SYSTEM_ACCESS, title="Réunir les employeurs", owner_organisation_id=org.id,
                            owner_person="Cheffe de projet", due_date=date(2024, 6, 30))
    services.submit_for_review(m, access=SYSTEM_ACCESS, deadline=services.paris_today())
    services.approve(m, access=SYSTEM_ACCESS)
    services.publish(m, access=SYSTEM_ACCESS)
    db.session.commit()
    return f"/suivi/actions/{a.id}/statut"


def lens_meeting_path(suffix: str = "/releve", **kw):
    return lambda: f"/reunions/{lens_meeting(**kw).id}{suffix}"


def lens_register_path():
    return f"/comites/{lens().id}/registre"
