"""Helpers the invoice readers share: a one-pass child index and a field reader that turns
bad values into findings (naming file and element path) instead of exceptions.

Element lookups go through :func:`index_children`, which walks an element's children once and
keys them by local name, so the same code reads namespaced UBL, Svefaktura's mixed namespaces
and namespace-free Finvoice, without compiling a path expression per lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeAlias, TypeVar

from lxml import etree
from pydantic import ValidationError

from finrpa.domain.findings import Finding, Severity
from finrpa.money import to_decimal
from finrpa.steps.invoice_model import (
    INVALID_AMOUNT,
    INVALID_DATE,
    INVALID_QUANTITY,
    INVALID_VALUE,
    MISSING_ELEMENT,
    Invoice,
    ReferenceScheme,
)
from finrpa.steps.masking import mask_personal_ids

Element: TypeAlias = etree._Element
T = TypeVar("T")
Index: TypeAlias = dict[str, list[Element]]

_EMPTY: list[Element] = []
# Qualified tag -> local name; tags repeat across documents, so this saves the slicing.
_LOCAL_NAMES: dict[object, str] = {}
_LOCAL_NAME_CACHE_SIZE = 4096
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DIGITS = re.compile(r"[0-9]+")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


@dataclass(frozen=True)
class InvoiceReadResult:
    """The invoice read from one document (``None`` when required data is missing or unreadable)
    and every finding made on the way. An invoice can come with error findings (say, an impossible
    due date): check ``ok`` or :func:`finrpa.domain.findings.has_errors` before posting it."""

    invoice: Invoice | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when an invoice was read and no finding is an error."""
        return self.invoice is not None and all(
            finding.severity is not Severity.ERROR for finding in self.findings
        )


def index_children(element: Element | None) -> Index:
    """Children of ``element`` keyed by local name, in document order."""
    index: Index = {}
    if element is None:
        return index
    for child in element:
        tag = child.tag
        name = _LOCAL_NAMES.get(tag)
        if name is None:
            if not isinstance(tag, str):  # comment or processing instruction
                continue
            name = tag[tag.index("}") + 1 :] if tag[0] == "{" else tag
            if len(_LOCAL_NAMES) < _LOCAL_NAME_CACHE_SIZE:
                _LOCAL_NAMES[tag] = name
        found = index.get(name)
        if found is None:
            index[name] = [child]
        else:
            found.append(child)
    return index


def first(index: Index, name: str) -> Element | None:
    """The first child called ``name``, or None."""
    found = index.get(name)
    return found[0] if found else None


def first_of(index: Index, *names: str) -> Element | None:
    """The first child called by any of ``names``, tried in order (never test elements with
    ``or``: an lxml element without children is falsy)."""
    for name in names:
        found = index.get(name)
        if found:
            return found[0]
    return None


def every(index: Index, name: str) -> list[Element]:
    """All children called ``name`` (an empty list when there are none)."""
    return index.get(name, _EMPTY)


def text_of(element: Element | None) -> str | None:
    """The element's stripped text, or None when absent or blank."""
    if element is None:
        return None
    text = element.text
    if text is None:
        return None
    text = text.strip()
    return text or None


def text(index: Index, name: str) -> str | None:
    """Stripped text of the first child called ``name``."""
    return text_of(first(index, name))


def joined_text(index: Index, name: str, separator: str = " ") -> str | None:
    """Texts of all children called ``name``, joined (Finvoice repeats name lines)."""
    parts = [part for part in (text_of(child) for child in every(index, name)) if part]
    return separator.join(parts) if parts else None


def local_name(element: Element) -> str:
    """The element's tag without its namespace."""
    tag = element.tag
    return tag[tag.index("}") + 1 :] if isinstance(tag, str) and tag[0] == "{" else str(tag)


def infer_reference_scheme(reference: str | None, finnish_context: bool) -> ReferenceScheme:
    """Guess the scheme of a reference the document does not label.

    ``RF…`` is a creditor reference. Digits alone are a Finnish national reference only when the
    payment is Finnish (``finnish_context``): a Norwegian KID is digits too.
    """
    if not reference:
        return ReferenceScheme.NONE
    compact = reference.replace(" ", "")
    if compact[:2].upper() == "RF":
        return ReferenceScheme.RF
    if finnish_context and _DIGITS.fullmatch(compact):
        return ReferenceScheme.FI_NATIONAL
    return ReferenceScheme.OTHER


def element_path(element: Element) -> str:
    """Where ``element`` sits below the document root, e.g.
    ``InvoiceDetails/PaymentTermsDetails/InvoiceDueDate`` or ``cac:InvoiceLine[2]/cbc:ID``
    (a position is added when the parent has several children of that name)."""
    steps: list[str] = []
    node: Element | None = element
    while node is not None:
        parent = node.getparent()
        if parent is None:
            break
        name = local_name(node)
        step = f"{node.prefix}:{name}" if node.prefix else name
        siblings = [child for child in parent if child.tag == node.tag]
        if len(siblings) > 1:
            step += f"[{siblings.index(node) + 1}]"
        steps.append(step)
        node = parent
    return "/".join(reversed(steps))


class FieldReader:
    """Reads typed values for one document and collects findings about the bad ones."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.findings: list[Finding] = []

    def add(
        self,
        code: str,
        message: str,
        location: str | None,
        value: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """Record a finding; message and value are masked for personal identity codes."""
        self.findings.append(
            Finding(
                code=code,
                message=mask_personal_ids(message),
                source=self.source,
                location=location,
                value=mask_personal_ids(value) if value is not None else None,
                severity=severity,
            )
        )

    def missing(self, location: str, what: str) -> None:
        """Record that a required element is absent or empty."""
        self.add(MISSING_ELEMENT, f"required {what} is missing or empty", location)

    def number(
        self, element: Element | None, code: str = INVALID_AMOUNT, what: str = "an amount"
    ) -> Decimal | None:
        """The element's text as a decimal (point or Finnish comma); None, with a finding naming
        the element, when it is not a number."""
        raw = text_of(element)
        if raw is None or element is None:
            return None
        if _PLAIN_NUMBER.fullmatch(raw):  # the usual case, without to_decimal's general rules
            return Decimal(raw.replace(",", "."))
        try:
            value: Decimal | None = to_decimal(raw)
        except (ValueError, TypeError, InvalidOperation):
            value = None
        if value is None or not value.is_finite():
            self.add(code, f"{raw!r} is not {what}", element_path(element), raw)
            return None
        return value

    def amount(self, element: Element | None) -> Decimal | None:
        """The element's text as an amount."""
        return self.number(element, INVALID_AMOUNT, "an amount")

    def quantity(self, element: Element | None) -> Decimal | None:
        """The element's text as a quantity."""
        return self.number(element, INVALID_QUANTITY, "a quantity")

    def percent(self, element: Element | None) -> Decimal | None:
        """The element's text as a percentage (VAT rate)."""
        return self.number(element, INVALID_VALUE, "a percentage")

    def ccyymmdd(self, element: Element | None) -> date | None:
        """A Finvoice ``Format="CCYYMMDD"`` date."""
        raw = text_of(element)
        if raw is None or element is None:
            return None
        if len(raw) == 8 and raw.isdigit() and raw.isascii():
            try:
                return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
            except ValueError:
                pass
        message = f"{raw!r} is not a valid date (CCYYMMDD)"
        self.add(INVALID_DATE, message, element_path(element), raw)
        return None

    def iso_date(self, element: Element | None) -> date | None:
        """A UBL ``YYYY-MM-DD`` date (a time part, as in Svefaktura, is ignored)."""
        raw = text_of(element)
        if raw is None or element is None:
            return None
        match = _ISO_DATE.match(raw)
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                pass
        message = f"{raw!r} is not a valid date (YYYY-MM-DD)"
        self.add(INVALID_DATE, message, element_path(element), raw)
        return None

    def build(self, make: Callable[[], T]) -> T | None:
        """Run a model constructor; a validation error becomes findings instead of escaping."""
        try:
            return make()
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"])
                self.add(INVALID_VALUE, f"{where}: {error['msg']}", None)
            return None
