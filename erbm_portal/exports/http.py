"""HTTP responses for exported files (shared by every domain's export routes)."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback name and the exact UTF-8 name (RFC 6266)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c if c.isalnum() or c in "-_." else "-" for c in ascii_name) or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def file_response(data: bytes, filename: str, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(filename), "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


def docx_response(data: bytes, filename: str) -> Response:
    return file_response(data, filename, DOCX_MIME)


def pdf_response(data: bytes, filename: str) -> Response:
    return file_response(data, filename, PDF_MIME)
