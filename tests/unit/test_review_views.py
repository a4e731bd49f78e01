"""What reviewers see: summaries, evidence side by side, documents, and the catalogs."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_currency

from finrpa.queue.summaries import (
    ItemSummary,
    generic_summary,
    search_key,
    summarise,
    summary_columns,
)
from finrpa.review.documents import document_view
from finrpa.review.evidence import evidence_view, flatten
from finrpa.web.i18n import LOCALES, Translator, load_catalogs, negotiate, placeholders

WEB = Path(__file__).resolve().parents[2] / "shared" / "finrpa" / "web"


# -- summaries -----------------------------------------------------------------------------

def test_generic_summary_of_an_invoice_payload() -> None:
    payload = {"invoice": {"invoice_number": "INV-7", "seller": {"name": "Åbo  Papper Ab"},
                           "totals": {"gross": "99.5", "payable": "1 234,50"},
                           "currency": "eur"}}
    summary = generic_summary(payload)
    assert summary == ItemSummary(title="INV-7", supplier="Åbo Papper Ab", reference="INV-7",
                                  amount=Decimal("1234.50"), currency="EUR")
    assert summary_columns(summary) == {
        "summary_title": "INV-7", "summary_supplier": "Åbo Papper Ab",
        "summary_supplier_key": "åbo papper ab", "summary_reference": "inv-7",
        "summary_amount_minor": 123450, "summary_currency": "EUR"}


def test_generic_summary_of_other_shapes() -> None:
    supplier = generic_summary({"supplier_id": "S1", "name": "Kone Oy", "iban": "FI00"})
    assert (supplier.title, supplier.supplier, supplier.amount) == ("Kone Oy", "Kone Oy", None)
    assert generic_summary("just text").title == "just text"
    assert generic_summary({"amount": 12.5}).amount == Decimal("12.50")
    assert generic_summary({"amount": "not money"}).amount is None
    assert generic_summary(None) == ItemSummary()


def custom_extractor(payload: object, evidence: object) -> ItemSummary:
    return ItemSummary(title="custom", amount=Decimal("1"))


def broken_extractor(payload: object, evidence: object) -> ItemSummary:
    raise RuntimeError("boom")


def test_a_queue_extractor_is_used_and_a_broken_one_falls_back() -> None:
    payload = {"invoice_number": "INV-1"}
    assert summarise(f"{__name__}:custom_extractor", payload, None).title == "custom"
    assert summarise(f"{__name__}:broken_extractor", payload, None).title == "INV-1"
    assert summarise("no.such.module:thing", payload, None).title == "INV-1"
    assert search_key("  Åbo   PAPPER ") == "åbo papper" and search_key("  ") is None


# -- evidence ------------------------------------------------------------------------------

INVOICE_EVIDENCE = {
    "lines": [{
        "invoice_line": {"line_id": "1", "quantity": "10", "unit_price": "12.50"},
        "order_line": {"line_id": "1", "quantity": "10", "unit_price": "11.90"},
        "receipt": None,
        "differences": {"unit_price": {"invoice": "12.50", "order": "11.90",
                                       "difference": "0.60", "tolerance": "0.25"},
                        "vat_rate": {"invoice": "25.5", "order": "24"}},
        "reasons": ["PRICE_VARIANCE", "VAT_MISMATCH"],
    }],
    "header": {"order": {"number": "PO-1"}},
    "reasons": ["PRICE_VARIANCE"],
    "matched_by": "robot:invoice_matching",
}


def test_evidence_with_lines_is_side_by_side_with_differences_marked() -> None:
    view = evidence_view(INVOICE_EVIDENCE)
    (line,) = view.lines
    assert line.label == "1" and line.present == (True, True, False)
    rows = {row.name: row for row in line.rows}
    assert list(rows) == ["line_id", "quantity", "unit_price", "vat_rate"]
    assert rows["unit_price"].differs and not rows["quantity"].differs
    assert rows["unit_price"].values == ("12.50", "11.90", None)
    assert (rows["unit_price"].difference, rows["unit_price"].tolerance) == ("0.60", "0.25")
    assert rows["vat_rate"].values == ("25.5", "24", None)  # only in the differences
    assert line.reasons == ("PRICE_VARIANCE", "VAT_MISMATCH") and line.has_differences
    assert view.header == (("order.number", "PO-1"),)
    assert view.fields == (("matched_by", "robot:invoice_matching"),)


def test_the_matching_engines_own_line_shape_is_side_by_side_too() -> None:
    view = evidence_view({"lines": [{
        "index": 0, "line_id": "1", "matched_by": "line_reference",
        "invoice": {"quantity": "10", "unit_price": "47.25"},
        "order": {"quantity": "30", "unit_price": "45.00", "status": "open"},
        "receipt": None,
        "cumulative": {"before": "10", "after": "20"},
        "differences": {"unit_price": {"invoice": "47.25", "order": "45.00",
                                       "difference": "2.25", "percent": "5"}},
        "tolerance": {"price_percent": "2", "price_amount": "20.00"},
    }]})
    (line,) = view.lines
    rows = {row.name: row for row in line.rows}
    assert line.present == (True, True, False)
    assert rows["unit_price"].values == ("47.25", "45.00", None) and rows["unit_price"].differs
    assert rows["unit_price"].difference == "2.25"
    assert rows["unit_price"].notes == (("percent", "5"),)
    assert rows["status"].values == (None, "open", None)
    assert line.tolerance == (("price_percent", "2"), ("price_amount", "20.00"))
    assert line.details == (("index", "0"), ("line_id", "1"), ("matched_by", "line_reference"),
                            ("cumulative.before", "10"), ("cumulative.after", "20"))


def test_other_evidence_is_a_list_of_fields() -> None:
    view = evidence_view({"problems": [{"code": "INVALID_IBAN", "message": "bad"}],
                          "checked": ["iban", "business_id"], "ok": False})
    assert view.fields == (("problems[1].code", "INVALID_IBAN"), ("problems[1].message", "bad"),
                           ("checked", "iban, business_id"), ("ok", "false"))
    assert evidence_view(None).empty and not view.lines
    assert list(flatten("plain")) == [("value", "plain")]


# -- documents -----------------------------------------------------------------------------

def test_xml_is_pretty_printed_and_hostile_xml_is_not_parsed() -> None:
    view = document_view("inv.xml", b"<?xml version='1.0'?><Finvoice><A>1</A><B><C>&lt;x&gt;"
                                    b"</C></B></Finvoice>")
    assert view.kind == "xml"
    assert view.text == ("<Finvoice>\n  <A>1</A>\n  <B>\n    <C>&lt;x&gt;</C>\n  </B>\n"
                         "</Finvoice>\n")
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
            b"<lolz>&lol;</lolz>")
    refused = document_view("bomb.xml", bomb)
    assert refused.kind == "text" and "<!ENTITY" in (refused.text or "")
    assert document_view("scan.pdf", b"%PDF-1.4\x00\x01\x02").kind == "binary"
    assert document_view("latin.txt", "Hyvää päivää".encode("iso-8859-15")).text == "Hyvää päivää"


# -- languages -----------------------------------------------------------------------------

def used_keys() -> set[str]:
    sources = [*WEB.glob("templates/**/*.html"), *WEB.glob("routes/*.py"), WEB / "views.py"]
    key = re.compile(r"""\bt\(["']([a-z_]+\.[a-z0-9_.]*[a-z0-9_])["']""")
    found: set[str] = set()
    for source in sources:
        found |= set(key.findall(source.read_text()))
    return found


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    catalogs = load_catalogs()
    english = catalogs["en"]
    for language, catalog in catalogs.items():
        assert set(catalog) == set(english), language
        for key, text in catalog.items():
            assert text.strip(), (language, key)
            assert placeholders(text) == placeholders(english[key]), (language, key)
    keys = used_keys()
    assert len(keys) > 100
    assert keys <= set(english), sorted(keys - set(english))
    dynamic = ("state.", "role.", "language.", "sort.", "filter.state.", "evidence.",
               "notice.", "error.", "action.", "reason.", "field.", "login.", "run_status.",
               "run_origin.")
    unused = {key for key in english if key not in keys and not key.startswith(dynamic)}
    assert unused == set()


def test_translator_formats_per_locale() -> None:
    catalogs = load_catalogs()
    zone = ZoneInfo("Europe/Helsinki")
    fi, sv = Translator("fi", catalogs, zone), Translator("sv", catalogs, zone)
    assert fi("queue.title") == "Poikkeusjono" and sv("queue.title") == "Undantagskö"
    assert fi("item.title", id=5) == "Tapahtuma 5"
    assert fi("no.such.key") == "no.such.key"
    assert fi.number("1234.5") == "1\u00a0234,5" and fi.number("PO-1") == "PO-1"
    assert fi.label("state", "needs_review") == "odottaa käsittelyä"
    assert fi.label("reason", "SOMETHING_NEW") == "SOMETHING_NEW"
    assert negotiate("sv-FI,sv;q=0.9,en;q=0.8", "fi") == "sv"
    assert negotiate("de-DE", "fi") == "fi"


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_money_matches_babel(language: str) -> None:
    translator = Translator(language, load_catalogs(), ZoneInfo("Europe/Helsinki"))
    for currency in ("EUR", "SEK", "JPY"):
        for amount in ("0", "1234.5", "-99.99", "1000000.01"):
            assert translator.money(Decimal(amount), currency) == format_currency(
                Decimal(amount), currency, locale=LOCALES[language])
    assert translator.money(None, "EUR") == ""
