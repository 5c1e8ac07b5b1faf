"""订单 console pages and /api/v1/orders on SQLite and PostgreSQL: filters (store, platform,
status, paid day range), search by order number and by buyer, pages, the Excel export of the
filtered list, the order detail (lines, amounts, refunds, timeline) and friendly errors."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.customers.service import customers_for_buyers
from shopops.orders.browse import OrderQuery, search_orders
from shopops.service.service import NewRequest, create_request
from shopops.stores.service import add_store
from shopops.web.app import create_app
from tests.factories import (
    Line,
    add_category,
    add_customer,
    add_order,
    add_product,
    add_sku,
    shanghai,
)

USER, PASSWORD = "ops", "correct horse battery"


def build_orders(app: App) -> dict[str, int]:
    """tm1 (tmall): 60 paid orders over Nov 1–20 + one refunded; jd1 (jd): two orders."""
    ids: dict[str, int] = {}
    with app.uow() as uow:
        create_user(uow, USER, PASSWORD, display_name="运营小王")
        tm = add_store(uow, "tm1", "tmall", name="天猫旗舰店")
        jd = add_store(uow, "jd1", "jd", name="京东自营店")
        product = add_product(uow, "P-1", add_category(uow, "c1", "女装"), "连衣裙")
        a = add_sku(uow, "SKU-A", product, price="100", cost="40", name="连衣裙 黑 M")
        b = add_sku(uow, "SKU-B", product, price="50", cost="20", name="连衣裙 白 S")
        buyer = customers_for_buyers(uow, tm.id, {"tb_小明": shanghai(2026, 1, 1)})["tb_小明"]
        for n in range(60):
            add_order(uow, tm.id, f"19306798581{n:05d}", [Line(a, 1, "90.00")],
                      paid_at=shanghai(2026, 11, 1 + n % 20, 10, n % 60))
        refunded = add_order(uow, tm.id, "1930679858199999",
                             [Line(a, 2, "180.00", refund="90.00"), Line(b, 1, "50.00")],
                             paid_at=shanghai(2026, 11, 21, 9), shipping="8.00")
        refunded.customer_id = buyer
        ids["refunded"] = refunded.id
        ids["jd"] = add_order(uow, jd.id, "300000000001", [Line(b, 2, "95.00")],
                              paid_at=shanghai(2026, 11, 5, 20),
                              customer=add_customer(uow, "京东用户王五")).id
        ids["unpaid"] = add_order(uow, jd.id, "300000000002", [Line(b, 1, "50.00")],
                                  created_at=shanghai(2026, 11, 6, 8)).id
    return ids


@pytest.fixture
def shop(app: App) -> Iterator[tuple[App, dict[str, int]]]:
    yield app, build_orders(app)


@pytest.fixture
def client(shop: tuple[App, dict[str, int]]) -> Iterator[TestClient]:
    with TestClient(create_app(shop[0])) as c:
        yield c


@pytest.fixture
def logged_in(client: TestClient) -> TestClient:
    assert client.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
    return client


def order_numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/orders/\d+">([^<]+)</a>', html)


def total(html: str) -> int:
    found = re.search(r'id="order-total" data-value="(\d+)"', html)
    assert found, html[:2000]
    return int(found.group(1))


def test_pages_need_login(client: TestClient) -> None:
    for path in ("/orders", "/orders/1", "/orders/export.xlsx"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_list_filters_and_pages(logged_in: TestClient) -> None:
    page = logged_in.get("/orders")
    assert page.status_code == 200
    assert total(page.text) == 63
    assert len(order_numbers(page.text)) == 50  # one page
    assert "第 1 / 2 页" in page.text
    second = logged_in.get("/orders?page=2")
    assert len(order_numbers(second.text)) == 13
    # newest payment first, the unpaid order last
    assert order_numbers(page.text)[0] == "1930679858199999"
    assert order_numbers(second.text)[-1] == "300000000002"

    assert total(logged_in.get("/orders?store=jd1").text) == 2
    assert total(logged_in.get("/orders?platform=tmall").text) == 61
    assert total(logged_in.get("/orders?status=refunded").text) == 1
    assert total(logged_in.get("/orders?status=created").text) == 1
    # Nov 1–3 (3 days × 3 orders on tm1) + nothing on jd1
    ranged = logged_in.get("/orders?paid_from=2026-11-01&paid_to=2026-11-03")
    assert total(ranged.text) == 9
    combined = logged_in.get("/orders?platform=jd&paid_from=2026-11-05&paid_to=2026-11-05")
    assert order_numbers(combined.text) == ["300000000001"]


def test_search_by_order_number_and_buyer(logged_in: TestClient) -> None:
    assert order_numbers(logged_in.get("/orders?q=1930679858100007").text) == [
        "1930679858100007"]
    # pasted from Excel as ="…"
    assert order_numbers(logged_in.get('/orders?q=="1930679858199999"').text) == [
        "1930679858199999"]
    assert order_numbers(logged_in.get("/orders?q=小明").text) == ["1930679858199999"]
    assert order_numbers(logged_in.get("/orders?q=王五").text) == ["300000000001"]
    empty = logged_in.get("/orders?q=no-such-order")
    assert total(empty.text) == 0 and 'id="orders-empty"' in empty.text
    # a LIKE wildcard is searched for literally
    assert total(logged_in.get("/orders?q=%25").text) == 0


def test_bad_filters_are_friendly(logged_in: TestClient) -> None:
    bad_date = logged_in.get("/orders?paid_from=2026-13-01")
    assert bad_date.status_code == 400 and 'data-field="paid_from"' in bad_date.text
    unknown = logged_in.get("/orders?store=nope")
    assert unknown.status_code == 404 and 'id="error"' in unknown.text
    backwards = logged_in.get("/orders?paid_from=2026-11-10&paid_to=2026-11-01")
    assert backwards.status_code == 400 and 'data-field="paid_to"' in backwards.text
    assert logged_in.get("/orders?status=lost").status_code == 400


def test_excel_export_of_the_filtered_list(logged_in: TestClient) -> None:
    response = logged_in.get("/orders/export.xlsx?platform=tmall&paid_from=2026-11-21")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "平台订单号"
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["平台订单号"] == "1930679858199999"
    assert row["平台"] == "天猫" and row["状态"] == "已退款" and row["买家"] == "tb_小明"
    assert row["商品行数"] == 2 and row["件数"] == 3
    assert Decimal(str(row["实付金额"])) == Decimal("238.00")
    assert Decimal(str(row["退款金额"])) == Decimal("90.00")
    everything = logged_in.get("/orders/export.xlsx")
    whole = load_workbook(io.BytesIO(everything.content)).active
    assert whole is not None and whole.max_row == 64


def test_order_detail(logged_in: TestClient, shop: tuple[App, dict[str, int]]) -> None:
    order_id = shop[1]["refunded"]
    assert 'id="after-sales-empty"' in logged_in.get(f"/orders/{order_id}").text
    with shop[0].uow() as uow:
        request_id = create_request(uow, NewRequest(order_id=order_id, reason="quality",
                                                    sku="SKU-B", kind="refund_only"))
    page = logged_in.get(f"/orders/{order_id}")
    assert page.status_code == 200
    html = page.text
    assert "1930679858199999" in html and 'data-status="refunded"' in html
    assert 'data-metric="paid_amount" data-value="238.00"' in html
    assert 'data-metric="refund_amount" data-value="90.00"' in html
    assert 'data-metric="shipping_fee" data-value="8.00"' in html
    assert html.count('data-sku="SKU-A"') == 1 and 'data-sku="SKU-B"' in html
    steps = re.findall(r'<li data-step="(\w+)" data-source="(\w+)">', html)
    assert [step for step, _ in steps][:2] == ["created", "paid"]
    assert ("refunded", "order") in steps  # no fact written: the order row's time
    assert "2026-11-21 09:00" in html  # paid, Shanghai time
    assert f'<tr data-request-id="{request_id}" data-status="requested">' in html
    assert f'href="/aftersales/{request_id}"' in html and "仅退款" in html
    missing = logged_in.get("/orders/999999")
    assert missing.status_code == 404 and 'id="error"' in missing.text


def test_english(logged_in: TestClient) -> None:
    page = logged_in.get("/orders?lang=en")
    assert "Order no." in page.text and "Page 1 of 2" in page.text


def test_api_filters_and_search(logged_in: TestClient, shop: tuple[App, dict[str, int]]) -> None:
    body = logged_in.get("/api/v1/orders", params={"platform": "jd"}).json()
    assert body["total"] == 2
    assert {o["platform"] for o in body["items"]} == {"jd"}
    found = logged_in.get("/api/v1/orders", params={"q": "小明"}).json()
    assert [o["channel_order_no"] for o in found["items"]] == ["1930679858199999"]
    assert found["items"][0]["buyer"] == "tb_小明"
    bad = logged_in.get("/api/v1/orders", params={"platform": "amazon"})
    assert bad.status_code == 422 and bad.json()["field"] == "platform"
    with shop[0].reader() as uow:
        page = search_orders(uow, OrderQuery(store="tm1", status="paid"), 1, 10)
    assert page["total"] == 60 and page["paid_amount"] == "5400.00"
