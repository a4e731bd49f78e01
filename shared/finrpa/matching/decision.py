"""What matching decides about one invoice: reasons, line matches, evidence, explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from finrpa.matching.ledger import InvoiceIdentity
from finrpa.matching.model import OrderLine, ReasonCode
from finrpa.steps.invoice_model import InvoiceType

MatchStatus = Literal["matched", "exception"]
MatchedBy = Literal["line_reference", "article_id", "description_price", "none"]


# The frozen dataclasses built for every line and reason have hand-written __init__s: the
# generated ones set each field through object.__setattr__, which made building them a
# noticeable part of explaining a batch's exceptions. Filling __dict__ at once is the same.


@dataclass(frozen=True, init=False)
class LineMatch:
    """How one invoice line matched the order.

    ``invoiced_quantity`` is signed (negative on a credit note; 0 when the line states none);
    ``cumulative_invoiced`` is the order line's invoiced quantity including this line;
    ``received`` is None for a service line or an unmatched line.
    """

    invoice_line_index: int
    order_line: OrderLine | None
    matched_by: MatchedBy
    invoiced_quantity: Decimal
    cumulative_invoiced: Decimal
    received: Decimal | None

    def __init__(
        self, invoice_line_index: int, order_line: OrderLine | None, matched_by: MatchedBy,
        invoiced_quantity: Decimal, cumulative_invoiced: Decimal, received: Decimal | None,
    ) -> None:
        self.__dict__.update(
            invoice_line_index=invoice_line_index, order_line=order_line, matched_by=matched_by,
            invoiced_quantity=invoiced_quantity, cumulative_invoiced=cumulative_invoiced,
            received=received,
        )


@dataclass(frozen=True, init=False)
class ReasonDetail:
    """One reason, explained: the code, a sentence naming line, values and tolerance, and
    JSON-ready evidence (Decimals as strings)."""

    code: ReasonCode
    message: str
    line_index: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def __init__(
        self, code: ReasonCode, message: str, line_index: int | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> None:
        self.__dict__.update(code=code, message=message, line_index=line_index,
                             evidence={} if evidence is None else evidence)


@dataclass(frozen=True, init=False)
class MatchDecision:
    """The outcome for one invoice. ``reasons`` is unique, in :class:`ReasonCode` order;
    matched means no reasons. ``evidence`` puts each invoice line beside its order line and
    receipt with the differences and tolerances applied, plus the header checks."""

    status: MatchStatus
    reasons: list[ReasonCode]
    details: list[ReasonDetail]
    line_matches: list[LineMatch]
    evidence: dict[str, Any]
    explanation: str
    identity: InvoiceIdentity | None = None
    invoice_type: InvoiceType | None = None
    order_reference: str | None = None

    def __init__(
        self, status: MatchStatus, reasons: list[ReasonCode], details: list[ReasonDetail],
        line_matches: list[LineMatch], evidence: dict[str, Any], explanation: str,
        identity: InvoiceIdentity | None = None, invoice_type: InvoiceType | None = None,
        order_reference: str | None = None,
    ) -> None:
        self.__dict__.update(
            status=status, reasons=reasons, details=details, line_matches=line_matches,
            evidence=evidence, explanation=explanation, identity=identity,
            invoice_type=invoice_type, order_reference=order_reference,
        )

    @property
    def matched(self) -> bool:
        """True when no rule found anything."""
        return self.status == "matched"
