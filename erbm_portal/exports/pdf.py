"""PDF copies of the Word exports, through LibreOffice (``soffice``) run headless.

Each process keeps its own LibreOffice profile directory (creating one costs
seconds) and converts one document at a time, so that several workers do not
fight over one profile; each conversion has a timeout. LibreOffice lays the document out, which computes the PAGE / NUMPAGES
fields of the footer; the table of contents shows the headings the builder
cached in it (see DocBuilder.toc).
"""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 120
PDF_UNAVAILABLE_FR = ("Les versions PDF ne sont pas proposées : LibreOffice (soffice) "
                      "n'est pas installé sur le serveur.")


_LOCK = threading.Lock()


def _profile_uri() -> str:
    path = Path(tempfile.gettempdir()) / f"erbm-soffice-profile-{os.getuid()}-{os.getpid()}"
    return path.as_uri()


def soffice_path() -> str | None:
    return os.environ.get("ERBM_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice_path() is not None


def _run(command: list[str], timeout: int, env: dict) -> bool:
    """Run soffice in its own process group, killed whole on timeout (soffice forks)."""
    try:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    except OSError as exc:
        log.warning("PDF conversion could not start: %s", exc)
        return False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log.warning("PDF conversion timed out after %ss", timeout)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        return False
    return True


def to_pdf(docx_bytes: bytes, *, timeout: int = TIMEOUT_SECONDS) -> bytes | None:
    """The PDF of a .docx, or None when soffice is missing, fails or times out."""
    binary = soffice_path()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory(prefix="erbm-pdf-") as tmp:
        work = Path(tmp)
        source = work / "export.docx"
        source.write_bytes(docx_bytes)
        profile = _profile_uri()
        command = [binary, "--headless", "--norestore", "--nologo", "--nolockcheck",
                   f"-env:UserInstallation={profile}",
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work / "out"), str(source)]
        with _LOCK:
            if not _run(command, timeout, env={**os.environ, "HOME": tmp}):
                return None
        result = work / "out" / "export.pdf"
        if not result.exists():
            log.warning("PDF conversion produced no file")
            return None
        return result.read_bytes()
