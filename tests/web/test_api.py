"""The JSON API (/api/v1) with API tokens: the same reads and decisions as the pages."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from finrpa.domain.items import ItemState
from finrpa.web.services import Services
from tests.web.seed import seed_exception


@pytest.fixture
def api(services: Services, client_for: Callable[[str | None], Any]) -> Callable[..., Any]:
    """``api(user, method, path, json)``: a call with ``user``'s API token."""
    tokens: dict[str, str] = {}
    client = client_for(None)

    def call(user: str, method: str, path: str, body: Any = None) -> Any:
        if user not in tokens:
            tokens[user] = services.accounts.create_token(user, "tests")
        return client.request(method, f"/api/v1{path}", json=body,
                              headers={"Authorization": f"Bearer {tokens[user]}"})

    return call


def test_list_filter_and_page_items(services: Services, api: Callable[..., Any]) -> None:
    ids = [seed_exception(services.store, supplier=f"Toimittaja {n} Oy", amount=f"{n}00.00")
           for n in range(1, 8)]
    other = seed_exception(services.store, supplier="Muu Oy", code="ORDER_NOT_FOUND",
                           amount="5.00")
    first = api("riikka", "GET", "/items?sort=amount_desc&reason=PRICE_VARIANCE")
    assert first.status_code == 200
    page = first.json()
    assert [item["id"] for item in page["items"]][:3] == ids[::-1][:3]
    assert page["items"][0]["amount"] == "700.00" and page["items"][0]["currency"] == "EUR"
    assert page["items"][0]["supplier"] == "Toimittaja 7 Oy"
    seen, cursor = [], None
    while True:
        query = "/items?reason=PRICE_VARIANCE" + (f"&cursor={cursor}" if cursor else "")
        body = api("riikka", "GET", query).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids and other not in seen
    reasons = {r["reason_code"]: r["count"] for r in api("riikka", "GET", "/reasons").json()}
    assert reasons == {"PRICE_VARIANCE": 7, "ORDER_NOT_FOUND": 1}
    assert api("riikka", "GET", "/items?amount_min=abc").status_code == 422


def test_item_detail_events_and_files(services: Services, api: Callable[..., Any]) -> None:
    item_id = seed_exception(services.store, number="INV-API-1", amount="25000.00")
    detail = api("riikka", "GET", f"/items/{item_id}").json()
    assert detail["item"]["reason_code"] == "PRICE_VARIANCE"
    assert detail["needs_four_eyes"] is True and detail["pending_approval"] is None
    assert detail["editable_fields"] == ["invoice.order_reference"]
    assert detail["item"]["evidence"]["lines"][0]["differences"]["unit_price"]["tolerance"] == (
        "0.25")
    assert [f["name"] for f in detail["files"]] == ["INV-API-1.xml"]
    content = api("riikka", "GET", f"/items/{item_id}/files/INV-API-1.xml")
    assert b"<InvoiceNumber>INV-API-1</InvoiceNumber>" in content.content
    events = api("riikka", "GET", f"/items/{item_id}/events").json()
    assert [e["action"] for e in events] == ["enqueue", "claim", "business_exception"]
    assert api("riikka", "GET", "/items/987654").status_code == 404


def test_decisions_through_the_api(services: Services, api: Callable[..., Any]) -> None:
    big = seed_exception(services.store, amount="12000.00")
    first = api("riikka", "POST", f"/items/{big}/accept", {"note": "ok"})
    assert first.json()["outcome"] == "first_approval"
    refused = api("rasmus", "POST", f"/items/{big}/accept", {})
    assert refused.status_code == 403 and refused.json()["code"] == "approver_required"
    second = api("aino", "POST", f"/items/{big}/accept", {})
    assert second.json()["outcome"] == "second_approval"
    assert second.json()["item"]["state"] == "done"
    again = api("antti", "POST", f"/items/{big}/accept", {})
    assert again.status_code == 409
    item = seed_exception(services.store, code="ORDER_NOT_FOUND", order="PO-0007")
    bad = api("riikka", "POST", f"/items/{item}/correct",
              {"fields": {"invoice.order_reference": "7"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == (
        "invoice.order_reference")
    not_editable = api("riikka", "POST", f"/items/{item}/correct",
                       {"fields": {"invoice.totals.payable": "1"}})
    assert not_editable.status_code == 403
    fixed = api("riikka", "POST", f"/items/{item}/correct",
                {"fields": {"invoice.order_reference": "PO-7007"}, "note": "typo"})
    assert fixed.json()["item"]["state"] == "pending"
    assert fixed.json()["item"]["payload"]["invoice"]["order_reference"] == "PO-7007"
    rest = [seed_exception(services.store) for _ in range(3)]
    assert api("riikka", "POST", f"/items/{rest[0]}/assign", {"assignee": "rasmus"}).json()[
        "item"]["assignee"] == "rasmus"
    assert api("riikka", "POST", f"/items/{rest[0]}/comment", {"text": "hm"}).json()["ok"]
    assert api("riikka", "POST", f"/items/{rest[0]}/postpone",
               {"until": "2031-01-02"}).status_code == 200
    assert api("riikka", "POST", f"/items/{rest[1]}/reject", {"reason": ""}).status_code == 422
    bulk = api("riikka", "POST", "/bulk/reject", {"item_ids": rest, "reason": "duplicates"})
    assert bulk.json() == {"done": rest, "refused": {}}
    assert {services.store.get(i).state for i in rest} == {ItemState.REJECTED}


def test_the_api_is_documented(client_for: Callable[[str | None], Any]) -> None:
    assert client_for(None).get("/api/v1/openapi.json").status_code == 401
    client = client_for("riikka")
    schema = client.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/v1/items", "/api/v1/items/{item_id}", "/api/v1/items/{item_id}/accept",
            "/api/v1/items/{item_id}/correct", "/api/v1/bulk/reject"} <= paths
    assert all(path.startswith("/api/v1/") for path in paths)  # pages stay out of the API
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text


def test_export_the_filtered_list_to_xlsx(services: Services,
                                          client_for: Callable[[str | None], Any]) -> None:
    for n in range(3):
        seed_exception(services.store, supplier=f"Vie {n} Oy", amount=f"{n + 1}0.50")
    seed_exception(services.store, supplier="Jätä Pois Oy")
    response = client_for("riikka").get("/queue/export.xlsx?supplier=vie&sort=amount_desc")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("No.", "Queue", "State", "Reason", "Invoice / item", "Supplier",
                           "Amount")
    assert [(row[5], row[6]) for row in rows[1:]] == [("Vie 2 Oy", 30.5), ("Vie 1 Oy", 20.5),
                                                      ("Vie 0 Oy", 10.5)]
