"""拼团 members pay with real orders, on SQLite and PostgreSQL: opening and joining a group
places a paid order at the group price; when the window ends short the sweep refunds each
member's order through the lifecycle (refunded, net GMV down), once; leaving refunds at once;
a group that filled keeps its orders; units reserved for a refunded order are released."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from shopops.analytics.service import kpi_report, period_from
from shopops.bootstrap import App
from shopops.core.clock import FixedClock
from shopops.db.facts import Fact
from shopops.inventory import service as stock
from shopops.inventory.models import Warehouse
from shopops.orders import allocation_service as alloc
from shopops.orders.models import Order
from shopops.orders.service import get_order
from shopops.pricing import group_buy_service as gb
from tests.integration.shops import promotion_shop

NOW = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def core(database_url: str, clock: FixedClock) -> Iterator[App]:
    with promotion_shop(database_url, clock) as application:
        with application.uow() as uow:  # A: normal price 100
            gb.create_deal(uow, {"store": "tm-1", "sku": "A", "code": "gbA", "window_hours": 24,
                                 "tiers": [{"size": 2, "price": "79"},
                                           {"size": 3, "price": "69"}]})
        yield application


def orders(core: App) -> dict[str, tuple[str, Decimal, Decimal, str | None]]:
    """order number → (status, paid, refunded, buyer) of every order."""
    with core.reader() as uow:
        ids = uow.session.scalars(select(Order.id).order_by(Order.id)).all()
        found = [get_order(uow, i) for i in ids]
    return {o["channel_order_no"]: (o["status"], Decimal(o["paid_amount"]),
                                    Decimal(o["refund_amount"]), o["buyer"]) for o in found}


def net_gmv(core: App) -> str:
    with core.reader() as uow:
        return str(kpi_report(uow, period_from("day", NOW.date()))["net_gmv"])


def test_joining_pays_an_order_and_a_short_group_refunds_each_members_order(
        core: App, clock: FixedClock) -> None:
    with core.uow() as uow:
        short = gb.open_group(uow, "gbA", "leader-1", 3)
        full = gb.open_group(uow, "gbA", "leader-2", 2)
    with core.uow() as uow:
        gb.join_group(uow, short.id, "m-1")
        gb.join_group(uow, full.id, "m-2")
    placed = orders(core)
    group_of = {"leader-1": short.id, "m-1": short.id, "leader-2": full.id, "m-2": full.id}
    assert {buyer: (status, paid, no.rsplit("-", 1)[0])
            for no, (status, paid, _, buyer) in placed.items() if buyer} == {
        buyer: ("paid", Decimal("69.00" if group == short.id else "79.00"), f"PT-{group}")
        for buyer, group in group_of.items()}
    with core.reader() as uow:
        line = get_order(uow, uow.session.scalar(select(Order.id).where(
            Order.channel_order_no.startswith(f"PT-{short.id}-"))
            .order_by(Order.id).limit(1)) or 0)["lines"][0]
    assert (line["sku"], line["quantity"], line["list_price"], line["discount_amount"],
            line["paid_amount"]) == ("A", 1, "100.00", "31.00", "69.00")
    assert net_gmv(core) == "296.00"  # 69 + 79 + 69 + 79
    clock.at = NOW + timedelta(hours=24)
    with core.uow() as uow:
        assert gb.sweep_groups(uow, clock.at) == {"failed_groups": [short.id],
                                                 "refunded_members": 2}
    with core.uow() as uow:  # the sweep again: nothing more is refunded
        assert gb.sweep_groups(uow, clock.at)["refunded_members"] == 0
    after = orders(core)
    short_orders = {no for no, (*_, buyer) in after.items() if buyer in ("leader-1", "m-1")}
    assert {after[no][:3] for no in short_orders} == {
        ("refunded", Decimal("69.00"), Decimal("69.00"))}
    assert {v[:3] for no, v in after.items() if no not in short_orders} == {
        ("paid", Decimal("79.00"), Decimal("0.00"))}
    assert net_gmv(core) == "158.00"  # the failed group's 138 refunded
    with core.reader() as uow:
        refunds = uow.session.scalars(select(Fact.data).where(
            Fact.kind == "order.refunded")).all()
        group_refunds = uow.session.scalars(select(Fact.data).where(
            Fact.kind == "group_buy.refunded")).all()
    assert sorted(f["reference"] for f in refunds) == [f"group_buy:{short.id}:group_failed"] * 2
    assert all(f["order_id"] is not None for f in group_refunds)


def test_leaving_refunds_the_members_order_at_once(core: App) -> None:
    with core.uow() as uow:
        group = gb.open_group(uow, "gbA", "leader", 3)
        gb.join_group(uow, group.id, "m-1")
    with core.uow() as uow:
        left = gb.leave_group(uow, group.id, "m-1")
    assert [(m[0], m[1]) for m in left.members] == [("leader", "joined"), ("m-1", "left")]
    by_buyer = {buyer: rest for *rest, buyer in orders(core).values()}
    assert by_buyer == {"leader": ["paid", Decimal("69.00"), Decimal("0.00")],
                        "m-1": ["refunded", Decimal("69.00"), Decimal("69.00")]}


def test_a_short_groups_orders_give_their_reserved_units_back(
        core: App, clock: FixedClock) -> None:
    with core.uow() as uow:
        uow.session.add(Warehouse(code="WH-SH", name="上海仓", region="华东"))
    with core.uow() as uow:
        stock.receive(uow, "A", "WH-SH", 5, "PO-1")
        group = gb.open_group(uow, "gbA", "leader", 3)
        gb.join_group(uow, group.id, "m-1")
    with core.uow() as uow:  # the paid orders are allocated like any other
        alloc.allocate_paid_orders(uow)
    with core.reader() as uow:
        assert [(lv.on_hand, lv.reserved) for lv in stock.stock_levels(uow)] == [(5, 2)]
    clock.at = NOW + timedelta(hours=24)
    with core.uow() as uow:
        gb.sweep_groups(uow, clock.at)
    with core.reader() as uow:
        assert [(lv.on_hand, lv.reserved) for lv in stock.stock_levels(uow)] == [(5, 0)]
        released = uow.session.scalars(select(Fact.data["reason"].as_string()).where(
            Fact.kind == "order.allocation_released")).all()
    assert released == [f"group_buy:{group.id}:group_failed"] * 2
    assert {v[0] for v in orders(core).values()} == {"refunded"}
