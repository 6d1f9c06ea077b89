import io
import zipfile

import docx
import openpyxl
import pytest

from erbm_portal.core.uploads import (
    ALLOWED_KINDS,
    MAX_FILENAME_LENGTH,
    UploadRejected,
    detect_kind,
    safe_filename,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 20 + b"\xff\xd9"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run"


def make_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Compte rendu de réunion")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Budget prévisionnel"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            compression = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compression)
    return buffer.getvalue()


def make_odt() -> bytes:
    return make_zip({
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "META-INF/manifest.xml": b"<manifest:manifest/>",
        "content.xml": b"<office:document-content/>",
    })


@pytest.mark.parametrize(
    ("factory", "filename", "kind", "mimetype"),
    [
        (lambda: PDF_BYTES, "rapport.pdf", "pdf", "application/pdf"),
        (make_docx, "Compte rendu.docx", "docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (make_xlsx, "budget.XLSX", "xlsx",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (make_odt, "note.odt", "odt", "application/vnd.oasis.opendocument.text"),
        (lambda: PNG_BYTES, "logo.png", "png", "image/png"),
        (lambda: JPEG_BYTES, "photo.jpg", "jpeg", "image/jpeg"),
        (lambda: JPEG_BYTES, "photo.JPEG", "jpeg", "image/jpeg"),
    ],
)
def test_detects_allowed_kinds_from_content(factory, filename, kind, mimetype):
    result = detect_kind(factory(), filename)
    assert result.kind == kind
    assert result.mimetype == mimetype
    assert result is ALLOWED_KINDS[kind]


def test_allowed_kinds_are_the_expected_set():
    assert set(ALLOWED_KINDS) == {"pdf", "docx", "xlsx", "odt", "png", "jpeg"}
    assert ALLOWED_KINDS["jpeg"].extension == "jpg"


def test_exe_renamed_pdf_is_rejected_with_french_message():
    with pytest.raises(UploadRejected) as error:
        detect_kind(EXE_BYTES, "facture.pdf")
    assert error.value.message_fr == "Le contenu du fichier « facture.pdf » n'est pas un PDF."
    assert str(error.value) == error.value.message_fr


def test_docx_renamed_xlsx_is_rejected_and_names_real_type():
    with pytest.raises(UploadRejected) as error:
        detect_kind(make_docx(), "tableau.xlsx")
    message = error.value.message_fr
    assert "« tableau.xlsx »" in message
    assert "n'est pas un classeur Excel (.xlsx)" in message
    assert "document Word (.docx)" in message


def test_png_renamed_jpg_is_rejected():
    with pytest.raises(UploadRejected, match="n'est pas une image JPEG"):
        detect_kind(PNG_BYTES, "photo.jpg")


def test_pdf_header_must_be_at_start():
    with pytest.raises(UploadRejected):
        detect_kind(b"MZ" + b"\x00" * 10 + PDF_BYTES, "x.pdf")


def test_disallowed_extension_is_rejected_even_with_valid_content():
    with pytest.raises(UploadRejected, match="extension autorisée"):
        detect_kind(PDF_BYTES, "script.exe")
    with pytest.raises(UploadRejected, match="extension autorisée"):
        detect_kind(PDF_BYTES, "sans_extension")


def test_empty_file_is_rejected():
    with pytest.raises(UploadRejected, match="est vide"):
        detect_kind(b"", "vide.pdf")


def test_plain_zip_and_broken_zip_are_rejected():
    plain_zip = make_zip({"readme.txt": b"bonjour"})
    with pytest.raises(UploadRejected, match="n'est pas un document Word"):
        detect_kind(plain_zip, "archive.docx")
    with pytest.raises(UploadRejected):
        detect_kind(b"PK\x03\x04" + b"\x00" * 40, "cassé.docx")


def test_zip_with_office_paths_but_wrong_content_types_is_rejected():
    fake = make_zip({
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"<w:document/>",
    })
    with pytest.raises(UploadRejected):
        detect_kind(fake, "faux.docx")


def test_other_opendocument_types_are_not_odt():
    spreadsheet = make_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
    with pytest.raises(UploadRejected, match="OpenDocument"):
        detect_kind(spreadsheet, "calc.odt")


def test_rejection_message_uses_sanitised_name():
    with pytest.raises(UploadRejected) as error:
        detect_kind(EXE_BYTES, "../../etc/\x00evil.pdf")
    assert "« evil.pdf »" in error.value.message_fr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Procès-verbal été 2024.pdf", "Procès-verbal été 2024.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\Zoé\\note.docx", "note.docx"),
        ("..hidden.pdf", "hidden.pdf"),
        (".bashrc", "bashrc"),
        ("a\x00b\x1fc\x7f.pdf", "abc.pdf"),
        ("ligne\nsuivante.pdf", "lignesuivante.pdf"),
        ("facture\u202efdp.exe", "facturefdp.exe"),
        ("  espaces   multiples .pdf ", "espaces multiples .pdf"),
        ("", ""),
        ("/", ""),
    ],
)
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected


def test_safe_filename_normalises_to_nfc():
    decomposed = "e\u0301te\u0301.pdf"
    assert safe_filename(decomposed) == "été.pdf"


def test_safe_filename_truncates_and_keeps_extension():
    result = safe_filename("é" * 300 + ".docx")
    assert len(result) == MAX_FILENAME_LENGTH
    assert result.endswith(".docx")
    assert safe_filename("x" * 300) == "x" * MAX_FILENAME_LENGTH
