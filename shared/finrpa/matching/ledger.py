"""The match ledger: what earlier invoices used up, and which invoices were seen.

Semantics (the robot relies on these):

* **Quantities.** ``invoiced(po, line)`` is the quantity already invoiced on an order line by
  invoices that *count*: matched ones, and exceptions a reviewer accepted. Invoices waiting for
  review or rejected do not count. A credit note counts negatively. :func:`match_invoice` never
  changes the ledger: the caller calls :meth:`MatchLedger.record` with a matched decision (or
  with ``accepted=True`` once a reviewer accepts an exception).
* **Duplicates.** ``find_duplicate`` looks at every invoice remembered, whatever its outcome:
  the caller calls :meth:`MatchLedger.remember` for every invoice it decided (matched or not),
  so a second copy in the same batch is caught. When a corrected invoice is re-matched, rebuild
  the ledger without that item's own entry.
* **Persistence.** :func:`ledger_entry` turns a decision into a JSON-ready dict to keep in the
  work item's payload; :meth:`MatchLedger.from_entries` rebuilds the ledger from those entries
  (quantities of entries whose status is ``matched`` or that carry ``"accepted": true``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from finrpa.matching._values import nearly_equal_numbers, number_key, seller_key
from finrpa.steps.invoice_model import Invoice, InvoiceType

if TYPE_CHECKING:
    from finrpa.matching.invoices import MatchDecision

MATCHED = "matched"
_ZERO = Decimal(0)  # built once: add_quantity is called for every line of a long history


@dataclass(frozen=True, slots=True)
class InvoiceIdentity:
    """What identifies an invoice for duplicate detection."""

    seller: str  # business key, else "name:<seller name>"
    invoice_number: str
    gross: Decimal
    invoice_date: date
    credit_note: bool = False

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceIdentity:
        """The identity of ``invoice``."""
        return cls(
            seller=seller_key(invoice.seller.business_id, invoice.seller.name),
            invoice_number=invoice.invoice_number,
            gross=invoice.totals.gross,
            invoice_date=invoice.invoice_date,
            credit_note=invoice.invoice_type == InvoiceType.CREDIT_NOTE,
        )

    def to_json(self) -> dict[str, str | bool]:
        """JSON-ready form."""
        return {
            "seller": self.seller,
            "invoice_number": self.invoice_number,
            "gross": str(self.gross),
            "invoice_date": self.invoice_date.isoformat(),
            "credit_note": self.credit_note,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InvoiceIdentity:
        """Inverse of :meth:`to_json`."""
        return cls(
            seller=str(data["seller"]),
            invoice_number=str(data["invoice_number"]),
            gross=Decimal(str(data["gross"])),
            invoice_date=date.fromisoformat(str(data["invoice_date"])),
            credit_note=bool(data.get("credit_note", False)),
        )


@dataclass(frozen=True, slots=True)
class SeenInvoice:
    """An invoice remembered for duplicate detection, with the work item it came in."""

    identity: InvoiceIdentity
    item_ref: str | None = None

    def describe(self) -> str:
        """Short text for explanations."""
        ident = self.identity
        where = f" (work item {self.item_ref})" if self.item_ref else ""
        return f"invoice {ident.invoice_number} of {ident.invoice_date.isoformat()}{where}"


def is_duplicate_of(identity: InvoiceIdentity, earlier: InvoiceIdentity) -> bool:
    """The duplicate rule, between documents of one kind (invoices, or credit notes): same seller
    and invoice number, or same seller, gross amount and date with a near-identical number
    (normalised equal, or one edit apart)."""
    if identity.seller != earlier.seller or identity.credit_note != earlier.credit_note:
        return False
    if number_key(identity.invoice_number) == number_key(earlier.invoice_number):
        return True
    return (
        identity.gross == earlier.gross
        and identity.invoice_date == earlier.invoice_date
        and nearly_equal_numbers(identity.invoice_number, earlier.invoice_number)
    )


class LedgerView(Protocol):
    """What matching reads from a ledger (the batch path supplies its own view)."""

    def invoiced(self, po_number: str, line_number: int) -> Decimal:
        """Quantity invoiced on the line by invoices that count."""
        ...

    def find_duplicate(self, identity: InvoiceIdentity) -> SeenInvoice | None:
        """An earlier invoice ``identity`` duplicates, or None."""
        ...


class MatchLedger:
    """Cumulative invoiced quantities per order line and the invoices seen."""

    def __init__(self) -> None:
        self._invoiced: dict[tuple[str, int], Decimal] = {}
        self._seen: list[SeenInvoice] = []
        self._by_number: dict[tuple[str, bool, str], SeenInvoice] = {}
        self._by_amount: dict[tuple[str, bool, Decimal, date], list[SeenInvoice]] = {}
        self._position: dict[int, int] = {}  # id(seen) -> its place in _seen

    # -- quantities --------------------------------------------------------------------------

    def invoiced(self, po_number: str, line_number: int) -> Decimal:
        """Quantity invoiced on the order line by invoices that count (0 when none)."""
        return self._invoiced.get((po_number, line_number), _ZERO)

    @property
    def invoiced_line_count(self) -> int:
        """How many order lines have a recorded quantity."""
        return len(self._invoiced)

    def invoiced_if_known(self, po_number: str, line_number: int) -> Decimal | None:
        """The line's recorded quantity; None when nothing was ever recorded for it."""
        return self._invoiced.get((po_number, line_number))

    def invoiced_lines(self) -> dict[tuple[str, int], Decimal]:
        """Every order line with a recorded quantity (a copy)."""
        return dict(self._invoiced)

    def add_quantity(self, po_number: str, line_number: int, quantity: Decimal) -> None:
        """Add ``quantity`` (negative for a credit) to the line's invoiced quantity."""
        key = (po_number, line_number)
        self._invoiced[key] = self._invoiced.get(key, _ZERO) + quantity

    def record(self, decision: MatchDecision, *, accepted: bool = False) -> None:
        """Count a decision's quantities: it must be matched, or ``accepted`` by a reviewer.

        Quantities are already signed (a credit note's are negative). Lines that matched no
        order line add nothing.
        """
        if decision.status != MATCHED and not accepted:
            raise ValueError("only a matched decision, or an accepted exception, can be recorded")
        for match in decision.line_matches:
            if match.order_line is not None:
                line = match.order_line
                self.add_quantity(line.po_number, line.line_number, match.invoiced_quantity)

    # -- duplicates --------------------------------------------------------------------------

    def remember(self, invoice: Invoice, item_ref: str | None = None) -> None:
        """Remember an invoice (whatever its decision) for duplicate detection."""
        self.remember_identity(InvoiceIdentity.of(invoice), item_ref)

    def remember_identity(self, identity: InvoiceIdentity, item_ref: str | None = None) -> None:
        """Remember an invoice by its identity."""
        seen = SeenInvoice(identity, item_ref)
        self._position[id(seen)] = len(self._seen)
        self._seen.append(seen)
        number = number_key(identity.invoice_number)
        self._by_number.setdefault((identity.seller, identity.credit_note, number), seen)
        amount_key = (identity.seller, identity.credit_note, identity.gross, identity.invoice_date)
        self._by_amount.setdefault(amount_key, []).append(seen)

    def find_duplicate(self, identity: InvoiceIdentity) -> SeenInvoice | None:
        """The first remembered invoice that ``identity`` duplicates, or None."""
        number = number_key(identity.invoice_number)
        exact = self._by_number.get((identity.seller, identity.credit_note, number))
        if exact is not None:
            return exact
        amount_key = (identity.seller, identity.credit_note, identity.gross, identity.invoice_date)
        for seen in self._by_amount.get(amount_key, ()):
            if is_duplicate_of(identity, seen.identity):
                return seen
        return None

    def seen(
        self, seller_business_id: str | None, invoice_number: str, gross: Decimal,
        invoice_date: date, seller_name: str = "", credit_note: bool = False,
    ) -> bool:
        """True when an invoice with these details duplicates one remembered."""
        identity = InvoiceIdentity(
            seller_key(seller_business_id, seller_name), invoice_number, gross, invoice_date,
            credit_note,
        )
        return self.find_duplicate(identity) is not None

    def duplicate_candidates(self, identities: Iterable[InvoiceIdentity]) -> list[SeenInvoice]:
        """The remembered invoices that any of ``identities`` could duplicate (the first with
        its seller and number, every one with its seller, amount and date), oldest first: what
        the batch path needs of a long history."""
        found: dict[int, SeenInvoice] = {}
        for identity in identities:
            number = number_key(identity.invoice_number)
            exact = self._by_number.get((identity.seller, identity.credit_note, number))
            if exact is not None:
                found[id(exact)] = exact
            amount_key = (identity.seller, identity.credit_note, identity.gross,
                          identity.invoice_date)
            for seen in self._by_amount.get(amount_key, ()):
                found[id(seen)] = seen
        position = self._position
        return sorted(found.values(), key=lambda seen: position[id(seen)])

    @property
    def seen_count(self) -> int:
        """How many invoices are remembered."""
        return len(self._seen)

    def seen_invoices(self) -> list[SeenInvoice]:
        """Every remembered invoice, oldest first (a copy)."""
        return list(self._seen)

    # -- persistence -------------------------------------------------------------------------

    @classmethod
    def from_entries(cls, entries: Iterable[Mapping[str, Any]]) -> MatchLedger:
        """Rebuild from :func:`ledger_entry` dicts, oldest first: every entry is remembered;
        quantities count for ``status == "matched"`` or ``accepted`` entries."""
        ledger = cls()
        for entry in entries:
            if entry.get("identity") is not None:
                identity = InvoiceIdentity.from_json(entry["identity"])
                ledger.remember_identity(identity, entry.get("item_ref"))
            if entry.get("status") == MATCHED or entry.get("accepted"):
                for line in entry.get("lines", ()):
                    quantity = Decimal(str(line["quantity"]))
                    ledger.add_quantity(str(line["po_number"]), int(line["line_number"]), quantity)
        return ledger

    def to_json(self) -> str:
        """The whole ledger as JSON text."""
        return json.dumps(
            {
                "invoiced": [
                    {"po_number": po, "line_number": line, "quantity": str(quantity)}
                    for (po, line), quantity in self._invoiced.items()
                ],
                "seen": [
                    {"identity": seen.identity.to_json(), "item_ref": seen.item_ref}
                    for seen in self._seen
                ],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> MatchLedger:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        ledger = cls()
        for row in data.get("invoiced", ()):
            ledger.add_quantity(row["po_number"], int(row["line_number"]), Decimal(row["quantity"]))
        for row in data.get("seen", ()):
            ledger.remember_identity(InvoiceIdentity.from_json(row["identity"]), row["item_ref"])
        return ledger


def ledger_entry(decision: MatchDecision, item_ref: str | None = None) -> dict[str, Any]:
    """What the robot keeps in a work item's payload so the ledger can be rebuilt: the invoice's
    identity, the status, and the signed quantity per matched order line. Set
    ``entry["accepted"] = True`` when a reviewer accepts the exception."""
    return entry_of(decision.status, item_ref, decision.identity, [
        (match.order_line.po_number, match.order_line.line_number, match.invoiced_quantity)
        for match in decision.line_matches if match.order_line is not None
    ])


def entry_of(
    status: str, item_ref: str | None, identity: InvoiceIdentity | None,
    lines: Iterable[tuple[str, int, Decimal]],
) -> dict[str, Any]:
    """A ledger entry from its parts: (po_number, line_number, signed quantity) per used line."""
    return {
        "status": status,
        "item_ref": item_ref,
        "identity": identity.to_json() if identity is not None else None,
        "lines": [{"po_number": po_number, "line_number": line_number, "quantity": str(quantity)}
                  for po_number, line_number, quantity in lines],
        "accepted": False,
    }
