"""Expected values of the Finvoice and TEAPPSXML files in corpus/finvoice, taken from the files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from finrpa.steps.invoice_model import InvoiceFormat, ReferenceScheme

D = Decimal
FI, RF, OTHER, NONE = (
    ReferenceScheme.FI_NATIONAL,
    ReferenceScheme.RF,
    ReferenceScheme.OTHER,
    ReferenceScheme.NONE,
)


def _amounts(*values: str | None) -> list[Decimal | None]:
    return [None if value is None else D(value) for value in values]


_FORTUM = {
    "seller": "Fortum Oyj",
    "business_id": "1463611-4",
    "net": D("1000.00"),
    "vat": D("240.00"),
    "gross": D("1240.00"),
    "payable": D("451.98"),  # EpiInstructedAmount copied from finvoice1: 451,98, not 1240,00
    "line_nets": _amounts("1000.00"),
    "order": "744500",
    "reference": ("101074450001009462", FI),
    "iban": "FI5241234320000314",
}
_OPERATOR_SAMPLE = {
    "seller": "SellerOrganisationName SellerOrganisationName",
    "business_id": "1234567-8",
    "order": "OrderIdentifier",
    "iban": "EpiAccountID",
}
_OPERATOR_201X = {
    **_OPERATOR_SAMPLE,
    "number": "2013000018",
    "net": D("133.50"),
    "vat": D("32.04"),
    "gross": D("165.54"),
    "payable": D("165.54"),
    "line_nets": _amounts("133.50"),
    "reference": ("RF471234567890", RF),
}
_FINVOICE_30 = {
    **_OPERATOR_SAMPLE,
    "version": "3.0",
    "number": "9190100001",
    "date": date(2019, 1, 21),
    "due": date(2019, 1, 28),
    "net": D("900.00"),
    "vat": D("216.00"),
    "gross": D("1116.00"),
    "paid": D("10.00"),
    "payable": D("1106.00"),  # InvoicePaidAmount 10,00 taken off the 1116,00 total
    "line_nets": _amounts("900.00"),
    "reference": ("91901000011", FI),
    "buyer_ref": None,
}
_TEAPPS = {
    "format": InvoiceFormat.TEAPPSXML,
    "number": "321123",
    "date": date(2012, 5, 29),
    "due": date(2012, 6, 19),
    "business_id": "1234567-8",
    "net": D("84.92"),
    "vat": D("19.53"),
    "gross": D("104.45"),
    "payable": None,
    "line_nets": _amounts("75.00", "9.92", "0.00", "0.00"),
    "order": "ORDER_NUMBER",
    "buyer_ref": "BUYER_REFERENCE",
    "reference": ("54321", FI),
    "iban": "IBAN_ACCOUNT_NUMBER",
}
FINVOICE_EXPECTED: dict[str, dict[str, Any]] = {
    "finvoice/1.0.xml": {
        "version": "1.0",
        "number": "1/2002",
        "date": date(2002, 6, 12),
        "due": date(2002, 6, 28),  # no InvoiceDueDate: EpiDateOptionDate
        "seller": "Pullin Kala Oy",
        "business_id": "0123456-7",
        "net": D("100.00"),
        "vat": D("22.00"),
        "gross": D("122.00"),
        "payable": D("122.00"),
        "line_nets": _amounts("50.00", "50.00"),
        "order": "TI0988",
        "reference": ("8620741", FI),  # no IdentificationSchemeName: digits, so national
        "iban": "FI1234567890123456",
    },
    "finvoice/1.1.xml": {
        "version": "1.1",
        "number": "164",
        "date": date(2004, 6, 15),
        "due": date(2004, 6, 25),
        "seller": "Tieken testi xxx:n yksikkö",
        "business_id": "9876543-2",
        "net": D("132.75"),
        "vat": D("29.21"),
        "gross": D("161.96"),
        "payable": D("161.96"),
        "line_nets": _amounts("15.25", "117.50"),  # the first row is free text only
        "order": "ostajan viite",
        "reference": ("00000000000002004538", FI),
        "iban": None,
        "account_number": "50001520000081",  # IdentificationSchemeName="BBAN"
    },
    "finvoice/1.2.xml": {
        "version": "1.2",
        "number": "159",
        "date": date(2004, 12, 15),
        "due": date(2004, 12, 29),
        "seller": "Pullin Musiikki Oy (Laajat tiedot) Pullis Musiken",
        "business_id": "0199920-7",
        "net": D("2830.30"),
        "vat": D("622.68"),
        "gross": D("3352.98"),
        "payable": D("3352.98"),
        # five articles and the "Ennakkomaksu" row, which has only RowAmount -100,00
        "line_nets": _amounts("286.90", "196.80", "65.00", "2265.21", "16.39", None),
        "order": "TIL21222",
        "reference": ("00000000000002004486", FI),
        "iban": None,
        "account_number": "50001520000081",
    },
    "finvoice/2.01.xml": {
        "version": "2.01",
        "number": "C1001507271448",
        "type_code": "INV06",
        "date": date(2015, 7, 27),
        "due": date(2015, 8, 3),
        "seller": "Test Mav",
        "business_id": None,
        "net": D("0.00"),
        "vat": D("0.00"),
        "gross": D("0.00"),
        "payable": D("0.00"),
        "line_nets": _amounts("0.02"),
        "order": None,
        "reference": ("RF804806FA0472034B5D722A", RF),
        "iban": "FI2112345600000785",
    },
    "finvoice/anon_finvoice_13_invoice_with_MessageTransmissionDetails.xml": {
        **_OPERATOR_201X,
        "version": "1.3",
        "date": date(2020, 6, 24),
        "due": date(2013, 8, 28),
        "buyer_ref": "BuyerReferenceIdentifier",
    },
    "finvoice/anon_finvoice_201_invoice_with_MessageTransmissionDetails.xml": {
        **_OPERATOR_201X,
        "version": "2.01",
        "date": date(2013, 8, 14),
        "due": date(2013, 8, 28),
        "buyer_ref": None,
    },
    "finvoice/anon_finvoice_20_invoice_with_MessageTransmissionDetails.xml": {
        **_OPERATOR_201X,
        "version": "2.0",
        "date": date(2020, 6, 24),
        "due": date(2020, 6, 30),
        "buyer_ref": "BuyerReferenceIdentifier",
    },
    "finvoice/anon_finvoice_30_invoice_with_MessageTransmissionDetails.xml": _FINVOICE_30,
    "finvoice/anon_finvoice_30_invoice_with_SOAP.xml": _FINVOICE_30,
    "finvoice/anon_teapps_272_invoice.xml": {
        **_TEAPPS,
        "version": "2.7.2",
        "seller": "CUSTOMER_NAME",
    },
    "finvoice/anon_teapps_30_invoice.xml": {
        **_TEAPPS,
        "version": "3.0",
        "seller": "CUSTOMER_NAME CUSTOMER_NAME",
    },
    "finvoice/finvoice1.xml": {
        "version": "2.01",
        "number": "100946",
        "date": date(2023, 2, 1),
        "due": date(2023, 2, 28),
        "seller": "Stockmann Oyj Abp",
        "business_id": "0114162-2",
        "net": D("364.50"),
        "vat": D("87.48"),
        "gross": D("451.98"),
        "payable": D("451.98"),
        "line_nets": _amounts("362.50", "2.00"),
        "order": "744500",
        "reference": ("101074450001009462", FI),
        "iban": "FI3843224649000556",
    },
    "finvoice/finvoice2.xml": {
        **_FORTUM,
        "number": "6684412",
        "date": date(2023, 5, 1),
        "due": date(2023, 5, 15),
    },
    "finvoice/finvoice3.xml": {"readable": False},
    "finvoice/finvoice4.xml": {
        **_FORTUM,
        "number": "6684412",
        "date": date(2022, 12, 31),
        "due": None,  # 20231401 is no date
    },
    "finvoice/finvoice5.xml": {
        **_FORTUM,
        "number": "6684412",
        "date": date(2023, 5, 1),
        "due": date(2023, 5, 15),
    },
    "finvoice/finvoice6.xml": {
        **_FORTUM,
        "number": "6684413",
        "date": date(2022, 12, 31),
        "due": None,
    },
    "finvoice/finvoice_201_example1.xml": {
        "version": "2.01",
        "number": "123456",
        "date": date(2016, 2, 8),
        "due": date(2017, 9, 22),
        "seller": "Pullin Musiikki oy Pullis Musik Ab Kajala Group Oy",
        "business_id": "2084069-9",
        "net": D("100.00"),
        "vat": D("24.00"),
        "gross": D("124.00"),
        "payable": D("124.00"),
        "line_nets": _amounts("100.00", "100.00"),
        "order": "20130801",
        "reference": ("RF911234567890120", RF),
        "iban": "FI7429501800000014",
    },
    "finvoice/lasku.xml": {"readable": False},
}
