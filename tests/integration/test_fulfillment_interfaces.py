"""The fulfillment API (/api/v1) and CLI (`shopops fulfil …`) on SQLite and PostgreSQL:
allocate, ship, tracking events as JSON and as a file, the exception queue and the board."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from shopops import cli
from shopops.accounts.service import create_token, create_user
from shopops.bootstrap import App
from tests.factories import MovingClock
from tests.integration import test_fulfillment as base
from tests.integration.test_api import PROBLEM, build_web
from tests.integration.test_fulfillment import T0, paid_order, receive

shop, clock = base.shop, base.clock  # the same shop and clock fixtures

HOUR = timedelta(hours=1)


@pytest.fixture
def api(shop: App) -> tuple[TestClient, dict[str, str]]:
    with shop.uow() as uow:
        create_user(uow, "ops", "secret-pass-1", display_name="运营")
        token = create_token(uow, "ops", "test")
    return TestClient(build_web(shop)), {"Authorization": f"Bearer {token}"}


def test_api_allocate_ship_track_and_queue(shop: App, clock: MovingClock,
                                           api: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = api
    receive(shop, WH_SH={"A": 1}, WH_GZ={"A": 1})
    order_id = paid_order(shop, "N1", {"A": 1}, province=None)
    other = paid_order(shop, "N2", {"A": 2}, province=None)
    r = client.post(f"/api/v1/orders/{order_id}/allocate", json={"province": "上海"},
                    headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["parcels"][0]["warehouse"] == "WH-SH" and r.json()["region"] == "华东"
    r = client.post(f"/api/v1/orders/{other}/allocate", headers=auth)
    assert r.status_code == 409 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == "inventory.insufficient_stock" and r.json()["field"] == "lines"

    r = client.post("/api/v1/shipments", headers=auth, json={
        "order_id": order_id, "carrier": "顺丰", "tracking_no": "SF9"})
    assert r.status_code == 201, r.text
    assert (r.json()["carrier_code"], r.json()["status"]) == ("SF", "shipped")
    bad = client.post("/api/v1/shipments", headers=auth, json={
        "order_id": order_id, "carrier": "飞毛腿", "tracking_no": "X1"})
    assert bad.status_code == 422 and bad.json()["field"] == "carrier"
    listed = client.get("/api/v1/shipments", params={"order_id": order_id}, headers=auth)
    assert listed.json()["total"] == 1

    r = client.post("/api/v1/tracking-events", headers=auth, json=[
        {"tracking_no": "SF9", "occurred_at": "2026-11-11T12:00:00+08:00",
         "status": "collected", "description": "已揽收", "location": "上海"},
        {"tracking_no": "SF9", "occurred_at": "yesterday", "status": "in_transit"}])
    assert r.status_code == 200, r.text
    assert (r.json()["added"], r.json()["rejected"]) == (1, 1)
    assert r.json()["problems"][0] == {"row": 2, "column": "occurred_at", "value": "yesterday",
                                       "reason": "occurred_at is not an ISO-8601 time"}
    csv = "运单号,时间,描述\nSF9,2026-11-12 18:00,已签收\nSF0,2026-11-12 18:00,已签收\n"
    r = client.post("/api/v1/tracking-events/import", headers=auth,
                    files={"file": ("sf.csv", csv.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["delivered_orders"] == [order_id] and r.json()["problems"][0]["row"] == 3
    order = client.get(f"/api/v1/orders/{order_id}", headers=auth).json()
    assert order["status"] == "delivered"

    clock.at = T0 + 49 * HOUR  # N2 (tmall, 48 h) is now overdue
    queue = client.get("/api/v1/fulfillment/exceptions", headers=auth).json()
    assert queue["counts"]["not_shipped"] == 1
    [item] = queue["items"]
    assert (item["order_id"], item["store"], item["age_hours"]) == (other, "tm", 1.0)
    assert item["suggested_action"]
    r = client.post(f"/api/v1/fulfillment/exceptions/{item['key']}/resolve", headers=auth,
                    json={"note": "已补货发出"})
    assert r.status_code == 200, r.text
    again = client.get("/api/v1/fulfillment/exceptions", headers=auth).json()
    assert again["total"] == 0 and again["items"] == []
    board = client.get("/api/v1/fulfillment/board", headers=auth).json()
    assert (board["counts"]["to_ship"], board["counts"]["overdue"]) == (1, 1)
    rules = client.put("/api/v1/fulfillment/routing-rules", params={"store": "tm"},
                       headers=auth, json=[{"kind": "nearest"}])
    assert rules.status_code == 422 and rules.json()["field"] == "rules[0].kind"


runner = CliRunner()


def test_cli_fulfil_commands(shop: App, clock: MovingClock, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "get_app", lambda: shop)

    def run(*args: str) -> str:
        result = runner.invoke(cli.app, ["fulfil", *args])
        assert result.exit_code == 0, (result.output, result.exception)
        return result.stdout

    receive(shop, WH_GZ={"A": 5})
    first = paid_order(shop, "N1", {"A": 2})
    paid_order(shop, "N2", {"A": 9})
    done = json.loads(run("allocate", "--format", "json"))
    assert [r["order_id"] for r in done["allocated"]] == [first]
    assert done["failed"][0]["channel_order_no"] == "N2"
    assert "A short by" in done["failed"][0]["message"]
    shipped = json.loads(run("ship", "--order", str(first), "--carrier", "ZTO",
                             "--tracking-no", "ZT1", "--format", "json"))
    assert shipped["carrier_name"] == "中通快递"
    track = tmp_path / "zto.csv"
    track.write_text("快递单号,扫描时间,状态,描述\nZT1,2026-11-11 20:00,揽收,已揽件\n"
                     "ZT1,bad,运输中,x\n", encoding="gb18030")
    report = json.loads(run("track-import", str(track), "--format", "json"))
    assert (report["added"], report["rejected"]) == (1, 1)
    clock.at = T0 + 49 * HOUR
    queue = json.loads(run("exceptions", "--format", "json"))
    assert queue["counts"]["not_shipped"] == 1
    run("handle", queue["items"][0]["key"], "--state", "acknowledged")
    assert json.loads(run("exceptions", "--format", "json"))["items"][0]["state"] == \
        "acknowledged"
    out = tmp_path / "board.xlsx"
    run("board", "--format", "xlsx", "--output", str(out))
    book = load_workbook(out)
    assert book.sheetnames == ["待发货", "物流异常", "汇总"]
    assert book["待发货"]["A2"].value == "N2"
    assert "N2" in run("board")
