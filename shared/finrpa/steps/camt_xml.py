"""XML access for the camt reader: namespaced paths, typed values, findings with locations.

:class:`CamtXml` wraps one parsed camt document. Paths are written without namespace
(``"NtryDtls/TxDtls"``) and resolved in the document's own namespace; values that cannot be read
become findings naming the element.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from lxml import etree

from finrpa.domain.findings import Finding, Severity
from finrpa.steps.camt_checks import element_path
from finrpa.steps.masking import mask_personal_ids

AMOUNT = re.compile(r"^\d{1,18}(\.\d{1,5})?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


def own_text(element: etree._Element) -> str | None:
    """The element's own text, stripped; None when empty."""
    return (element.text or "").strip() or None


@lru_cache(maxsize=512)
def _clark(namespace: str, path: str) -> str:
    return "/".join(f"{{{namespace}}}{part}" for part in path.split("/"))


class CamtXml:
    """Helpers over one camt document; ``findings`` collects what could not be read."""

    def __init__(self, source: str, namespace: str) -> None:
        self.source, self.ns = source, namespace
        self.findings: list[Finding] = []

    # -- small helpers ------------------------------------------------------------------------

    def find(self, element: etree._Element, path: str) -> etree._Element | None:
        return element.find(_clark(self.ns, path))

    def findall(self, element: etree._Element, path: str) -> list[etree._Element]:
        return element.findall(_clark(self.ns, path))

    def text(self, element: etree._Element | None, path: str) -> str | None:
        found = None if element is None else self.find(element, path)
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    def first_text(self, element: etree._Element | None, *paths: str) -> str | None:
        for path in paths:
            value = self.text(element, path)
            if value is not None:
                return value
        return None

    def note(
        self,
        code: str,
        message: str,
        element: etree._Element | None,
        value: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.findings.append(
            Finding(
                code=code,
                message=mask_personal_ids(message),
                source=self.source,
                location=element_path(element) if element is not None else None,
                value=mask_personal_ids(value) if value else value,
                severity=severity,
            )
        )

    def amount(self, element: etree._Element | None) -> tuple[Decimal, str] | None:
        """An ``Amt``-like element's value and ``Ccy``; a finding when it is malformed."""
        if element is None:
            return None
        raw = (element.text or "").strip()
        currency = (element.get("Ccy") or "").strip()
        if not AMOUNT.match(raw):
            self.note(
                "CAMT_BAD_VALUE", f"amount {raw!r} is not a non-negative number", element, raw
            )
            return None
        if not CURRENCY.match(currency):
            self.note("CAMT_BAD_VALUE", f"currency {currency!r} is not 3 letters", element, raw)
            return None
        return Decimal(raw), currency

    def date_of(self, element: etree._Element | None) -> date | None:
        """A ``Dt`` or ``DtTm`` child of a date choice element (BookgDt, ValDt, Bal/Dt)."""
        if element is None:
            return None
        for path, parse in (("Dt", date.fromisoformat), ("DtTm", datetime.fromisoformat)):
            raw = self.text(element, path)
            if raw is None:
                continue
            try:
                value = parse(raw)
            except ValueError:
                self.note("CAMT_BAD_VALUE", f"{raw!r} is not an ISO date", element, raw)
                return None
            return value.date() if isinstance(value, datetime) else value
        return None

    def datetime_of(self, element: etree._Element, path: str) -> datetime | None:
        raw = self.text(element, path)
        if raw is None:
            return None
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            self.note(
                "CAMT_BAD_VALUE", f"{raw!r} is not an ISO date-time", self.find(element, path)
            )
            return None
