"""Load-and-authorise helpers: 404 when the object is not visible, 403 when visible but not allowed."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..web.principal import current_principal
from .models import Agreement, AgreementFile, AgreementParty, AgreementVersion, FilePurpose


def can_view_version(principal, version: AgreementVersion) -> bool:
    """Drafts never opened for signature are the secretariat's; the rest is read by every partner."""
    if not principal.is_authenticated:
        return False
    return version.is_circulated or principal.is_secretariat


def load_agreement() -> Agreement | None:
    """The agreement with its parties, articles, versions and changes (a constant number of queries)."""
    return db.session.execute(
        select(Agreement).order_by(Agreement.id).limit(1)
        .options(selectinload(Agreement.parties).selectinload(AgreementParty.organisation),
                 selectinload(Agreement.articles),
                 selectinload(Agreement.versions).selectinload(AgreementVersion.changes))
    ).scalar_one_or_none()


def get_agreement_or_404() -> Agreement:
    agreement = load_agreement()
    if agreement is None:
        abort(404)
    return agreement


def visible_versions(agreement: Agreement, principal=None) -> list[AgreementVersion]:
    principal = principal or current_principal()
    return [v for v in agreement.versions if can_view_version(principal, v)]


def get_version_or_404(agreement: Agreement, number: int, action: str = "view") -> AgreementVersion:
    principal = current_principal()
    version = next((v for v in agreement.versions if v.number == number), None)
    if version is None or not can_view_version(principal, version):
        abort(404)
    if action == "edit" and not principal.is_secretariat:
        abort(403)
    return version


def get_amendment_or_404(agreement: Agreement, amendment_number: int, action: str = "view") -> AgreementVersion:
    if amendment_number < 1:
        abort(404)
    return get_version_or_404(agreement, amendment_number + 1, action)


def get_file_or_404(agreement: Agreement, file_id: int) -> AgreementFile:
    stored = db.session.execute(
        select(AgreementFile).where(AgreementFile.id == file_id, AgreementFile.agreement_id == agreement.id)
    ).scalar_one_or_none()
    if stored is None:
        abort(404)
    if stored.purpose == FilePurpose.SIGNED_COPY:
        version = next((v for v in agreement.versions if v.id == stored.version_id), None)
        if version is None or not can_view_version(current_principal(), version):
            abort(404)
    return stored
