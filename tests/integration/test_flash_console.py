"""The 秒杀 console page on SQLite and PostgreSQL: it needs a login; the list shows each sale's
pool (units / sold / held / remaining), limit and status; the detail lists the order holds
(paid, held, lapsed) with their orders; 试抢购 creates a real unpaid order for a demo customer
and 付款 pays it (the order book shows both); refusals (每人限购, 已抢光, 超时) are shown with
the reason; 释放超时订单 releases the lapsed holds back to the pool; both tables export to
Excel with the page's figures."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from fastapi.testclient import TestClient

from shopops.bootstrap import App
from shopops.orders.service import get_order
from shopops.pricing import flash_service as flash
from tests.integration.shops import log_in, promotion_console
from tests.integration.test_flash_sale import at, new_sale, pool


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with promotion_console(app) as c:
        yield c


@pytest.fixture
def logged_in(client: TestClient) -> TestClient:
    return log_in(client)


def sale_with_holds(app: App) -> tuple[int, dict[str, int]]:
    """A 5-unit sale: u1 paid, u2 unpaid past its 10 minutes, u3 held (still in time)."""
    earlier = at(app, datetime.now(UTC) - timedelta(minutes=30))
    sale_id = new_sale(earlier, units=5, per_customer=2, hold_minutes=10, code="fs-618",
                       name="618 秒杀")
    holds = {}
    for customer, qty in (("u1", 1), ("u2", 2)):
        with earlier.uow() as uow:
            holds[customer] = flash.buy(uow, sale_id, customer, qty).id
    with earlier.uow() as uow:
        flash.pay(uow, sale_id, holds["u1"])
    with app.uow() as uow:
        holds["u3"] = flash.buy(uow, sale_id, "u3").id
    return sale_id, holds


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/flash-sales", "/flash-sales/1", "/flash-sales/export.xlsx"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/login?next=" in response.headers["location"]
    for path in ("/flash-sales/sweep", "/flash-sales/1/buy", "/flash-sales/1/holds/1/pay"):
        response = client.post(path, data={"customer": "x"}, follow_redirects=False)
        assert response.status_code == 303 and "/login" in response.headers["location"]


def test_empty_list_and_nav(logged_in: TestClient) -> None:
    page = logged_in.get("/flash-sales").text
    assert 'data-state="empty"' in page and "还没有秒杀活动" in page
    assert 'href="/flash-sales"' in page and "秒杀" in page


def test_list_detail_sweep_and_exports(app: App, logged_in: TestClient) -> None:
    sale_id, holds = sale_with_holds(app)
    page = logged_in.get("/flash-sales").text
    row = re.search(r'<tr data-sale="(\d+)" data-code="fs-618" data-status="(\w+)" '
                    r'data-units="(\d+)" data-sold="(\d+)" data-held="(\d+)" '
                    r'data-remaining="(\d+)"', page)
    assert row is not None
    assert row.groups() == (str(sale_id), "running", "5", "1", "3", "1")
    assert "618 秒杀" in page and "进行中" in page and "¥59.90" in page

    detail = logged_in.get(f"/flash-sales/{sale_id}").text
    rows = re.findall(r'<tr data-hold="(\d+)" data-customer="(\w+)" data-status="(\w+)"', detail)
    assert [(int(h), c, s) for h, c, s in rows] == [
        (holds["u1"], "u1", "paid"), (holds["u2"], "u2", "lapsed"), (holds["u3"], "u3", "held")]
    assert "已超时待释放" in detail and "已付款" in detail and "每人限购" in detail

    swept = logged_in.post("/flash-sales/sweep", data={"back": f"/flash-sales/{sale_id}"})
    assert swept.status_code == 200 and str(swept.url).endswith(f"/flash-sales/{sale_id}"
                                                                "?released=1")
    assert 'data-released="1"' in swept.text and "已释放 1 笔" in swept.text
    states = dict(re.findall(r'<tr data-hold="\d+" data-customer="(\w+)" data-status="(\w+)"',
                             swept.text))
    assert states == {"u1": "paid", "u2": "released", "u3": "held"}
    assert pool(app, sale_id) == {"units": 5, "sold": 1, "held": 1, "remaining": 3,
                                  "oversold": 0}
    again = logged_in.post("/flash-sales/sweep", data={"back": "https://evil.example/"})
    assert str(again.url).endswith("/flash-sales?released=0")  # idempotent, stays on the site

    book = openpyxl.load_workbook(io.BytesIO(logged_in.get("/flash-sales/export.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:10] == ("编码", "名称", "店铺", "SKU", "秒杀价", "秒杀库存", "已售", "待付款",
                            "可抢", "每人限购")
    assert rows[1][0] == "fs-618" and rows[1][5:10] == (5, 1, 1, 3, 2)
    assert rows[1][-1] == "进行中"
    response = logged_in.get(f"/flash-sales/{sale_id}/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    exported = {r[2]: (r[1], r[3], r[6]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    with app.reader() as uow:
        numbers = {h.customer: h.order_no for h in flash.holds_of(uow, sale_id)}
    assert exported == {"u1": (numbers["u1"], 1, "已付款"), "u2": (numbers["u2"], 2, "已释放"),
                        "u3": (numbers["u3"], 1, "待付款")}


def test_try_a_buy_and_pay_it_from_the_console(app: App, logged_in: TestClient) -> None:
    sale_id = new_sale(app, units=2, per_customer=1, code="fs-try")
    page = logged_in.get(f"/flash-sales/{sale_id}").text
    assert 'id="buy-form"' in page and 'value="demo_buyer_1"' in page and "试抢购" in page

    bought = logged_in.post(f"/flash-sales/{sale_id}/buy",
                            data={"customer": "demo_buyer_1", "qty": "1"})
    assert bought.status_code == 200 and "?bought=" in str(bought.url)
    notice = re.search(r'id="bought" data-hold="(\d+)" data-order="(\d+)"', bought.text)
    assert notice is not None and "待付款订单" in bought.text
    hold_id, order_id = (int(g) for g in notice.groups())
    order_page = logged_in.get(f"/orders/{order_id}")  # a real order in the order book
    assert order_page.status_code == 200
    with app.reader() as uow:
        order = get_order(uow, order_id)
    assert (order["status"], order["buyer"], order["goods_amount"]) == (
        "created", "demo_buyer_1", "59.90")
    assert order["channel_order_no"] in bought.text and order["channel_order_no"] in order_page.text
    assert f'href="/orders/{order_id}"' in bought.text
    assert 'value="demo_buyer_2"' in bought.text  # the next try is a new demo customer

    again = logged_in.post(f"/flash-sales/{sale_id}/buy",
                           data={"customer": "demo_buyer_1", "qty": "1"})
    assert again.status_code == 409 and 'data-code="flash_sale.limit_reached"' in again.text
    assert 'value="demo_buyer_1"' in again.text  # the form keeps what was typed
    wrong = logged_in.post(f"/flash-sales/{sale_id}/buy", data={"customer": "x", "qty": "two"})
    assert wrong.status_code == 400 and 'data-field="qty"' in wrong.text

    paid = logged_in.post(f"/flash-sales/{sale_id}/holds/{hold_id}/pay")
    assert paid.status_code == 200 and 'id="paid"' in paid.text and "已付款" in paid.text
    with app.reader() as uow:
        assert get_order(uow, order_id)["status"] == "paid"
    assert pool(app, sale_id) == {"units": 2, "sold": 1, "held": 0, "remaining": 1,
                                  "oversold": 0}
    assert f'/holds/{hold_id}/pay"' not in paid.text  # no pay button once paid
    logged_in.post(f"/flash-sales/{sale_id}/buy", data={"customer": "demo_buyer_2"})
    sold_out = logged_in.post(f"/flash-sales/{sale_id}/buy", data={"customer": "demo_buyer_3"})
    assert sold_out.status_code == 409 and 'data-code="flash_sale.sold_out"' in sold_out.text


def test_paying_a_lapsed_order_is_refused_on_the_page(app: App, logged_in: TestClient) -> None:
    sale_id, holds = sale_with_holds(app)
    response = logged_in.post(f"/flash-sales/{sale_id}/holds/{holds['u2']}/pay")
    assert response.status_code == 409 and 'data-code="flash_sale.hold_expired"' in response.text
    assert pool(app, sale_id)["sold"] == 1


def test_unknown_sale_and_english(logged_in: TestClient) -> None:
    missing = logged_in.get("/flash-sales/999")
    assert missing.status_code == 404 and 'id="error"' in missing.text
    english = logged_in.get("/flash-sales", params={"lang": "en"}).text
    assert "Flash sales" in english and "Release lapsed orders" in english
