"""Finnish bank codes: the three digits after ``FIkk`` in a Finnish IBAN, and the bank's BIC.

Written from Finance Finland's list "Finnish monetary institution codes and BICs" of 16.6.2020
as ranges of national IDs. A test compares this table with the published CSV, so an update of
the list shows up as a failing test rather than as a silent mismatch. Institutions without a
national ID (Evli, Nordic Investment Bank, Suomen Pankki …) have no entry: no Finnish IBAN
carries their BIC.
"""

from __future__ import annotations

from typing import NamedTuple

#: Date of the list the table was written from.
TABLE_DATE = "2020-06-16"


class BankCodeRange(NamedTuple):
    """National IDs ``first``..``last`` (inclusive) belong to the bank with ``bic``."""

    first: int
    last: int
    bic: str
    name: str


_SAVINGS = ("ITELFIHH", "SAVINGS BANK FINLAND")

FINNISH_BANK_CODES: tuple[BankCodeRange, ...] = (
    BankCodeRange(100, 299, "NDEAFIHH", "NORDEA BANK FINLAND PLC"),
    BankCodeRange(310, 319, "HANDFIHH", "SVENSKA HANDELSBANKEN"),
    BankCodeRange(330, 339, "ESSEFIHX", "SKANDINAVISKA ENSKILDA BANKEN"),
    BankCodeRange(340, 349, "DABAFIHH", "DANSKE BANK A/S, FINLAND BRANCH"),
    BankCodeRange(360, 369, "SBANFIHH", "S-BANK LTD"),
    BankCodeRange(370, 379, "DNBAFIHX", "DNB NOR BANK ASA, FILIAL FINLAND"),
    BankCodeRange(380, 389, "SWEDFIHH", "SWEDBANK (FORENINGSSPARBANKEN AB) FILIAL SWEDBANK"),
    BankCodeRange(390, 399, "SBANFIHH", "S-BANK LTD"),
    BankCodeRange(400, 400, *_SAVINGS),
    BankCodeRange(402, 403, *_SAVINGS),
    BankCodeRange(405, 405, "HELSFIHH", "AKTIA BANK P.L.C."),
    BankCodeRange(406, 408, *_SAVINGS),
    BankCodeRange(410, 412, *_SAVINGS),
    BankCodeRange(414, 421, *_SAVINGS),
    BankCodeRange(423, 432, *_SAVINGS),
    BankCodeRange(435, 452, *_SAVINGS),
    BankCodeRange(454, 464, *_SAVINGS),
    BankCodeRange(470, 478, "POPFFI22", "POP BANK"),
    BankCodeRange(479, 479, "POPFFI22", "BONUM BANK LTD"),
    BankCodeRange(483, 493, *_SAVINGS),
    BankCodeRange(495, 496, *_SAVINGS),
    BankCodeRange(497, 497, "HELSFIHH", "AKTIA BANK P.L.C."),
    BankCodeRange(500, 599, "OKOYFIHH", "OP CORPORATE BANK PLC"),
    BankCodeRange(600, 699, "AABAFI22", "BANK OF ALAND PLC"),
    BankCodeRange(713, 713, "CITIFIHX", "CITIBANK INTERNATIONAL PLC, FINLAND BRANCH"),
    BankCodeRange(715, 715, "ITELFIHH", "CENTRAL BANK OF SAVINGS BANKS FINLAND LTD"),
    BankCodeRange(717, 717, "BIGKFIH1", "BIGBANK AS FINLAND BRANCH"),
    BankCodeRange(798, 798, "VPAYFIH2", "VIVA PAYMENT SERVICES S.A., FINNISH BRANCH"),
    BankCodeRange(799, 799, "HOLVFIHH", "HOLVI PAYMENT SERVICES LTD"),
    BankCodeRange(800, 899, "DABAFIHH", "DANSKE BANK A/S, FINLAND BRANCH"),
)


def _expand() -> dict[str, BankCodeRange]:
    table: dict[str, BankCodeRange] = {}
    for entry in FINNISH_BANK_CODES:
        for code in range(entry.first, entry.last + 1):
            table[f"{code:03d}"] = entry
    return table


_BY_CODE = _expand()


def bank_for_code(national_id: str) -> BankCodeRange | None:
    """The bank whose national ID (three digits, e.g. ``"571"``) is given, or None if unknown."""
    return _BY_CODE.get(national_id)


def all_codes() -> dict[str, str]:
    """Every known national ID mapped to its BIC, e.g. ``{"100": "NDEAFIHH", …}``."""
    return {code: entry.bic for code, entry in _BY_CODE.items()}
