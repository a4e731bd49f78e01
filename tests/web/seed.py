"""Seeding the review tests: invoice-like exceptions made the way a robot makes them."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import Any

from finrpa.queue.records import NewItem, QueueConfig
from finrpa.queue.store import QueueStore

QUEUE = "invoices"
ROBOT = "robot:invoice_matching"
_numbers = itertools.count(1000)


def configure(store: QueueStore, queue: str = QUEUE) -> None:
    store.configure_queue(QueueConfig(
        name=queue, payload_model="tests.web.payloads:InvoiceWork",
        editable_fields=["invoice.order_reference"]))


def price_evidence(invoice_price: str = "12.50", order_price: str = "11.90") -> dict[str, Any]:
    """Evidence as the invoice robot writes it: one line whose unit price is off."""
    difference = str(Decimal(invoice_price) - Decimal(order_price))
    return {
        "lines": [{
            "invoice_line": {"line_id": "1", "name": "Copy paper A4", "quantity": "10",
                             "unit_price": invoice_price},
            "order_line": {"line_id": "1", "name": "Copy paper A4", "quantity": "10",
                           "unit_price": order_price},
            "receipt": {"quantity": "10", "received_on": "2026-11-02"},
            "differences": {"unit_price": {"invoice": invoice_price, "order": order_price,
                                           "difference": difference, "tolerance": "0.25"}},
            "reasons": ["PRICE_VARIANCE"],
        }],
        "header": {"order_number": "PO-1001"},
        "reasons": ["PRICE_VARIANCE"],
    }


def invoice_payload(number: str, supplier: str, amount: str, order: str | None = "PO-1001",
                    currency: str = "EUR") -> dict[str, Any]:
    return {"invoice": {"invoice_number": number, "order_reference": order,
                        "seller": {"name": supplier}, "currency": currency,
                        "totals": {"payable": amount}}}


def seed_exception(store: QueueStore, *, supplier: str = "Paperitukku Oy",
                   amount: str = "1250.00", number: str | None = None,
                   code: str = "PRICE_VARIANCE", order: str | None = "PO-1001",
                   evidence: Any = None, due_at: datetime | None = None,
                   queue: str = QUEUE, currency: str = "EUR",
                   files: dict[str, bytes] | None = None) -> int:
    """Enqueue an invoice, claim it as the robot and fail it as a business exception."""
    number = number or f"INV-{next(_numbers)}"
    xml = (f"<?xml version='1.0' encoding='UTF-8'?><Finvoice Version='3.0'><InvoiceDetails>"
           f"<InvoiceNumber>{number}</InvoiceNumber><OrderIdentifier>{order or ''}"
           f"</OrderIdentifier></InvoiceDetails></Finvoice>").encode()
    result = store.enqueue(queue, NewItem(
        payload=invoice_payload(number, supplier, amount, order, currency),
        business_key=number, due_at=due_at, priority=next(_numbers),
        files=files if files is not None else {f"{number}.xml": xml}), actor=ROBOT)
    item_id = result.item.id
    # Each seed outranks the last, so this item is claimed ahead of any sent back earlier.
    claimed = store.claim(queue, ROBOT, limit=1)
    assert [item.id for item in claimed] == [item_id], "another seeded item is pending"
    message = {"PRICE_VARIANCE": "Unit price 12.50 is 0.60 over the order's 11.90 "
                                 "(tolerance 0.25)",
               "ORDER_NOT_FOUND": f"Order {order} was not found"}.get(code, code)
    store.fail_business(item_id, ROBOT, code, message,
                        evidence if evidence is not None else price_evidence())
    return item_id
