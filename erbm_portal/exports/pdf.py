"""PDF copies of the Word exports, through LibreOffice (``soffice``) run headless.

Each process keeps its own LibreOffice profile directory (creating one costs
seconds) and converts one document at a time, so that several workers do not
fight over one profile; each conversion has a timeout.

Fields: laying the document out computes the footer's PAGE / NUMPAGES. A plain
``--convert-to`` would keep the table of contents as cached in the file
(headings without page numbers), so the conversion runs a small LibreOffice
Basic macro, installed in that profile, which opens the document, updates its
indexes and fields, then exports the PDF. Should the macro fail, the plain
conversion is used.
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


_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="ErbmPdf" script:language="StarBasic">
Sub Convert(inUrl As String, outUrl As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(inUrl, &quot;_blank&quot;, 0, args())
  indexes = doc.getDocumentIndexes()
  For i = 0 To indexes.getCount() - 1
    indexes.getByIndex(i).update()
  Next i
  doc.getTextFields().refresh()
  Dim f(0) As New com.sun.star.beans.PropertyValue
  f(0).Name = &quot;FilterName&quot;
  f(0).Value = &quot;writer_pdf_Export&quot;
  doc.storeToURL(outUrl, f())
  doc.close(True)
End Sub
</script:module>
"""


def _profile_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"erbm-soffice-profile-{os.getuid()}-{os.getpid()}"


def _install_macro(binary: str, timeout: int, env: dict) -> bool:
    """Make sure this process's profile exists and holds the ErbmPdf macro."""
    profile = _profile_dir()
    library = profile / "user" / "basic" / "Standard"
    index = library / "script.xlb"
    if not index.exists():  # a new profile: let LibreOffice create it first
        _run([binary, "--headless", "--norestore", "--nologo", "--terminate_after_init",
              f"-env:UserInstallation={profile.as_uri()}"], timeout, env)
    if not index.exists():
        return False
    (library / "ErbmPdf.xba").write_text(_MACRO, encoding="utf-8")
    text = index.read_text(encoding="utf-8")
    if 'library:name="ErbmPdf"' not in text:
        text = text.replace("</library:library>", ' <library:element library:name="ErbmPdf"/>\n</library:library>')
        index.write_text(text, encoding="utf-8")
    return True


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
        result = work / "out" / "export.pdf"
        result.parent.mkdir()
        env = {**os.environ, "HOME": tmp}
        profile = f"-env:UserInstallation={_profile_dir().as_uri()}"
        with _LOCK:
            if _install_macro(binary, timeout, env):
                macro = f'macro:///Standard.ErbmPdf.Convert("{source.as_uri()}","{result.as_uri()}")'
                _run([binary, "--headless", "--norestore", "--nologo", "--nolockcheck", profile, macro],
                     timeout, env)
            if not result.exists():
                log.warning("PDF conversion through the macro failed: plain conversion")
                _run([binary, "--headless", "--norestore", "--nologo", "--nolockcheck", profile,
                      "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(result.parent), str(source)],
                     timeout, env)
        if not result.exists():
            log.warning("PDF conversion produced no file")
            return None
        return result.read_bytes()
