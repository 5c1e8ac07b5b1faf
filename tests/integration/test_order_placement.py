"""Placing a priced order (下单), on SQLite and PostgreSQL: the cart is quoted now, the
promotions used are counted against their caps, the coupons used are redeemed and the order is
written with each line's share of every offer, all in one transaction; bad requests name the
field and store nothing; the API, the CLI and the service give the same order; a partial
refund pays back the line's share, not its list price."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from shopops import cli
from shopops.bootstrap import App
from shopops.core.clock import FixedClock
from shopops.core.errors import ShopOpsError
from shopops.db.facts import Fact
from shopops.db.migrate import upgrade
from shopops.inventory import service as stock
from shopops.inventory.models import Warehouse
from shopops.orders.allocation_service import allocate_order
from shopops.orders.models import Order, OrderLine
from shopops.orders.placement import OrderExists, place_order, refund_order
from shopops.pricing import coupon_service
from shopops.pricing.models import CouponClaim, PromotionUse
from shopops.pricing.service import create_promotion, quote_cart
from shopops.pricing.usage_models import PromotionCounter, PromotionCustomerCounter
from shopops.service import service as aftersales
from tests.conftest import make_app, new_pg_database
from tests.integration.shops import promotion_shop
from tests.integration.test_api import build_web
from tests.integration.test_promotions import Api, problem

NOW = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
FR300 = {"type": "full_reduction", "store": "tm-1", "code": "fr300",
         "tiers": [{"threshold": "300", "off": "40"}]}
MB2 = {"type": "multi_buy_discount", "store": "tm-1", "code": "mb2", "skus": ["A"],
       "tiers": [{"qty": 2, "rate": "0.9"}]}
C20 = {"type": "coupon", "store": "tm-1", "code": "c20", "threshold": "199", "off": "20"}
CART: dict[str, Any] = {"store": "tm-1", "customer": {"id": "buyer-1", "coupons": ["c20"]},
                        "lines": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]}


@pytest.fixture
def core(database_url: str) -> Iterator[App]:
    with promotion_shop(database_url, FixedClock(NOW)) as application:
        yield application


def promos(core: App, *payloads: dict[str, Any], claims: tuple[str, ...] = ()) -> None:
    with core.uow() as uow:
        for payload in payloads:
            create_promotion(uow, payload)
        for buyer in claims:
            coupon_service.claim_coupon(uow, "c20", buyer)


def counts(core: App) -> tuple[int, int, int, int, int]:
    """orders, lines, promotion uses, redeemed claims, order facts — all a placement writes."""
    with core.reader() as uow:
        scalar = uow.session.scalar
        return (scalar(select(func.count(Order.id))) or 0,
                scalar(select(func.count(OrderLine.id))) or 0,
                scalar(select(func.count(PromotionUse.id))) or 0,
                scalar(select(func.count(CouponClaim.redeemed_at))) or 0,
                scalar(select(func.count(Fact.id)).where(Fact.entity == "order")) or 0)


def fails(code: str, call: Any, *args: Any) -> ShopOpsError:
    with pytest.raises(ShopOpsError) as caught:
        call(*args)
    assert caught.value.code == code, caught.value
    return caught.value


def test_worked_example_is_placed_with_each_lines_share_and_the_coupon_redeemed(
        core: App) -> None:
    promos(core, FR300, MB2, C20, claims=("buyer-1",))
    with core.reader() as uow:
        quoted = quote_cart(uow, CART, NOW)
    with core.uow() as uow:
        placed = place_order(uow, {**CART, "order_no": "T-1",
                                   "expected_total": quoted["total"]})
    # 2×100 + 150 = 350; 2件9折 on A −20 → 330; 满300减40 → 290; 满199减20券 → 270
    assert (placed["list_amount"], placed["discount_amount"], placed["paid_amount"]) == (
        "350.00", "80.00", "270.00")
    assert placed["paid_amount"] == quoted["total"] and placed["status"] == "paid"
    assert placed["promotions"] == ["c20", "fr300", "mb2"] and placed["coupons"] == ["c20"]
    assert placed["is_new_customer"] is True
    lines = {line["sku"]: line for line in placed["lines"]}
    for line, q in zip(placed["lines"], quoted["lines"], strict=True):
        assert line["paid_amount"] == q["final_amount"]
        assert Decimal(line["discount_amount"]) == sum(Decimal(o["amount"])
                                                       for o in line["offers"])
    assert sum(Decimal(x["paid_amount"]) for x in lines.values()) == Decimal("270.00")
    with core.reader() as uow:
        order = uow.session.get(Order, placed["id"])
        assert order is not None
        stored = {(ln.quantity, ln.list_price, ln.discount_amount, ln.paid_amount)
                  for ln in order.lines}
        claim = uow.session.scalars(select(CouponClaim)).one()
        redeemed = (claim.order_ref, claim.redeemed_at)
        uses = dict(uow.session.execute(
            select(PromotionUse.order_ref, func.count()).group_by(PromotionUse.order_ref)).all())
        kinds = uow.session.scalars(select(Fact.kind).where(
            Fact.entity == "order", Fact.entity_id == order.id).order_by(Fact.id)).all()
        placed_fact = uow.session.scalars(
            select(Fact.data).where(Fact.kind == "order.placed")).one()
        header = (order.channel_order_no, order.goods_amount, order.paid_date)
    assert stored == {(2, Decimal(lines["A"]["list_price"]), Decimal(lines["A"]["discount_amount"]),
                       Decimal(lines["A"]["paid_amount"])),
                      (1, Decimal("150.00"), Decimal(lines["B"]["discount_amount"]),
                       Decimal(lines["B"]["paid_amount"]))}
    assert header == ("T-1", Decimal("270.00"), NOW.date())
    assert redeemed == ("T-1", NOW)
    assert uses == {"T-1": 3}
    assert kinds == ["order.placed", "order.paid"]
    assert placed_fact["source"] == "checkout"
    assert placed_fact["lines"][0]["offers"] == lines["A"]["offers"]
    # the coupon is used: the same cart again is refused naming the coupon, nothing stored
    before = counts(core)
    with core.uow() as uow:
        error = fails("pricing.invalid_cart", place_order, uow, CART)
    assert error.field == "customer.coupons[0]" and counts(core) == before
    with core.uow() as uow:  # without it, the buyer is no longer new and pays 290
        again = place_order(uow, {**CART, "customer": {"id": "buyer-1"}})
    assert (again["paid_amount"], again["is_new_customer"]) == ("290.00", False)
    assert again["order_no"].startswith("SO20261105")


def test_a_cap_used_up_is_refused_or_priced_without_it_never_silently(core: App) -> None:
    promos(core, {**FR300, "max_uses": 1}, MB2)
    cart = {"store": "tm-1", "customer": {"id": "b1"}, "lines": [{"sku": "B", "qty": 2}]}
    with core.uow() as uow:
        assert place_order(uow, {**cart, "expected_total": "260.00"})["paid_amount"] == "260.00"
    before = counts(core)
    with core.uow() as uow:  # shown 260 before the last use went: refused, quote again
        error = fails("orders.price_changed", place_order, uow,
                      {**cart, "customer": {"id": "b2"}, "expected_total": "260.00"})
    assert error.details == {"total": "300.00", "expected_total": "260.00"}
    assert counts(core) == before
    with core.uow() as uow:  # without a price to keep, the order is at today's price
        assert place_order(uow, {**cart, "customer": {"id": "b2"}})["paid_amount"] == "300.00"
    with core.reader() as uow:
        counter = {(c.uses, c.discount) for c in uow.session.scalars(select(PromotionCounter))}
    assert counter == {(1, Decimal("40.00"))}


def test_bad_requests_name_the_field_and_store_nothing(core: App) -> None:
    promos(core, FR300, C20, claims=("buyer-1",))
    with core.uow() as uow:
        fails("orders.invalid_order", place_order, uow, [])
    with TestClient(build_web(core)) as client:
        api = Api(client, {"Authorization": f"Bearer {core.token}"})  # type: ignore[attr-defined]
        before = counts(core)
        for body, status, code, field in [
            ({**CART, "customer": {"coupons": ["c20"]}}, 422, "orders.invalid_order",
             "customer.id"),
            ({**CART, "customer": "buyer-1"}, 422, "orders.invalid_order", "customer"),
            ({**CART, "customer": {"id": "b", "vip": True}}, 422, "orders.invalid_order",
             "customer.vip"),
            ({**CART, "at": "2026-11-11T10:00:00+08:00"}, 422, "orders.invalid_order", "at"),
            ({**CART, "coupon": "c20"}, 422, "orders.invalid_order", "coupon"),
            ({**CART, "lines": [{"sku": "A", "qty": 0}]}, 422, "pricing.invalid_cart",
             "lines[0].qty"),
            ({**CART, "lines": [{"sku": "Z", "qty": 1}]}, 404, "pricing.unknown_sku",
             "lines[0].sku"),
            ({**CART, "lines": []}, 422, "pricing.invalid_cart", "lines"),
            ({**CART, "store": "nope"}, 404, "stores.unknown_store", "store"),
            ({**CART, "expected_total": 270.5}, 422, "orders.invalid_order", "expected_total"),
            ({**CART, "shipping_fee": "-1"}, 422, "orders.invalid_order", "shipping_fee"),
            ({**CART, "order_no": "x" * 65}, 422, "orders.invalid_order", "order_no"),
            ({**CART, "order_no": "PT-1-1"}, 422, "orders.invalid_order", "order_no"),
            ({**CART, "customer": {"id": "buyer-2", "coupons": ["c20"]}}, 422,
             "pricing.invalid_cart", "customer.coupons[0]"),
            ({**CART, "expected_total": "1.00"}, 409, "orders.price_changed",
             "expected_total"),
        ]:
            problem(api.post("/orders", body), status, code, field)
        assert counts(core) == before
        created = api.post("/orders", {**CART, "order_no": "API-1"})
        assert created.status_code == 201, created.text
        problem(api.post("/orders", {**CART, "customer": {"id": "buyer-1"},
                                     "order_no": "API-1"}), 409, "orders.order_exists",
                "order_no")
        spec = client.get("/api/v1/openapi.json").json()
    assert "post" in spec["paths"]["/api/v1/orders"]
    assert created.json()["paid_amount"] == "290.00"  # 350 − 40 − 20
    assert created.json()["coupons"] == ["c20"]


def test_cli_places_the_same_order_as_the_service(core: App, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    promos(core, FR300, MB2, C20, claims=("buyer-1", "buyer-2"))
    monkeypatch.setattr(cli, "get_app", lambda: core)
    cart = tmp_path / "cart.json"
    cart.write_text(json.dumps({**CART, "order_no": "CLI-1"}), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli.app, ["orders", "place", "--cart", str(cart), "--format", "json"])
    assert result.exit_code == 0, result.output
    by_cli = json.loads(result.output)
    with core.uow() as uow:
        by_service = place_order(uow, {**CART, "customer": {"id": "buyer-2",
                                                            "coupons": ["c20"]}})
    same = ("list_amount", "discount_amount", "paid_amount", "promotions", "coupons")
    assert {k: by_cli[k] for k in same} == {k: by_service[k] for k in same}
    assert [(x["sku"], x["paid_amount"], x["offers"]) for x in by_cli["lines"]] == [
        (x["sku"], x["paid_amount"], x["offers"]) for x in by_service["lines"]]
    again = runner.invoke(cli.app, ["orders", "place", "--cart", str(cart)])
    assert isinstance(again.exception, OrderExists) and again.exception.exit_code == 4
    cart.write_text("{", encoding="utf-8")
    broken = runner.invoke(cli.app, ["orders", "place", "--cart", str(cart)])
    assert isinstance(broken.exception, ShopOpsError) and broken.exception.field == "cart"


def test_partial_refund_of_a_line_pays_back_its_share_of_the_discounts(core: App) -> None:
    promos(core, FR300, C20, claims=("buyer-1",))
    with core.uow() as uow:  # A 100 + 2 × B 150 = 400; 满300减40 → 360; 券 −20 → 340
        placed = place_order(uow, {**CART, "lines": [{"sku": "A", "qty": 1},
                                                     {"sku": "B", "qty": 2}]})
    lines = {line["sku"]: line for line in placed["lines"]}
    assert placed["paid_amount"] == "340.00"
    assert (lines["A"]["paid_amount"], lines["B"]["paid_amount"]) == ("85.00", "255.00")
    with core.uow() as uow:  # one of the two B: half the line's 实付, not the list 150
        one_b = aftersales.create_request(uow, aftersales.NewRequest(
            placed["id"], "changed_mind", sku="B", kind="refund_only", quantity=1))
        aftersales.approve(uow, one_b)
        assert aftersales.refund(uow, one_b) == Decimal("127.50")
    with core.uow() as uow:  # the whole A line: its 85.00
        all_a = aftersales.create_request(uow, aftersales.NewRequest(
            placed["id"], "quality", sku="A", kind="refund_only"))
        aftersales.approve(uow, all_a)
        assert aftersales.refund(uow, all_a) == Decimal("85.00")
    with core.reader() as uow:
        order = uow.session.get(Order, placed["id"])
        assert order is not None
        refunded = {ln.id: ln.refund_amount for ln in order.lines}
        totals = (order.refund_amount, order.status)
    assert refunded == {lines["A"]["id"]: Decimal("85.00"), lines["B"]["id"]: Decimal("127.50")}
    assert totals == (Decimal("212.50"), "paid")


def test_counters_agree_with_the_uses_recorded(core: App) -> None:
    promos(core, FR300, MB2, C20, claims=("b1", "b2"))
    for buyer, lines in [("b1", [{"sku": "A", "qty": 2}]), ("b2", CART["lines"]),
                         ("b1", [{"sku": "B", "qty": 3}])]:
        with core.uow() as uow:
            place_order(uow, {"store": "tm-1", "customer": {"id": buyer, "coupons": (
                ["c20"] if buyer == "b2" else [])}, "lines": lines})
    with core.reader() as uow:
        s = uow.session
        totals = {(pid, int(n), Decimal(d)) for pid, n, d in s.execute(
            select(PromotionUse.promotion_id, func.count(), func.sum(PromotionUse.discount))
            .group_by(PromotionUse.promotion_id))}
        per_buyer = {(pid, c, int(n)) for pid, c, n in s.execute(
            select(PromotionUse.promotion_id, PromotionUse.customer, func.count())
            .group_by(PromotionUse.promotion_id, PromotionUse.customer))}
        counters = {(c.promotion_id, c.uses, c.discount)
                    for c in s.scalars(select(PromotionCounter))}
        buyer_counters = {(c.promotion_id, c.customer, c.uses)
                          for c in s.scalars(select(PromotionCustomerCounter))}
    assert counters == totals and len(counters) == 3
    assert buyer_counters == per_buyer


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_0018_counts_the_uses_recorded_before_it(backend: str, tmp_path: Path) -> None:
    with ExitStack() as stack:
        url = (f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite"
               else stack.enter_context(new_pg_database()))
        application = make_app(url)
        stack.callback(application.dispose)
        upgrade(application.engine, "0015")
        with application.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO promotions (id, code, type, level, name, spec, active, created_at)"
                " VALUES (1, 'p1', 'full_reduction', 'store_level', 'p1', '{}', :t, :at),"
                " (2, 'p2', 'coupon', 'store_level', 'p2', '{}', :t, :at)"),
                {"t": True, "at": NOW})
            conn.execute(text(
                "INSERT INTO promotion_uses (promotion_id, customer, order_ref, units, discount,"
                " used_at) VALUES (1, 'a', 'o1', 1, 4000, :at), (1, 'a', 'o2', 2, 4000, :at),"
                " (1, 'b', 'o3', 1, 2000, :at), (2, 'b', 'o3', 1, 500, :at)"), {"at": NOW})
        upgrade(application.engine, "0018")
        with application.engine.connect() as conn:
            totals = conn.execute(text("SELECT promotion_id, uses, discount FROM "
                                       "promotion_counters ORDER BY promotion_id")).all()
            buyers = conn.execute(text("SELECT promotion_id, customer, uses FROM "
                                       "promotion_customer_counters ORDER BY 1, 2")).all()
    assert [tuple(r) for r in totals] == [(1, 3, 10000), (2, 1, 500)]
    assert [tuple(r) for r in buyers] == [(1, "a", 2), (1, "b", 1), (2, "b", 1)]


def test_new_customer_offers_follow_the_order_book_not_the_request(core: App) -> None:
    promos(core, {"type": "full_reduction", "store": "tm-1", "code": "newbie",
                  "tiers": [{"threshold": "100", "off": "10"}], "new_customers_only": True})
    cart = {"store": "tm-1", "customer": {"id": "b1", "is_new": False},
            "lines": [{"sku": "A", "qty": 1}]}
    with core.uow() as uow:  # no order of b1 in tm-1 yet: new, whatever the request says
        first = place_order(uow, cart)
    with core.uow() as uow:  # claiming to be new does not make a returning buyer new
        second = place_order(uow, {**cart, "customer": {"id": "b1", "is_new": True}})
    with core.uow() as uow:  # new in another store
        other = place_order(uow, {**cart, "store": "jd-1"})
    assert [(o["paid_amount"], o["is_new_customer"]) for o in (first, second)] == [
        ("90.00", True), ("100.00", False)]
    assert first["promotions"] == ["newbie"] and second["promotions"] == []
    assert other["is_new_customer"] is True


GIFT = {"type": "gift_with_purchase", "store": "tm-1", "code": "gift-g", "threshold": "300",
        "gift_sku": "G", "gift_quantity": 2}
OVER_300 = {**CART, "customer": {"id": "buyer-g"},
            "lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}  # 100 + 2 × 150 = 400


def test_a_gift_is_a_zero_price_line_that_allocation_ships(core: App) -> None:
    """满赠: G × 2 (list ¥10) is a line of its own — list price kept, all of it discounted by
    the gift promotion, nothing paid — in the order, its fact and the stock reservation."""
    promos(core, GIFT)
    with core.uow() as uow:
        placed = place_order(uow, {**OVER_300, "order_no": "G-1"})
    gift = placed["lines"][-1]
    assert [line["sku"] for line in placed["lines"]] == ["A", "B", "G"]
    assert gift == {"id": gift["id"], "sku": "G", "qty": 2, "list_price": "10.00",
                    "paid_amount": "0.00", "discount_amount": "20.00", "gift": True,
                    "offers": [{"promotion": "gift-g", "amount": "20.00"}]}
    assert all("gift" not in line for line in placed["lines"][:-1])
    assert (placed["list_amount"], placed["discount_amount"], placed["paid_amount"]) == (
        "420.00", "20.00", "400.00")
    assert placed["promotions"] == ["gift-g"]
    with core.uow() as uow:
        uow.session.add(Warehouse(code="WH-SH", name="上海仓", region="华东"))
        uow.session.flush()
        for sku in ("A", "B", "G"):
            stock.receive(uow, sku, "WH-SH", 5, "PO-1")
        allocated = allocate_order(uow, placed["id"], province="上海")
    assert [sorted(parcel.lines) for parcel in allocated.parcels] == [
        [("A", 1), ("B", 2), ("G", 2)]]
    with core.reader() as uow:
        row = uow.session.scalars(select(OrderLine).where(OrderLine.id == gift["id"])).one()
        stored = (row.quantity, row.list_price, row.discount_amount, row.paid_amount)
        fact = uow.session.scalars(select(Fact.data).where(Fact.kind == "order.placed")).one()
        available = {level.sku: level.available for level in stock.stock_levels(uow)}
    assert stored == (2, Decimal("10.00"), Decimal("20.00"), Decimal("0.00"))
    assert fact["lines"][-1] == {"sku": "G", "qty": 2, "paid_amount": "0.00",
                                 "discount_amount": "20.00", "gift": True,
                                 "offers": [{"promotion": "gift-g", "amount": "20.00"}]}
    assert available == {"A": 4, "B": 3, "G": 3}


def test_refunds_pay_nothing_back_for_a_gift(core: App) -> None:
    promos(core, GIFT)
    with core.uow() as uow:
        first = place_order(uow, {**OVER_300, "order_no": "G-1"})
        second = place_order(uow, {**OVER_300, "order_no": "G-2"})
    lines = {line["sku"]: line for line in first["lines"]}
    with core.uow() as uow:  # the main line B, in full: its 实付 300, the gift stays as it is
        request = aftersales.create_request(uow, aftersales.NewRequest(
            first["id"], "quality", sku="B", kind="refund_only", quantity=2))
        aftersales.approve(uow, request)
        assert aftersales.refund(uow, request) == Decimal("300.00")
    with core.uow() as uow:  # the whole order: 400, nothing for the gift
        assert refund_order(uow, second["id"], reference="test") == Decimal("400.00")
    with core.reader() as uow:
        one = uow.session.get(Order, first["id"])
        two = uow.session.get(Order, second["id"])
        assert one is not None and two is not None
        refunded = {ln.id: ln.refund_amount for ln in one.lines}
        totals = [(one.refund_amount, one.status), (two.refund_amount, two.status)]
        gift_refunds = [ln.refund_amount for ln in two.lines if ln.paid_amount == 0]
    assert refunded == {lines["A"]["id"]: Decimal("0.00"), lines["B"]["id"]: Decimal("300.00"),
                        lines["G"]["id"]: Decimal("0.00")}
    assert totals == [(Decimal("300.00"), "paid"), (Decimal("400.00"), "refunded")]
    assert gift_refunds == [Decimal("0.00")]


def test_a_gift_sku_missing_from_the_catalog_refuses_the_order_and_stores_nothing(
        core: App) -> None:
    promos(core, {**GIFT, "gift_sku": "NOPE"})
    before = counts(core)
    error = fails("orders.gift_unavailable", _place, core, {**OVER_300, "order_no": "G-1"})
    assert error.field == "gifts" and "gift-g" in error.message and "'NOPE'" in error.message
    assert counts(core) == before
    with core.uow() as uow:  # below the threshold: no gift, the order goes through
        placed = place_order(uow, {**OVER_300, "lines": [{"sku": "A", "qty": 1}]})
    assert [line["sku"] for line in placed["lines"]] == ["A"]


def _place(core: App, request: dict[str, Any]) -> None:
    with core.uow() as uow:
        place_order(uow, request)


def test_a_refund_by_sku_finds_the_paid_line_not_a_gift_of_the_same_sku(core: App) -> None:
    promos(core, {**GIFT, "gift_sku": "A", "gift_quantity": 1})
    with core.uow() as uow:
        placed = place_order(uow, OVER_300)
    assert [(ln["sku"], ln["paid_amount"], "gift" in ln) for ln in placed["lines"]] == [
        ("A", "100.00", False), ("B", "300.00", False), ("A", "0.00", True)]
    with core.uow() as uow:
        request = aftersales.create_request(uow, aftersales.NewRequest(
            placed["id"], "quality", sku="A", kind="refund_only"))
        aftersales.approve(uow, request)
        assert aftersales.refund(uow, request) == Decimal("100.00")
    with core.reader() as uow:
        refunded = [ln.refund_amount for ln in uow.session.scalars(
            select(OrderLine).where(OrderLine.order_id == placed["id"]).order_by(OrderLine.id))]
    assert refunded == [Decimal("100.00"), Decimal("0.00"), Decimal("0.00")]
