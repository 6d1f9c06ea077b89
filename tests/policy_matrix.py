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

    def status_for(self, role: str) -> int:
        if role == "anonymous":
            return 303
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
    # Sign-off: object rows use an id that does not exist until a domain seeds rounds
    # (the plans and agreement rows then name real rounds); visibility is tested in test_signoff.py.
    Case("signoff.verify", "/validations/verifier", EVERYONE),
    Case("signoff.round_detail", "/validations/999999", EVERYONE, ok=404),
    Case("signoff.content", "/validations/999999/contenu.json", EVERYONE, ok=404),
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
    Case("audit.events", "/audit/", only("admin", "secretariat")),
    Case("audit.export_csv", "/audit/export.csv", only("admin", "secretariat")),
]
