"""Allocating many paid orders (分仓): allocate_orders in batches beside allocate_order one by one.

    .venv/bin/python benchmarks/allocation.py [--demo-orders 20000] [--orders 5000]
        [--one-by-one 1000] [--postgres] [--profile]

A demo shop (``build_demo_shop``, seed 7) whose orders are all made paid again, with stock
received so every SKU lies in one, two or all three regional warehouses (orders split when
their SKUs lie apart). In the same run, on the same database state, each route allocating
the oldest paid orders inside one transaction that is rolled back afterwards (measured, not
kept):

- ``allocate_orders`` (batches of 1000: reads once, routes in memory, executemany writes) over
  --orders orders;
- ``allocate_order`` per order in its own savepoint (the one-by-one path, what
  `fulfil allocate` and the import follow-ups did before) over --one-by-one orders.

Prints orders per second (wall clock) and this process's CPU per order (steadier on a busy
machine; PostgreSQL's own work is not in it) for each. --profile prints the batch's top
cProfile entries.
Target: ≥ 500 orders/s on SQLite for the batch.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from datetime import date
from pathlib import Path
from typing import Any

from setup import (  # benchmarks/setup.py (the script's own folder)
    PG_ADMIN_URL,
    fresh_database,
    pg_url,
)

from shopops.db.scratch import drop_database

WORK = Path(os.environ.get("SHOPOPS_BENCH_DIR", "/tmp/shopops-bench"))
PG_NAME = "shopops_bench_allocation"
TARGET_ORDERS_PER_S = 500


def prepare(url: str, demo_orders: int) -> Any:
    """The demo shop, every order paid again, plenty of stock spread over the warehouses."""
    from sqlalchemy import select, update

    from shopops.bootstrap import App
    from shopops.catalog.models import Sku
    from shopops.config import Settings
    from shopops.db.migrate import upgrade
    from shopops.demo.service import build_demo_shop
    from shopops.inventory import service as stock
    from shopops.orders.models import Order

    fresh_database(url)
    app = App(Settings(database_url=url))
    upgrade(app.engine)
    build_demo_shop(app, seed=7, orders=demo_orders, end_date=date(2026, 11, 20), days=365)
    with app.uow() as uow:
        uow.session.execute(update(Order).where(Order.status.in_(
            ("allocated", "shipped", "delivered", "completed"))).values(status="paid"))
        codes = [w.code for w in stock.list_warehouses(uow) if w.sellable]
        n = len(codes)
        for i, sku in enumerate(uow.session.scalars(select(Sku.code).order_by(Sku.code))):
            turned = codes[i % n:] + codes[:i % n]  # SKU i: in 1, 2 or 3 warehouses
            for code in turned[: 1 + (i // n) % n]:
                stock.receive(uow, sku, code, 100_000, "BENCH")
    return app


def _paid(app: Any, count: int) -> list[int]:
    from shopops.orders.allocation_service import order_briefs

    with app.reader() as uow:
        return [b.id for b in order_briefs(uow, statuses=["paid"])][:count]


def batch(app: Any, ids: list[int], profile: bool) -> tuple[float, float, int, int, int]:
    from shopops.orders.allocation_service import allocate_orders

    profiler = cProfile.Profile() if profile else None
    with app.uow() as uow:
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = allocate_orders(uow, ids)
        uow.session.flush()
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        uow.session.rollback()  # measured, not kept
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
    split = sum(1 for r in result.allocated if len(r.parcels) > 1)
    return seconds, cpu, len(result.allocated), split, len(result.failed)


def one_by_one(app: Any, ids: list[int]) -> tuple[float, float, int, int, int]:
    from shopops.core.errors import ShopOpsError
    from shopops.orders.allocation_service import allocate_order

    done = split = failed = 0
    with app.uow() as uow:
        started, cpu = time.perf_counter(), time.process_time()
        for order_id in ids:
            try:
                with uow.session.begin_nested():
                    parcels = allocate_order(uow, order_id).parcels
                done += 1
                split += len(parcels) > 1
            except ShopOpsError:
                failed += 1
        uow.session.flush()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        uow.session.rollback()
    return seconds, cpu, done, split, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-orders", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=5_000, help="orders the batch allocates")
    parser.add_argument("--one-by-one", type=int, default=1_000,
                        help="orders allocated one by one (slow: fewer)")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    targets = [("SQLite", f"sqlite:///{WORK / 'allocation.db'}")]
    if args.postgres:
        targets.append(("PostgreSQL", pg_url(PG_NAME)))
    rows = []
    for name, url in targets:
        app = prepare(url, args.demo_orders)
        ids = _paid(app, max(args.orders, args.one_by_one))
        rows.append((name, "allocate_orders (batches of 1000)",
                     *batch(app, ids[: args.orders], args.profile)))
        rows.append((name, "allocate_order one by one", *one_by_one(app, ids[: args.one_by_one])))
        app.dispose()
    print(f"\ndemo shop of {args.demo_orders:,} orders, all paid; wall clock, same run "
          f"(target ≥ {TARGET_ORDERS_PER_S} orders/s on SQLite for the batch)\n")
    print(f"{'database':<11} {'route':<34} {'orders':>7} {'seconds':>8} {'orders/s':>9} "
          f"{'CPU ms/order':>13} {'split':>6} {'refused':>8}")
    for name, route, seconds, cpu, done, split, failed in rows:
        count = done + failed
        print(f"{name:<11} {route:<34} {count:>7,} {seconds:>8.2f} {count / seconds:>9,.0f} "
              f"{1000 * cpu / count:>13.2f} {split:>6,} {failed:>8,}")
    if args.postgres:
        drop_database(PG_ADMIN_URL, PG_NAME)


if __name__ == "__main__":
    main()
