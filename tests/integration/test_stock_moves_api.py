"""/api/v1/stock/moves on SQLite and PostgreSQL: post a receipt, an adjustment, a return and a
transfer through the API, read the ledger back newest first, and bad input that names its
field and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shopops.accounts.service import create_token, create_user
from shopops.bootstrap import App
from shopops.inventory.models import Warehouse
from shopops.web.app import create_app
from tests.factories import add_category, add_product, add_sku


@pytest.fixture
def api(app: App) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with app.uow() as uow:
        create_user(uow, "ops", "correct-horse", display_name="运营")
        token = create_token(uow, "ops", "tests")
        product = add_product(uow, "P1", add_category(uow, "C1"))
        add_sku(uow, "A", product, price="10", cost="5")
        uow.session.add_all([Warehouse(code="WH-E", name="华东仓", region="华东"),
                             Warehouse(code="WH-S", name="华南仓", region="华南")])
    with TestClient(create_app(app), raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def post(api: tuple[TestClient, dict[str, str]], body: dict[str, Any]) -> Any:
    client, auth = api
    return client.post("/api/v1/stock/moves", json=body, headers=auth)


def level(api: tuple[TestClient, dict[str, str]], warehouse: str) -> dict[str, Any]:
    client, auth = api
    items = client.get("/api/v1/stock/levels", params={"sku": "A", "warehouse": warehouse},
                       headers=auth).json()["items"]
    assert len(items) == 1
    item: dict[str, Any] = items[0]
    return item


def test_moves_posted_through_the_api_change_balances_and_read_back(
        api: tuple[TestClient, dict[str, str]]) -> None:
    ok = post(api, {"kind": "receipt", "sku": "A", "warehouse": "WH-E", "quantity": 20,
                    "reference": "PO-1"})
    assert ok.status_code == 201, ok.text
    assert post(api, {"kind": "adjustment", "sku": "A", "warehouse": "WH-E", "delta": -3,
                      "reason": "盘点短少"}).status_code == 201
    back = post(api, {"kind": "return", "sku": "A", "warehouse": "WH-E", "quantity": 2,
                      "restock": False, "reason": "质量问题"})
    assert back.status_code == 201 and back.json()["warehouse"] == "WH-E-QC"
    moved = post(api, {"kind": "transfer", "sku": "A", "warehouse": "WH-E",
                       "to_warehouse": "WH-S", "quantity": 5})
    assert moved.status_code == 201 and moved.json()["transfer_id"] > 0
    assert (level(api, "WH-E")["on_hand"], level(api, "WH-S")["in_transit"]) == (12, 5)

    client, auth = api
    page = client.get("/api/v1/stock/moves", params={"sku": "A", "warehouse": "WH-E"},
                      headers=auth).json()
    assert page["total"] == 3
    assert [m["kind"] for m in page["items"]] == ["transfer_out", "adjustment", "receipt"]
    assert [m["quantity"] for m in page["items"]] == [-5, -3, 20]
    only = client.get("/api/v1/stock/moves", params={"kind": "return"}, headers=auth).json()
    assert [(m["warehouse"], m["quantity"]) for m in only["items"]] == [("WH-E-QC", 2)]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"kind": "sale", "sku": "A", "warehouse": "WH-E", "quantity": 1}, 422, "kind"),
    ({"kind": "receipt", "sku": "A", "warehouse": "WH-E", "quantity": "5",
      "reference": "PO-2"}, 422, "quantity"),
    ({"kind": "receipt", "sku": "A", "warehouse": "WH-E", "quantity": 5}, 422, "reference"),
    ({"kind": "adjustment", "sku": "A", "warehouse": "WH-E", "delta": -99,
      "reason": "盘亏"}, 409, "delta"),
    ({"kind": "receipt", "sku": "NOPE", "warehouse": "WH-E", "quantity": 1,
      "reference": "PO-3"}, 404, "sku"),
])
def test_bad_moves_name_the_field_and_change_nothing(
        api: tuple[TestClient, dict[str, str]], body: dict[str, Any], status: int,
        field: str) -> None:
    assert post(api, {"kind": "receipt", "sku": "A", "warehouse": "WH-E", "quantity": 4,
                      "reference": "PO-1"}).status_code == 201
    answer = post(api, body)
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field
    assert level(api, "WH-E")["on_hand"] == 4
    client, auth = api
    assert client.get("/api/v1/stock/moves", headers=auth).json()["total"] == 1
