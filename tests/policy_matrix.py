"""The access-policy matrix: one row per route, the expected status for every demo role.

Each domain adds its rows to CASES. ``path`` is a string or a function of the
demo ids (``ids``: a lookup helper) so rows can name objects of the demo data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

ROLES = ["anonymous", "admin", "secretariat", "co_chair", "member", "signatory", "partner", "observer"]
EVERYONE = frozenset(ROLES) - {"anonymous"}


@dataclass(frozen=True)
class Case:
    endpoint: str
    path: str | Callable
    allowed: frozenset
    method: str = "GET"
    ok: int = 200          # status for allowed roles
    denied: int = 403      # status for signed-in roles outside `allowed` (404 for hidden objects)
    data: dict = field(default_factory=dict)
    note: str = ""
    statuses: dict = field(default_factory=dict)  # per-role exceptions (e.g. 404 for a plan the role cannot see)

    def status_for(self, role: str) -> int:
        if role == "anonymous":
            return 303
        if role in self.statuses:
            return self.statuses[role]
        return self.ok if role in self.allowed else self.denied


def only(*roles: str) -> frozenset:
    return frozenset(roles)


CASES: list[Case] = [
    Case("web.healthz", "/healthz", EVERYONE | {"anonymous"}, note="public"),
    Case("accounts.login", "/connexion", EVERYONE | {"anonymous"}, ok=200),
    Case("accounts.profile", "/mon-compte", EVERYONE),
    Case("accounts.change_password", "/mon-compte/mot-de-passe", EVERYONE, method="POST", ok=422),
    Case("accounts.logout", "/deconnexion", EVERYONE, method="POST", ok=303),
    Case("accounts.logout_everywhere", "/deconnexion-partout", EVERYONE, method="POST", ok=303),
    Case("home.dashboard", "/", EVERYONE),
    # Sign-off: the demo's open round on the Lens 2023 action plan (CA Lens-Liévin is called to sign).
    Case("signoff.verify", "/validations/verifier", EVERYONE),
    Case("signoff.round_detail", lambda: f"/validations/{_lens_round()}", only("co_chair", "secretariat", "signatory"),
         denied=404, note="round of a plan in validation: co-chairs, secretariat, signatories called"),
    Case("signoff.content", lambda: f"/validations/{_lens_round()}/contenu.json",
         only("co_chair", "secretariat", "signatory"), denied=404),
    Case("signoff.decide", lambda: f"/validations/{_lens_round()}/decision", only("signatory"), method="POST", ok=422,
         note="empty decision: 422; non-signatories refused by the policy"),
    Case("signoff.decide", "/validations/999999/decision", only("signatory"), method="POST", ok=404),
    # Action plans (demo: Béthune adopted, Lens in an open round, Douai back to draft as revision 2,
    # Valenciennes draft). Hidden plans give 404.
    Case("plans.index", "/plans/", EVERYONE),
    Case("plans.create", "/plans/", only("co_chair", "secretariat"), method="POST", ok=422),
    Case("plans.detail", lambda: _plan("bethune"), only("admin", "secretariat", "observer"), denied=404,
         note="adopted: partners of the Béthune committee, observers"),
    Case("plans.detail", lambda: _plan("lens"), only("co_chair", "secretariat", "signatory"), denied=404,
         note="in validation: co-chairs, secretariat, signatories called"),
    Case("plans.detail", lambda: _plan("douai", "?revision=1"), only("secretariat"), denied=404),
    Case("plans.detail", lambda: _plan("valenciennes"), only("secretariat"), denied=404),
    Case("plans.action_row", lambda: _plan("lens", f"/actions/{_first_action('lens')}"),
         only("co_chair", "secretariat", "signatory"), ok=303, denied=404, note="plain request: back to the page"),
    Case("plans.action_edit", lambda: _plan("lens", f"/actions/{_first_action('lens')}/modifier"),
         only("co_chair", "secretariat"), ok=409, note="frozen while the round is open"),
    Case("plans.action_edit", lambda: _plan("valenciennes", f"/actions/{_first_action('valenciennes')}/modifier"),
         only("secretariat"), statuses={"co_chair": 404}),
    Case("plans.action_new", lambda: _plan("valenciennes", "/actions/nouvelle"), only("secretariat"),
         statuses={"co_chair": 404}),
    Case("plans.action_delete", lambda: _plan("valenciennes", f"/actions/{_first_action('valenciennes')}/supprimer"),
         only("secretariat"), method="POST", ok=400, statuses={"co_chair": 404}, note="no version: refused"),
    Case("plans.submit", lambda: _plan("valenciennes", "/soumettre"), only("secretariat"), statuses={"co_chair": 404}),
    Case("plans.submit", lambda: _plan("lens", "/soumettre"), only("co_chair", "secretariat"), ok=409,
         note="already submitted"),
    Case("plans.withdraw", lambda: _plan("lens", "/retirer"), only("co_chair", "secretariat"), method="POST", ok=422),
    # Indicators and programme dashboard
    Case("indicators.dashboard", "/indicateurs/", EVERYONE),
    Case("indicators.catalogue", "/indicateurs/catalogue", EVERYONE),
    Case("indicators.detail", lambda: f"/indicateurs/{_indicator('LOG')}", EVERYONE),
    Case("indicators.export_csv", "/indicateurs/export.csv", EVERYONE),
    Case("indicators.export_xlsx", "/indicateurs/export.xlsx", EVERYONE),
    Case("indicators.indicator_new", "/indicateurs/catalogue/nouveau", only("secretariat")),
    Case("indicators.indicator_edit", lambda: f"/indicateurs/{_indicator('LOG')}/modifier", only("secretariat")),
    Case("indicators.value_new", lambda: f"/indicateurs/{_indicator('LOG')}/valeurs/nouvelle",
         only("co_chair", "secretariat")),
    Case("indicators.value_edit", lambda: f"/indicateurs/valeurs/{_value('LOG', 'lens')}/modifier",
         only("co_chair", "secretariat")),
    Case("indicators.value_edit", lambda: f"/indicateurs/valeurs/{_value('LOG', 'bethune')}/modifier",
         only("secretariat"), note="a Lens co-chair may not edit Béthune's figures"),
    Case("indicators.value_validate", lambda: f"/indicateurs/valeurs/{_value('LOG', 'lens')}/valider",
         only("secretariat"), method="POST", ok=303),
    Case("audit.events", "/audit/", only("admin", "secretariat")),
    Case("audit.export_csv", "/audit/export.csv", only("admin", "secretariat")),
]


# --- Demo objects named by the rows above ------------------------------------------

def _plan(slug: str, suffix: str = "") -> str:
    from sqlalchemy import select

    from erbm_portal.directory.models import Spel
    from erbm_portal.extensions import db
    from erbm_portal.plans.models import ActionPlan

    plan_id = db.session.execute(select(ActionPlan.id).join(Spel, ActionPlan.spel_id == Spel.id)
                                 .where(Spel.slug == slug)).scalar_one()
    return f"/plans/{plan_id}{suffix}"


def _first_action(slug: str) -> int:
    from sqlalchemy import select

    from erbm_portal.directory.models import Spel
    from erbm_portal.extensions import db
    from erbm_portal.plans.models import ActionPlan, PlanAction, PlanRevision

    return db.session.execute(
        select(PlanAction.id).join(PlanRevision, PlanAction.revision_id == PlanRevision.id)
        .join(ActionPlan, PlanRevision.plan_id == ActionPlan.id).join(Spel, ActionPlan.spel_id == Spel.id)
        .where(Spel.slug == slug).order_by(PlanRevision.number.desc(), PlanAction.position)).scalars().first()


def _lens_round() -> int:
    from sqlalchemy import select

    from erbm_portal.directory.models import Spel
    from erbm_portal.extensions import db
    from erbm_portal.plans.models import ActionPlan, PlanRevision
    from erbm_portal.signoff.models import SignoffRound

    return db.session.execute(
        select(SignoffRound.id).join(PlanRevision, SignoffRound.subject_id == PlanRevision.id)
        .join(ActionPlan, PlanRevision.plan_id == ActionPlan.id).join(Spel, ActionPlan.spel_id == Spel.id)
        .where(SignoffRound.subject_type == "action_plan", Spel.slug == "lens")).scalar_one()


def _indicator(code: str) -> int:
    from .matrix_ids import one_id
    from erbm_portal.indicators.models import Indicator

    return one_id(Indicator, code=code)


def _value(code: str, slug: str) -> int:
    from sqlalchemy import select

    from erbm_portal.directory.models import Spel
    from erbm_portal.extensions import db
    from erbm_portal.indicators.models import Indicator, IndicatorValue

    return db.session.execute(
        select(IndicatorValue.id).join(Indicator).join(Spel, IndicatorValue.spel_id == Spel.id)
        .where(Indicator.code == code, Spel.slug == slug, IndicatorValue.action_id.is_(None))
        .order_by(IndicatorValue.year)).scalars().first()
