"""Text that a person typed, made safe for WordprocessingML.

XML 1.0 forbids most C0 control characters, lone surrogates and U+FFFE/U+FFFF;
lxml refuses them and a hand-built string would give a broken file. They are
removed. Tabs and line breaks are kept (the builder turns them into w:tab and
w:br), as are emoji, right-to-left marks and every other printable character.
"""
from __future__ import annotations

import re

# C0 controls except TAB (09) and LF (0A); CR is normalised to LF first.
# C1 controls (80-9F) are legal XML but invisible noise in a document: removed too.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NEWLINES = re.compile("\r\n?|[\u2028\u2029\x85\x0b\x0c]")


def clean_text(value) -> str:
    """``value`` as a str holding only characters allowed in XML (tab/newline kept)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _NEWLINES.sub("\n", text)
    return _INVALID.sub("", text)


def clean_line(value) -> str:
    """As :func:`clean_text`, on one line (headings, titles, properties)."""
    return " ".join(clean_text(value).replace("\t", " ").split("\n")).strip()


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: str) -> str:
    return xml_escape(text).replace('"', "&quot;")
