"""The original document, readable: XML pretty-printed (parsed safely), text as text. Pure.

The text is returned as a string and escaped by the template, never marked safe: a document
from outside is data, whatever markup it contains.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from finrpa.steps.xmlsafe import parse_xml_bytes

#: Larger files are offered for download only.
MAX_SHOWN_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class DocumentView:
    """A file as the item page shows it; ``text`` is None when it can only be downloaded."""

    name: str
    size: int
    kind: str  # "xml", "text" or "binary"
    text: str | None


def _looks_like_xml(name: str, content: bytes) -> bool:
    head = content[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return name.lower().endswith(".xml") or head.startswith(b"<?xml") or head.startswith(b"<")


def _decode(content: bytes) -> str | None:
    for encoding in ("utf-8", "iso-8859-15"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    return None


def document_view(name: str, content: bytes) -> DocumentView:
    """How to show ``content``: pretty XML when it parses, else its text, else nothing."""
    if len(content) > MAX_SHOWN_BYTES:
        return DocumentView(name, len(content), "binary", None)
    if _looks_like_xml(name, content):
        parsed = parse_xml_bytes(content, name)
        if parsed.root is not None:
            etree.indent(parsed.root, space="  ")
            pretty = etree.tostring(parsed.root, encoding="unicode", pretty_print=True)
            return DocumentView(name, len(content), "xml", pretty)
    text = _decode(content)
    if text is None:
        return DocumentView(name, len(content), "binary", None)
    return DocumentView(name, len(content), "text", text)
