"""For each id parameter of the URL rules, objects of the demo data a given role may not see.

Keys are ``blueprint.parameter`` (``plans.action_id`` and ``minutes.action_id`` are different
things). Each HIDDEN entry gives, for a role, the ids of one object it may not see (with its
children, to fill the other parameters of the rule), or None when the role sees it. A parameter
listed in NONEXISTENT_ONLY has no hidden object by design (everyone signed in may see it, or
only the admin reaches it); it is still requested with ids that do not exist.
"""
from __future__ import annotations

from sqlalchemy import select

from erbm_portal.extensions import db

from .. import minutes_matrix as mx
from ..matrix_ids import one_id
from ..policy_matrix import EVERYONE, LENS_DRAFT, LENS_DRAFT_HIDDEN, NOT_LENS, _committee_id, _first_action, \
    _lens_round, _meeting_id

MISSING = 999_999

NONEXISTENT_ONLY = {
    "agreement.file_id": "the only demo file is an annex: every signed-in person may read it",
    "indicators.indicator_id": "the catalogue is public to signed-in people",
    "indicators.value_id": "figures are public; editing another SPEL's is 403 (tests/policy_matrix.py)",
    "directory.org_id": "administration: the admin sees all, others are refused by role (403)",
    "directory.user_id": "administration: as above",
    "directory.grant_id": "administration: as above",
}


def _ids(model, column, **where):
    return db.session.execute(select(column).filter_by(**where).order_by(column)).scalars().all()


def _meeting(title):
    from erbm_portal.meetings.models import AgendaItem, MeetingInvitee

    mid = _meeting_id(title)
    return {"meeting_id": mid, "item_id": _ids(AgendaItem, AgendaItem.id, meeting_id=mid)[0],
            "invitee_id": _ids(MeetingInvitee, MeetingInvitee.id, meeting_id=mid)[0]}


def _hidden_attachment():
    """An attachment on the Lens draft meeting (the demo has none on a hidden meeting)."""
    from erbm_portal.meetings import services
    from erbm_portal.meetings.models import AgendaItem

    from .forms_discovery import MINIMAL_PDF
    item = db.session.get(AgendaItem, _meeting(LENS_DRAFT)["item_id"])
    version = services.upload_attachment(item, filename="cache.pdf", data=MINIMAL_PDF, uploaded_by=None)
    db.session.commit()
    return version.id


def _minutes(state):
    m = mx.lens_minutes(state)
    return {"minutes_id": m.id, "section_id": m.sections[0].id}


def _bethune_minutes():
    from erbm_portal.minutes.models import Minutes, MinutesSection

    m = db.session.get(Minutes, _ids(Minutes, Minutes.id, meeting_id=_meeting_id("SPEL de Béthune — réunion de bilan"))[0])
    return {"minutes_id": m.id, "section_id": _ids(MinutesSection, MinutesSection.id, minutes_id=m.id)[0]}


def _plan(slug):
    from ..policy_matrix import _plan as plan_path
    return {"plan_id": int(plan_path(slug).rsplit("/", 1)[1]), "action_id": _first_action(slug)}


def _someone_elses_notification(role):
    from erbm_portal.accounts.models import User
    from erbm_portal.notifications.models import Notification

    from ..conftest import DEMO_LOGINS
    mine = one_id(User, email=DEMO_LOGINS[role])
    return db.session.execute(select(Notification.id).where(Notification.user_id != mine)
                              .order_by(Notification.id).limit(1)).scalar_one()


DRAFT_MINUTES_HIDDEN = frozenset({"admin", "member", "signatory", "partner", "observer"})
REVIEW_MINUTES_HIDDEN = frozenset({"admin", "signatory", "partner", "observer"})
LENS_PLAN_HIDDEN = frozenset({"admin", "member", "partner", "observer"})
NOT_SECRETARIAT = EVERYONE - {"secretariat"}


def _when(roles, build):
    return lambda role: build() if role in roles else None


def _comment():
    from ..minutes_matrix import comment_path
    return {"comment_id": int(comment_path().split("/")[-2])}


def _follow_up_action():
    """A follow-up action recorded in the Béthune minutes: Lens people may not see it."""
    from erbm_portal.minutes.models import FollowUpAction

    return {"action_id": _ids(FollowUpAction, FollowUpAction.id,
                              minutes_id=_bethune_minutes()["minutes_id"])[0]}


def _everyone(build, child):
    """For every role: a rule naming ``child`` gets it from another object than its parent."""
    return lambda role: {**build(), "_child": child}


def _mismatched_meeting():
    """The Lens draft meeting with an agenda item and an invitee of the COPIL meeting."""
    from ..policy_matrix import COPIL
    copil = _meeting(COPIL)
    return {"meeting_id": _meeting_id(LENS_DRAFT), "item_id": copil["item_id"], "invitee_id": copil["invitee_id"]}


def _mismatched_minutes():
    published, other = _minutes("published"), _bethune_minutes()
    return {"minutes_id": published["minutes_id"], "section_id": other["section_id"]}


# blueprint -> builders of hidden objects: role -> {parameter: id} or None. The `_everyone`
# rows pair an object with a child of another one (an item of another meeting...): 404 too.
HIDDEN = {
    "meetings": [
        _when(LENS_DRAFT_HIDDEN, lambda: _meeting(LENS_DRAFT)),
        _when(NOT_LENS, lambda: {**_meeting("SPEL de Béthune — réunion de bilan"),
                                 "committee_id": _committee_id("spel-bethune")}),
        _when(LENS_DRAFT_HIDDEN, lambda: {"version_id": _hidden_attachment()}),
        _everyone(_mismatched_meeting, {"item_id", "invitee_id"}),
    ],
    "minutes": [
        _when(DRAFT_MINUTES_HIDDEN, lambda: _minutes("draft")),
        _when(REVIEW_MINUTES_HIDDEN, lambda: {**_minutes("in_review"), **_comment()}),
        _when(NOT_LENS, lambda: {**_bethune_minutes(), **_follow_up_action(),
                                 "meeting_id": _meeting_id("SPEL de Béthune — réunion de bilan"),
                                 "committee_id": _committee_id("spel-bethune")}),
        _when(LENS_DRAFT_HIDDEN, lambda: {"meeting_id": _meeting_id(LENS_DRAFT)}),
        _everyone(_mismatched_minutes, {"section_id"}),
    ],
    "plans": [
        _when(NOT_SECRETARIAT, lambda: _plan("valenciennes")),
        _when(LENS_PLAN_HIDDEN, lambda: _plan("lens")),
        _everyone(lambda: {"plan_id": _plan("valenciennes")["plan_id"], "action_id": _first_action("lens")},
                  {"action_id"}),
        _everyone(lambda: {"plan_id": _plan("lens")["plan_id"], "action_id": _first_action("bethune")},
                  {"action_id"}),
    ],
    "signoff": [_when(LENS_PLAN_HIDDEN, lambda: {"round_id": _lens_round()})],
    "agreement": [_when(NOT_SECRETARIAT, lambda: {"number": 3, "amendment": 2, "change_id": _agreement_change(3)}),
                  _everyone(lambda: {"amendment": 2, "change_id": _agreement_change(2)}, {"change_id"})],
    "notifications": [lambda role: {"notification_id": _someone_elses_notification(role)}],
}


def _agreement_change(version_number):
    from erbm_portal.agreement.models import AgreementChange, AgreementVersion

    return _ids(AgreementChange, AgreementChange.id,
                version_id=one_id(AgreementVersion, number=version_number))[0]


# The parameters the HIDDEN builders above provide (test_every_id_parameter_is_mapped reads this).
COVERED = {f"meetings.{p}" for p in ("meeting_id", "item_id", "invitee_id", "committee_id", "version_id")} | {
    f"minutes.{p}" for p in ("minutes_id", "section_id", "comment_id", "action_id", "meeting_id", "committee_id")} | {
    "plans.plan_id", "plans.action_id", "signoff.round_id", "agreement.number", "agreement.amendment",
    "agreement.change_id", "notifications.notification_id"}


def hidden_for(blueprint: str, role: str) -> list[dict]:
    return [ids for build in HIDDEN.get(blueprint, []) if (ids := build(role))]
