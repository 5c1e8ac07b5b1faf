"""No oversell under contention, on SQLite and PostgreSQL: 100 concurrent orders, each on its
own connection and transaction, for 30 units of one SKU spread over two warehouses."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from shopops.bootstrap import App
from shopops.core.errors import InsufficientStock
from shopops.inventory import service as stock
from shopops.inventory.models import Reservation, StockBalance, Warehouse
from tests.factories import add_category, add_product, add_sku

ORDERS = 100
STOCK = {"WH-E": 18, "WH-S": 12}  # 30 units
THREADS = 24  # below the PostgreSQL pool (10 + 20 overflow)


def _setup(app: App) -> None:
    with app.uow() as uow:
        add_sku(uow, "HOT", add_product(uow, "P1", add_category(uow, "C1")),
                price="99", cost="40")
        uow.session.add_all([Warehouse(code=code, name=code, region="华东") for code in STOCK])
    with app.uow() as uow:
        for code, units in STOCK.items():
            stock.receive(uow, "HOT", code, units, "PO-1")


def _order(app: App, n: int, start: threading.Event) -> str:
    start.wait()
    try:
        with app.uow() as uow:
            stock.reserve(uow, [("HOT", 1)], f"ORDER-{n}", timedelta(hours=1))
    except InsufficientStock:
        return "refused"
    return "reserved"


def test_100_concurrent_orders_for_30_units_reserve_exactly_30(app: App) -> None:
    _setup(app)
    start = threading.Event()
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_order, app, n, start) for n in range(ORDERS)]
        start.set()
        outcomes = [f.result(timeout=60) for f in futures]  # any other error fails here
    assert time.monotonic() - began < 30
    assert outcomes.count("reserved") == 30
    assert outcomes.count("refused") == 70
    with app.reader() as uow:
        balances = [tuple(row) for row in uow.session.execute(
            select(StockBalance.on_hand, StockBalance.reserved))]
        active = uow.session.scalar(select(func.sum(Reservation.quantity))
                                    .where(Reservation.status == "active"))
        per_order = uow.session.scalar(select(func.count(func.distinct(Reservation.reference))))
        levels = stock.stock_levels(uow, sku="HOT")
    assert sorted(balances) == [(12, 12), (18, 18)]  # every unit reserved, none twice
    assert all(on_hand >= reserved >= 0 for on_hand, reserved in balances)
    assert active == sum(reserved for _, reserved in balances) == 30
    assert per_order == 30
    assert [(lv.reserved, lv.available) for lv in levels] == [(18, 0), (12, 0)]
