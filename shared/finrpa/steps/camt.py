"""Read ISO 20022 bank statements (camt.053.001.02–08) and notifications (camt.054, any version).

The message type and version come from the document's namespace. Every ``Stmt`` / ``Ntfctn``
becomes a :class:`~finrpa.steps.bank_model.BankStatement`; every entry becomes one transaction,
or one per ``TxDtls`` when a batch entry carries several (see :mod:`finrpa.steps.bank_model`).

Nothing is raised for bad content: each problem is a finding that names the file and the
element path (``Document/BkToCstmrStmt/Stmt[2]/Ntry[3]/Amt``). Errors: the file, a statement or
an entry could not be read (that entry is left out). Warnings: it was read, but something does
not add up — batch totals, the transactions summary, opening + entries ≠ closing balance, an
invalid counterparty IBAN or creditor reference. Creditor references are normalised when they
are valid (a national reference loses its leading zeros); a national reference is recognised
only on a Finnish account. Personal identity codes in remittance texts are masked on reading.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from finrpa.domain.findings import Finding, Severity
from finrpa.steps.bank_model import (
    Balance,
    BankStatement,
    BankTransaction,
    BankTransactionCode,
    CamtDocument,
    CreditDebit,
    ReferredDocument,
)
from finrpa.steps.camt_checks import (
    OVERRIDES,
    EntryTotal,
    SummaryLine,
    check_statement_totals,
    element_path,
    entry_amount_checks,
)
from finrpa.steps.camt_xml import AMOUNT, CamtXml, own_text
from finrpa.steps.identifiers import (
    InvalidIdentifier,
    ReferenceScheme,
    check_iban_bic,
    validate_iban,
    validate_national_reference,
    validate_rf_reference,
)
from finrpa.steps.masking import mask_personal_ids
from finrpa.steps.xmlsafe import ParsedXml, local_name, parse_xml_bytes, parse_xml_file

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d{2})$")
_CONTAINERS = {"053": ("BkToCstmrStmt", "Stmt"), "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
_TESTED_053_VERSIONS = {f"{v:02d}" for v in range(2, 9)}
_DOC_AMOUNTS = ("RmtdAmt", "DuePyblAmt", "CdtNoteAmt")


def read_camt(path: Path | str) -> CamtDocument:
    """Read a camt.053 or camt.054 file; problems are findings in the result."""
    parsed = parse_xml_file(Path(path))
    return _read(parsed, str(path))


def read_camt_bytes(content: bytes, source: str) -> CamtDocument:
    """Read camt XML from memory; ``source`` names it in findings."""
    return _read(parse_xml_bytes(content, source), source)


def _read(parsed: ParsedXml, source: str) -> CamtDocument:
    if parsed.root is None:
        return CamtDocument(source_file=source, findings=list(parsed.findings))
    root = parsed.root
    namespace = etree.QName(root).namespace or ""
    match = _NAMESPACE.match(namespace)
    if local_name(root) != "Document" or not match or match.group(1) not in _CONTAINERS:
        what = f"namespace {namespace!r}" if namespace else "no namespace"
        return CamtDocument(
            source_file=source,
            findings=[
                Finding(
                    code="CAMT_UNSUPPORTED_MESSAGE",
                    message=f"not a camt.053 or camt.054 document: root {local_name(root)} with "
                    f"{what}",
                    source=source,
                    location=local_name(root),
                )
            ],
        )
    number, version = match.group(1), match.group(2)
    return _Reader(root, source, namespace, f"camt.{number}", f"001.{version}").read()


class _Reader(CamtXml):
    """Reads one parsed camt document into statements and transactions."""

    def __init__(
        self, root: etree._Element, source: str, namespace: str, msg_type: str, version: str
    ) -> None:
        super().__init__(source, namespace)
        self.root, self.msg_type, self.version = root, msg_type, version
        self.entry_totals: list[EntryTotal] = []

    # -- document and statements --------------------------------------------------------------

    def read(self) -> CamtDocument:
        number = self.msg_type[-3:]
        container_name, statement_name = _CONTAINERS[number]
        document = CamtDocument(
            source_file=self.source, message_type=self.msg_type, version=self.version
        )
        container = self.find(self.root, container_name)
        if container is None:
            self.note(
                "CAMT_MISSING_ELEMENT",
                f"{self.msg_type} document has no {container_name} element",
                self.root,
            )
            document.findings = self.findings
            return document
        if number == "053" and self.version[-2:] not in _TESTED_053_VERSIONS:
            self.note(
                "CAMT_UNTESTED_VERSION",
                f"camt.053.{self.version} is newer or older than the versions read here "
                "(001.02–001.08); read as best effort",
                self.root,
                severity=Severity.WARNING,
            )
        document.message_id = self.text(container, "GrpHdr/MsgId")
        elements = self.findall(container, statement_name)
        if not elements:
            self.note(
                "CAMT_NO_STATEMENTS",
                f"{container_name} has no {statement_name} element: the file holds no "
                f"{'statement' if number == '053' else 'notification'}",
                container,
            )
        document.findings, self.findings = self.findings, []
        for element in elements:
            document.statements.append(self.statement(element, document.message_id))
        return document

    def statement(self, element: etree._Element, message_id: str | None) -> BankStatement:
        account = self.find(element, "Acct")
        iban = self.text(account, "Id/IBAN")
        statement = BankStatement(
            source_file=self.source,
            message_type=self.msg_type,
            version=self.version,
            message_id=message_id,
            statement_id=self.text(element, "Id"),
            created_at=self.datetime_of(element, "CreDtTm"),
            account_iban=iban,
            account_id=iban or self.text(account, "Id/Othr/Id"),
            account_currency=self.text(account, "Ccy"),
            account_owner=self.first_text(account, "Ownr/Nm", "Ownr/Pty/Nm"),
            servicer_bic=self.first_text(account, "Svcr/FinInstnId/BIC", "Svcr/FinInstnId/BICFI"),
            from_datetime=self.datetime_of(element, "FrToDt/FrDtTm"),
            to_datetime=self.datetime_of(element, "FrToDt/ToDtTm"),
        )
        if account is None:
            self.note("CAMT_MISSING_ELEMENT", "statement has no account (Acct)", element)
        self.check_account(statement, account)
        self.read_balances(statement, element)
        entries = self.findall(element, "Ntry")
        statement.entry_count = len(entries)
        context = {
            "source_file": self.source,
            "source_format": self.msg_type,
            "source_version": self.version,
            "message_id": message_id,
            "statement_id": statement.statement_id,
            "account_iban": statement.account_iban,
            "account_id": statement.account_id,
        }
        finnish = (statement.account_id or "").upper().startswith("FI")
        self.entry_totals = []
        for index, entry in enumerate(entries, start=1):
            statement.transactions.extend(self.entry(entry, index, context, finnish))
        self.findings.extend(
            check_statement_totals(statement, self.entry_totals, self.summary(element), element)
        )
        statement.findings, self.findings = self.findings, []
        return statement

    def summary(self, element: etree._Element) -> dict[str, SummaryLine]:
        lines = {}
        for name in ("TtlNtries", "TtlCdtNtries", "TtlDbtNtries"):
            line = self.find(element, f"TxsSummry/{name}")
            if line is None:
                continue
            count, total = self.text(line, "NbOfNtries"), self.text(line, "Sum")
            lines[name] = SummaryLine(
                int(count) if count and count.isdigit() else None,
                Decimal(total) if total and AMOUNT.match(total) else None,
                line,
            )
        return lines

    def check_account(self, statement: BankStatement, account: etree._Element | None) -> None:
        if statement.account_iban is None or account is None:
            return
        try:
            statement.account_iban = validate_iban(statement.account_iban)
            if statement.servicer_bic:
                check_iban_bic(statement.account_iban, statement.servicer_bic)
        except InvalidIdentifier as exc:
            bad_bic = exc.code == "INVALID_BIC"
            self.note(
                exc.code,
                f"statement account: {exc.message}",
                self.find(account, "Svcr" if bad_bic else "Id/IBAN"),
                exc.value,
                Severity.WARNING if bad_bic else Severity.ERROR,
            )

    def read_balances(self, statement: BankStatement, element: etree._Element) -> None:
        for bal in self.findall(element, "Bal"):
            type_code = self.first_text(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
            amount = self.amount(self.find(bal, "Amt"))
            indicator = self.text(bal, "CdtDbtInd")
            if type_code is None or amount is None or indicator not in ("CRDT", "DBIT"):
                self.note("CAMT_BAD_VALUE", "balance lacks a type, amount or CRDT/DBIT", bal)
                continue
            value, currency = amount
            balance = Balance(
                type_code=type_code,
                amount=-value if indicator == "DBIT" else value,
                currency=currency,
                as_of=self.date_of(self.find(bal, "Dt")),
            )
            statement.balances.append(balance)
        by_type = {b.type_code: b for b in statement.balances}
        statement.opening_balance = by_type.get("OPBD") or by_type.get("PRCD")
        statement.closing_balance = by_type.get("CLBD")

    # -- entries and transaction details -------------------------------------------------------

    def entry(
        self, entry: etree._Element, index: int, context: dict[str, Any], finnish: bool
    ) -> list[BankTransaction]:
        amount = self.amount(self.find(entry, "Amt"))
        indicator = self.text(entry, "CdtDbtInd")
        if amount is None:
            if self.find(entry, "Amt") is None:
                self.note("CAMT_MISSING_ELEMENT", "entry has no amount (Amt); left out", entry)
            return []
        if indicator not in ("CRDT", "DBIT"):
            self.note(
                "CAMT_BAD_VALUE",
                f"entry credit/debit indicator is {indicator!r}, expected CRDT or DBIT; left out",
                self.find(entry, "CdtDbtInd") if indicator else entry,
                indicator,
            )
            return []
        entry_fields: dict[str, Any] = {
            **context,
            "entry_index": index,
            "entry_reference": self.text(entry, "NtryRef"),
            "amount": amount[0],
            "currency": amount[1],
            "credit_debit": CreditDebit(indicator),
            "status": self.first_text(entry, "Sts/Cd", "Sts"),
            "reversal": self.text(entry, "RvslInd") == "true",
            "booking_date": self.date_of(self.find(entry, "BookgDt")),
            "value_date": self.date_of(self.find(entry, "ValDt")),
            "entry_bank_reference": self.text(entry, "AcctSvcrRef"),
            "bank_reference": self.text(entry, "AcctSvcrRef"),
            "transaction_code": self.bank_code(self.find(entry, "BkTxCd")),
            "batch_size": self.batch_size(entry),
        }
        instructed = self.amount(self.find(entry, "AmtDtls/InstdAmt/Amt"))
        if instructed:
            entry_fields["instructed_amount"], entry_fields["instructed_currency"] = instructed
        self.entry_totals.append(
            EntryTotal(amount[0], amount[1], CreditDebit(indicator), entry_fields["status"])
        )
        details = self.findall(entry, "NtryDtls/TxDtls")
        parts = [self.details(tx, finnish) for tx in details]
        plan = entry_amount_checks(entry, entry_fields, details, parts, self.source)
        self.findings.extend(plan.findings)
        result = []
        for element, fields in plan.transactions:
            own = {k: v for k, v in fields.items() if v is not None or k in OVERRIDES}
            merged = {**entry_fields, **own}
            merged["location"] = element_path(element if element is not None else entry)
            result.append(BankTransaction(**merged))
        return result

    def batch_size(self, entry: etree._Element) -> int | None:
        raw = self.text(entry, "NtryDtls/Btch/NbOfTxs")
        return int(raw) if raw and raw.isdigit() else None

    def bank_code(self, element: etree._Element | None) -> BankTransactionCode | None:
        if element is None or len(element) == 0:
            return None
        return BankTransactionCode(
            domain=self.text(element, "Domn/Cd"),
            family=self.text(element, "Domn/Fmly/Cd"),
            subfamily=self.text(element, "Domn/Fmly/SubFmlyCd"),
            proprietary=self.text(element, "Prtry/Cd"),
            proprietary_issuer=self.text(element, "Prtry/Issr"),
        )

    def details(self, tx: etree._Element, finnish: bool) -> dict[str, Any]:
        """The fields one ``TxDtls`` gives; ``amount`` here is the detail's own, if any."""
        end_to_end = self.text(tx, "Refs/EndToEndId")
        fields: dict[str, Any] = {
            "bank_reference": self.text(tx, "Refs/AcctSvcrRef"),
            "end_to_end_id": None if end_to_end == "NOTPROVIDED" else end_to_end,
            "transaction_code": self.bank_code(self.find(tx, "BkTxCd")),
            "debtor_name": self.first_text(tx, "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm"),
            "creditor_name": self.first_text(tx, "RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm"),
            "debtor_iban": self.party_iban(tx, "RltdPties/DbtrAcct/Id/IBAN"),
            "creditor_iban": self.party_iban(tx, "RltdPties/CdtrAcct/Id/IBAN"),
            "return_reason": self.text(tx, "RtrInf/Rsn/Cd"),
            "credit_debit": self.text(tx, "CdtDbtInd"),
        }
        amount_element = self.find(tx, "AmtDtls/TxAmt/Amt")
        if amount_element is None:
            amount_element = self.find(tx, "Amt")
        fields["_amount"] = self.amount(amount_element)
        fields["_amount_element"] = amount_element
        instructed = self.amount(self.find(tx, "AmtDtls/InstdAmt/Amt"))
        if instructed:
            fields["instructed_amount"], fields["instructed_currency"] = instructed
        self.remittance(tx, fields, finnish)
        return fields

    def party_iban(self, tx: etree._Element, path: str) -> str | None:
        raw = self.text(tx, path)
        if raw is None:
            return None
        try:
            return validate_iban(raw)
        except InvalidIdentifier as exc:
            self.note(
                exc.code,
                f"counterparty account: {exc.message}",
                self.find(tx, path),
                raw,
                Severity.WARNING,
            )
            return raw

    def remittance(self, tx: etree._Element, fields: dict[str, Any], finnish: bool) -> None:
        lines = [own_text(u) for u in self.findall(tx, "RmtInf/Ustrd")]
        structured = self.findall(tx, "RmtInf/Strd")
        documents: list[ReferredDocument] = []
        for strd in structured:
            ref_element = self.find(strd, "CdtrRefInf/Ref")
            ref, scheme = self.reference(ref_element, finnish)
            if ref and fields.get("creditor_reference") is None:
                fields["creditor_reference"], fields["creditor_reference_scheme"] = ref, scheme
            lines += [own_text(a) for a in self.findall(strd, "AddtlRmtInf")]
            has_doc = any(self.find(strd, p) is not None for p in ("RfrdDocInf", "RfrdDocAmt"))
            if has_doc or len(structured) > 1:
                documents.append(self.referred_document(strd, ref))
        text = "\n".join(line for line in lines if line)
        fields["remittance_text"] = mask_personal_ids(text) if text else None
        fields["referred_documents"] = tuple(documents) or None

    def reference(
        self, element: etree._Element | None, finnish: bool
    ) -> tuple[str | None, ReferenceScheme | None]:
        raw = None if element is None else own_text(element)
        if not raw:
            return None, None
        compact = re.sub(r"\s+", "", raw)
        try:
            if re.match(r"^RF\d\d", compact, re.IGNORECASE):
                return validate_rf_reference(compact), ReferenceScheme.RF
            if compact.isdigit() and finnish:
                return validate_national_reference(compact), ReferenceScheme.FI_NATIONAL
        except InvalidIdentifier as exc:
            self.note(
                exc.code, f"creditor reference: {exc.message}", element, raw, Severity.WARNING
            )
        return raw, None

    def referred_document(self, strd: etree._Element, reference: str | None) -> ReferredDocument:
        doc_type = self.first_text(
            strd, "RfrdDocInf/Tp/CdOrPrtry/Cd", "RfrdDocInf/Tp/CdOrPrtry/Prtry"
        )
        amount, kind = None, None
        for kind in _DOC_AMOUNTS:
            amount = self.amount(self.find(strd, f"RfrdDocAmt/{kind}"))
            if amount:
                break
        return ReferredDocument(
            document_type=doc_type,
            number=self.text(strd, "RfrdDocInf/Nb"),
            creditor_reference=reference,
            amount=amount[0] if amount else None,
            currency=amount[1] if amount else None,
            is_credit_note=doc_type == "CREN" or (amount is not None and kind == "CdtNoteAmt"),
        )
