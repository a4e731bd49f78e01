"""Read an e-invoice of any supported format into the one :class:`Invoice` model.

The format and version are detected from the document itself (root element, namespace,
``Version`` attribute, ``FORMAT_VERSION``, ``CustomizationID``), never from the file name:

=================  ==========================================  =================================
format             recognised by                               version
=================  ==========================================  =================================
Finvoice           root ``Finvoice`` (optionally after a SOAP   ``Version`` attribute
                   envelope, as operators send it)
TEAPPSXML          root ``INVOICE_CENTER``                      ``BLOCK_RULES/FORMAT_VERSION``
UBL                root ``Invoice``/``CreditNote`` in a UBL     label from ``CustomizationID``
                   2 namespace, or Svefaktura's namespace
=================  ==========================================  =================================

Nothing raises: a file that cannot be read, parsed or understood comes back as findings naming
the file and, where there is one, the element path.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from finrpa.domain.findings import Finding
from finrpa.steps._invoice_reading import (
    Element,
    InvoiceReadResult,
    local_name,
)
from finrpa.steps.finvoice import read_finvoice
from finrpa.steps.invoice_model import (
    UNKNOWN_FORMAT,
    InvoiceFormat,
)
from finrpa.steps.masking import mask_personal_ids
from finrpa.steps.teappsxml import read_teappsxml, teappsxml_version
from finrpa.steps.ubl import is_ubl_root, read_ubl, ubl_version
from finrpa.steps.xmlsafe import DEFAULT_MAX_BYTES, parse_xml_bytes

__all__ = [
    "InvoiceReadResult",
    "detect_format",
    "read_invoice",
    "read_invoice_bytes",
]

READ_FAILED = "READ_FAILED"
FILE_UNREADABLE = "FILE_UNREADABLE"

Reader = Callable[[Element, str], InvoiceReadResult]
_READERS: dict[InvoiceFormat, Reader] = {
    InvoiceFormat.FINVOICE: read_finvoice,
    InvoiceFormat.TEAPPSXML: read_teappsxml,
    InvoiceFormat.UBL: read_ubl,
}

_HEAD_BYTES = 64 * 1024
_ROOT_TAG = re.compile(rb"<([\w.-]+:)?([\w.-]+)")
_ENVELOPE_END = re.compile(rb"</(?:[\w.-]+:)?Envelope\s*>")
_LINE = re.compile(r"line (\d+)")


def read_invoice(path: Path | str) -> InvoiceReadResult:
    """Read the invoice in the file at ``path``; findings name the file as ``str(path)``."""
    source = str(path)
    try:
        file = Path(path)
        size = file.stat().st_size
        if size > DEFAULT_MAX_BYTES:
            limit = f"file is {size} bytes, more than the limit of {DEFAULT_MAX_BYTES}"
            return _failed("XML_TOO_LARGE", limit, source)
        content = file.read_bytes()
    except OSError as exc:
        return _failed(FILE_UNREADABLE, f"cannot read file: {exc.strerror or exc}", source)
    return read_invoice_bytes(content, source)


def read_invoice_bytes(content: bytes, source: str) -> InvoiceReadResult:
    """Read the invoice in ``content``; ``source`` names the file in every finding."""
    payload, line_offset = _strip_soap_frame(content)
    parsed = parse_xml_bytes(payload, source)
    notes = list(_shift_lines(parsed.findings, line_offset))
    if parsed.root is None:
        return InvoiceReadResult(None, tuple(notes))
    root = _unwrap_envelope(parsed.root)
    detected = detect_format(root)
    if detected is None:
        return InvoiceReadResult(None, (*notes, _unknown_format(root, source)))
    try:
        result = _READERS[detected[0]](root, source)
    except Exception as exc:  # noqa: BLE001 - a reader bug must not stop the robot: to review
        return _failed(READ_FAILED, f"reading failed: {type(exc).__name__}: {exc}", source)
    return InvoiceReadResult(result.invoice, (*notes, *result.findings)) if notes else result


def detect_format(root: Element) -> tuple[InvoiceFormat, str] | None:
    """The format and version of a parsed document, or None when it is no supported invoice."""
    name = local_name(root)
    if name == "Finvoice":
        return InvoiceFormat.FINVOICE, (root.get("Version") or "unknown").strip()
    if name == "INVOICE_CENTER":
        return InvoiceFormat.TEAPPSXML, teappsxml_version(root)
    if is_ubl_root(root):
        return InvoiceFormat.UBL, ubl_version(root)
    return None


def _strip_soap_frame(content: bytes) -> tuple[bytes, int]:
    """The document after a leading SOAP envelope (Finvoice's transmission frame), and how many
    lines were cut off; ``content`` itself when there is no frame or nothing follows it."""
    if _root_tag(content) != b"Envelope":
        return content, 0
    end = _ENVELOPE_END.search(content)
    if end is None:
        return content, 0
    rest = content[end.end() :]
    payload = rest.lstrip()
    if not payload.startswith(b"<"):
        return content, 0  # the invoice, if any, is inside the envelope's Body
    skipped = content[: len(content) - len(payload)]
    return payload, skipped.count(b"\n")


def _root_tag(content: bytes) -> bytes | None:
    """The local name of the first element, found by skipping the prolog (declaration,
    processing instructions, comments, DOCTYPE) without parsing."""
    position = 3 if content.startswith(b"\xef\xbb\xbf") else 0
    while position < min(len(content), _HEAD_BYTES):
        start = content.find(b"<", position)
        if start < 0:
            return None
        if content.startswith(b"<?", start):
            position = content.find(b"?>", start) + 2
        elif content.startswith(b"<!--", start):
            position = content.find(b"-->", start) + 3
        elif content.startswith(b"<!", start):
            position = content.find(b">", start) + 1
        else:
            match = _ROOT_TAG.match(content, start)
            return match.group(2) if match else None
        if position <= start:  # an unterminated construct
            return None
    return None


def _unwrap_envelope(root: Element) -> Element:
    """The first element in a SOAP ``Body``, when the invoice travels inside the envelope."""
    if local_name(root) != "Envelope":
        return root
    for child in root:
        if isinstance(child.tag, str) and local_name(child) == "Body":
            inner = [element for element in child if isinstance(element.tag, str)]
            invoices = [element for element in inner if detect_format(element) is not None]
            if invoices:  # a copy is a document of its own: paths start at the invoice
                return copy.deepcopy(invoices[0])
    return root


def _unknown_format(root: Element, source: str) -> Finding:
    namespace = etree.QName(root).namespace
    where = f"{{{namespace}}}{local_name(root)}" if namespace else local_name(root)
    return Finding(
        code=UNKNOWN_FORMAT,
        message=mask_personal_ids(
            f"root element {where} is not a Finvoice, TEAPPSXML or UBL invoice"
        ),
        source=source,
        location=local_name(root),
    )


def _shift_lines(findings: tuple[Finding, ...], offset: int) -> tuple[Finding, ...]:
    """Parse errors with line numbers counted from the file's start, not the unwrapped
    payload's, and personal identity codes masked (a parser message can quote the text)."""

    def shift(text: str | None) -> str | None:
        if not text:
            return text
        return mask_personal_ids(_LINE.sub(lambda m: f"line {int(m[1]) + offset}", text))

    return tuple(
        finding.model_copy(
            update={"location": shift(finding.location), "message": shift(finding.message)}
        )
        for finding in findings
    )


def _failed(code: str, message: str, source: str) -> InvoiceReadResult:
    finding = Finding(code=code, message=mask_personal_ids(message), source=source)
    return InvoiceReadResult(None, (finding,))
