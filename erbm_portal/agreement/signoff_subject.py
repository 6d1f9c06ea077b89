"""The agreement's sign-off subject: a version of the agreement, signed by every party."""
from __future__ import annotations

from flask import url_for

from ..extensions import db
from .models import AgreementVersion


class AgreementVersionSubject:
    label = "version de la convention"

    def can_view(self, principal, subject_id: int) -> bool:
        from .access import can_view_version

        version = db.session.get(AgreementVersion, subject_id)
        return version is not None and can_view_version(principal, version)

    def url(self, subject_id: int) -> str:
        version = db.session.get(AgreementVersion, subject_id)
        return url_for("agreement.version_detail", number=version.number)

    def on_approved(self, round_) -> None:
        from .services import enter_into_force

        enter_into_force(db.session.get(AgreementVersion, round_.subject_id), round_)

    def on_changes_requested(self, round_, party) -> None:
        from .services import return_to_draft

        return_to_draft(db.session.get(AgreementVersion, round_.subject_id), round_, party)


HANDLERS = {"agreement_version": AgreementVersionSubject()}
