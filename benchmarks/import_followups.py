"""What an order import's follow-ups cost (orders/import_followups.py), beside the import itself.

    .venv/bin/python benchmarks/import_followups.py [--lines 50000] [--seed 1] [--postgres]

One 拼多多 订单导出 (benchmarks/import.py's generator: a third each paid / shipped / completed,
shipped ones with 圆通快递 and a tracking number), into a fresh SQLite database (and PostgreSQL
with --postgres) whose warehouse holds stock for every SKU. In the same run:

- the import alone (``import_orders``, one transaction);
- the follow-ups after it (``follow_up``), timed apart: its shipped/completed orders'
  shipments from the archived file (a digest pass and a parse of those orders only, then one
  bulk insert), then the allocation of its paid orders (the shop's cap, 50,000 by
  default, through the batch allocate_orders);
- the obvious alternative for the shipments: one ORM ``Shipment`` per order with a SELECT for
  an existing one first (what a quick script does), on the same orders;
- a no-change re-import with its follow-ups (no facts: nothing to do).

Prints one table: seconds, orders per second, what was done.
"""

from __future__ import annotations

import argparse
import importlib
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

bench = importlib.import_module("import")  # benchmarks/import.py: the file and the database

WORK = bench.WORK


def stock_everything(url: str) -> None:
    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.inventory import service as stock
    from shopops.inventory.models import Warehouse

    app = App(Settings(database_url=url))
    with app.uow() as uow:
        uow.session.add(Warehouse(code="WH-SH", name="上海仓", region="华东"))
        uow.session.flush()
        for i in range(bench.SKUS):
            stock.receive(uow, bench.sku_code(i), "WH-SH", 1_000_000, "BENCH")
    app.dispose()


def timed(label: str, work: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def naive_shipments(app: Any, orders: list[tuple[int, int, str, Any]]) -> int:
    """One ORM row per order, a SELECT first: the quick script's way."""
    from sqlalchemy import select

    from shopops.fulfillment.models import Shipment

    made = 0
    with app.uow() as uow:
        for order_id, store_id, number, shipped_at in orders:
            if uow.session.scalar(select(Shipment.id).where(Shipment.order_id == order_id)):
                continue
            uow.session.add(Shipment(
                order_id=order_id, store_id=store_id, carrier_code="YTO", carrier_name="圆通速递",
                tracking_no=f"N{number}", service="standard", status="shipped",
                shipped_at=shipped_at, promised_by=shipped_at + timedelta(days=3)))
            uow.session.flush()
            made += 1
        uow.session.rollback()  # measured, not kept
    return made


def run(url: str, path: Path) -> list[tuple[str, float, int, str]]:
    from sqlalchemy import select

    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.db.shop_settings import write_setting
    from shopops.orders.import_followups import ALLOCATE_KEY, fact_mark, follow_up
    from shopops.orders.imports import import_orders
    from shopops.orders.models import Order

    bench.prepare(url)
    stock_everything(url)
    app = App(Settings(database_url=url))
    files = [(path.name, path.read_bytes())]
    rows: list[tuple[str, float, int, str]] = []

    def do_import() -> Any:
        with app.uow() as uow:
            mark = fact_mark(uow)
            return mark, import_orders(uow, files, bench.STORE, platform="pdd")

    seconds, (mark, summary) = timed("import", do_import)
    rows.append(("import (one transaction)", seconds, summary.read, f"{summary.new} new"))

    with app.reader() as uow:
        shipped = [(o.id, o.store_id, o.channel_order_no, o.shipped_at or o.paid_at)
                   for o in uow.session.scalars(select(Order).where(
                       Order.status.in_(("shipped", "completed"))))]
    seconds, made = timed("naive", lambda: naive_shipments(app, shipped))
    rows.append(("shipments, ORM row by row (alternative)", seconds, len(shipped),
                 f"{made} shipments (rolled back)"))

    def do_follow(allocate: bool) -> Any:
        with app.uow() as uow:
            write_setting(uow, ALLOCATE_KEY, allocate)
        with app.uow() as uow:
            return follow_up(uow, summary.import_id, mark, platform="pdd")

    # first with allocation off (the shipments alone), then on: the shipments are there
    # already (idempotent), so the second run times the allocation
    seconds, done = timed("shipments", lambda: do_follow(False))
    rows.append(("follow-ups: shipments (bulk)", seconds, len(shipped),
                 f"{done.shipments} shipments, {len(done.shipment_problems)} problems"))
    seconds, done = timed("allocation", lambda: do_follow(True))
    rows.append(("follow-ups: allocation (capped)", seconds, done.allocated,
                 f"{done.allocated} allocated, {done.allocation_waiting} waiting, "
                 f"{len(done.allocation_failed)} failed, {done.shipments} new shipments"))

    def again() -> Any:
        with app.uow() as uow:
            mark2 = fact_mark(uow)
            second = import_orders(uow, files, bench.STORE, platform="pdd")
        with app.uow() as uow:
            return second, follow_up(uow, second.import_id, mark2, platform="pdd")

    seconds, (second, nothing) = timed("again", again)
    rows.append(("re-import + follow-ups (no change)", seconds, second.read,
                 f"{second.unchanged} unchanged, {nothing.shipments} shipments, "
                 f"{nothing.allocated} allocated"))
    app.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    path = WORK / f"followups-pdd-{args.lines}.csv"
    bench.write_pdd_csv(path, args.lines, args.seed)
    targets = [("SQLite", f"sqlite:///{WORK / 'followups.db'}")]
    if args.postgres:
        targets.append(("PostgreSQL", bench.PG_ADMIN.rsplit("/", 1)[0] + f"/{bench.PG_NAME}"))
    print(f"{args.lines:,} PDD order lines; times in seconds (wall clock, same run)\n")
    print(f"{'database':<11} {'route':<42} {'seconds':>8} {'orders/s':>10}  done")
    for name, url in targets:
        for route, seconds, count, note in run(url, path):
            print(f"{name:<11} {route:<42} {seconds:>8.2f} {count / seconds:>10,.0f}  {note}")
    if args.postgres:
        bench.drop_pg()


if __name__ == "__main__":
    main()
