"""After-sales on SQLite and PostgreSQL: the whole flow with restock and with quarantine,
refunds flowing into the order (and `shopops kpi`'s net GMV and refund rate), over-refunds
refused with nothing changed, the 7-day window, overdue refunds, exchanges, the analysis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from shopops import cli
from shopops.bootstrap import App
from shopops.core.errors import ShopOpsError
from shopops.db.facts import Fact
from shopops.inventory.models import Warehouse
from shopops.inventory.service import stock_levels
from shopops.orders.models import Order, OrderLine
from shopops.service import queries
from shopops.service import service as aftersales
from shopops.service.service import NewRequest
from shopops.stores.service import add_store
from tests.conftest import make_app, wipe
from tests.factories import (
    Line,
    MovingClock,
    add_category,
    add_order,
    add_product,
    add_sku,
    shanghai,
)

DELIVERED = shanghai(2026, 11, 3, 15)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(shanghai(2026, 11, 5, 10))


@pytest.fixture
def shop(database_url: str, clock: MovingClock) -> Iterator[App]:
    """Store tm1; order O1 of 2 × SKU-A (¥600 + ¥10 shipping) delivered on 11-03 15:00."""
    app = make_app(database_url, clock)
    wipe(app)
    with app.uow() as uow:
        store = add_store(uow, "tm1", "tmall", name="天猫旗舰店")
        dress = add_product(uow, "P-DRESS", add_category(uow, "women", "女装"), "连衣裙")
        sku_a = add_sku(uow, "SKU-A", dress, price="399", cost="150")
        add_sku(uow, "SKU-A-L", dress, price="399", cost="150")
        uow.session.add(Warehouse(code="SH", name="上海仓", region="华东"))
        order = add_order(uow, store.id, "O1", [Line(sku_a, 2, "600.00")],
                          paid_at=shanghai(2026, 11, 1, 10), shipping="10")
        order.status, order.delivered_at = "delivered", DELIVERED
    try:
        yield app
    finally:
        app.dispose()


def order_id(app: App) -> int:
    with app.reader() as uow:
        return int(uow.session.scalar(select(Order.id).where(Order.channel_order_no == "O1")))


def line_state(app: App) -> tuple[str, Decimal, Decimal]:
    with app.reader() as uow:
        order = uow.session.scalars(select(Order)).one()
        line = uow.session.scalars(select(OrderLine)).one()
        return order.status, order.refund_amount, line.refund_amount


def on_hand(app: App) -> dict[str, int]:
    with app.reader() as uow:
        return {lv.warehouse: lv.on_hand for lv in stock_levels(uow, sku="SKU-A")}


def kpi(app: App, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(cli, "get_app", lambda: app)
    result = CliRunner().invoke(cli.app, ["kpi", "--period", "month", "--date", "2026-11-01",
                                          "--format", "json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def create(app: App, **kw: Any) -> int:
    with app.uow() as uow:
        return aftersales.create_request(uow, NewRequest(order_id=order_id(app), sku="SKU-A",
                                                         **kw))


def step(app: App, action: str, request_id: int, *args: Any, **kw: Any) -> Any:
    with app.uow() as uow:
        return getattr(aftersales, action)(uow, request_id, *args, **kw)


def test_quality_return_goes_to_quarantine_refunds_and_moves_kpi(
        shop: App, clock: MovingClock, monkeypatch: pytest.MonkeyPatch) -> None:
    before = kpi(shop, monkeypatch)
    assert (before["net_gmv"], before["refund_rate"]) == ("600.00", "0.0000")
    rid = create(shop, reason="quality", quantity=1)
    with shop.reader() as uow:
        got = queries.get_request(uow, rid)
    # quality → return and refund, shipping back, apology; the unit's share of the line
    assert (got["kind"], got["amount"], got["shipping_refund"], got["apology"]) == (
        "return_refund", "300.00", "10.00", True)
    step(shop, "approve", rid)
    clock.at += timedelta(days=1)
    assert step(shop, "receive", rid, "SH") == "SH-QC"  # quality: inspect first
    assert on_hand(shop) == {"SH-QC": 1}
    clock.at += timedelta(hours=24)  # exactly the target: not overdue yet
    with shop.reader() as uow:
        assert queries.list_requests(uow, queries.RequestFilters(overdue=True))["total"] == 0
    clock.at += timedelta(minutes=1)
    with shop.reader() as uow:
        overdue = queries.list_requests(uow, queries.RequestFilters(overdue=True))
        assert [r["id"] for r in overdue["items"]] == [rid] and overdue["items"][0]["overdue"]
        assert queries.board(uow)["overdue_count"] == 1
    assert step(shop, "refund", rid) == Decimal("300.00")
    assert line_state(shop) == ("delivered", Decimal("300.00"), Decimal("300.00"))
    after = kpi(shop, monkeypatch)
    assert (after["net_gmv"], after["refund_rate"], after["gmv"]) == ("300.00", "1.0000",
                                                                      "600.00")
    step(shop, "close", rid)
    with shop.reader() as uow:
        got = queries.get_request(uow, rid)
        kinds = uow.session.scalars(select(Fact.kind).where(Fact.entity == "after_sale")
                                    .order_by(Fact.id)).all()
        assert queries.board(uow)["overdue_count"] == 0
    assert [s["step"] for s in got["timeline"]] == ["requested", "approved", "received",
                                                    "refunded", "closed"]
    assert (got["refund_hours"], got["within_target"]) == ("24.0", False)
    assert kinds == ["after_sale.requested", "after_sale.approved", "after_sale.received",
                     "after_sale.refunded", "after_sale.closed"]


def test_no_reason_return_restocks_and_second_unit_refunds_the_order(shop: App,
                                                                      clock: MovingClock) -> None:
    first = create(shop, reason="quality", quantity=1)
    for action in ("approve",):
        step(shop, action, first)
    step(shop, "receive", first, "SH")
    step(shop, "refund", first)
    rid = create(shop, reason="no_reason", quantity=1)
    with shop.reader() as uow:
        assert queries.get_request(uow, rid)["shipping_refund"] == "0.00"
    step(shop, "approve", rid)
    assert step(shop, "receive", rid, "SH") == "SH"  # sellable again
    assert on_hand(shop) == {"SH": 1, "SH-QC": 1}
    step(shop, "refund", rid)
    assert line_state(shop) == ("refunded", Decimal("600.00"), Decimal("600.00"))


def test_over_refund_is_refused_and_nothing_changes(shop: App) -> None:
    with pytest.raises(ShopOpsError) as too_much:
        create(shop, reason="no_reason", quantity=1, amount="600.01")
    assert (too_much.value.code, too_much.value.field) == ("service.over_refund", "amount")
    rid = create(shop, reason="no_reason", quantity=2)  # the whole line: ¥600
    with pytest.raises(ShopOpsError) as units:
        create(shop, reason="no_reason", quantity=1)
    assert (units.value.code, units.value.field) == ("service.over_refund", "quantity")
    step(shop, "approve", rid)
    step(shop, "receive", rid, "SH", restock=True)
    with shop.reader() as uow:
        facts_before = uow.session.scalar(select(func.count(Fact.id)))
    with pytest.raises(ShopOpsError) as refused:
        step(shop, "refund", rid, amount="600.01")
    assert (refused.value.code, refused.value.field) == ("service.over_refund", "amount")
    with shop.reader() as uow:
        assert uow.session.scalar(select(func.count(Fact.id))) == facts_before
        assert queries.get_request(uow, rid)["status"] == "received"
    assert line_state(shop) == ("delivered", Decimal("0.00"), Decimal("0.00"))
    with pytest.raises(ShopOpsError) as early:
        step(shop, "close", rid)
    assert early.value.code == "service.illegal_transition"


@pytest.mark.parametrize(("at", "ok"), [
    (shanghai(2026, 11, 10, 23, 59), True),  # delivered 11-03: window 11-04 00:00 … +7 days
    (shanghai(2026, 11, 11, 0, 0), False),
])
def test_seven_day_window_counts_from_the_day_after_delivery(shop: App, clock: MovingClock,
                                                            at: datetime, ok: bool) -> None:
    clock.at = at
    if ok:
        assert create(shop, reason="no_reason") > 0
        return
    with pytest.raises(ShopOpsError) as late:
        create(shop, reason="no_reason")
    assert (late.value.code, late.value.field) == ("service.not_eligible", "reason")
    assert create(shop, reason="quality") > 0  # a quality problem is not bound by 7 days


def test_size_exchange_ships_the_replacement_through_the_ledger(shop: App) -> None:
    with shop.uow() as uow:
        from shopops.inventory.service import receive
        receive(uow, "SKU-A-L", "SH", 5, "PO-1")
    rid = create(shop, reason="size")
    with shop.reader() as uow:
        got = queries.get_request(uow, rid)
    assert (got["kind"], got["amount"]) == ("exchange", "0.00")
    step(shop, "approve", rid)
    step(shop, "receive", rid, "SH")
    step(shop, "exchange", rid, warehouse="SH", replacement_sku="SKU-A-L")
    with shop.reader() as uow:
        levels = {(lv.sku, lv.warehouse): lv.on_hand for lv in stock_levels(uow)}
    assert levels == {("SKU-A", "SH"): 1, ("SKU-A-L", "SH"): 4}
    assert line_state(shop) == ("delivered", Decimal("0.00"), Decimal("0.00"))


def test_return_rate_analysis_by_sku_store_reason(shop: App) -> None:
    rid = create(shop, reason="quality", quantity=1)
    create(shop, reason="size", quantity=1)
    step(shop, "approve", rid)
    step(shop, "receive", rid, "SH")
    step(shop, "refund", rid)
    with shop.reader() as uow:
        report = queries.return_analysis(uow, "2026-11-01", "2026-11-30")
        with pytest.raises(ShopOpsError) as bad:
            queries.return_analysis(uow, "2026-11-01", "2026-11-30", by=("colour",))
    assert bad.value.field == "by"
    sku = report["by"]["sku"][0]
    assert (sku["key"], sku["sold_units"], sku["returned_units"], sku["return_rate"],
            sku["refund_ratio"]) == ("SKU-A", 2, 2, "1.0000", "0.5000")
    assert report["store"] is None and report["overall"]["return_rate"] == "1.0000"
    assert [r["key"] for r in report["by"]["store"]] == ["tm1"]
    assert {r["key"]: r["return_rate"] for r in report["by"]["reason"]} == {"quality": "0.5000",
                                                                      "size": "0.5000"}
    assert not sku["alert"]  # 2 units sold: below the 20-unit minimum to judge


def test_refund_target_and_window_are_shop_settings(shop: App, clock: MovingClock) -> None:
    from shopops.db.shop_settings import write_setting

    with shop.uow() as uow:
        write_setting(uow, "service.refund_sla_hours", 48)
        write_setting(uow, "service.no_reason_return_days", 15)
    clock.at = shanghai(2026, 11, 18, 12)  # day 14 of a 15-day window
    rid = create(shop, reason="no_reason")
    step(shop, "approve", rid)
    step(shop, "receive", rid, "SH")
    clock.at += timedelta(hours=30)
    with shop.reader() as uow:
        assert queries.board(uow)["overdue_count"] == 0
        assert queries.get_request(uow, rid)["within_target"] is True
    clock.at += timedelta(hours=19)
    with shop.reader() as uow:
        assert queries.board(uow)["overdue_count"] == 1
