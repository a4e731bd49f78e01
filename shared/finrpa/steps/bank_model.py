"""Bank transactions and statements as read from ISO 20022 camt.053 / camt.054 files.

One :class:`BankTransaction` is one payment: an entry (``Ntry``) without details, or one
``TxDtls`` of an entry. A batch entry whose details are present (several ``TxDtls``, as Finnish
reference payments arrive) becomes one transaction per ``TxDtls``; all share the entry's
``entry_index`` and ``entry_bank_reference``. Amounts are positive ``Decimal`` with a
credit/debit indicator; :attr:`BankTransaction.signed_amount` gives the sign.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from finrpa.domain.findings import Finding
from finrpa.steps.identifiers import ReferenceScheme


class CreditDebit(StrEnum):
    """Direction of money on the statement's account."""

    CREDIT = "CRDT"
    DEBIT = "DBIT"


class BankTransactionCode(BaseModel):
    """ISO bank transaction code (domain/family/sub-family) and the bank's proprietary code."""

    model_config = ConfigDict(frozen=True)

    domain: str | None = None
    family: str | None = None
    subfamily: str | None = None
    proprietary: str | None = Field(default=None, description="e.g. '705 VIITESIIRROT'")
    proprietary_issuer: str | None = Field(default=None, description="e.g. 'FFFS'")

    @property
    def fffs_code(self) -> str | None:
        """The Finnish FFFS transaction type (``705`` reference payment, ``710`` transfer…)."""
        if self.proprietary_issuer != "FFFS" or not self.proprietary:
            return None
        head = self.proprietary.strip()[:3]
        return head if head.isdigit() else None

    @property
    def iso(self) -> str | None:
        """``PMNT/RCDT/DMCT`` style code, when the domain is given."""
        parts = [p for p in (self.domain, self.family, self.subfamily) if p]
        return "/".join(parts) if parts else None


class ReferredDocument(BaseModel):
    """A document one payment settles (``RmtInf/Strd``): invoice, credit note, or reference."""

    model_config = ConfigDict(frozen=True)

    document_type: str | None = Field(default=None, description="CINV invoice, CREN credit note…")
    number: str | None = None
    creditor_reference: str | None = None
    amount: Decimal | None = Field(default=None, ge=0)
    currency: str | None = None
    is_credit_note: bool = False

    @property
    def signed_amount(self) -> Decimal | None:
        """The amount, negative for a credit note (which reduces what was paid)."""
        if self.amount is None:
            return None
        return -self.amount if self.is_credit_note else self.amount


class BankTransaction(BaseModel):
    """One payment on a bank account, with where it came from in the source file."""

    model_config = ConfigDict(frozen=True)

    source_file: str
    source_format: str = Field(description="camt.053 or camt.054")
    source_version: str = Field(description="Message version, e.g. 001.02")
    location: str = Field(description="Element path of the entry or TxDtls in the file")
    message_id: str | None = None
    statement_id: str | None = Field(default=None, description="Stmt/Id or Ntfctn/Id")
    account_iban: str | None = None
    account_id: str | None = Field(default=None, description="Account IBAN or other identifier")
    entry_index: int = Field(ge=1, description="1-based position of the Ntry in its statement")
    entry_reference: str | None = Field(default=None, description="NtryRef")
    amount: Decimal = Field(ge=0)
    currency: str
    credit_debit: CreditDebit
    status: str | None = Field(default=None, description="BOOK, PDNG or INFO")
    reversal: bool = False
    booking_date: date | None = None
    value_date: date | None = None
    instructed_amount: Decimal | None = Field(default=None, ge=0)
    instructed_currency: str | None = None
    bank_reference: str | None = Field(default=None, description="AcctSvcrRef, most specific")
    entry_bank_reference: str | None = Field(default=None, description="Ntry/AcctSvcrRef")
    end_to_end_id: str | None = Field(default=None, description="None when NOTPROVIDED")
    creditor_reference: str | None = None
    creditor_reference_scheme: ReferenceScheme | None = None
    remittance_text: str | None = Field(default=None, description="Ustrd lines joined by \\n")
    debtor_name: str | None = None
    debtor_iban: str | None = None
    creditor_name: str | None = None
    creditor_iban: str | None = None
    transaction_code: BankTransactionCode | None = None
    referred_documents: tuple[ReferredDocument, ...] = ()
    batch_size: int | None = Field(
        default=None, description="Btch/NbOfTxs when the entry is a batch"
    )
    return_reason: str | None = Field(default=None, description="RtrInf/Rsn/Cd, e.g. MD06")

    @property
    def signed_amount(self) -> Decimal:
        """Positive for money in, negative for money out."""
        return self.amount if self.credit_debit is CreditDebit.CREDIT else -self.amount

    @property
    def counterparty_name(self) -> str | None:
        """The payer of a credit, the payee of a debit."""
        return self.debtor_name if self.credit_debit is CreditDebit.CREDIT else self.creditor_name

    @property
    def counterparty_iban(self) -> str | None:
        """The payer's account of a credit, the payee's account of a debit."""
        return self.debtor_iban if self.credit_debit is CreditDebit.CREDIT else self.creditor_iban


class Balance(BaseModel):
    """A statement balance (``Bal``) with its sign applied."""

    model_config = ConfigDict(frozen=True)

    type_code: str = Field(description="OPBD, CLBD, PRCD, CLAV…")
    amount: Decimal = Field(description="Signed: negative when the balance is a debit")
    currency: str
    as_of: date | None = Field(default=None, description="Balance date")


class BankStatement(BaseModel):
    """One ``Stmt`` (camt.053) or ``Ntfctn`` (camt.054) with its transactions and findings."""

    source_file: str
    message_type: str = Field(description="camt.053 or camt.054")
    version: str
    message_id: str | None = None
    statement_id: str | None = None
    created_at: datetime | None = None
    account_iban: str | None = None
    account_id: str | None = None
    account_currency: str | None = None
    account_owner: str | None = None
    servicer_bic: str | None = None
    from_datetime: datetime | None = None
    to_datetime: datetime | None = None
    opening_balance: Balance | None = None
    closing_balance: Balance | None = None
    balances: list[Balance] = Field(default_factory=list)
    entry_count: int = 0
    transactions: list[BankTransaction] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)


class CamtDocument(BaseModel):
    """What one camt file holds: its statements and the findings about the file as a whole."""

    source_file: str
    message_type: str | None = None
    version: str | None = None
    message_id: str | None = None
    statements: list[BankStatement] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    @property
    def transactions(self) -> list[BankTransaction]:
        """Every statement's transactions, in file order."""
        return [tx for statement in self.statements for tx in statement.transactions]

    @property
    def all_findings(self) -> list[Finding]:
        """File-level findings followed by each statement's."""
        return self.findings + [f for s in self.statements for f in s.findings]
