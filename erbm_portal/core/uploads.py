"""Contrôle des fichiers déposés : le type est déduit du contenu, jamais du nom.

Les formats bureautiques (docx, xlsx, odt) sont des archives zip : on les
ouvre pour vérifier leur structure interne plutôt que de se fier aux
octets « PK » communs à tous les zip.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass


class UploadRejected(ValueError):
    """Fichier refusé ; le message (en français) peut être montré à l'utilisateur."""

    def __init__(self, message_fr: str):
        super().__init__(message_fr)
        self.message_fr = message_fr


@dataclass(frozen=True)
class FileKind:
    kind: str
    mimetype: str
    extension: str
    label: str  # avec article, pour les messages : « un PDF », « une image PNG »


ALLOWED_KINDS: dict[str, FileKind] = {
    kind.kind: kind
    for kind in (
        FileKind("pdf", "application/pdf", "pdf", "un PDF"),
        FileKind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            "un document Word (.docx)",
        ),
        FileKind(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            "un classeur Excel (.xlsx)",
        ),
        FileKind("odt", "application/vnd.oasis.opendocument.text", "odt",
                 "un document OpenDocument texte (.odt)"),
        FileKind("png", "image/png", "png", "une image PNG"),
        FileKind("jpeg", "image/jpeg", "jpg", "une image JPEG"),
    )
}

# Extension du nom de fichier -> type attendu.
EXTENSION_TO_KIND = {
    "pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "odt": "odt",
    "png": "png", "jpg": "jpeg", "jpeg": "jpeg",
}

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_ZIP_MAGIC = b"PK\x03\x04"
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_PDF_MAGIC = b"%PDF-"
# Garde-fou contre les bombes zip : ces fichiers de structure sont petits.
_MAX_ZIP_MEMBER_SIZE = 1024 * 1024
MAX_FILENAME_LENGTH = 200


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > _MAX_ZIP_MEMBER_SIZE:
        raise ValueError(f"{name} trop volumineux")
    return archive.read(name)


def _sniff_zip(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            if _read_small(archive, "mimetype").strip() == _ODT_MIMETYPE:
                return "odt"
            return None
        if "[Content_Types].xml" not in names:
            return None
        content_types = _read_small(archive, "[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError):
        return None
    if "word/document.xml" in names and b"wordprocessingml.document.main" in content_types:
        return "docx"
    if "xl/workbook.xml" in names and b"spreadsheetml.sheet.main" in content_types:
        return "xlsx"
    return None


def sniff_kind(data: bytes) -> str | None:
    """Type autorisé reconnu dans le contenu, ou None."""
    if data.startswith(_PNG_MAGIC):
        return "png"
    if data.startswith(_JPEG_MAGIC):
        return "jpeg"
    # Pas de tolérance pour des octets avant l'en-tête : évite les polyglottes.
    if data.startswith(_PDF_MAGIC):
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return _sniff_zip(data)
    return None


def _extension(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base:
        return ""
    return base.rsplit(".", 1)[-1].lower()


def _allowed_extensions_text() -> str:
    return ", ".join(sorted(EXTENSION_TO_KIND))


def detect_kind(data: bytes, filename: str) -> FileKind:
    """Renvoie le type du fichier, ou lève UploadRejected avec un message clair."""
    display_name = safe_filename(filename) or "sans nom"
    if not data:
        raise UploadRejected(f"Le fichier « {display_name} » est vide.")
    extension = _extension(filename)
    expected = EXTENSION_TO_KIND.get(extension)
    if expected is None:
        raise UploadRejected(
            f"Le fichier « {display_name} » n'a pas une extension autorisée "
            f"(extensions acceptées : {_allowed_extensions_text()})."
        )
    detected = sniff_kind(data)
    if detected != expected:
        expected_label = ALLOWED_KINDS[expected].label
        if detected is None:
            raise UploadRejected(
                f"Le contenu du fichier « {display_name} » n'est pas {expected_label}."
            )
        raise UploadRejected(
            f"Le contenu du fichier « {display_name} » n'est pas {expected_label} : "
            f"c'est {ALLOWED_KINDS[detected].label}. Corrigez l'extension du fichier."
        )
    return ALLOWED_KINDS[detected]


_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def safe_filename(name: str) -> str:
    """Nom de fichier affichable et stockable : accents gardés, chemins retirés."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
    )
    name = _UNSAFE_CHARS.sub("", name)
    name = " ".join(name.split())
    name = name.lstrip(". ").rstrip(" ")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_FILENAME_LENGTH - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name
