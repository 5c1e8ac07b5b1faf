"""Flash sale (秒杀) on SQLite and PostgreSQL: created as a promotion (API and `promo import`),
buy → an unpaid order in the order book and its hold, per-customer limit, sold out (no order
left behind), pay (the order paid, on its timeline), the sweep releasing lapsed holds back to
the pool and cancelling their orders (service and `shopops promo flash-sweep`), and 200
concurrent buyers for 50 units: exactly 50 holds and 50 orders."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
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
from shopops.customers.service import customer_names
from shopops.db.facts import Fact
from shopops.inventory import service as stock
from shopops.inventory.models import Warehouse
from shopops.orders import allocation_service as alloc
from shopops.orders.models import Order, OrderLine
from shopops.orders.service import get_order, order_timeline
from shopops.pricing import flash_service as flash
from shopops.pricing.flash_models import FlashSale, FlashSaleBuyer, FlashSaleHold
from shopops.pricing.flash_sale import LimitReached, SoldOut
from shopops.pricing.service import create_promotion
from tests.conftest import make_app
from tests.integration.test_api import build_web
from tests.integration.test_promotions import Api, problem, seed

SALE = {"type": "flash_sale", "store": "tm-1", "sku": "A", "price": "59.90", "units": 50,
        "per_customer": 1, "hold_minutes": 15}
BUYERS = 200
THREADS = 24  # below the PostgreSQL pool (10 + 20 overflow)


def new_sale(app: App, **changes: Any) -> int:
    with app.uow() as uow:
        return create_promotion(uow, {**SALE, **changes}).id


def pool(app: App, sale_id: int) -> dict[str, int]:
    with app.reader() as uow:
        status: dict[str, int] = flash.status(uow, sale_id).spec()["status"]
    return status


@pytest.fixture
def shop(app: App) -> Iterator[Api]:
    seed(app)
    with TestClient(build_web(app)) as client:
        yield Api(client, {"Authorization": f"Bearer {app.token}"})  # type: ignore[attr-defined]


def at(app: App, when: datetime) -> App:
    """The same database seen by an app whose clock says ``when``."""
    return make_app(app.engine.url.render_as_string(hide_password=False), FixedClock(when))


def test_api_create_buy_limit_pay_and_status(shop: Api) -> None:
    api = shop
    created = api.post("/promotions", {**SALE, "units": 2, "code": "fs-618"})
    assert created.status_code == 201, created.text
    sale = created.json()
    assert (sale["type"], sale["sku"], sale["price"], sale["units"]) == (
        "flash_sale", "A", "59.90", 2)
    assert sale["status"] == {"units": 2, "sold": 0, "held": 0, "remaining": 2, "oversold": 0}
    url = f"/flash-sales/{sale['id']}/orders"
    first = api.post(url, {"customer": "u1", "qty": 1})
    assert first.status_code == 201, first.text
    hold = first.json()
    assert (hold["status"], hold["qty"], hold["amount"]) == ("held", 1, "59.90")
    assert hold["order_no"] == f"FS{hold['order']}"
    order = api.get(f"/orders/{hold['order']}").json()  # a real order in the order book
    assert (order["status"], order["channel_order_no"], order["store"], order["buyer"]) == (
        "created", hold["order_no"], "tm-1", "u1")
    assert (order["list_amount"], order["discount_amount"], order["goods_amount"],
            order["paid_amount"]) == ("100.00", "40.10", "59.90", "59.90")
    assert [(ln["sku"], ln["quantity"], ln["paid_amount"]) for ln in order["lines"]] == [
        ("A", 1, "59.90")]
    problem(api.post(url, {"customer": "u1", "qty": 1}), 409, "flash_sale.limit_reached",
            "customer")
    problem(api.post(url, {"customer": "u9", "qty": 2}), 409, "flash_sale.limit_reached", "qty")
    assert api.post(url, {"customer": "u2"}).status_code == 201
    problem(api.post(url, {"customer": "u3"}), 409, "flash_sale.sold_out", "qty")
    problem(api.post(url, {"customer": ""}), 422, "flash_sale.invalid", "customer")
    paid = api.post(f"{url}/{hold['hold']}/pay", {})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert paid.json()["order"] == hold["order"]
    assert api.post(f"{url}/{hold['hold']}/pay", {}).json()["status"] == "paid"  # idempotent
    order = api.get(f"/orders/{hold['order']}").json()
    assert order["status"] == "paid" and order["paid_date"] is not None
    assert [s["step"] for s in order["timeline"]] == ["created", "paid"]
    status = api.get(f"/flash-sales/{sale['id']}").json()["status"]
    assert status == {"units": 2, "sold": 1, "held": 1, "remaining": 0, "oversold": 0}
    assert api.get("/flash-sales").json()["total"] == 1
    problem(api.post("/flash-sales/999/orders", {"customer": "u1"}), 404,
            "flash_sale.not_found", "id")


def test_invalid_flash_sales_name_the_field(shop: Api) -> None:
    api = shop
    for change, code, field in (({"price": "0"}, "flash_sale.invalid", "price"),
                                ({"per_customer": 0}, "flash_sale.invalid", "per_customer"),
                                ({"sku": "NOPE"}, "resource.not_found", "sku"),
                                ({"colour": "red"}, "flash_sale.invalid", "colour"),
                                ({"ends_at": "2026-01-01T00:00:00+08:00",
                                  "starts_at": "2026-02-01T00:00:00+08:00"},
                                 "flash_sale.invalid", "ends_at")):
        problem(api.post("/promotions", {**SALE, **change}), 422 if "invalid" in code else 404,
                code, field)


def test_lapsed_holds_are_swept_back_to_the_pool(app: App, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    seed(app)
    start = datetime.fromisoformat("2026-06-18T20:00:00+08:00")
    now = at(app, start)
    sale_id = new_sale(now, units=3, hold_minutes=10)
    with now.uow() as uow:
        kept = flash.buy(uow, sale_id, "u1")
    with now.uow() as uow:
        lapsing = flash.buy(uow, sale_id, "u2")
    with at(app, start + timedelta(minutes=5)).uow() as uow:
        flash.pay(uow, sale_id, kept.id)
    assert pool(app, sale_id) == {"units": 3, "sold": 1, "held": 1, "remaining": 1,
                                  "oversold": 0}
    later = at(app, start + timedelta(minutes=11))
    monkeypatch.setattr(cli, "get_app", lambda: later)
    result = CliRunner().invoke(cli.app, ["promo", "flash-sweep", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [h["hold"] for h in json.loads(result.output)["released"]] == [lapsing.id]
    assert pool(app, sale_id) == {"units": 3, "sold": 1, "held": 0, "remaining": 2,
                                  "oversold": 0}
    with later.reader() as uow:  # the lapsed order is cancelled, the paid one stays paid
        assert get_order(uow, lapsing.order_id or 0)["status"] == "cancelled"
        assert get_order(uow, kept.order_id or 0)["status"] == "paid"
        steps = [(e.step, e.source, e.data.get("reason"))
                 for e in order_timeline(uow, lapsing.order_id or 0)]
    assert steps == [("created", "flash_sale", None),
                     ("cancelled", "flash_sale", "未付款超时关闭")]
    with later.uow() as uow:
        assert flash.sweep(uow) == []  # idempotent
    with pytest.raises(ShopOpsError) as expired, later.uow() as uow:
        flash.pay(uow, sale_id, lapsing.id)
    assert expired.value.code == "flash_sale.hold_expired"
    with later.uow() as uow:  # the released unit and the buyer's allowance are back
        again = flash.buy(uow, sale_id, "u2")
    assert again.status == "held" and again.order_id not in (lapsing.order_id, None)
    with later.reader() as uow:  # one customer for u2 across both orders
        buyers = {get_order(uow, o)["customer_id"] for o in (lapsing.order_id, again.order_id)}
    assert len(buyers) == 1 and None not in buyers


def _written(app: App, hold: flash.HoldView) -> dict[str, Any]:
    """What a buy wrote, without its ids: the order, its customer, its facts and the hold."""
    with app.reader() as uow:
        order = get_order(uow, hold.order_id or 0)
        facts = uow.session.execute(select(Fact.kind, Fact.entity, Fact.store_id, Fact.data)
                                    .where(((Fact.entity == "order")
                                            & (Fact.entity_id == hold.order_id))
                                           | ((Fact.entity == "flash_sale_hold")
                                              & (Fact.entity_id == hold.id)))
                                    .order_by(Fact.id)).all()
        row = uow.session.get(FlashSaleHold, hold.id)
        assert row is not None
        stored = (row.customer, row.qty, row.amount, row.status, row.hold_until)
        names = customer_names(uow, {order["customer_id"]})
    ids = {"order": "<order>", "channel_order_no": "<no>", "order_no": "<no>",
           "customer_id": "<customer>"}  # the keys whose values are ids

    def plain(data: dict[str, Any]) -> dict[str, Any]:
        return {k: ids.get(k, v) for k, v in data.items()}

    return {"order": plain({k: v for k, v in order.items()
                            if k not in ("id", "lines", "timeline", "buyer")}),
            "lines": [{k: v for k, v in ln.items() if k != "id"} for ln in order["lines"]],
            "buyer": names.get(order["customer_id"]),
            "facts": [(kind, entity, store, plain(data)) for kind, entity, store, data in facts],
            "hold": stored}


def test_one_statement_buy_writes_what_the_steps_write(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL buys in one statement (pricing/flash_orders.py); SQLite step by step. On
    either database both ways must write the same rows and facts."""
    seed(app)
    when = at(app, datetime.fromisoformat("2026-06-18T20:00:00+08:00"))
    sale_a = new_sale(when, code="fs-a", per_customer=2)
    sale_b = new_sale(when, code="fs-b", per_customer=2)
    with when.uow() as uow:
        fused = flash.buy(uow, sale_a, "same-buyer", 2)
    monkeypatch.setattr(flash, "FUSED", False)
    with when.uow() as uow:
        steps = flash.buy(uow, sale_b, "other-buyer", 2)
    one, other = _written(when, fused), _written(when, steps)
    other["buyer"] = other["buyer"].replace("other", "same")
    for fact in other["facts"]:
        for key in ("buyer", "customer"):
            if key in fact[3]:
                fact[3][key] = fact[3][key].replace("other", "same")
    other["hold"] = ("same-buyer", *other["hold"][1:])
    for written in (one, other):
        for fact in written["facts"]:
            fact[3].pop("flash_sale")
    assert one == other
    assert one["order"]["status"] == "created" and one["buyer"] == "same-buyer"
    assert [f[0] for f in one["facts"]] == ["order.placed", "flash_sale.held"]
    with when.uow() as uow:  # a known buyer keeps their customer, either way
        again = flash.buy(uow, sale_b, "same-buyer", 1)
    monkeypatch.setattr(flash, "FUSED", True)
    with when.uow() as uow:
        third = flash.buy(uow, sale_a, "other-buyer", 1)
    with when.reader() as uow:
        assert get_order(uow, again.order_id or 0)["customer_id"] == get_order(
            uow, fused.order_id or 0)["customer_id"]
        assert get_order(uow, third.order_id or 0)["customer_id"] == get_order(
            uow, steps.order_id or 0)["customer_id"]


def test_refused_buys_leave_no_order_behind(app: App) -> None:
    seed(app)
    sale_id = new_sale(app, units=1)
    with app.uow() as uow:
        flash.buy(uow, sale_id, "u1")
    for customer in ("u1", "u2"):  # over the limit; sold out
        with pytest.raises((LimitReached, SoldOut)), app.uow() as uow:
            flash.buy(uow, sale_id, customer)
    with app.reader() as uow:
        orders = uow.session.scalar(select(func.count(Order.id)))
        placed = uow.session.scalar(select(func.count(Fact.id))
                                    .where(Fact.kind == "order.placed"))
    assert (orders, placed) == (1, 1)


def test_promo_import_takes_a_flash_sale(app: App, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seed(app)
    monkeypatch.setattr(cli, "get_app", lambda: app)
    file = tmp_path / "promos.json"
    file.write_text(json.dumps([{**SALE, "code": "fs-import"}]), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["promo", "import", str(file)])
    assert result.exit_code == 0, result.output
    with app.reader() as uow:
        assert uow.session.scalar(select(FlashSale.units).where(
            FlashSale.code == "fs-import")) == 50


def _buyer(app: App, sale_id: int, customer: str, start: threading.Event) -> str:
    start.wait()
    try:
        with app.uow() as uow:
            flash.buy(uow, sale_id, customer, 1)
    except SoldOut:
        return "sold_out"
    except LimitReached:
        return "limit"
    return "held"


def test_200_concurrent_buyers_for_50_units_hold_exactly_50(app: App) -> None:
    seed(app)
    sale_id = new_sale(app)
    # 160 customers, the first 40 of them try twice: 200 attempts at once
    customers = [f"c{n:03d}" for n in range(160)] + [f"c{n:03d}" for n in range(40)]
    start, stop = threading.Event(), threading.Event()
    seen: list[int] = []

    def watch() -> None:  # the pool as other readers see it while the buyers run
        while not stop.is_set():
            with app.reader() as uow:
                seen.append(uow.session.scalar(select(FlashSale.remaining)) or 0)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=THREADS) as workers:
            futures = [workers.submit(_buyer, app, sale_id, c, start) for c in customers]
            start.set()
            outcomes = [f.result(timeout=120) for f in futures]  # any other error fails here
    finally:
        stop.set()
        watcher.join()
    assert len(outcomes) == BUYERS
    assert outcomes.count("held") == 50
    assert outcomes.count("sold_out") + outcomes.count("limit") == 150
    assert pool(app, sale_id) == {"units": 50, "sold": 0, "held": 50, "remaining": 0,
                                  "oversold": 0}
    assert seen and min(seen) >= 0
    with app.reader() as uow:
        per_customer = dict(uow.session.execute(
            select(FlashSaleHold.customer, func.sum(FlashSaleHold.qty))
            .group_by(FlashSaleHold.customer)).all())
        bought = dict(uow.session.execute(
            select(FlashSaleBuyer.customer, FlashSaleBuyer.bought)).all())
    assert sum(per_customer.values()) == 50
    assert max(per_customer.values()) == 1  # nobody over the limit of 1
    assert {c: n for c, n in bought.items() if n} == per_customer
    with app.reader() as uow:  # one unpaid order per hold, none for the refused buys
        orders = uow.session.execute(
            select(Order.id, Order.status, func.sum(OrderLine.quantity))
            .join(OrderLine, OrderLine.order_id == Order.id).group_by(Order.id)).all()
        linked = uow.session.scalars(select(FlashSaleHold.order_id)).all()
    assert len(orders) == 50 and {status for _, status, _ in orders} == {"created"}
    assert sum(int(qty) for *_, qty in orders) == 50
    assert sorted(o for o in linked if o is not None) == sorted(o for o, *_ in orders)


@pytest.mark.parametrize("fused", [True, False], ids=["one-statement", "steps"])
def test_a_new_buyers_first_buys_in_two_sales_at_once_both_succeed(
        app: App, monkeypatch: pytest.MonkeyPatch, fused: bool) -> None:
    """The same new buyer buys in two sales of one store at the same instant: both buys
    create the buyer's customer; the later one must find the other's (not fail with a unique
    violation, HTTP 500) — one customer, both orders theirs. Several rounds, each a new buyer
    released together by a barrier, so the race is met (PostgreSQL; SQLite serialises
    writers)."""
    monkeypatch.setattr(flash, "FUSED", fused)
    seed(app)
    sales = (new_sale(app, code="fs-race-a"), new_sale(app, code="fs-race-b"))
    rounds = 12
    for n in range(rounds):
        buyer = f"new-buyer-{n}"
        barrier = threading.Barrier(2)

        def buy(sale_id: int, who: str = buyer, gate: threading.Barrier = barrier) -> int:
            gate.wait(timeout=30)
            with app.uow() as uow:
                return flash.buy(uow, sale_id, who, 1).order_id or 0

        with ThreadPoolExecutor(max_workers=2) as workers:
            orders = [f.result(timeout=60) for f in [workers.submit(buy, s) for s in sales]]
        with app.reader() as uow:
            owners = {get_order(uow, order)["customer_id"] for order in orders}
            identities = uow.session.execute(text(
                "SELECT customer_id FROM customer_identities WHERE buyer_id = :b"),
                {"b": buyer}).scalars().all()
            placed = uow.session.scalars(select(Fact.data).where(
                Fact.kind == "order.placed", Fact.entity_id.in_(orders))).all()
        assert len(identities) == 1 and owners == set(identities), (buyer, owners, identities)
        assert {(d if isinstance(d, dict) else json.loads(d))["customer_id"]
                for d in placed} == owners
    with app.reader() as uow:  # no customer left behind without its identity
        assert uow.session.scalar(text(
            "SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM "
            "customer_identities i WHERE i.customer_id = c.id)")) == 0
        assert uow.session.scalar(select(func.count(Order.id))) == 2 * rounds
    for sale_id in sales:
        assert pool(app, sale_id)["held"] == rounds


def test_a_paid_flash_order_is_allocated_like_any_paid_order(app: App) -> None:
    """Paying moves the order to paid; `shopops fulfil allocate` (allocate_paid_orders) then
    reserves its unit in a warehouse; an unpaid flash order is left alone."""
    seed(app)
    with app.uow() as uow:
        uow.session.add(Warehouse(code="WH-SH", name="上海仓", region="华东"))
    with app.uow() as uow:
        stock.receive(uow, "A", "WH-SH", 5, "PO-1")
    sale_id = new_sale(app, units=3)
    with app.uow() as uow:
        paid = flash.buy(uow, sale_id, "u1")
    with app.uow() as uow:
        unpaid = flash.buy(uow, sale_id, "u2")
    with app.uow() as uow:
        flash.pay(uow, sale_id, paid.id)
    with app.uow() as uow:
        batch = alloc.allocate_paid_orders(uow)
    assert [r.order_id for r in batch.allocated] == [paid.order_id] and batch.failed == []
    with app.reader() as uow:
        assert get_order(uow, paid.order_id or 0)["status"] == "allocated"
        assert get_order(uow, unpaid.order_id or 0)["status"] == "created"
        steps = [e.step for e in order_timeline(uow, paid.order_id or 0)]
    assert steps == ["created", "paid", "allocated"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # a PostgreSQL setting
def test_asynchronous_commit_is_opt_in_and_only_for_the_buy(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(app)
    sale_id = new_sale(app, units=5)
    seen = []
    for setting in ("", "1"):
        monkeypatch.setenv("SHOPOPS_FLASH_ASYNC_COMMIT", setting)
        with app.uow() as uow:
            flash.buy(uow, sale_id, f"u{setting or 0}")
            seen.append(uow.session.scalar(text("SHOW synchronous_commit")))
        with app.uow() as uow:  # SET LOCAL: the next transaction is durable again
            seen.append(uow.session.scalar(text("SHOW synchronous_commit")))
    assert seen == ["on", "on", "off", "on"]
    assert pool(app, sale_id)["held"] == 2
