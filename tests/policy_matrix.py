"""The access-policy matrix: one row per route, the expected status for every demo role.

Each domain adds its rows to CASES. ``path`` is a string or a function of the
demo ids (``ids``: a lookup helper) so rows can name objects of the demo data.
"""
from __future__ import annotations

import shutil
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


def _agreement_round() -> str:
    from erbm_portal.signoff.models import RoundState, SignoffRound

    from .matrix_ids import one_id
    return f"/validations/{one_id(SignoffRound, subject_type='agreement_version', state=RoundState.OPEN)}"


def _agreement_annex() -> str:
    from erbm_portal.agreement.models import AgreementFile, FilePurpose

    from .matrix_ids import one_id
    return f"/convention/fichiers/{one_id(AgreementFile, purpose=FilePurpose.ANNEX)}"


# Demo agreement: version 1 in force, version 2 (avenant n° 1) in signature, version 3
# (avenant n° 2) a draft never opened for signature: secretariat only, 404 for everyone else.
SECRETARIAT_ONLY = only("secretariat")
AGREEMENT_CASES = [
    Case("agreement.index", "/convention/", EVERYONE),
    Case("agreement.versions", "/convention/versions", EVERYONE),
    Case("agreement.version_detail", "/convention/versions/2", EVERYONE),
    Case("agreement.version_detail", "/convention/versions/3", SECRETARIAT_ONLY, denied=404, note="draft"),
    Case("agreement.export_docx", "/convention/versions/1/engagement.docx", EVERYONE),
    Case("agreement.export_docx", "/convention/versions/3/engagement.docx", SECRETARIAT_ONLY, denied=404,
         note="draft"),
    Case("agreement.export_pdf", "/convention/versions/99/engagement.pdf", frozenset(), denied=404,
         note="no such version; conversions are tested in test_agreement_export (LibreOffice is slow)"),
    Case("agreement.amendment_detail", "/convention/avenants/1", EVERYONE),
    Case("agreement.amendment_detail", "/convention/avenants/2", SECRETARIAT_ONLY, denied=404, note="draft"),
    Case("agreement.compare", "/convention/comparer?de=1&a=2", EVERYONE),
    Case("agreement.compare", "/convention/comparer?de=2&a=3", SECRETARIAT_ONLY, denied=422,
         note="a draft is not offered to non-secretariat"),
    Case("agreement.file_download", _agreement_annex, EVERYONE),
    Case("agreement.amendment_new", "/convention/avenants/nouveau", SECRETARIAT_ONLY),
    Case("agreement.amendment_new", "/convention/avenants/nouveau", SECRETARIAT_ONLY, method="POST", ok=422),
    Case("agreement.amendment_edit", "/convention/avenants/2/modifier", SECRETARIAT_ONLY, method="POST", ok=422),
    Case("agreement.change_add", "/convention/avenants/2/modifications", SECRETARIAT_ONLY, method="POST", ok=422),
    Case("agreement.change_delete", "/convention/avenants/2/modifications/999999/supprimer", SECRETARIAT_ONLY,
         method="POST", ok=404),
    Case("agreement.open_signature", "/convention/versions/2/signature", SECRETARIAT_ONLY, method="POST", ok=409,
         note="already in signature"),
    Case("agreement.annex_upload", "/convention/annexes", SECRETARIAT_ONLY, method="POST", ok=422),
    Case("agreement.signed_copy_upload", "/convention/versions/1/exemplaire-signe", SECRETARIAT_ONLY,
         method="POST", ok=422),
    Case("signoff.round_detail", _agreement_round, EVERYONE, note="the demo avenant n° 1 round"),
]

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
    *AGREEMENT_CASES,
    Case("exports.template_page", "/exports/modele", only("secretariat")),
    Case("exports.template_page", "/exports/modele", only("secretariat"), method="POST", ok=422,
         note="no file: refused beside the field"),
    Case("exports.template_reset", "/exports/modele/reinitialiser", only("secretariat"), method="POST", ok=303),
    Case("exports.template_download", "/exports/modele.docx", only("secretariat")),
    Case("exports.template_default", "/exports/modele-fourni.docx", only("secretariat")),
    Case("exports.template_specimen", "/exports/modele/apercu.docx", only("secretariat")),
    Case("exports.template_specimen_pdf", "/exports/modele/apercu.pdf", only("secretariat"),
         ok=200 if shutil.which("soffice") else 404, note="404 with a reason when LibreOffice is absent"),
    Case("search.search_page", "/recherche?q=r%C3%A9novation", EVERYONE),
    Case("notifications.index", "/notifications/", EVERYONE),
    Case("notifications.mark_read", "/notifications/999999/lue", EVERYONE, method="POST", ok=404,
         note="someone else's notification is 404 too: test_notifications.py"),
    Case("notifications.mark_all_read", "/notifications/tout-lire", EVERYONE, method="POST", ok=303),
    Case("notifications.preferences", "/notifications/preferences", EVERYONE),
    Case("notifications.preferences", "/notifications/preferences", EVERYONE, method="POST", ok=422),
    Case("feeds.calendar", "/mon-agenda", EVERYONE),
    Case("feeds.regenerate", "/mon-agenda/nouvelle-adresse", EVERYONE, method="POST"),
    Case("feeds.revoke", "/mon-agenda/desactiver", EVERYONE, method="POST", ok=303),
    Case("feeds.ics", "/agenda/jeton-inconnu.ics", EVERYONE | {"anonymous"}, ok=404,
         note="public: the secret token is the credential"),
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
    Case("plans.export_docx", lambda: _plan("bethune", "/plan.docx"), only("admin", "secretariat", "observer"),
         denied=404, note="adopted: partners of the Béthune committee, observers"),
    Case("plans.export_docx", lambda: _plan("lens", "/plan.docx"), only("co_chair", "secretariat", "signatory"),
         denied=404, note="in validation: co-chairs, secretariat, signatories called"),
    Case("plans.export_docx", lambda: _plan("douai", "/plan.docx?revision=1"), only("secretariat"), denied=404),
    Case("plans.export_docx", lambda: _plan("douai", "/plan.docx?revision=9"), frozenset(), denied=404,
         note="no such revision"),
    Case("plans.export_pdf", "/plans/999999/plan.pdf", frozenset(), denied=404,
         note="no such plan; conversions are tested in test_plan_export (LibreOffice is slow)"),
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


# --- Committees and meetings (issue 3) -------------------------------------------------
# Lens SPEL demo meetings: a draft (planned) one and a held one; the COPIL of 16 January 2023.

@dataclass(frozen=True)
class ObjectCase(Case):
    """A row where some signed-in roles cannot see the object at all (404) and the rest get `denied`."""
    hidden: frozenset = frozenset()

    def status_for(self, role: str) -> int:
        if role != "anonymous" and role not in self.allowed and role in self.hidden:
            return 404
        return super().status_for(role)


def _meeting_id(title: str) -> int:
    from erbm_portal.meetings.models import Meeting

    from .matrix_ids import one_id
    return one_id(Meeting, title=title)


def _committee_id(slug: str) -> int:
    from erbm_portal.directory.models import Committee

    from .matrix_ids import one_id
    return one_id(Committee, slug=slug)


def _first_item_id(title: str) -> int:
    from sqlalchemy import select

    from erbm_portal.extensions import db
    from erbm_portal.meetings.models import AgendaItem
    return db.session.execute(select(AgendaItem.id).where(AgendaItem.meeting_id == _meeting_id(title))
                              .order_by(AgendaItem.position).limit(1)).scalar_one()


def _invitee_id(title: str, email: str) -> int:
    from sqlalchemy import select

    from erbm_portal.accounts.models import User
    from erbm_portal.extensions import db
    from erbm_portal.meetings.models import MeetingInvitee
    return db.session.execute(select(MeetingInvitee.id).join(User, MeetingInvitee.user_id == User.id)
                              .where(MeetingInvitee.meeting_id == _meeting_id(title), User.email == email)
                              ).scalar_one_or_none() or 0  # 0 once removed: later roles still hit the meeting check


def _attachment_version_id() -> int:
    from sqlalchemy import select

    from erbm_portal.extensions import db
    from erbm_portal.meetings.models import AttachmentVersion
    return db.session.execute(select(AttachmentVersion.id).order_by(AttachmentVersion.id).limit(1)).scalar_one()


LENS_DRAFT = "SPEL de Lens — préparation du plan d'action"
LENS_HELD = "SPEL de Lens — réunion de bilan"
COPIL = "Comité de pilotage de mi-parcours de l'ERBM"
LENS_DRAFT_HIDDEN = only("admin", "member", "signatory", "partner", "observer")
NOT_LENS = only("co_chair", "member", "signatory", "partner")  # Lens people: the Béthune committee is not theirs


def _m(title, suffix=""):
    return lambda: f"/reunions/{_meeting_id(title)}{suffix}"


def _item(title, suffix):
    return lambda: f"/reunions/{_meeting_id(title)}/ordre-du-jour/{_first_item_id(title)}{suffix}"


CASES += [
    Case("meetings.committees", "/comites/", EVERYONE),
    Case("meetings.committee", lambda: f"/comites/{_committee_id('spel-lens')}", EVERYONE),
    ObjectCase("meetings.committee", lambda: f"/comites/{_committee_id('spel-bethune')}",
               EVERYONE - NOT_LENS, hidden=NOT_LENS, note="Béthune committee: not readable by Lens partners"),
    Case("meetings.meeting_new", lambda: f"/comites/{_committee_id('spel-lens')}/reunions/nouvelle", only("co_chair")),
    Case("meetings.meeting", _m(LENS_DRAFT), only("co_chair", "secretariat"), denied=404, note="draft: 404"),
    Case("meetings.meeting", _m(LENS_HELD), EVERYONE),
    Case("meetings.meeting", _m(COPIL), EVERYONE),
    ObjectCase("meetings.meeting_edit", _m(LENS_DRAFT, "/modifier"), only("co_chair"), hidden=LENS_DRAFT_HIDDEN),
    Case("meetings.meeting_ics", _m(COPIL, "/invitation.ics"), EVERYONE),
    Case("meetings.export_pack", _m(LENS_DRAFT, "/dossier.docx"), only("co_chair", "secretariat"), denied=404,
         note="draft: 404"),
    Case("meetings.export_pack", _m(COPIL, "/dossier.docx"), EVERYONE),
    Case("meetings.export_pack_sent", _m(COPIL, "/dossier-envoye.docx"), EVERYONE, note="frozen at convocation"),
    Case("meetings.export_pack_sent", _m(LENS_DRAFT, "/dossier-envoye.docx"), frozenset(), denied=404,
         note="planned: not convened, no pack sent (and hidden from non-managers)"),
    Case("meetings.export_pack_pdf", "/reunions/999999/dossier.pdf", frozenset(), denied=404,
         note="no such meeting; conversions are tested in test_meeting_pack (LibreOffice is slow)"),
    Case("meetings.convene", _m(LENS_HELD, "/convoquer"), only("co_chair"), method="POST", ok=422,
         note="held: transition refused for the manager"),
    ObjectCase("meetings.mark_held", _m(LENS_DRAFT, "/tenue"), only("co_chair"), method="POST", ok=422,
               hidden=LENS_DRAFT_HIDDEN, note="planned: refused for the manager; draft hidden from others"),
    Case("meetings.mark_held", _m(LENS_HELD, "/tenue"), only("co_chair"), method="POST", ok=422),
    ObjectCase("meetings.item_add", _m(LENS_DRAFT, "/ordre-du-jour"), only("co_chair"), method="POST", ok=422,
               hidden=LENS_DRAFT_HIDDEN),
    ObjectCase("meetings.item_edit", _item(LENS_DRAFT, "/modifier"), only("co_chair"), hidden=LENS_DRAFT_HIDDEN),
    ObjectCase("meetings.item_delete", _item(LENS_DRAFT, "/supprimer"), only("co_chair"), method="POST", ok=303,
               hidden=LENS_DRAFT_HIDDEN),
    ObjectCase("meetings.item_move", _item(LENS_DRAFT, "/deplacer"), only("co_chair"), method="POST", ok=303,
               data={"direction": "down"}, hidden=LENS_DRAFT_HIDDEN),
    ObjectCase("meetings.item_reorder", _m(LENS_DRAFT, "/ordre-du-jour/ordre"), only("co_chair"), method="POST",
               ok=422, hidden=LENS_DRAFT_HIDDEN),
    ObjectCase("meetings.attachment_upload", _item(LENS_DRAFT, "/pieces-jointes"), only("co_chair"), method="POST",
               ok=422, hidden=LENS_DRAFT_HIDDEN),
    Case("meetings.attachment_download", lambda: f"/pieces-jointes/{_attachment_version_id()}", EVERYONE),
    ObjectCase("meetings.invitee_add", _m(LENS_DRAFT, "/invites"), only("co_chair"), method="POST", ok=422,
               hidden=LENS_DRAFT_HIDDEN),
    ObjectCase("meetings.invitee_remove",
               lambda: f"/reunions/{_meeting_id(LENS_DRAFT)}/invites/"
                       f"{_invitee_id(LENS_DRAFT, 'membre.lens@erbm-demo.fr')}/retirer",
               only("co_chair"), method="POST", ok=303, hidden=LENS_DRAFT_HIDDEN),
    Case("meetings.respond", _m(LENS_HELD, "/reponse"), only("co_chair", "member"), method="POST", ok=422,
         data={"response": "present"}, note="invitees only; held: answers closed"),
    Case("meetings.attendance_set",
         lambda: f"/reunions/{_meeting_id(LENS_HELD)}/presence/{_invitee_id(LENS_HELD, 'membre.lens@erbm-demo.fr')}",
         only("co_chair", "member"), method="POST", ok=422, data={"status": "inconnu"},
         note="managers, and the member for their own row"),
]
# --- Minutes, decisions and follow-up actions (minutes branch) ---------------------------
# Refused roles do not all get the same status: 404 for minutes they may not see, 403 for
# minutes they see but may not act on. ByRole names the status of each role explicitly.

@dataclass(frozen=True)
class ByRole(Case):
    statuses: dict = field(default_factory=dict)

    def status_for(self, role: str) -> int:
        if role in self.statuses:
            return self.statuses[role]
        return super().status_for(role)


def _minutes_rows() -> list[Case]:
    from . import minutes_matrix as mx

    hidden = 404
    signed = [r for r in ROLES if r != "anonymous"]

    def row(endpoint, path, method="GET", data=None, note="", **statuses):
        missing = set(signed) - set(statuses)
        assert not missing, (endpoint, missing)
        return ByRole(endpoint, path, frozenset(), method=method, data=data or {}, note=note, statuses=statuses)

    everyone_200 = {r: 200 for r in signed}
    draft = dict(admin=hidden, member=hidden, signatory=hidden, partner=hidden, observer=hidden)
    review = dict(admin=hidden, signatory=hidden, partner=hidden, observer=hidden)
    return [
        row("minutes.meeting_minutes", mx.lens_meeting_path(), **everyone_200),
        row("minutes.create", mx.lens_meeting_path(), "POST", co_chair=303, admin=403, secretariat=403,
            member=403, signatory=403, partner=403, observer=403),
        row("minutes.show", mx.minutes_path("draft"), note="Lens draft", secretariat=200, co_chair=200, **draft),
        row("minutes.show", mx.minutes_path("in_review"), note="Lens in review", secretariat=200, co_chair=200,
            member=200, **review),
        row("minutes.show", mx.minutes_path("published"), note="Lens published", **everyone_200),
        row("minutes.section", mx.section_path("draft"), secretariat=303, co_chair=303, **draft),
        row("minutes.edit_section", mx.section_path("draft", "/modifier"), secretariat=403, co_chair=200, **draft),
        row("minutes.edit_section", mx.section_path("draft", "/modifier"), "POST",
            data={"body": "Nouveau texte", "version": "2"}, secretariat=403, co_chair=303, **draft),
        row("minutes.submit_review", mx.minutes_path("draft", "/relecture"), "POST",
            data={"deadline": "2099-01-31"}, secretariat=403, co_chair=303, **draft),
        row("minutes.back_to_draft", mx.minutes_path("in_review", "/brouillon"), "POST",
            secretariat=403, co_chair=303, member=403, **review),
        row("minutes.approve", mx.minutes_path("in_review", "/approbation"), "POST",
            secretariat=403, co_chair=303, member=403, **review),
        row("minutes.publish", mx.minutes_path("approved", "/publication"), "POST",
            secretariat=303, co_chair=403, member=403, **review),
        row("minutes.correct", mx.minutes_path("published", "/correction"), admin=403, secretariat=200,
            co_chair=200, member=403, signatory=403, partner=403, observer=403),
        row("minutes.export_docx", mx.minutes_path("draft", "/releve.docx"), note="Lens draft",
            secretariat=200, co_chair=200, **draft),
        row("minutes.export_docx", mx.minutes_path("in_review", "/releve.docx"), note="Lens in review",
            secretariat=200, co_chair=200, member=200, **review),
        row("minutes.export_docx", mx.minutes_path("published", "/releve.docx"), note="Lens published",
            **everyone_200),
        row("minutes.export_pdf", lambda: "/releves/999999/releve.pdf",
            note="no such version; conversions are tested in test_minutes_export (LibreOffice is slow)",
            **{r: 404 for r in signed}),
        row("minutes.correct", mx.minutes_path("published", "/correction"), "POST",
            data={"reason": "Coquille dans le chiffre des contrats."}, admin=403, secretariat=303,
            co_chair=303, member=403, signatory=403, partner=403, observer=403),
        row("minutes.compare", mx.minutes_path("published", "/comparaison"), **everyone_200),
        row("minutes.add_comment", mx.section_path("in_review", "/commentaires"), "POST",
            data={"body": "Merci de préciser l'échéance."}, secretariat=303, co_chair=303, member=303, **review),
        row("minutes.resolve_comment", mx.comment_path, "POST", secretariat=403, co_chair=303, member=403,
            **review),
        row("minutes.add_decision", mx.minutes_path("draft", "/decisions"), "POST",
            data={"text": "Le comité valide le calendrier.", "agenda_item_id": ""},
            secretariat=403, co_chair=303, **draft),
        row("minutes.add_action", mx.minutes_path("draft", "/actions"), "POST",
            data={"title": "", "owner_organisation_id": ""}, note="bad input: 422 for the manager",
            secretariat=403, co_chair=422, **draft),
        row("minutes.set_action_status", mx.action_path, "POST", data={"status": "in_progress", "version": "1"},
            admin=403, secretariat=303, co_chair=303, member=403, signatory=403, partner=403, observer=403),
        row("minutes.register", mx.lens_register_path, **everyone_200),
    ]


CASES += _minutes_rows()
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
# --- Administration (directory blueprint) --------------------------------------------
def _org_id() -> int:
    from erbm_portal.directory.models import Organisation

    from .matrix_ids import one_id
    return one_id(Organisation, name="Communauté de communes Osartis-Marquion")


def _user_id() -> int:
    from erbm_portal.accounts.models import User

    from .matrix_ids import one_id
    return one_id(User, email="membre.lens@erbm-demo.fr")


def _admin_grant_id() -> int:
    from erbm_portal.accounts.models import Grant, Role, User

    from .matrix_ids import one_id
    return one_id(Grant, user_id=one_id(User, email="admin@erbm-demo.fr"), role=Role.ADMIN)


ADMIN_ONLY = only("admin")
CASES += [
    Case("directory.organisations", "/admin/organisations", ADMIN_ONLY),
    Case("directory.organisation_new", "/admin/organisations/nouvelle", ADMIN_ONLY),
    Case("directory.organisation_new", "/admin/organisations/nouvelle", ADMIN_ONLY, method="POST", ok=422,
         note="empty form: refused, nothing created"),
    Case("directory.organisation_edit", lambda: f"/admin/organisations/{_org_id()}/modifier", ADMIN_ONLY),
    Case("directory.organisation_edit", lambda: f"/admin/organisations/{_org_id()}/modifier", ADMIN_ONLY,
         method="POST", ok=422),
    Case("directory.organisation_row", lambda: f"/admin/organisations/{_org_id()}/ligne", ADMIN_ONLY, ok=303,
         note="plain request: back to the list"),
    Case("directory.organisation_toggle", lambda: f"/admin/organisations/{_org_id()}/activation", ADMIN_ONLY,
         method="POST", ok=422, note="no version: refused"),
    Case("directory.users", "/admin/utilisateurs", ADMIN_ONLY),
    Case("directory.user_new", "/admin/utilisateurs/nouveau", ADMIN_ONLY),
    Case("directory.user_new", "/admin/utilisateurs/nouveau", ADMIN_ONLY, method="POST", ok=422),
    Case("directory.user_edit", lambda: f"/admin/utilisateurs/{_user_id()}/modifier", ADMIN_ONLY),
    Case("directory.user_edit", lambda: f"/admin/utilisateurs/{_user_id()}/modifier", ADMIN_ONLY,
         method="POST", ok=422),
    Case("directory.user_row", lambda: f"/admin/utilisateurs/{_user_id()}/ligne", ADMIN_ONLY, ok=303),
    Case("directory.user_toggle", lambda: f"/admin/utilisateurs/{_user_id()}/activation", ADMIN_ONLY,
         method="POST", ok=422, note="no version: refused"),
    Case("directory.user_grants", lambda: f"/admin/utilisateurs/{_user_id()}/droits", ADMIN_ONLY),
    Case("directory.user_grants", lambda: f"/admin/utilisateurs/{_user_id()}/droits", ADMIN_ONLY,
         method="POST", ok=422),
    Case("directory.grant_revoke", lambda: f"/admin/droits/{_admin_grant_id()}/revoquer", ADMIN_ONLY,
         method="POST", ok=422, note="the admin's own admin grant: refused, kept"),
    Case("directory.grant_revoke", "/admin/droits/999999/revoquer", ADMIN_ONLY, method="POST", ok=404,
         note="unknown grant: 404 (a real revoke is tested in test_directory)"),
]
