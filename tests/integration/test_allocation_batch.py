"""Allocation in batches (allocate_orders) decides exactly what allocate_order decides one
order at a time, on SQLite and PostgreSQL: over a seeded demo shop with hundreds of paid
orders, scarce stock and store rules, the same orders are allocated from the same
warehouses (splits included), the same ones are refused with the same reason, and the stock
ledger, reservations, balances and facts come out the same. Two batches running at once
never reserve the same unit."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, update

from shopops.bootstrap import App
from shopops.core.errors import ShopOpsError
from shopops.core.uow import UnitOfWork
from shopops.db.facts import Fact
from shopops.demo.service import build_demo_shop
from shopops.inventory import service as stock
from shopops.inventory.models import Reservation, StockBalance, StockMove
from shopops.orders import allocation_service as alloc
from shopops.orders.allocation_models import OrderAllocation
from shopops.orders.models import Order
from shopops.stores.models import Store
from tests.conftest import make_app
from tests.factories import MovingClock
from tests.integration import test_fulfillment as base
from tests.integration.test_fulfillment import levels, paid_order, receive

shop, clock = base.shop, base.clock  # the fulfillment tests' shop and clock fixtures
AFTER_DEMO = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def _marks(uow: UnitOfWork) -> tuple[int, int]:
    return (uow.session.scalar(select(func.max(StockMove.id))) or 0,
            uow.session.scalar(select(func.max(Fact.id))) or 0)


def _snapshot(uow: UnitOfWork, ids: list[int], marks: tuple[int, int]) -> dict[str, Any]:
    """Everything allocation writes, without the ids a PostgreSQL sequence hands out."""
    session = uow.session
    parcels = sorted(
        (a.order_id, a.warehouse_id, a.status, a.province, a.region, len(a.reservation_ids),
         tuple(sorted((ln.sku_id, ln.quantity) for ln in a.lines)))
        for a in session.scalars(select(OrderAllocation)))
    held = sorted(session.execute(select(
        Reservation.reference, Reservation.sku_id, Reservation.warehouse_id,
        Reservation.quantity, Reservation.status, Reservation.reserved_until)).all())
    moves = sorted(session.execute(select(
        StockMove.sku_id, StockMove.warehouse_id, StockMove.kind, StockMove.quantity,
        StockMove.reference).where(StockMove.id > marks[0])).all())
    balances = sorted(session.execute(select(
        StockBalance.sku_id, StockBalance.warehouse_id, StockBalance.on_hand,
        StockBalance.reserved)).all())
    facts = sorted(json.dumps([f.kind, f.entity, f.entity_id if f.entity == "order" else None,
                               f.store_id, f.occurred_at.isoformat(), f.data],
                              sort_keys=True, ensure_ascii=False)
                   for f in session.scalars(select(Fact).where(Fact.id > marks[1])))
    statuses = dict(session.execute(select(Order.id, Order.status)
                                    .where(Order.id.in_(ids))).all())
    return {"parcels": parcels, "reservations": held, "moves": moves, "balances": balances,
            "facts": facts, "statuses": statuses}


def _one_by_one(uow: UnitOfWork, ids: list[int]) -> list[tuple[int, str, str]]:
    failed = []
    for order_id in ids:
        try:
            with uow.session.begin_nested():
                alloc.allocate_order(uow, order_id)
        except ShopOpsError as exc:
            failed.append((order_id, exc.code, exc.message))
    return failed


def test_batch_allocates_a_demo_shop_exactly_like_one_by_one(app: App, database_url: str
                                                             ) -> None:
    build_demo_shop(app, seed=5, orders=1000, end_date=date(2026, 11, 20), days=60)
    clocked = make_app(database_url, MovingClock(AFTER_DEMO))
    try:
        with clocked.uow() as uow:
            # more open orders than the demo leaves: its shipped and later ones paid again
            uow.session.execute(update(Order).where(
                Order.status.in_(("shipped", "delivered", "completed"))).values(status="paid"))
            # scarce stock: orders compete, some split, some are refused
            for lv in stock.stock_levels(uow):
                if lv.sellable and lv.available > 2:
                    stock.adjust(uow, lv.sku, lv.warehouse, -(lv.available - 2), "test 盘点")
            store = uow.session.scalars(select(Store).order_by(Store.code)).first()
            assert store is not None
            alloc.set_routing_rules(uow, [
                {"kind": "exclude_warehouses", "warehouses": ["WH-BJ"]},
                {"kind": "warehouse_priority", "warehouses": ["WH-SH", "WH-GZ"]},
                {"kind": "fewest_shipments"}], store=store.code)
        with clocked.reader() as uow:
            ids = [b.id for b in alloc.order_briefs(uow, statuses=["paid"])]
        assert len(ids) >= 200

        with clocked.uow() as uow:  # one by one, then rolled back
            marks = _marks(uow)
            failed_one = _one_by_one(uow, ids)
            one = _snapshot(uow, ids, marks)
            uow.session.rollback()
        with clocked.uow() as uow:
            marks = _marks(uow)
            batch = alloc.allocate_orders(uow, ids)
            many = _snapshot(uow, ids, marks)
    finally:
        clocked.dispose()

    split = sum(1 for r in batch.allocated if len(r.parcels) > 1)
    assert split >= 3 and len(batch.failed) >= 10 and len(batch.allocated) >= 100
    assert [(f["order_id"], f["code"], f["message"]) for f in batch.failed] == failed_one
    for part in ("statuses", "parcels", "reservations", "moves", "balances", "facts"):
        assert many[part] == one[part], part
    assert len(many["reservations"]) == sum(len(p.reservation_ids) for r in batch.allocated
                                            for p in r.parcels)


def test_two_batches_at_once_never_reserve_the_same_unit(shop: App) -> None:
    receive(shop, WH_GZ={"A": 6}, WH_SH={"A": 4})
    ids = [paid_order(shop, f"N{n}", {"A": 1}, province="广东") for n in range(40)]
    start = threading.Event()

    def job() -> alloc.BatchResult:
        start.wait()
        with shop.uow() as uow:
            return alloc.allocate_paid_orders(uow, limit=None)

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [pool.submit(job) for _ in range(3)]
        start.set()
        results = [f.result(timeout=120) for f in futures]
    allocated = [r.order_id for result in results for r in result.allocated]
    assert len(allocated) == len(set(allocated)) == 10 and set(allocated) <= set(ids)
    assert levels(shop)[("A", "WH-GZ")] == (6, 6) and levels(shop)[("A", "WH-SH")] == (4, 4)
    with shop.reader() as uow:
        statuses = dict(uow.session.execute(
            select(Order.status, func.count(Order.id)).group_by(Order.status)).all())
        reservations = uow.session.scalar(select(func.sum(Reservation.quantity)))
    assert statuses == {"allocated": 10, "paid": 30} and reservations == 10
