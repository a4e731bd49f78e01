"""Creditor references: the Finnish national reference (viitenumero) and RF (ISO 11649).

A national reference is 4 to 20 digits including a 7-3-1 check digit; its normalised form has
no spaces and no leading zeros (a bank pads ``2004486`` to ``00000000000002004486``: both are the
same reference). An RF reference is ``RF``, two mod-97 check digits and 1 to 21 letters or digits.
"""

from __future__ import annotations

import re

from finrpa.steps.checkdigits import (
    INVALID_PAYMENT_REFERENCE,
    SPACES,
    InvalidIdentifier,
    ReferenceScheme,
    compact,
    mod97,
    national_check_digit,
    passes,
)

# --- Finnish national reference (viitenumero) ------------------------------------------------


def validate_national_reference(value: str) -> str:
    """Return the national reference as digits without leading zeros.

    Rules: digits only (spaces allowed); at most 20 digits; at least 4 once leading zeros are
    dropped (a base of 3 digits plus the check digit); a correct 7-3-1 check digit.
    """
    text = SPACES.sub("", value)
    if not text.isdigit() or not text.isascii():
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE, "national reference may contain only digits", value
        )
    if len(text) > 20:
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE, f"too long: {len(text)} digits, at most 20", value
        )
    significant = text.lstrip("0")
    if len(significant) < 4:
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE,
            f"too short: {len(significant)} digits, at least 4 (leading zeros not counted)",
            value,
        )
    expected = national_check_digit(significant[:-1])
    if int(significant[-1]) != expected:
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE,
            f"check digit should be {expected}, not {significant[-1]}",
            value,
        )
    return significant


def create_national_reference(base: str) -> str:
    """Append the 7-3-1 check digit to ``base`` (3 to 19 digits, e.g. an invoice number)."""
    text = SPACES.sub("", base)
    if not text.isdigit() or not text.isascii():
        raise InvalidIdentifier(INVALID_PAYMENT_REFERENCE, "reference base must be digits", base)
    if len(text.lstrip("0")) < 3 or len(text) > 19:
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE,
            f"reference base must have 3 to 19 digits (leading zeros not counted), got {len(text)}",
            base,
        )
    return text + str(national_check_digit(text))


def format_national_reference(ref: str) -> str:
    """The reference in groups of five digits counted from the right: ``1 23456 71234 56784``."""
    digits = validate_national_reference(ref)
    head = len(digits) % 5
    groups = [digits[:head]] if head else []
    groups += [digits[i : i + 5] for i in range(head, len(digits), 5)]
    return " ".join(groups)


# --- RF creditor reference (ISO 11649) -------------------------------------------------------


def _rf_check_digits(body: str) -> str:
    return f"{98 - mod97(body + 'RF00'):02d}"


def validate_rf_reference(value: str) -> str:
    """Return the RF reference without spaces, upper case (``RF18539007547034``)."""
    text = compact(value)
    if not text.startswith("RF"):
        raise InvalidIdentifier(INVALID_PAYMENT_REFERENCE, "RF reference must start with RF", value)
    if not re.fullmatch(r"\d{2}", text[2:4]):
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE, "RF must be followed by two check digits", value
        )
    body = text[4:]
    if not 1 <= len(body) <= 21:
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE,
            f"RF reference must have 1 to 21 characters after the check digits, not {len(body)}",
            value,
        )
    if not re.fullmatch(r"[A-Z0-9]+", body):
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE, "RF reference may contain only letters and digits", value
        )
    expected = _rf_check_digits(body)
    if text[2:4] != expected:
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE, f"check digits should be {expected}, not {text[2:4]}", value
        )
    return text


def create_rf_reference(base: str) -> str:
    """``RF`` + check digits + ``base`` (1 to 21 letters or digits)."""
    body = compact(base)
    if not re.fullmatch(r"[A-Z0-9]{1,21}", body):
        raise InvalidIdentifier(
            INVALID_PAYMENT_REFERENCE,
            "RF reference base must be 1 to 21 letters or digits",
            base,
        )
    return "RF" + _rf_check_digits(body) + body


def national_to_rf(ref: str) -> str:
    """The RF form of a national reference: ``1234561`` → ``RF341234561``."""
    return create_rf_reference(validate_national_reference(ref))


def rf_to_national(ref: str) -> str | None:
    """The national reference inside an RF reference built from one, else None."""
    body = validate_rf_reference(ref)[4:]
    return body.lstrip("0") if is_valid_national_reference(body) else None


def format_rf_reference(ref: str) -> str:
    """The RF reference in groups of four: ``RF18 5390 0754 7034``."""
    text = validate_rf_reference(ref)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def validate_payment_reference(value: str) -> tuple[str, ReferenceScheme]:
    """Validate a creditor reference, telling RF (starts with RF) from a national one."""
    if compact(value).startswith("RF"):
        return validate_rf_reference(value), ReferenceScheme.RF
    return validate_national_reference(value), ReferenceScheme.FI_NATIONAL


def is_valid_national_reference(value: str) -> bool:
    """True when :func:`validate_national_reference` accepts ``value``."""
    return passes(validate_national_reference, value)


def is_valid_rf_reference(value: str) -> bool:
    """True when :func:`validate_rf_reference` accepts ``value``."""
    return passes(validate_rf_reference, value)


def is_valid_payment_reference(value: str) -> bool:
    """True when :func:`validate_payment_reference` accepts ``value``."""
    return passes(validate_payment_reference, value)
