"""Validate, normalise and create Finnish payment and company identifiers.

Each ``validate_*`` returns the normalised value or raises :class:`InvalidIdentifier`, whose
``code`` is a stable finding code and whose ``message`` names the rule that failed ("check digit
should be 7, not 3"). Each ``is_valid_*`` is the boolean twin. Check digits are computed here so
the messages can say what was expected; python-stdnum's and schwifty's data (country formats)
are used where they add something.

Normalised forms: IBAN and RF without spaces, upper case; business ID ``1234567-8``; VAT ID
``FI12345678``; a national reference as digits with leading zeros removed (a bank pads
``2004486`` to ``00000000000002004486``: both are the same reference).

This module is the public face: the payment references live in :mod:`finrpa.steps.references`
and the algorithms in :mod:`finrpa.steps.checkdigits`; both are re-exported here.
"""

from __future__ import annotations

import re

from schwifty import registry as _schwifty_registry
from stdnum import bic as _stdnum_bic

from finrpa.steps.checkdigits import (
    INVALID_BANK_ACCOUNT,
    INVALID_BIC,
    INVALID_BUSINESS_ID,
    INVALID_PAYMENT_REFERENCE,
    INVALID_VAT_ID,
    SPACES,
    InvalidIdentifier,
    ReferenceScheme,
    compact,
    luhn_check_digit,
    mod97,
    national_check_digit,
    passes,
)
from finrpa.steps.fi_banks import bank_for_code
from finrpa.steps.references import (
    create_national_reference,
    create_rf_reference,
    format_national_reference,
    format_rf_reference,
    is_valid_national_reference,
    is_valid_payment_reference,
    is_valid_rf_reference,
    national_to_rf,
    rf_to_national,
    validate_national_reference,
    validate_payment_reference,
    validate_rf_reference,
)

__all__ = [
    "INVALID_BANK_ACCOUNT",
    "INVALID_BIC",
    "INVALID_BUSINESS_ID",
    "INVALID_PAYMENT_REFERENCE",
    "INVALID_VAT_ID",
    "InvalidIdentifier",
    "ReferenceScheme",
    "bic_for_finnish_iban",
    "business_id_to_vat_id",
    "check_iban_bic",
    "create_national_reference",
    "create_rf_reference",
    "finnish_bban_to_iban",
    "format_iban",
    "format_national_reference",
    "format_rf_reference",
    "is_consistent_iban_bic",
    "is_valid_bic",
    "is_valid_business_id",
    "is_valid_iban",
    "is_valid_national_reference",
    "is_valid_payment_reference",
    "is_valid_rf_reference",
    "is_valid_vat_id",
    "national_check_digit",
    "national_to_rf",
    "rf_to_national",
    "validate_bic",
    "validate_business_id",
    "validate_iban",
    "validate_national_reference",
    "validate_payment_reference",
    "validate_rf_reference",
    "validate_vat_id",
]


# --- IBAN ------------------------------------------------------------------------------------

_FI_BBAN_SHORT = re.compile(r"^(\d{6})-(\d{2,8})$")


def finnish_bban_to_iban(bban: str) -> str:
    """Convert a Finnish domestic account number (``123456-785`` or 14 digits) to an IBAN."""
    text = SPACES.sub("", bban)
    short = _FI_BBAN_SHORT.match(text)
    if short:
        head, tail = short.groups()
        if head[0] in "45":  # savings banks, OP, Aktia: the 7th digit stays in front of the zeros
            head, tail = head + tail[0], tail[1:]
        text = head + tail.rjust(14 - len(head), "0")
    if not re.fullmatch(r"\d{14}", text):
        raise InvalidIdentifier(
            INVALID_BANK_ACCOUNT,
            f"not a Finnish account number: expected 14 digits or 123456-785, got {bban!r}",
            bban,
        )
    expected = luhn_check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise InvalidIdentifier(
            INVALID_BANK_ACCOUNT,
            f"Finnish account number check digit should be {expected}, not {text[-1]}",
            bban,
        )
    check = 98 - mod97(text + "FI00")
    return f"FI{check:02d}{text}"


def validate_iban(value: str) -> str:
    """Return the IBAN without spaces, upper case; raise :class:`InvalidIdentifier` otherwise."""
    iban = compact(value, "-")
    if not iban:
        raise InvalidIdentifier(INVALID_BANK_ACCOUNT, "IBAN is empty", value)
    if iban.isdigit() or _FI_BBAN_SHORT.match(SPACES.sub("", value)):
        raise InvalidIdentifier(INVALID_BANK_ACCOUNT, _bban_hint(value), value)
    country = iban[:2]
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidIdentifier(
            INVALID_BANK_ACCOUNT,
            f"IBAN must start with a two-letter country code, not {country!r}",
            value,
        )
    try:
        spec = _schwifty_registry.get_iban_spec(country)
    except Exception as exc:  # schwifty raises its own InvalidCountryCode
        raise InvalidIdentifier(
            INVALID_BANK_ACCOUNT, f"IBAN country code {country} is not a known IBAN country", value
        ) from exc
    if not iban.isalnum() or not iban.isascii():
        raise InvalidIdentifier(
            INVALID_BANK_ACCOUNT, "IBAN may contain only letters and digits", value
        )
    if len(iban) != spec.iban_length:
        adjective = "short" if len(iban) < spec.iban_length else "long"
        raise InvalidIdentifier(
            INVALID_BANK_ACCOUNT,
            f"IBAN too {adjective}: {country} IBANs have {spec.iban_length} characters, "
            f"this has {len(iban)}",
            value,
        )
    expected = 98 - mod97(iban[4:] + country + "00")
    if iban[2:4] != f"{expected:02d}":
        raise InvalidIdentifier(
            INVALID_BANK_ACCOUNT,
            f"IBAN check digits should be {expected:02d}, not {iban[2:4]} (mod 97): "
            "a character is probably mistyped",
            value,
        )
    if not spec.regex.match(iban[4:]):
        raise InvalidIdentifier(
            INVALID_BANK_ACCOUNT,
            f"account part {iban[4:]} does not follow the {country} format {spec.bban_spec}",
            value,
        )
    if country == "FI":
        luhn = luhn_check_digit(iban[4:-1])
        if int(iban[-1]) != luhn:
            raise InvalidIdentifier(
                INVALID_BANK_ACCOUNT,
                f"Finnish account number check digit (last digit) should be {luhn}, not {iban[-1]}",
                value,
            )
    return iban


def _bban_hint(value: str) -> str:
    try:
        iban = finnish_bban_to_iban(value)
    except InvalidIdentifier as exc:
        return f"not an IBAN: it has no country code; as a Finnish account number: {exc.message}"
    return (
        f"not an IBAN but a Finnish domestic account number (BBAN); its IBAN is {format_iban(iban)}"
    )


def format_iban(iban: str) -> str:
    """The IBAN in groups of four, as printed on invoices."""
    compact = validate_iban(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


# --- BIC -------------------------------------------------------------------------------------

_BIC_COUNTRIES: frozenset[str] = frozenset(getattr(_stdnum_bic, "_country_codes", ()))


def validate_bic(value: str) -> str:
    """Return the BIC (8 or 11 characters, upper case) or raise :class:`InvalidIdentifier`."""
    bic = compact(value)
    if len(bic) not in (8, 11):
        raise InvalidIdentifier(
            INVALID_BIC, f"BIC must have 8 or 11 characters, not {len(bic)}", value
        )
    if not re.fullmatch(r"[A-Z]{4}", bic[:4]):
        raise InvalidIdentifier(
            INVALID_BIC, f"BIC bank code {bic[:4]!r} must be four letters", value
        )
    country = bic[4:6]
    if not re.fullmatch(r"[A-Z]{2}", country) or (_BIC_COUNTRIES and country not in _BIC_COUNTRIES):
        raise InvalidIdentifier(
            INVALID_BIC, f"BIC country code {country!r} is not a country", value
        )
    if not re.fullmatch(r"[A-Z0-9]{2}([A-Z0-9]{3})?", bic[6:]):
        raise InvalidIdentifier(
            INVALID_BIC, "BIC location and branch codes may contain only letters and digits", value
        )
    return bic


def bic_for_finnish_iban(iban: str) -> str | None:
    """The BIC of a Finnish IBAN's bank (from its 3-digit bank code), or None if not Finnish or
    the code is unknown. Raises :class:`InvalidIdentifier` for an invalid IBAN."""
    compact = validate_iban(iban)
    if not compact.startswith("FI"):
        return None
    bank = bank_for_code(compact[4:7])
    return bank.bic if bank else None


def check_iban_bic(iban: str, bic: str) -> None:
    """Raise :class:`InvalidIdentifier` (INVALID_BIC) when a Finnish IBAN's bank has another BIC.

    Nothing is raised when the IBAN is not Finnish or its bank code is not in the table.
    """
    given = validate_bic(bic)
    expected = bic_for_finnish_iban(iban)
    if expected is not None and given[:8] != expected:
        bank = bank_for_code(validate_iban(iban)[4:7])
        name = f" ({bank.name})" if bank else ""
        raise InvalidIdentifier(
            INVALID_BIC,
            f"BIC {given} does not belong to the account's bank: bank code "
            f"{validate_iban(iban)[4:7]} is {expected}{name}",
            bic,
        )


def is_consistent_iban_bic(iban: str, bic: str) -> bool:
    """False when either is invalid or they belong to different banks; True when unknown."""
    try:
        check_iban_bic(iban, bic)
    except InvalidIdentifier:
        return False
    return True


# --- Business ID and VAT ID ------------------------------------------------------------------

_YTUNNUS_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def _business_id_check(body: str, code: str, value: str) -> None:
    remainder = sum(int(d) * w for d, w in zip(body[:7], _YTUNNUS_WEIGHTS, strict=True)) % 11
    if remainder == 1:
        raise InvalidIdentifier(
            code, f"{body[:7]} cannot be a business ID: its remainder is 1, never issued", value
        )
    expected = 0 if remainder == 0 else 11 - remainder
    if int(body[7]) != expected:
        raise InvalidIdentifier(code, f"check digit should be {expected}, not {body[7]}", value)


def validate_business_id(value: str) -> str:
    """Return the business ID (Y-tunnus) as ``1234567-8``; an old six-digit one gets its zero."""
    text = compact(value)
    match = re.fullmatch(r"(\d{6,7})-?(\d)", text)
    if not match:
        raise InvalidIdentifier(
            INVALID_BUSINESS_ID,
            f"business ID must be 7 digits, a dash and a check digit (1234567-8), got {value!r}",
            value,
        )
    body = match.group(1).rjust(7, "0") + match.group(2)
    _business_id_check(body, INVALID_BUSINESS_ID, value)
    return f"{body[:7]}-{body[7]}"


def validate_vat_id(value: str) -> str:
    """Return the Finnish VAT ID as ``FI12345678`` (FI + the business ID's 8 digits)."""
    text = compact(value, "-.")
    if not text.startswith("FI"):
        raise InvalidIdentifier(
            INVALID_VAT_ID, f"Finnish VAT ID must start with FI, got {text[:2]!r}", value
        )
    if not re.fullmatch(r"\d{8}", text[2:]):
        raise InvalidIdentifier(
            INVALID_VAT_ID, f"Finnish VAT ID must be FI and 8 digits, got {value!r}", value
        )
    _business_id_check(text[2:], INVALID_VAT_ID, value)
    return text


def business_id_to_vat_id(business_id: str) -> str:
    """``1234567-8`` → ``FI12345678``."""
    return "FI" + validate_business_id(business_id).replace("-", "")


# --- Boolean twins ---------------------------------------------------------------------------


def is_valid_iban(value: str) -> bool:
    """True when :func:`validate_iban` accepts ``value``."""
    return passes(validate_iban, value)


def is_valid_bic(value: str) -> bool:
    """True when :func:`validate_bic` accepts ``value``."""
    return passes(validate_bic, value)


def is_valid_business_id(value: str) -> bool:
    """True when :func:`validate_business_id` accepts ``value``."""
    return passes(validate_business_id, value)


def is_valid_vat_id(value: str) -> bool:
    """True when :func:`validate_vat_id` accepts ``value``."""
    return passes(validate_vat_id, value)
