"""Reference template management: validate, replace, return to the default."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from sqlalchemy import select

from ..audit.services import record
from ..core.db import utcnow
from ..core.errors import ServiceError
from ..core.uploads import UploadRejected, detect_kind, safe_filename
from ..extensions import db
from .builder import REQUIRED_STYLES, TABLE_STYLE, DocBuilder, default_template_bytes, sha256_of
from .models import ExportTemplate

DEFAULT_FILENAME = "modele-erbm.docx"
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
_TABLE_STYLES = {TABLE_STYLE}


@dataclass(frozen=True)
class CurrentTemplate:
    content: bytes
    sha256: str
    filename: str
    is_default: bool
    row: ExportTemplate | None


def missing_styles(document) -> list[str]:
    """Required styles absent from ``document`` (table styles must be table styles)."""
    missing = []
    for name in REQUIRED_STYLES:
        try:
            style = document.styles[name]
        except KeyError:
            missing.append(name)
            continue
        if name in _TABLE_STYLES and style.type != WD_STYLE_TYPE.TABLE:
            missing.append(name)
    return missing


def validate_template(data: bytes, filename: str) -> None:
    """Refuse with a French message (field ``document``) what cannot serve as a template."""
    try:
        kind = detect_kind(data, filename or "")
    except UploadRejected as exc:
        raise ServiceError(exc.message_fr, field="document") from exc
    if kind.kind != "docx":
        raise ServiceError("Le modèle doit être un document Word (.docx).", field="document")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ServiceError("Ce fichier .docx est endommagé.", field="document") from exc
    if unpacked > MAX_UNPACKED_BYTES:  # a zip bomb, or a template full of pictures
        raise ServiceError(f"Ce modèle est trop lourd une fois décompressé (plus de "
                           f"{MAX_UNPACKED_BYTES // (1024 * 1024)} Mo) : allégez ses images.", field="document")
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        raise ServiceError("Ce fichier .docx est endommagé : Word ou LibreOffice ne pourraient pas "
                           "l'ouvrir comme modèle.", field="document") from exc
    missing = missing_styles(document)
    if missing:
        names = ", ".join(f"« {n} »" for n in missing)
        plural = "les styles obligatoires" if len(missing) > 1 else "le style obligatoire"
        raise ServiceError(
            f"Ce modèle n'a pas {plural} {names}. Partez du modèle actuel (téléchargez-le) : "
            "il contient tous les styles attendus (Titre, Titre 1 à 3, Normal et le style de "
            f"tableau « {TABLE_STYLE} »).", field="document")
    try:
        trial = DocBuilder(data)
        trial.heading("Essai", 1)
        trial.table(["A"], [["1"]])
        trial.save()
    except Exception as exc:
        raise ServiceError("Ce modèle ne permet pas de produire un document : "
                           "repartez du modèle actuel.", field="document") from exc


def _latest() -> ExportTemplate | None:
    return db.session.execute(
        select(ExportTemplate).order_by(ExportTemplate.id.desc()).limit(1)
    ).scalar_one_or_none()


def current_template() -> CurrentTemplate:
    row = _latest()
    if row is None or row.content is None:
        data = default_template_bytes()
        return CurrentTemplate(data, sha256_of(data), DEFAULT_FILENAME, True, row)
    return CurrentTemplate(row.content, row.sha256, row.filename or DEFAULT_FILENAME, False, row)


def current_template_bytes() -> bytes:
    """What every domain export passes to DocBuilder."""
    return current_template().content


def history(limit: int = 20) -> list[ExportTemplate]:
    return list(db.session.execute(
        select(ExportTemplate.id, ExportTemplate.sha256, ExportTemplate.filename, ExportTemplate.size,
               ExportTemplate.uploaded_at, ExportTemplate.uploaded_by_email,
               (ExportTemplate.content.is_(None)).label("is_default"))
        .order_by(ExportTemplate.id.desc()).limit(limit)
    ).all())


def replace_template(data: bytes, filename: str, *, user=None, now: datetime | None = None) -> ExportTemplate:
    validate_template(data, filename)
    row = ExportTemplate(content=data, sha256=sha256_of(data), filename=safe_filename(filename)[:200],
                         size=len(data), uploaded_at=now or utcnow(), uploaded_by_id=getattr(user, "id", None),
                         uploaded_by_email=getattr(user, "email", "") or "")
    db.session.add(row)
    db.session.flush()
    record("exports.template_replaced", row, summary=row.filename,
           details={"sha256": row.sha256, "size": row.size}, actor=user)
    return row


def reset_template(*, user=None, now: datetime | None = None) -> ExportTemplate:
    data = default_template_bytes()
    row = ExportTemplate(content=None, sha256=sha256_of(data), filename=DEFAULT_FILENAME, size=len(data),
                         uploaded_at=now or utcnow(), uploaded_by_id=getattr(user, "id", None),
                         uploaded_by_email=getattr(user, "email", "") or "")
    db.session.add(row)
    db.session.flush()
    record("exports.template_reset", row, summary="Retour au modèle fourni", details={"sha256": row.sha256},
           actor=user)
    return row
