"""Check-digit algorithms and the error raised for an invalid identifier.

The building blocks of :mod:`finrpa.steps.identifiers` and :mod:`finrpa.steps.references`:
ISO 7064 mod 97-10 (IBAN, RF), Luhn (Finnish account numbers) and the 7-3-1 weights of the
Finnish national reference. Import the public functions from :mod:`finrpa.steps.identifiers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from finrpa.domain.findings import Finding
from finrpa.errors import FinrpaError
from finrpa.steps.masking import mask_personal_ids

INVALID_BANK_ACCOUNT = "INVALID_BANK_ACCOUNT"
INVALID_BIC = "INVALID_BIC"
INVALID_BUSINESS_ID = "INVALID_BUSINESS_ID"
INVALID_VAT_ID = "INVALID_VAT_ID"
INVALID_PAYMENT_REFERENCE = "INVALID_PAYMENT_REFERENCE"


class InvalidIdentifier(FinrpaError, ValueError):
    """An identifier broke a rule; ``code`` is the finding code, ``message`` says which rule."""

    def __init__(self, code: str, message: str, value: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.value = value

    def to_finding(self, source: str | None = None, location: str | None = None) -> Finding:
        """This error as a :class:`Finding` about ``source`` at ``location``.

        Message and value pass through the personal-ID mask: a typo can turn any field into
        something that looks like a personal identity code.
        """
        value = mask_personal_ids(self.value) if self.value else self.value
        return Finding(
            code=self.code,
            message=mask_personal_ids(self.message),
            source=source,
            location=location,
            value=value,
        )


class ReferenceScheme(StrEnum):
    """Which creditor reference scheme a payment reference follows (invoices and bank lines)."""

    FI_NATIONAL = "fi_national"  # viitenumero, 7-3-1 check digit
    RF = "rf"  # ISO 11649 creditor reference
    OTHER = "other"  # free text, a Norwegian KID, a Belgian structured reference...
    NONE = "none"  # the document gives no reference


SPACES = re.compile(r"\s+")


def compact(value: str, strip: str = "") -> str:
    """``value`` without whitespace (and without the characters in ``strip``), upper case."""
    text = SPACES.sub("", value)
    for char in strip:
        text = text.replace(char, "")
    return text.upper()


def mod97(text: str) -> int:
    """ISO 7064 mod 97-10 of alphanumeric text, letters counting A=10 … Z=35."""
    return int("".join(str(int(char, 36)) for char in text)) % 97


def luhn_check_digit(digits: str) -> int:
    """The Luhn (mod 10, weights 2-1 from the right) check digit of ``digits``."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10


_REF_WEIGHTS = (7, 3, 1)


def national_check_digit(base: str) -> int:
    """The 7-3-1 check digit of a reference base (weights repeat from the rightmost digit)."""
    total = sum(int(d) * _REF_WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return (10 - total % 10) % 10


def passes(validator: Callable[[str], object], value: str) -> bool:
    """True when ``validator`` accepts ``value`` without raising :class:`InvalidIdentifier`."""
    try:
        validator(value)
    except InvalidIdentifier:
        return False
    return True
