"""/api/v1/returns on SQLite and PostgreSQL: create, the actions, list filters, the board and
the analysis; errors are problem+json naming the field, and a refused refund changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from shopops.accounts.service import create_token, create_user
from shopops.bootstrap import App
from shopops.web.app import create_app
from tests.factories import MovingClock
from tests.integration.test_aftersales import clock as clock
from tests.integration.test_aftersales import order_id
from tests.integration.test_aftersales import shop as shop


@pytest.fixture
def api(shop: App) -> Iterator[TestClient]:
    with shop.uow() as uow:
        create_user(uow, "ops", "correct horse battery")
        token = create_token(uow, "ops", "tests")
    with TestClient(create_app(shop), headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def test_flow_through_the_api(api: TestClient, shop: App, clock: MovingClock) -> None:
    oid = order_id(shop)
    created = api.post("/api/v1/returns", json={"order_id": oid, "sku": "SKU-A",
                                                "reason": "no_reason", "quantity": 1})
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert created.json()["amount"] == "300.00" and created.json()["status"] == "requested"
    assert api.post(f"/api/v1/returns/{rid}/approve").json()["status"] == "approved"
    clock.at += timedelta(hours=2)
    got = api.post(f"/api/v1/returns/{rid}/receive", json={"warehouse": "SH"}).json()
    assert (got["status"], got["return_warehouse"], got["restock"]) == ("received", "SH", True)
    clock.at += timedelta(hours=30)
    overdue = api.get("/api/v1/returns", params={"overdue": "true"}).json()
    assert [r["id"] for r in overdue["items"]] == [rid]
    assert api.get("/api/v1/returns/board").json()["overdue_count"] == 1
    refused = api.post(f"/api/v1/returns/{rid}/refund", json={"amount": "999"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (refused.json()["code"], refused.json()["field"]) == ("service.over_refund",
                                                                 "amount")
    assert api.get(f"/api/v1/returns/{rid}").json()["status"] == "received"
    assert api.get(f"/api/v1/orders/{oid}").json()["refund_amount"] == "0.00"
    done = api.post(f"/api/v1/returns/{rid}/refund").json()
    assert (done["status"], done["refund_hours"], done["within_target"]) == ("refunded",
                                                                             "30.0", False)
    assert api.get(f"/api/v1/orders/{oid}").json()["refund_amount"] == "300.00"
    assert api.post(f"/api/v1/returns/{rid}/close").json()["status"] == "closed"
    listed = api.get("/api/v1/returns", params={"status": "closed", "store": "tm1"}).json()
    assert listed["total"] == 1
    report = api.get("/api/v1/returns/analysis",
                     params={"from": "2026-11-01", "to": "2026-11-30", "by": "sku"}).json()
    assert report["by"]["sku"][0]["return_rate"] == "0.5000"


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"sku": "SKU-A", "reason": "colour"}, 422, "request.invalid", "reason"),
    ({"sku": "SKU-A", "reason": "quality", "kind": "swap"}, 422, "request.invalid", "kind"),
    ({"sku": "SKU-Z", "reason": "quality"}, 404, "resource.not_found", "sku"),
    ({"sku": "SKU-A", "reason": "quality", "quantity": 3}, 422, "service.over_refund",
     "quantity"),
    ({"sku": "SKU-A", "reason": "quality", "amount": "abc"}, 422, "request.invalid", "amount"),
    ({"reason": "quality"}, 422, "request.invalid", "sku"),
])
def test_bad_requests_name_the_field(api: TestClient, shop: App, body: dict[str, object],
                                     status: int, code: str, field: str) -> None:
    response = api.post("/api/v1/returns", json={"order_id": order_id(shop), **body})
    assert response.status_code == status, response.text
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert api.get("/api/v1/returns").json()["total"] == 0


def test_unknown_request_and_filter(api: TestClient) -> None:
    missing = api.get("/api/v1/returns/999")
    assert (missing.status_code, missing.json()["field"]) == (404, "id")
    bad = api.get("/api/v1/returns", params={"status": "lost"})
    assert (bad.status_code, bad.json()["field"]) == (422, "status")
    assert api.get("/api/v1/returns/analysis", params={"from": "2026-11-30",
                                                      "to": "2026-11-01"}).status_code == 422
