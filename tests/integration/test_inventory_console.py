"""库存 console pages on a demo shop, on SQLite and PostgreSQL: the inventory board shows the
monitoring board's numbers and alerts and its filters narrow them, a SKU's stock history ends
at the balance the ledger holds, the forecast accuracy page shows the stored run; every table
downloads as Excel with the same rows; every page needs a login."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.catalog.models import Sku
from shopops.core.clock import FixedClock
from shopops.demo.service import build_demo_shop
from shopops.inventory.forecast_service import run_forecast
from shopops.inventory.models import StockBalance, StockMove, Warehouse
from shopops.inventory.monitoring_service import stock_board
from shopops.web.app import create_app
from tests.conftest import make_app, private_app

END = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai, the demo's last day
PAGES = ("/inventory", "/inventory/forecast", "/inventory/sku/1", "/inventory/export.xlsx",
         "/inventory/forecast/export.xlsx", "/inventory/sku/1/export.xlsx")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[App]:
    with private_app(request.param, tmp_path_factory.mktemp("inv")) as built:
        build_demo_shop(built, seed=3, orders=3000, end_date=END, days=200)
        app = make_app(built.engine.url.render_as_string(hide_password=False), FixedClock(NOW))
        with app.uow() as uow:
            create_user(uow, "ops", "correct horse battery")
        try:
            yield app
        finally:
            app.dispose()


@pytest.fixture
def client(shop: App) -> Iterator[TestClient]:
    with TestClient(create_app(shop)) as c:
        response = c.post("/login", data={"username": "ops", "password": "correct horse battery"})
        assert response.status_code == 200
        yield c


def rows_of(html: str, table_id: str) -> list[str]:
    start = html.index(f'id="{table_id}"')
    body = html[start:html.index("</table>", start)]
    return re.findall(r'<tr data-sku="([^"]+)"', body)


def sheet(response: object, title: str) -> list[tuple[object, ...]]:
    book = load_workbook(BytesIO(response.content))  # type: ignore[attr-defined]
    return list(book[title].iter_rows(values_only=True))


def test_every_inventory_page_needs_login(shop: App) -> None:
    with TestClient(create_app(shop)) as anonymous:
        for path in PAGES:
            response = anonymous.get(path, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login?next=")


def test_board_shows_the_monitoring_board_and_its_alerts(shop: App,
                                                         client: TestClient) -> None:
    with shop.reader() as uow:
        board = stock_board(uow, END)
    response = client.get(f"/inventory?date={END}")
    assert response.status_code == 200
    html = response.text
    assert rows_of(html, "board-table") == [r.sku for r in board.rows]
    assert f'id="alert-count" data-value="{len(board.alerts)}"' in html
    assert board.alerts, "the demo plants stock alerts"
    assert "畅销缺货风险" in html or "滞销积压" in html
    # the Excel download has the same rows
    xlsx = client.get(f"/inventory/export.xlsx?date={END}")
    assert xlsx.status_code == 200
    table = sheet(xlsx, "库存看板")
    assert [r[0] for r in table[1:]] == [r.sku for r in board.rows]
    assert len(sheet(xlsx, "库存预警")) == len(board.alerts) + 1


def test_board_filters(shop: App, client: TestClient) -> None:
    with shop.reader() as uow:
        board = stock_board(uow, END)
    kind = board.alerts[0].kind
    html = client.get(f"/inventory?date={END}&alert={kind}").text
    assert set(rows_of(html, "board-table")) == {a.sku for a in board.alerts if a.kind == kind}
    some_wh = board.rows[0].warehouses[0].warehouse
    html = client.get(f"/inventory?date={END}&warehouse={some_wh}").text
    expected = [r.sku for r in board.rows if any(w.warehouse == some_wh for w in r.warehouses)]
    assert rows_of(html, "board-table") == expected
    stores = re.findall(r'<option value="([^"]+)"', html.split('id="f-store"')[1]
                        .split("</select>")[0])
    narrowed = client.get(f"/inventory?date={END}&store={stores[0]}").text
    assert 0 < len(rows_of(narrowed, "board-table")) <= len(board.rows)
    bad = client.get("/inventory?warehouse=NOPE")
    assert bad.status_code == 404 and 'data-field="warehouse"' in bad.text
    assert client.get("/inventory?alert=nope").status_code == 400
    assert client.get("/inventory?lang=en").status_code == 200


def test_sku_history_ends_at_the_ledger_balance(shop: App, client: TestClient) -> None:
    with shop.reader() as uow:
        sku_id, code = uow.session.execute(
            select(Sku.id, Sku.code).join(StockMove, StockMove.sku_id == Sku.id)
            .where(StockMove.kind == "shipment").limit(1)).one()
        per_warehouse = dict(uow.session.execute(
            select(Warehouse.code, StockBalance.on_hand)
            .join(Warehouse, Warehouse.id == StockBalance.warehouse_id)
            .where(StockBalance.sku_id == sku_id)).all())
    on_hand = sum(per_warehouse.values())
    response = client.get(f"/inventory/sku/{sku_id}")
    assert response.status_code == 200
    html = response.text
    assert code in html and f'id="on-hand" data-value="{on_hand}"' in html
    chart = json.loads(re.search(r'id="stock-data">(.*?)</script>', html, re.S).group(1))
    assert chart["closing"][-1] == on_hand
    assert sum(chart["shipped"]) > 0
    assert "/static/vendor/echarts.min.js" in html
    moves = sheet(client.get(f"/inventory/sku/{sku_id}/export.xlsx"), "库存流水")
    first_with_balance = next(r for r in moves[1:] if r[4] is not None)
    # newest move first, with its warehouse's on hand after it
    assert first_with_balance[4] == per_warehouse[first_with_balance[1]]
    assert client.get("/inventory/sku/999999").status_code == 404


def test_forecast_page_shows_the_stored_run(shop: App, client: TestClient) -> None:
    empty = client.get("/inventory/forecast?store=nope")
    assert empty.status_code == 404
    with shop.uow() as uow:
        summary = run_forecast(uow, as_of=END, horizon_days=14, folds=1)
    html = client.get("/inventory/forecast").text
    assert 'data-state="ready"' in html
    assert 'data-route="model"><td>ShopOps 预测</td>' in html
    assert f'data-metric="wape" data-value="{summary.model["wape"]}"' in html
    assert len(rows_of(html, "accuracy-table")) == summary.series
    xlsx = client.get("/inventory/forecast/export.xlsx")
    assert len(sheet(xlsx, "按 SKU")) == summary.series + 1
    sku_page = client.get("/inventory/sku/1").text
    chart = json.loads(re.search(r'id="stock-data">(.*?)</script>', sku_page, re.S).group(1))
    assert len(chart["forecast"]) in (0, 14)  # SKU 1 may have no sales in two years
