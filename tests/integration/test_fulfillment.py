"""Allocation, shipping, tracking and the exception queue on SQLite and PostgreSQL: given a
shop with three regional warehouses, when orders are paid, allocated, shipped and tracked,
then the stock ledger, the order status, its timeline and the queue follow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shopops.bootstrap import App
from shopops.catalog.models import Sku
from shopops.core.errors import Conflict, InsufficientStock, ValidationError
from shopops.customers.models import Customer
from shopops.fulfillment import service as fulfil
from shopops.fulfillment.models import TrackingEvent
from shopops.inventory import service as stock
from shopops.inventory.models import Reservation, Warehouse
from shopops.orders import allocation_service as alloc
from shopops.orders.models import Order
from shopops.orders.service import order_timeline
from shopops.stores.models import Store
from tests.conftest import make_app
from tests.factories import (
    EPOCH,
    Line,
    MovingClock,
    add_category,
    add_order,
    add_product,
    add_sku,
)

T0 = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
HOUR = timedelta(hours=1)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(T0)


@pytest.fixture
def shop(app: App, database_url: str, clock: MovingClock) -> Iterator[App]:
    """Stores tm (tmall) and jd; SKUs A, B, C; warehouses WH-SH 华东, WH-GZ 华南, WH-BJ 华北."""
    with app.uow() as uow:
        product = add_product(uow, "P1", add_category(uow, "C1"))
        for code in ("A", "B", "C"):
            add_sku(uow, code, product, price="10", cost="5")
        uow.session.add_all([
            Store(code="tm", platform="tmall", name="天猫店", created_at=EPOCH),
            Store(code="jd", platform="jd", name="京东店", created_at=EPOCH),
            Warehouse(code="WH-SH", name="上海仓", region="华东"),
            Warehouse(code="WH-GZ", name="广州仓", region="华南"),
            Warehouse(code="WH-BJ", name="北京仓", region="华北")])
    clocked = make_app(database_url, clock)
    try:
        yield clocked
    finally:
        clocked.dispose()


def receive(app: App, **per_warehouse: dict[str, int]) -> None:
    with app.uow() as uow:
        for wh, skus in per_warehouse.items():
            for sku, qty in skus.items():
                stock.receive(uow, sku, wh.replace("_", "-"), qty, "PO-1")


def paid_order(app: App, no: str, lines: dict[str, int], province: str | None = "广东",
               store: str = "tm", paid_at: datetime = T0) -> int:
    with app.uow() as uow:
        store_id = uow.session.scalar(select(Store.id).where(Store.code == store))
        assert store_id is not None
        customer = Customer(name=f"buyer-{no}", region=province, created_at=EPOCH)
        uow.session.add(customer)
        uow.session.flush()
        skus = {s.code: s for s in uow.session.scalars(select(Sku))}
        order = add_order(uow, store_id, no, [Line(skus[c], q, str(10 * q))
                                              for c, q in lines.items()],
                          paid_at=paid_at, customer=customer)
        return order.id


def levels(app: App) -> dict[tuple[str, str], tuple[int, int]]:
    with app.uow() as uow:
        return {(lv.sku, lv.warehouse): (lv.on_hand, lv.reserved)
                for lv in stock.stock_levels(uow)}


def test_nearest_warehouse_with_all_the_stock_ships_the_order(shop: App) -> None:
    receive(shop, WH_SH={"A": 5, "B": 5}, WH_GZ={"A": 5, "B": 5}, WH_BJ={"A": 5, "B": 5})
    order_id = paid_order(shop, "N1", {"A": 2, "B": 1}, province="广东省")
    with shop.uow() as uow:
        result = alloc.allocate_order(uow, order_id)
    assert [(p.warehouse, p.lines) for p in result.parcels] == [
        ("WH-GZ", (("A", 2), ("B", 1)))]
    assert result.region == "华南"
    assert levels(shop)[("A", "WH-GZ")] == (5, 2)
    with shop.uow() as uow:
        assert uow.session.get(Order, order_id).status == "allocated"  # type: ignore[union-attr]
        steps = [(e.step, e.source) for e in order_timeline(uow, order_id)]
    assert ("allocated", "allocation") in steps


def test_one_far_warehouse_with_everything_beats_a_split_from_nearer_ones(shop: App) -> None:
    receive(shop, WH_GZ={"A": 5}, WH_BJ={"A": 5, "B": 5})
    order_id = paid_order(shop, "N1", {"A": 1, "B": 1}, province="广东")
    with shop.uow() as uow:
        result = alloc.allocate_order(uow, order_id)
    assert [p.warehouse for p in result.parcels] == ["WH-BJ"]


def test_split_only_when_no_single_warehouse_has_everything(shop: App) -> None:
    receive(shop, WH_SH={"B": 1}, WH_GZ={"A": 1}, WH_BJ={"A": 2})
    order_id = paid_order(shop, "N1", {"A": 3, "B": 1}, province="广东")
    with shop.uow() as uow:
        result = alloc.allocate_order(uow, order_id)
    parcels = {p.warehouse: p.lines for p in result.parcels}
    # A: 3 units exist only over GZ (1) + BJ (2); B only in SH → three parcels
    assert parcels == {"WH-GZ": (("A", 1),), "WH-BJ": (("A", 2),), "WH-SH": (("B", 1),)}
    with shop.uow() as uow:
        active = uow.session.scalar(select(func.sum(Reservation.quantity)).where(
            Reservation.status == "active"))
    assert active == 4


def test_two_orders_for_the_last_unit_only_one_gets_it(shop: App) -> None:
    receive(shop, WH_SH={"A": 1})
    first, second = paid_order(shop, "N1", {"A": 1}), paid_order(shop, "N2", {"A": 1, "B": 1})
    with shop.uow() as uow:
        alloc.allocate_order(uow, first)
    with pytest.raises(InsufficientStock) as refused, shop.uow() as uow:
        alloc.allocate_order(uow, second)
    assert {s["sku"] for s in refused.value.details["shortages"]} == {"A", "B"}
    assert "A short by 1" in refused.value.message
    with shop.uow() as uow:
        assert uow.session.get(Order, second).status == "paid"  # type: ignore[union-attr]
        assert uow.session.scalar(select(func.count(Reservation.id))) == 1
    with shop.uow() as uow:
        batch = alloc.allocate_paid_orders(uow)
    assert batch.allocated == [] and [f["channel_order_no"] for f in batch.failed] == ["N2"]


def test_store_rules_exclude_and_prioritise_warehouses(shop: App) -> None:
    receive(shop, WH_SH={"A": 5}, WH_GZ={"A": 5}, WH_BJ={"A": 5})
    with shop.uow() as uow:
        alloc.set_routing_rules(uow, [
            {"kind": "exclude_warehouses", "warehouses": ["WH-GZ"]},
            {"kind": "warehouse_priority", "warehouses": ["WH-BJ", "WH-SH"]},
            {"kind": "nearest_region"}], store="tm")
    order_id = paid_order(shop, "N1", {"A": 1}, province="广东")
    with shop.uow() as uow:
        assert [p.warehouse for p in alloc.allocate_order(uow, order_id).parcels] == ["WH-BJ"]
    with pytest.raises(ValidationError) as bad, shop.uow() as uow:
        alloc.set_routing_rules(uow, [{"kind": "cheapest"}], store="tm")
    assert bad.value.field == "rules[0].kind"


def test_shipping_moves_stock_and_a_split_needs_each_parcel(shop: App, clock: MovingClock
                                                            ) -> None:
    receive(shop, WH_SH={"B": 2}, WH_GZ={"A": 3})
    order_id = paid_order(shop, "N1", {"A": 2, "B": 1}, province="广东")
    clock.at = T0 + HOUR
    with pytest.raises(ValidationError) as which, shop.uow() as uow:
        fulfil.ship_order(uow, order_id, "SF", "SF100")
    assert which.value.field == "warehouse"
    with shop.uow() as uow:  # the refused call rolled back its allocation too
        assert uow.session.get(Order, order_id).status == "paid"  # type: ignore[union-attr]
        alloc.allocate_order(uow, order_id)
    with shop.uow() as uow:
        fulfil.ship_order(uow, order_id, "顺丰", "SF100", warehouse="WH-GZ")
    assert levels(shop)[("A", "WH-GZ")] == (1, 0)
    with shop.uow() as uow:
        assert uow.session.get(Order, order_id).status == "allocated"  # type: ignore[union-attr]
        view = fulfil.ship_order(uow, order_id, "ZTO", "ZT200", warehouse="WH-SH")
    assert (view.carrier_name, view.promised_by) == ("中通快递", T0 + HOUR + timedelta(days=3))
    assert levels(shop)[("B", "WH-SH")] == (1, 0)
    with shop.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None and order.status == "shipped" and order.shipped_at == T0 + HOUR
        shipments, total = fulfil.list_shipments(uow, order_id=order_id)
        assert total == 2 and {s.tracking_no for s in shipments} == {"SF100", "ZT200"}
    second = paid_order(shop, "N2", {"A": 1})
    with pytest.raises(Conflict) as used, shop.uow() as uow:
        fulfil.ship_order(uow, second, "SF", "SF100")
    assert used.value.field == "tracking_no"


TRACKING_CSV = """运单号,时间,状态,描述,地点
SF100,2026-11-11 14:00:00,已揽收,快件已被顺丰揽收,广州
SF100,2026-11-12 09:00,运输中,快件到达上海中转场,上海
SF100,not-a-time,运输中,x,上海
NOPE1,2026-11-12 10:00:00,运输中,x,上海
SF100,2026-11-12 11:00:00,,快件状态不明,上海
SF100,2026-11-12 09:00,运输中,快件到达上海中转场,上海
,2026-11-12 09:00,运输中,x,上海
SF100,2026-11-13 10:00:00,已签收,本人签收,广州
"""


def test_tracking_file_with_bad_rows_and_delivery(shop: App, clock: MovingClock) -> None:
    receive(shop, WH_GZ={"A": 3})
    order_id = paid_order(shop, "N1", {"A": 1})
    with shop.uow() as uow:
        fulfil.ship_order(uow, order_id, "SF", "SF100")
    with shop.uow() as uow:
        report = fulfil.import_tracking_file(uow, TRACKING_CSV.encode("gb18030"), "sf.csv")
    assert (report.read, report.added, report.duplicates) == (8, 3, 0)
    assert [(p.row, p.column) for p in report.problems] == [
        (4, "time"), (5, "tracking_no"), (6, "status"), (7, None), (8, "tracking_no")]
    assert report.delivered_orders == [order_id]
    with shop.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None and order.status == "delivered"
        assert order.delivered_at == datetime(2026, 11, 13, 2, 0, tzinfo=UTC)
        steps = [e.step for e in order_timeline(uow, order_id)]
    assert steps[-5:] == ["shipped", "tracking", "tracking", "tracking", "delivered"]
    with shop.uow() as uow:  # the same file again: nothing new
        again = fulfil.import_tracking_file(uow, TRACKING_CSV.encode(), "sf.csv")
    assert (again.added, again.duplicates, again.delivered_orders) == (0, 3, [])
    with shop.uow() as uow:
        assert uow.session.scalar(select(func.count(TrackingEvent.id))) == 3


def test_exception_queue_finds_each_kind_and_can_be_worked(shop: App, clock: MovingClock
                                                           ) -> None:
    receive(shop, WH_GZ={"A": 10})
    late = paid_order(shop, "LATE", {"A": 1}, store="jd")  # JD: ship within 24 h
    unscanned = paid_order(shop, "NOSCAN", {"A": 1})
    stalled = paid_order(shop, "STALL", {"A": 1})
    with shop.uow() as uow:
        promise = T0 + 5 * 24 * HOUR
        fulfil.ship_order(uow, unscanned, "SF", "SF1", promised_by=promise)
        fulfil.ship_order(uow, stalled, "YTO", "YT1", promised_by=promise)
        fulfil.post_tracking_events(uow, [{"tracking_no": "YT1", "status": "collected",
                                           "occurred_at": "2026-11-11T11:00:00+08:00",
                                           "description": "已揽收"}])
    with shop.uow() as uow:
        assert fulfil.exception_queue(uow, now=T0 + 24 * HOUR).counts == {
            "not_shipped": 0, "no_first_scan": 0, "stalled": 0, "late_delivery": 0}
        # the scan at 03:00 UTC stalls 72 h later: at exactly T0 + 73 h it is not late yet
        assert fulfil.exception_queue(uow, now=T0 + 73 * HOUR).counts["stalled"] == 0
        queue = fulfil.exception_queue(uow, now=T0 + 73 * HOUR + timedelta(seconds=1))
    assert queue.counts == {"not_shipped": 1, "no_first_scan": 1, "stalled": 1,
                            "late_delivery": 0}
    first = queue.items[0]
    assert (first.exception.kind, first.exception.order_id) == ("not_shipped", late)
    assert first.exception.age == 49 * HOUR + timedelta(seconds=1) and first.state == "open"
    by_kind = {i.exception.kind: i.exception for i in queue.items}
    assert by_kind["no_first_scan"].order_id == unscanned
    assert by_kind["stalled"].order_id == stalled
    with shop.uow() as uow:
        fulfil.handle_exception(uow, by_kind["stalled"].key, "acknowledged", "已查件")
        fulfil.handle_exception(uow, first.exception.key, "resolved", "已补发")
    with shop.uow() as uow:
        after = fulfil.exception_queue(uow, now=T0 + 74 * HOUR)
        late_days = fulfil.exception_queue(uow, now=T0 + 6 * 24 * HOUR, kind="late_delivery")
    assert after.counts["not_shipped"] == 0
    assert {i.exception.kind: i.state for i in after.items}["stalled"] == "acknowledged"
    assert {i.exception.order_id for i in late_days.items} == {unscanned, stalled}


def test_releasing_an_allocation_gives_the_units_back(shop: App) -> None:
    receive(shop, WH_SH={"B": 1}, WH_GZ={"A": 2})
    order_id = paid_order(shop, "N1", {"A": 2, "B": 1})
    with shop.uow() as uow:
        alloc.allocate_order(uow, order_id)
        fulfil.ship_order(uow, order_id, "SF", "SF5", warehouse="WH-GZ")
    with shop.uow() as uow:
        released = alloc.release_allocation(uow, order_id, "买家退款")
    assert [p.warehouse for p in released] == ["WH-SH"]
    assert levels(shop)[("B", "WH-SH")] == (1, 0) and levels(shop)[("A", "WH-GZ")] == (0, 0)
    with shop.uow() as uow:
        assert alloc.release_allocation(uow, order_id, "again") == []
        assert [p.status for p in alloc.order_parcels(uow, order_id)] == ["shipped", "released"]
