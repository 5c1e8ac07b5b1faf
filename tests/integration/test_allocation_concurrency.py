"""Two orders never take the same unit, on SQLite and PostgreSQL: 40 paid orders for one unit
each, allocated at the same time on their own connections, for 10 units over two warehouses —
exactly 10 are allocated (each once, the buyer's region first), 30 are refused naming the SKU
and stay paid."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from shopops.bootstrap import App
from shopops.core.errors import InsufficientStock
from shopops.inventory.models import Reservation
from shopops.orders import allocation_service as alloc
from shopops.orders.allocation_models import OrderAllocation
from shopops.orders.models import Order
from tests.integration import test_fulfillment as base
from tests.integration.test_fulfillment import levels, paid_order, receive

shop, clock = base.shop, base.clock  # the same shop and clock fixtures
ORDERS, THREADS = 40, 12


def _allocate(app: App, order_id: int, start: threading.Event) -> str:
    start.wait()
    try:
        with app.uow() as uow:
            alloc.allocate_order(uow, order_id)
    except InsufficientStock as exc:
        assert [s["sku"] for s in exc.details["shortages"]] == ["A"]
        return "refused"
    return "allocated"


def test_40_concurrent_orders_for_10_units(shop: App) -> None:
    receive(shop, WH_GZ={"A": 6}, WH_SH={"A": 4})
    ids = [paid_order(shop, f"N{n}", {"A": 1}, province="广东") for n in range(ORDERS)]
    start = threading.Event()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_allocate, shop, order_id, start) for order_id in ids]
        start.set()
        outcomes = [f.result(timeout=120) for f in futures]
    assert (outcomes.count("allocated"), outcomes.count("refused")) == (10, 30)
    assert levels(shop)[("A", "WH-GZ")] == (6, 6) and levels(shop)[("A", "WH-SH")] == (4, 4)
    with shop.reader() as uow:
        statuses = dict(uow.session.execute(
            select(Order.status, func.count(Order.id)).group_by(Order.status)).all())
        parcels = uow.session.scalar(select(func.count(OrderAllocation.id)))
        per_order = uow.session.scalar(select(func.count(func.distinct(Reservation.reference))))
    assert statuses == {"allocated": 10, "paid": 30}
    assert parcels == per_order == 10
