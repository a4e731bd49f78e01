"""Hardened XML parsing for documents from outside: no DTDs, no entities, no network, a size cap.

Invoices and bank statements never need a DTD, so a document that declares one is refused before
parsing (only old Finvoice's bare reference to an external DTD file is tolerated, never loaded):
that shuts out external entities (XXE) and entity expansion (billion laughs) at once. Problems
come back as findings that name the file, never as a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from finrpa.domain.findings import Finding, Severity

#: Largest document accepted, in bytes. Real invoices are a few hundred kB at most.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_PROLOG_SCAN_BYTES = 64 * 1024
_BENIGN_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[A-Za-z_][\w.-]*\s+SYSTEM\s+([\"'])[\w.-]+\.dtd\1\s*>")
_DTD_REFUSED = (
    "document declares a DTD (<!DOCTYPE>) with an internal subset or a remote location; "
    "DTDs and entities are refused to prevent entity expansion and external entity attacks"
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@dataclass(frozen=True)
class ParsedXml:
    """A parsed document, or the findings that explain why it could not be parsed."""

    root: etree._Element | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return self.root is not None


def parse_xml_bytes(
    content: bytes, source: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParsedXml:
    """Parse ``content`` safely. ``source`` names the file in any finding.

    DOCTYPE policy: a declaration naming only an external DTD by a bare file name (old Finvoice:
    ``<!DOCTYPE Finvoice SYSTEM "Finvoice.dtd">``) is blanked out and reported as a warning; the
    parser would never load it anyway. Any other DOCTYPE (an internal subset, which is where
    entities are declared, or a URL) is refused.
    """
    if len(content) > max_bytes:
        return _refused(
            "XML_TOO_LARGE",
            f"document is {len(content)} bytes, more than the limit of {max_bytes}",
            source,
        )
    warnings: list[Finding] = []
    if _DOCTYPE.search(content, 0, _PROLOG_SCAN_BYTES):
        benign = _BENIGN_DOCTYPE.search(content, 0, _PROLOG_SCAN_BYTES)
        if benign is None or len(_DOCTYPE.findall(content, 0, _PROLOG_SCAN_BYTES)) != 1:
            return _refused("XML_DTD_FORBIDDEN", _DTD_REFUSED, source)
        warnings.append(Finding(
            code="XML_DTD_IGNORED",
            message="document names an external DTD; it was ignored, not loaded",
            source=source, value=benign.group(0).decode("ascii", "replace"),
            severity=Severity.WARNING,
        ))
        start, end = benign.span()
        content = content[:start] + b" " * (end - start) + content[end:]
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line = f"line {exc.lineno}" if exc.lineno else None
        return _refused("XML_MALFORMED", f"malformed XML: {exc.msg}", source, location=line)
    if root is None:
        return _refused("XML_MALFORMED", "document is empty", source)
    # A UTF-16 document hides "<!DOCTYPE" from the byte scan above; entities were not expanded,
    # so refusing after parsing is still safe.
    if root.getroottree().docinfo.doctype:
        return _refused("XML_DTD_FORBIDDEN", _DTD_REFUSED, source)
    return ParsedXml(root=root, findings=tuple(warnings))


def parse_xml_file(
    path: Path, max_bytes: int = DEFAULT_MAX_BYTES, source: str | None = None
) -> ParsedXml:
    """Read and parse a file, refusing one larger than ``max_bytes`` without reading it whole."""
    name = source or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _refused(
                "XML_TOO_LARGE", f"file is {size} bytes, more than the limit of {max_bytes}", name
            )
        content = path.read_bytes()
    except OSError as exc:
        return _refused("FILE_UNREADABLE", f"cannot read file: {exc.strerror}", name)
    return parse_xml_bytes(content, name, max_bytes)


def _refused(code: str, message: str, source: str, location: str | None = None) -> ParsedXml:
    return ParsedXml(
        root=None, findings=(Finding(code=code, message=message, source=source, location=location),)
    )


def local_name(element: etree._Element) -> str:
    """The element's tag without its namespace."""
    return etree.QName(element).localname
