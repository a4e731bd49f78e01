"""Value helpers shared by the per-invoice and the batch path: fixed-point scaling and keys.

Both paths must compare the same things in the same way, so every normalisation (business IDs,
invoice numbers, descriptions) and every fixed-point scale lives here once.

Scales: quantities in millionths (``QTY_DIGITS``), prices, amounts and VAT rates in ten
thousandths (``MONEY_DIGITS``). A value with more decimals than its scale cannot be represented
exactly; the batch path then falls back to the exact ``Decimal`` rules for that invoice.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

QTY_DIGITS = 6
MONEY_DIGITS = 4
QTY_SCALE = 10**QTY_DIGITS
MONEY_SCALE = 10**MONEY_DIGITS
#: Stands for "not given" in int64 columns.
MISSING = -(2**63)
_LIMIT = 2**62
_POWERS = [10**n for n in range(19)]

_SEPARATORS = re.compile(r"[\s-]+")
_VAT_ID = re.compile(r"FI(\d{8})")
_OVT = re.compile(r"0037(\d{8})\w*")


def to_scaled(value: Decimal | None, digits: int) -> int | None:
    """``value`` × 10**digits as an int; None when it has more decimals or is too large."""
    if value is None or not value.is_finite():
        return None
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        return None
    number = int(scaled)
    return number if -_LIMIT < number < _LIMIT else None


def scaled_or_missing(value: Decimal | None, digits: int) -> tuple[int, bool]:
    """(scaled value or MISSING, exact): ``exact`` is False for a value that does not fit."""
    if value is None:
        return MISSING, True
    number = to_scaled(value, digits)
    return (MISSING, False) if number is None else (number, True)


@lru_cache(maxsize=1 << 16)
def from_scaled(number: int, digits: int, places: int = 0) -> Decimal:
    """The Decimal of a scaled int, with trailing zeros dropped down to ``places`` decimals."""
    number = int(number)
    if places == 0 and number % _POWERS[digits] == 0:
        return Decimal(number // _POWERS[digits])
    while digits > places and number % 10 == 0:
        number //= 10
        digits -= 1
    return Decimal(number).scaleb(-digits) if digits else Decimal(number)


@lru_cache(maxsize=1 << 14)
def business_key(value: str | None) -> str | None:
    """A business ID in one comparable form: ``1234567-8``, ``12345678``, ``FI12345678`` and an
    OVT code ``003712345678…`` all become ``12345678``; other IDs are upper-cased, unspaced."""
    if value is None:
        return None
    text = _SEPARATORS.sub("", value).upper()
    for pattern in (_VAT_ID, _OVT):
        match = pattern.fullmatch(text)
        if match:
            return match[1]
    return text or None


def seller_key(business_id: str | None, name: str) -> str:
    """Who sent an invoice, for duplicate detection: the business key, else the name."""
    return business_key(business_id) or "name:" + " ".join(name.split()).casefold()


def number_key(invoice_number: str) -> str:
    """An invoice number as compared for exact duplicates: trimmed, upper case."""
    return invoice_number.strip().upper()


def number_keys(invoice_numbers: list[str]) -> list[str]:
    """:func:`number_key` of each number (the str methods mapped in C, without a call per
    number)."""
    return list(map(str.upper, map(str.strip, invoice_numbers)))


def normalised_number(invoice_number: str) -> str:
    """An invoice number without non-alphanumerics and leading zeros (``INV-0012`` → ``INV0012``,
    ``00123`` → ``123``)."""
    return "".join(ch for ch in number_key(invoice_number) if ch.isalnum()).lstrip("0")


def nearly_equal_numbers(left: str, right: str) -> bool:
    """True when two invoice numbers are equal after normalisation or one edit apart."""
    if normalised_number(left) == normalised_number(right):
        return True
    return within_one_edit(number_key(left), number_key(right))


def within_one_edit(left: str, right: str) -> bool:
    """Levenshtein distance ≤ 1 (one insertion, deletion or substitution)."""
    if abs(len(left) - len(right)) > 1:
        return False
    if len(left) > len(right):
        left, right = right, left
    start = 0
    while start < len(left) and left[start] == right[start]:
        start += 1
    if len(left) == len(right):
        return left[start + 1 :] == right[start + 1 :]
    return left[start:] == right[start + 1 :]


@lru_cache(maxsize=1 << 16)  # item codes and descriptions repeat across orders and invoices
def text_key(value: str | None) -> str | None:
    """Free text compared case- and space-insensitively (descriptions, article IDs)."""
    if value is None:
        return None
    key = " ".join(value.split()).casefold()
    return key or None


@lru_cache(maxsize=1 << 12)  # references repeat: line numbers
def line_reference_number(reference: str | None) -> int | None:
    """An order line reference as a line number; -1 when given but not a number, None if absent."""
    if reference is None or not reference.strip():
        return None
    text = reference.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 16 else -1
