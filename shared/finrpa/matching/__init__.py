"""Invoice matching: two- and three-way matching of purchase invoices against orders and goods
receipts, with tolerance profiles, a ledger of what earlier invoices used up, and a batch path
for large volumes. Pure: no I/O, no clock, no database.

    decision = match_invoice(invoice, book, ledger, profile, read_findings)
    ledger.remember(invoice, item_ref)
    if decision.matched:
        ledger.record(decision)
"""

from finrpa.matching.batch import BatchResult, match_batch, record_batch
from finrpa.matching.book import Categorical, OrderBook, OrderColumns
from finrpa.matching.decision import LineMatch, MatchDecision, ReasonDetail
from finrpa.matching.invoices import due_for_review, match_invoice
from finrpa.matching.ledger import (
    InvoiceIdentity,
    LedgerView,
    MatchLedger,
    SeenInvoice,
    ledger_entry,
)
from finrpa.matching.model import REASON_DESCRIPTIONS, OrderLine, ReasonCode, Receipt
from finrpa.matching.table import InvoiceTable
from finrpa.matching.tolerances import (
    ToleranceOverride,
    ToleranceProfile,
    Tolerances,
    default_profile,
    load_profile,
)

__all__ = [
    "REASON_DESCRIPTIONS",
    "BatchResult",
    "Categorical",
    "InvoiceIdentity",
    "InvoiceTable",
    "LedgerView",
    "LineMatch",
    "MatchDecision",
    "MatchLedger",
    "OrderBook",
    "OrderColumns",
    "OrderLine",
    "ReasonCode",
    "ReasonDetail",
    "Receipt",
    "SeenInvoice",
    "ToleranceOverride",
    "ToleranceProfile",
    "Tolerances",
    "default_profile",
    "due_for_review",
    "ledger_entry",
    "load_profile",
    "match_batch",
    "match_invoice",
    "record_batch",
]
