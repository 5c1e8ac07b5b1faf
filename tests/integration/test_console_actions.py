"""Console actions on SQLite and PostgreSQL: 发货 from the fulfillment board (carrier from the
list, tracking number; every refusal names its field in Chinese, keeps what was typed and stores
nothing; a split order ships parcel by parcel), the note typed when handling a logistics
exception shown on the order's timeline, and the promotion editor's 会员价 / 组合套装 / 满赠
inputs (saved as the API's payload, read back by the editor, bad lines named)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.fulfillment.models import Shipment
from shopops.orders import allocation_service as alloc
from shopops.orders.models import Order
from shopops.pricing.models import Promotion
from shopops.pricing.service import list_promotions
from shopops.web.app import create_app
from tests.factories import MovingClock
from tests.integration import test_fulfillment as base
from tests.integration.test_fulfillment import HOUR, T0, paid_order, receive
from tests.integration.test_promotions import seed

shop, clock = base.shop, base.clock  # the same shop and clock fixtures


def _client(app: App, user: str, password: str) -> TestClient:
    with app.uow() as uow:
        create_user(uow, user, password)
    client = TestClient(create_app(app))
    client.post("/login", data={"username": user, "password": password})
    return client


def _status(app: App, order_id: int) -> str:
    with app.reader() as uow:
        status = uow.session.scalar(select(Order.status).where(Order.id == order_id))
        assert status is not None
        return status


def _shipments(app: App) -> int:
    with app.reader() as uow:
        return uow.session.scalar(select(func.count(Shipment.id))) or 0


def _row(html: str, order_id: int) -> str:
    """The to-ship table's row of the order ('' when it is not listed)."""
    table = html.split('id="to-ship-table"')[1] if 'id="to-ship-table"' in html else ""
    found = re.search(rf'<tr data-order="{order_id}".*?</tr>', table, re.S)
    return found.group(0) if found else ""


def test_ship_from_the_board(shop: App, clock: MovingClock) -> None:
    receive(shop, WH_GZ={"A": 5}, WH_SH={"B": 5})
    one = paid_order(shop, "ONE-1", {"A": 1})
    split = paid_order(shop, "SPLIT-2", {"A": 1, "B": 1})  # A from 广州, B only in 上海
    with shop.uow() as uow:
        alloc.allocate_order(uow, one)
        assert len(alloc.allocate_order(uow, split).parcels) == 2
    client = _client(shop, "ops", "secret-pass-1")
    clock.at = T0 + 2 * HOUR

    board = client.get("/fulfillment").text
    row = _row(board, one)
    assert 'action="/fulfillment/ship?"' in row and '<option value="SF" >顺丰速运</option>' in row
    assert 'name="tracking_no"' in row and "发货</button>" in row

    def ship(order_id: int, path: str = "/fulfillment/ship", **form: str) -> Any:
        return client.post(path, data={"order_id": str(order_id), **form},
                           follow_redirects=False)

    # refusals: the field named in Chinese, the row keeps what was typed, nothing stored
    no_carrier = ship(one, tracking_no="SF100")
    assert no_carrier.status_code == 400
    assert 'id="ship-error"' in no_carrier.text and 'data-field="carrier"' in no_carrier.text
    assert "请选择快递公司" in no_carrier.text
    assert '<span id="ship-error-field">快递公司</span>' in no_carrier.text
    assert 'value="SF100"' in _row(no_carrier.text, one)
    bad_number = ship(one, carrier="SF", tracking_no="SF 100")
    assert bad_number.status_code == 400 and 'data-field="tracking_no"' in bad_number.text
    assert "运单号须为 1–64 个字符，且不能含空格" in bad_number.text
    assert "ONE-1" in bad_number.text.split('id="ship-error"')[1].split("</section>")[0]
    assert '<option value="SF" selected>顺丰速运</option>' in _row(bad_number.text, one)
    unknown = ship(one, carrier="UPS", tracking_no="1Z999")
    assert unknown.status_code == 400 and "快递公司“UPS”不在可选列表中" in unknown.text
    assert (_shipments(shop), _status(shop, one)) == (0, "allocated")

    # shipped: said so with a link to the order, gone from the list, on the order's timeline
    done = ship(one, carrier="SF", tracking_no="SF100")
    assert done.status_code == 303
    assert re.fullmatch(r"/fulfillment\?shipped=\d+", done.headers["location"])
    page = client.get(done.headers["location"]).text
    assert "订单 ONE-1 已发货：顺丰速运 SF100" in page and f'href="/orders/{one}"' in page
    assert _row(page, one) == "" and _row(page, split)
    assert _status(shop, one) == "shipped"
    timeline = client.get(f"/orders/{one}").text.split('id="order-timeline"')[1]
    assert 'data-step="shipped"' in timeline and "顺丰速运 SF100" in timeline

    # the same waybill again, a shipped order again: refused in words
    taken = ship(split, carrier="顺丰", tracking_no="SF100", warehouse="WH-GZ")
    assert taken.status_code == 409 and "该快递公司的运单号 SF100 已被其他包裹使用" in taken.text
    again = ship(one, carrier="ZTO", tracking_no="ZT1")
    assert again.status_code == 400 and "订单当前状态为“已发货”，不能发货" in again.text

    # a split order: asked which warehouse (the waiting ones offered), then parcel by parcel;
    # the board's filters are kept
    which = ship(split, "/fulfillment/ship?store=tm", carrier="ZTO", tracking_no="ZT2")
    assert which.status_code == 400 and "请选择本次发货的仓库" in which.text
    split_row = _row(which.text, split)
    assert '<option value="WH-GZ" >WH-GZ</option>' in split_row
    assert '<option value="WH-SH" >WH-SH</option>' in split_row
    assert 'action="/fulfillment/ship?store=tm"' in split_row
    first = ship(split, "/fulfillment/ship?store=tm", carrier="ZTO", tracking_no="ZT2",
                 warehouse="WH-GZ")
    assert first.status_code == 303 and first.headers["location"].startswith(
        "/fulfillment?store=tm&shipped=")
    assert _status(shop, split) == "allocated"  # one parcel still waiting in 上海
    wrong = ship(split, carrier="ZTO", tracking_no="ZT3", warehouse="WH-GZ")
    assert wrong.status_code == 400 and "仓库 WH-GZ 没有该订单待发的包裹" in wrong.text
    last = ship(split, carrier="YTO", tracking_no="YT3", warehouse="WH-SH")
    assert last.status_code == 303 and _status(shop, split) == "shipped"
    assert _row(client.get("/fulfillment").text, split) == "" and _shipments(shop) == 3

    missing = ship(999999, carrier="SF", tracking_no="SF404")
    assert missing.status_code == 404 and "找不到该订单" in missing.text
    short = paid_order(shop, "SHORT-7", {"C": 1})  # no C anywhere: cannot be allocated
    refused = ship(short, carrier="SF", tracking_no="SF700")
    assert refused.status_code == 409 and "库存不足，无法分仓发货" in refused.text
    assert _status(shop, short) == "paid" and _shipments(shop) == 3
    english = ship(one, "/fulfillment/ship?lang=en", tracking_no="X1")
    assert "Choose the carrier" in english.text
    client.get("/fulfillment", params={"lang": "zh"})
    assert client.post("/logout").status_code in (200, 303)
    assert TestClient(create_app(shop)).post(
        "/fulfillment/ship", data={"order_id": str(split)},
        follow_redirects=False).status_code == 303  # signed out: to the login form


def test_ship_from_the_order_page(shop: App, clock: MovingClock) -> None:
    receive(shop, WH_GZ={"A": 5})
    paid = paid_order(shop, "PAID-5", {"A": 1})  # not allocated yet: 发货 allocates it first
    client = _client(shop, "ops", "secret-pass-1")
    page = client.get(f"/orders/{paid}").text
    form = page.split('id="order-ship-form"')[1].split("</form>")[0]
    assert f'name="back" value="/orders/{paid}"' in form and ">中通快递</option>" in form
    refused = client.post("/fulfillment/ship", data={
        "order_id": str(paid), "back": f"/orders/{paid}", "carrier": "ZTO"},
        follow_redirects=False)
    assert refused.status_code == 400 and "请填写运单号" in refused.text
    assert 'value="ZTO" selected' in _row(refused.text, paid)  # on the board, row marked
    done = client.post("/fulfillment/ship", data={
        "order_id": str(paid), "back": f"/orders/{paid}", "carrier": "ZTO",
        "tracking_no": "ZT500"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/orders/{paid}"
    after = client.get(f"/orders/{paid}").text
    assert 'data-status="shipped"' in after and 'id="order-ship-form"' not in after
    timeline = after.split('id="order-timeline"')[1].split("</ol>")[0]
    assert 'data-step="allocated"' in timeline and "中通快递 ZT500" in timeline
    # only the order's own page is a way back; anything else returns to the board
    other = paid_order(shop, "PAID-6", {"A": 1})
    elsewhere = client.post("/fulfillment/ship", data={
        "order_id": str(other), "back": "https://example.com/", "carrier": "ZTO",
        "tracking_no": "ZT600"}, follow_redirects=False)
    assert elsewhere.headers["location"].startswith("/fulfillment?shipped=")


def test_exception_note_on_the_order_timeline(shop: App, clock: MovingClock) -> None:
    receive(shop, WH_GZ={"A": 5})
    late = paid_order(shop, "LATE-9", {"A": 1}, store="jd")  # JD: ship within 24 h
    client = _client(shop, "ops", "secret-pass-1")
    clock.at = T0 + 30 * HOUR
    key = re.search(r'data-key="(not_shipped:[^"]+)"', client.get("/fulfillment").text)
    assert key
    for action, note in (("acknowledge", "已联系仓库加急"), ("resolve", "")):
        client.post("/fulfillment/handle", data={"key": key.group(1), "action": action,
                                                 "note": note, "back": "/fulfillment"})
    page = client.get(f"/orders/{late}").text
    steps = re.findall(r'<li data-step="exception".*?</li>', page, re.S)
    assert len(steps) == 2
    assert "已知悉" in steps[0] and "处理说明：已联系仓库加急" in steps[0]
    assert "操作人 ops" in steps[0] and "操作人 ops" in steps[1]
    assert "已处理" in steps[1] and "处理说明" not in steps[1]  # no note typed, none shown
    english = client.get(f"/orders/{late}", params={"lang": "en"}).text
    assert "Note：已联系仓库加急" in english or "Note: 已联系仓库加急" in english


# ---------------------------------------------------------------- promotion editor


@pytest.fixture
def editor(app: App) -> Iterator[TestClient]:
    seed(app)  # stores tm-1 …, SKUs A, B …, user ops
    with TestClient(create_app(app)) as c:
        c.post("/login", data={"username": "ops", "password": "correct-horse"})
        yield c


def _stored(app: App, code: str) -> dict[str, object]:
    with app.reader() as uow:
        views, _ = list_promotions(uow)
    return next(v.as_json() for v in views if v.code == code)


def _promotions(app: App) -> int:
    with app.reader() as uow:
        return uow.session.scalar(select(func.count(Promotion.id))) or 0


def test_editor_shows_the_new_inputs_for_their_types(editor: TestClient) -> None:
    page = editor.get("/promotions/new", params={"type": "member_price"}).text

    def kinds(name: str) -> list[str]:
        found = re.search(rf'data-field="{name}" data-kinds="([^"]+)"', page)
        assert found, name
        return found.group(1).split()
    assert kinds("prices") == ["member_price"]
    assert kinds("items") == ["bundle"]
    assert kinds("gift_sku") == kinds("gift_quantity") == ["gift_with_purchase"]
    assert "bundle" in kinds("price") and "gift_with_purchase" in kinds("threshold")
    assert re.search(r'data-field="prices" data-kinds="member_price">', page)  # shown
    assert re.search(r'data-field="items" data-kinds="bundle" hidden>', page)


def test_member_price_bundle_and_gift_saved_and_read_back(app: App,
                                                          editor: TestClient) -> None:
    member = editor.post("/promotions/save", data={
        "type": "member_price", "code": "vip", "store": "tm-1", "active": "on",
        "prices": "gold A 95\ngold B 140.5\ndiamond A 90"}, follow_redirects=False)
    assert member.status_code == 303, member.text
    assert _stored(app, "vip")["prices"] == {"diamond": {"A": "90.00"},
                                             "gold": {"A": "95.00", "B": "140.50"}}
    bundle = editor.post("/promotions/save", data={
        "type": "bundle", "code": "set-ab", "store": "tm-1", "active": "on",
        "items": "A 2\nB", "price": "330"}, follow_redirects=False)
    assert bundle.status_code == 303, bundle.text
    stored = _stored(app, "set-ab")
    assert (stored["items"], stored["price"]) == ({"A": 2, "B": 1}, "330.00")
    gift = editor.post("/promotions/save", data={
        "type": "gift_with_purchase", "code": "gift-b", "store": "tm-1", "active": "on",
        "threshold": "199", "gift_sku": "B", "gift_quantity": "2"}, follow_redirects=False)
    assert gift.status_code == 303, gift.text
    stored = _stored(app, "gift-b")
    assert (stored["gift_sku"], stored["gift_quantity"], stored["threshold"]) == (
        "B", 2, "199.00")

    # the editor reads each back in the form it was typed, and saving again keeps it
    vip = editor.get("/promotions/vip/edit").text
    assert re.search(r'id="f-prices"[^>]*>diamond A 90.00\ngold A 95.00\ngold B 140.50<', vip)
    set_ab = editor.get("/promotions/set-ab/edit").text
    assert re.search(r'id="f-items"[^>]*>A 2\nB 1<', set_ab)
    gift_b = editor.get("/promotions/gift-b/edit").text
    assert 'id="f-gift_sku" value="B"' in gift_b and 'id="f-gift_quantity" value="2"' in gift_b
    again = editor.post("/promotions/save", data={
        "editing": "set-ab", "type": "bundle", "active": "on", "items": "A 2\nB 1",
        "price": "320"}, follow_redirects=False)
    assert again.status_code == 303, again.text
    assert _stored(app, "set-ab")["items"] == {"A": 2, "B": 1}
    assert _stored(app, "set-ab")["price"] == "320.00"
    # other items: the bundle's SKUs follow them (the form still lists the old ones)
    changed = editor.post("/promotions/save", data={
        "editing": "set-ab", "type": "bundle", "active": "on", "items": "A 1\nG 3",
        "skus": "A, B", "price": "125"}, follow_redirects=False)
    assert changed.status_code == 303, changed.text
    stored = _stored(app, "set-ab")
    assert (stored["items"], stored["skus"]) == ({"A": 1, "G": 3}, ["A", "G"])


@pytest.mark.parametrize(("form", "field", "words"), [
    ({"type": "member_price", "prices": "gold A"}, "prices", "第1行"),
    ({"type": "member_price", "prices": "gold A 85\ngold A 80"}, "prices", "gold A"),
    ({"type": "member_price", "prices": "gold A abc"}, "prices.gold.A", ""),
    ({"type": "member_price", "prices": ""}, "prices", ""),
    ({"type": "bundle", "items": "A 1", "price": "99"}, "items", "two"),
    ({"type": "bundle", "items": "A 1\nB x", "price": "99"}, "items", "第2行"),
    ({"type": "bundle", "items": "A 1\nA 2", "price": "99"}, "items", "A"),
    ({"type": "bundle", "items": "A 1\nB 1"}, "price", ""),
    ({"type": "gift_with_purchase", "threshold": "199"}, "gift_sku", ""),
    ({"type": "gift_with_purchase", "threshold": "199", "gift_sku": "B",
      "gift_quantity": "0"}, "gift_quantity", ""),
])
def test_bad_inputs_are_named_and_nothing_is_saved(app: App, editor: TestClient,
                                                   form: dict[str, str], field: str,
                                                   words: str) -> None:
    response = editor.post("/promotions/save", data={"code": "bad", "store": "tm-1", **form})
    assert response.status_code == 400, response.text
    assert f'data-field="{field}"' in response.text
    name = field.split(".")[0]
    assert f'id="error-{name}"' in response.text
    assert words in response.text.split(f'id="error-{name}"')[1].split("</small>")[0]
    assert _promotions(app) == 0
