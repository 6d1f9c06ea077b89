"""PDF copies of the Word exports, through LibreOffice (``soffice``) run headless.

Each conversion uses its own temporary profile directory, so that concurrent
conversions (several workers) do not fight over one LibreOffice profile, and a
timeout. LibreOffice lays the document out, which computes the PAGE / NUMPAGES
fields of the footer; the table of contents shows the headings the builder
cached in it (see DocBuilder.toc).
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 120
PDF_UNAVAILABLE_FR = ("Les versions PDF ne sont pas proposées : LibreOffice (soffice) "
                      "n'est pas installé sur le serveur.")


def soffice_path() -> str | None:
    return os.environ.get("ERBM_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice_path() is not None


def to_pdf(docx_bytes: bytes, *, timeout: int = TIMEOUT_SECONDS) -> bytes | None:
    """The PDF of a .docx, or None when soffice is missing, fails or times out."""
    binary = soffice_path()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="erbm-pdf-") as tmp:
        work = Path(tmp)
        source = work / "export.docx"
        source.write_bytes(docx_bytes)
        profile = (work / "profile").as_uri()
        command = [binary, "--headless", "--norestore", "--nologo", "--nolockcheck",
                   f"-env:UserInstallation={profile}",
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work / "out"), str(source)]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False,
                           env={**os.environ, "HOME": tmp})
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("PDF conversion failed: %s", exc)
            return None
        result = work / "out" / "export.pdf"
        if not result.exists():
            log.warning("PDF conversion produced no file")
            return None
        return result.read_bytes()
