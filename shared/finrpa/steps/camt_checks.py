"""Consistency rules for camt files: batch splitting and totals, summaries, balances.

Pure functions over values the reader in :mod:`finrpa.steps.camt` has already taken out of the
XML; each returns warnings (the data was read, but does not add up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from lxml import etree

from finrpa.domain.findings import Finding, Severity
from finrpa.steps.bank_model import BankStatement, CreditDebit
from finrpa.steps.xmlsafe import local_name

#: Fields a TxDtls sets even to None, so a split transaction does not inherit the entry's.
OVERRIDES = frozenset(
    {"amount", "currency", "credit_debit", "instructed_amount", "instructed_currency"}
)


def element_path(element: etree._Element) -> str:
    """``Document/BkToCstmrStmt/Stmt[2]/Ntry[1]/Amt``: local names, 1-based index when repeated."""
    parts = []
    node: etree._Element | None = element
    while node is not None:
        name = local_name(node)
        parent = node.getparent()
        if parent is not None:
            same = [child for child in parent if child.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/".join(reversed(parts))


class EntryTotal(NamedTuple):
    """What the balance and summary checks need of one entry."""

    amount: Decimal
    currency: str
    credit_debit: CreditDebit
    status: str | None


@dataclass
class EntryPlan:
    """How one entry becomes transactions: (element, fields) pairs, and what did not add up."""

    transactions: list[tuple[etree._Element | None, dict[str, Any]]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _public(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if not k.startswith("_") and k != "credit_debit"}


def _money(value: Decimal, currency: str) -> str:
    return f"{value} {currency}"


def entry_amount_checks(
    entry: etree._Element,
    entry_fields: dict[str, Any],
    details: list[etree._Element],
    parts: list[dict[str, Any]],
    source: str,
) -> EntryPlan:
    """Split an entry into transactions by its TxDtls and check that the amounts agree."""
    plan = EntryPlan()

    def warn(code: str, message: str, element: etree._Element) -> None:
        plan.findings.append(
            Finding(
                code=code,
                message=message,
                source=source,
                location=element_path(element),
                severity=Severity.WARNING,
            )
        )

    amount, currency = entry_fields["amount"], entry_fields["currency"]
    indicator: CreditDebit = entry_fields["credit_debit"]
    batch = entry_fields["batch_size"]
    if not parts:
        if batch and batch > 1:
            warn(
                "CAMT_BATCH_NOT_ITEMISED",
                f"entry is a batch of {batch} payments without transaction details; "
                "match it with the camt.054 notification that itemises it",
                entry,
            )
        plan.transactions.append((None, {}))
        return plan
    if batch is not None and batch != len(parts):
        warn(
            "CAMT_BATCH_COUNT_MISMATCH",
            f"batch says {batch} transactions (NbOfTxs) but the entry has {len(parts)} TxDtls",
            entry,
        )
    if len(parts) == 1:
        own = parts[0]["_amount"]
        if own is not None and own != (amount, currency):
            warn(
                "CAMT_AMOUNT_MISMATCH",
                f"transaction details amount {_money(*own)} differs from the entry amount "
                f"{_money(amount, currency)}; the entry amount is used",
                parts[0]["_amount_element"],
            )
        plan.transactions.append((details[0], _public(parts[0])))
        return plan
    if any(part["_amount"] is None for part in parts):
        warn(
            "CAMT_BATCH_NOT_SPLIT",
            f"entry has {len(parts)} TxDtls but not all give an amount; kept as one "
            "transaction with the first TxDtls' details",
            entry,
        )
        plan.transactions.append((None, _public(parts[0])))
        return plan
    total, same_currency = Decimal(0), True
    for element, part in zip(details, parts, strict=True):
        value, part_currency = part["_amount"]
        raw = part.get("credit_debit")
        direction = CreditDebit(raw) if raw in ("CRDT", "DBIT") else indicator
        fields = _public(part) | {
            "amount": value,
            "currency": part_currency,
            "credit_debit": direction,
            "instructed_amount": part.get("instructed_amount"),
            "instructed_currency": part.get("instructed_currency"),
        }
        plan.transactions.append((element, fields))
        total += value if direction is CreditDebit.CREDIT else -value
        same_currency = same_currency and part_currency == currency
    signed = amount if indicator is CreditDebit.CREDIT else -amount
    if not same_currency:
        warn(
            "CAMT_AMOUNT_MISMATCH",
            f"transaction details are in another currency than the entry ({currency}); "
            "their total cannot be checked against it",
            entry,
        )
    elif total != signed:
        warn(
            "CAMT_AMOUNT_MISMATCH",
            f"transaction details add up to {_money(total, currency)} but the entry is "
            f"{_money(signed, currency)} (credits positive)",
            entry,
        )
    return plan


class SummaryLine(NamedTuple):
    """One line of ``TxsSummry``: number of entries and sum of their amounts, when given."""

    number: int | None
    total: Decimal | None
    element: etree._Element


def check_statement_totals(
    statement: BankStatement,
    entries: list[EntryTotal],
    summary: dict[str, SummaryLine],
    statement_element: etree._Element,
) -> list[Finding]:
    """Compare ``TxsSummry`` with the entries, and opening + entries with the closing balance."""
    findings: list[Finding] = []

    def warn(code: str, message: str, element: etree._Element) -> None:
        findings.append(
            Finding(
                code=code,
                message=message,
                source=statement.source_file,
                location=element_path(element),
                severity=Severity.WARNING,
            )
        )

    groups = {
        "TtlNtries": ("entries", statement.entry_count, entries),
        "TtlCdtNtries": (
            "credit entries",
            None,
            [e for e in entries if e.credit_debit is CreditDebit.CREDIT],
        ),
        "TtlDbtNtries": (
            "debit entries",
            None,
            [e for e in entries if e.credit_debit is CreditDebit.DEBIT],
        ),
    }
    for name, line in summary.items():
        label, count, members = groups[name]
        actual_count = count if count is not None else len(members)
        actual_total = sum((e.amount for e in members), Decimal(0))
        if line.number is not None and line.number != actual_count:
            warn(
                "CAMT_SUMMARY_MISMATCH",
                f"summary says {line.number} {label}, the statement has {actual_count}",
                line.element,
            )
        elif line.total is not None and line.total != actual_total:
            warn(
                "CAMT_SUMMARY_MISMATCH",
                f"summary says {label} total {line.total}, they add up to {actual_total}",
                line.element,
            )
    opening, closing = statement.opening_balance, statement.closing_balance
    if opening is None or closing is None:
        return findings
    if opening.currency != closing.currency:
        warn(
            "CAMT_BALANCE_MISMATCH",
            f"opening balance is in {opening.currency} but closing balance in "
            f"{closing.currency}; they cannot be compared",
            statement_element,
        )
        return findings
    if any(e.currency != opening.currency for e in entries):
        return findings
    booked = [e for e in entries if e.status in (None, "BOOK")]
    movement = sum(
        (e.amount if e.credit_debit is CreditDebit.CREDIT else -e.amount for e in booked),
        Decimal(0),
    )
    if opening.amount + movement != closing.amount:
        warn(
            "CAMT_BALANCE_MISMATCH",
            f"opening balance {opening.amount} {opening.type_code} + booked entries {movement} "
            f"= {opening.amount + movement}, but the closing balance is {closing.amount}",
            statement_element,
        )
    return findings
