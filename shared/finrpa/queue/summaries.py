"""What a person sees of an item in a list: title, supplier, amount and currency.

Every robot's payload is different, so each queue may name a **summary extractor** in its
settings (``QueueConfig.summary_extractor = "module:function"``). An extractor is any callable
``(payload, evidence) -> ItemSummary``; it must not do I/O. Queues without one, and extractors
that fail, fall back to :func:`generic_summary`, which knows the usual shapes (an invoice under
``invoice``, ``seller.name``, ``totals.payable``, ``amount``, ``currency``...).

The store writes the summary into the item's ``summary_*`` columns whenever the item enters
``needs_review`` or ``failed`` (or its payload changes there), so that the review queue can be
filtered, searched and sorted by supplier and amount with indexes instead of reading JSON.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from finrpa.errors import ConfigurationError
from finrpa.money import round_money, to_decimal

log = logging.getLogger(__name__)

#: Longest text kept in a summary column (the columns are String(300)).
MAX_TEXT = 300
#: Where the generic extractor looks for nested documents before the payload itself.
_CONTAINERS = ("invoice", "document", "record", "order", "transaction")
_TITLE_KEYS = ("invoice_number", "number", "document_number", "reference", "title", "name", "id")
_REFERENCE_KEYS = ("invoice_number", "number", "document_number", "reference")
_SUPPLIER_PATHS = (("seller", "name"), ("supplier", "name"), ("supplier",), ("supplier_name",),
                   ("vendor", "name"), ("vendor",), ("seller",), ("name",))
_AMOUNT_PATHS = (("totals", "payable"), ("totals", "gross"), ("amount",), ("total",),
                 ("gross_amount",), ("net_amount",))


class ItemSummary(BaseModel):
    """The few facts a list of items shows; every field may be unknown."""

    model_config = ConfigDict(frozen=True)

    title: str | None = None
    supplier: str | None = None
    reference: str | None = None
    amount: Decimal | None = None
    currency: str | None = None


class SummaryExtractor(Protocol):
    """Build an item's summary from its payload and evidence, without I/O."""

    def __call__(self, payload: Any, evidence: Any) -> ItemSummary: ...


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list | bool):
        return None
    text = " ".join(str(value).split())
    return text[:MAX_TEXT] or None


def _amount(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool | Mapping | list):
        return None
    try:
        return round_money(to_decimal(str(value) if isinstance(value, float) else value))
    except (TypeError, ValueError, ArithmeticError):
        return None


def generic_summary(payload: Any, evidence: Any = None) -> ItemSummary:
    """A best-effort summary of any payload; unknown fields stay None."""
    if not isinstance(payload, Mapping):
        return ItemSummary(title=_text(payload))
    sources = [payload[key] for key in _CONTAINERS if isinstance(payload.get(key), Mapping)]
    sources.append(payload)
    if isinstance(evidence, Mapping) and isinstance(evidence.get("header"), Mapping):
        sources.append(evidence["header"])

    def first(paths: tuple[tuple[str, ...], ...], convert: Any) -> Any:
        for source in sources:
            for path in paths:
                found = convert(_dig(source, path))
                if found is not None:
                    return found
        return None

    title = first(tuple((key,) for key in _TITLE_KEYS), _text)
    reference = first(tuple((key,) for key in _REFERENCE_KEYS), _text)
    currency = first((("currency",), ("currency_code",)), _text)
    return ItemSummary(
        title=title,
        supplier=first(_SUPPLIER_PATHS, _text),
        reference=reference,
        amount=first(_AMOUNT_PATHS, _amount),
        currency=currency.upper()[:3] if currency else None,
    )


@lru_cache(maxsize=64)
def load_extractor(reference: str) -> SummaryExtractor:
    """Import the extractor named ``module:function``."""
    module_name, _, name = reference.partition(":")
    try:
        extractor = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigurationError(f"summary extractor {reference!r} cannot be imported: {exc}"
                                 ) from exc
    if not callable(extractor):
        raise ConfigurationError(f"summary extractor {reference!r} is not callable")
    return extractor  # type: ignore[no-any-return]


def summarise(extractor: str | None, payload: Any, evidence: Any) -> ItemSummary:
    """The queue's extractor's summary, or the generic one when it has none or it fails."""
    if extractor:
        try:
            summary = load_extractor(extractor)(payload, evidence)
            if isinstance(summary, ItemSummary):
                return summary
            log.warning("summary extractor %s returned %r, not an ItemSummary", extractor,
                        type(summary).__name__)
        except Exception:
            log.exception("summary extractor %s failed; using the generic summary", extractor)
    return generic_summary(payload, evidence)


def search_key(text: str | None) -> str | None:
    """The form of a supplier name or reference that search and sorting compare."""
    if text is None:
        return None
    key = " ".join(text.casefold().split())[:MAX_TEXT]
    return key or None


def summary_columns(summary: ItemSummary) -> dict[str, Any]:
    """The ``summary_*`` column values of ``summary`` (amount in cents)."""
    amount = summary.amount
    return {
        "summary_title": _text(summary.title),
        "summary_supplier": _text(summary.supplier),
        "summary_supplier_key": search_key(summary.supplier),
        "summary_reference": search_key(summary.reference),
        "summary_amount_minor": int(round_money(amount) * 100) if amount is not None else None,
        "summary_currency": (summary.currency or "").upper()[:3] or None,
    }
