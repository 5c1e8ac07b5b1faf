"""Order import speed: ShopOps' importer on SQLite and on PostgreSQL versus a naive ORM script.

    .venv/bin/python benchmarks/import.py [--lines 1000000] [--naive-lines 20000] [--seed 1]
                                          [--no-postgres]

1. writes one 拼多多 订单导出 CSV with N order lines (one line per order, as PDD exports);
2. prepares each target database: migrate, store ``pdd-main``, and the SKUs the file names;
3. times, each in a fresh process (peak memory = that process's VmHWM; CPU = its process time,
   which on a shared machine says more than the wall clock):
   - ShopOps ``import_orders`` on SQLite, then the same file again (nothing changes);
   - the same two on PostgreSQL (database ``shopops_bench_import``, dropped and recreated);
   - what a quick script does: csv.DictReader, a SELECT per row to skip known orders,
     ``session.add(Order(...))`` with its line, one commit at the end — on SQLite; it runs at a
     few hundred rows/s, so by default it reads only the first 20,000 lines of the same file
     (``--naive-lines 0``: all of them) and its time for the whole file is extrapolated
     (marked "extrapolated" in the table);
4. prints one table, checks that ShopOps and the naive script end with the same order count
   (ShopOps' count over the lines the naive script read, when it read fewer),
   and marks the issue's targets (≥ 20,000 lines/s first import on SQLite; re-import ≥ 2× faster).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from measure import peak_rss_mb  # benchmarks/measure.py (the script's own folder)
from setup import PG_ADMIN_URL, fresh_database, pg_url  # benchmarks/setup.py

from shopops.db.scratch import drop_database

WORK = Path(os.environ.get("SHOPOPS_BENCH_DIR", "/tmp/shopops-bench"))
PG_ADMIN = PG_ADMIN_URL  # benchmarks/import_followups.py reads it
PG_NAME = "shopops_bench_import"
STORE = "pdd-main"
SKUS = 200
START = datetime(2026, 10, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
TARGET_LINES_PER_S = 20_000
TARGET_REIMPORT_SPEEDUP = 2.0
PDD_HEADERS = [
    "订单成交时间", "商品", "订单号", "订单状态", "商品总价(元)", "邮费(元)", "店铺优惠折扣(元)",
    "平台优惠折扣(元)", "多多支付立减金额(元)", "用户实付金额(元)", "商家实收金额(元)",
    "商品数量(件)", "发货时间", "确认收货时间", "商品id", "商品规格", "样式ID", "商家编码-规格维度",
    "商家编码-商品维度", "商家备注", "售后状态", "快递单号", "快递公司", "省", "市", "区",
]  # as tests/importers/fixtures.py (the reference headers)
# platform word → ShopOps status (the naive script's own little table)
STATUSES = {"待发货": "paid", "已发货，待签收": "shipped", "已收货": "completed"}


def sku_code(i: int) -> str:
    return f"BENCH-SKU-{i:04d}"


# ---------------------------------------------------------------- the file and the databases
def write_pdd_csv(path: Path, lines: int, seed: int) -> None:
    """A PDD export with `lines` orders over 30 days; statuses paid / shipped / completed."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(PDD_HEADERS)
        for n in range(lines):
            deal = START + timedelta(seconds=n * 30 * 86400 // max(lines, 1))
            sku = rng.randrange(SKUS)
            quantity = rng.randint(1, 3)
            total = Decimal(10 + sku % 90) * quantity
            discount = Decimal(rng.choice((0, 0, 2, 5)))
            paid = total - discount
            word = rng.choice(tuple(STATUSES))
            shipped = deal + timedelta(hours=20) if word != "待发货" else None
            received = deal + timedelta(days=5) if word == "已收货" else None
            writer.writerow([
                f"{deal:%Y-%m-%d %H:%M:%S}", f"商品 {sku}", f"{deal:%y%m%d}-{n:015d}", word,
                f"{total:.2f}", "0", f"{discount:.2f}", "0.00", "0.00", f"{paid:.2f}",
                f"{paid:.2f}", quantity, f"{shipped:%Y-%m-%d %H:%M:%S}" if shipped else "",
                f"{received:%Y-%m-%d %H:%M:%S}" if received else "", 5_000_000 + sku, "默认",
                "", sku_code(sku), "", "", "无售后或售后取消",
                f"'YT{n:010d}" if shipped else "", "圆通快递" if shipped else "",
                "****", "****", "****",
            ])
    tmp.replace(path)


def prepare(url: str) -> None:
    """A fresh database at `url`: migrated, one PDD store, the SKUs the file uses."""
    from shopops.bootstrap import App
    from shopops.catalog.models import Category, Product, Sku
    from shopops.config import Settings
    from shopops.db.migrate import upgrade
    from shopops.stores.service import add_store

    fresh_database(url)
    app = App(Settings(database_url=url))
    upgrade(app.engine)
    with app.uow() as uow:
        add_store(uow, STORE, "pdd")
        category = Category(code="bench", name="基准")
        uow.session.add(category)
        uow.session.flush()
        product = Product(code="BENCH", name="基准商品", category_id=category.id,
                          created_at=datetime.now(SHANGHAI))
        uow.session.add(product)
        uow.session.add_all(Sku(code=sku_code(i), product=product, name=f"规格 {i}",
                                attributes={}, cost=Decimal(5), price=Decimal(10 + i % 90))
                            for i in range(SKUS))
    app.dispose()


def drop_pg() -> None:
    drop_database(PG_ADMIN_URL, PG_NAME)


def count_orders(url: str, first_lines: int | None = None) -> int:
    """Orders in the database; with `first_lines`, those from the file's first lines only
    (the order number ends with the line index)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    where = "" if first_lines is None else \
        f" where cast(substr(channel_order_no, 8) as integer) < {int(first_lines)}"
    with engine.connect() as conn:
        n: int = conn.execute(text(f"select count(*) from orders{where}")).scalar_one()
    engine.dispose()
    return n


# ---------------------------------------------------------------- the measured routes
def measure_shopops(url: str, path: Path, limit: int) -> dict[str, Any]:
    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.orders.imports import import_orders

    app = App(Settings(database_url=url))
    started, cpu = time.perf_counter(), time.process_time()
    with app.uow() as uow:
        summary = import_orders(uow, [(path.name, path.read_bytes())], STORE, platform="pdd")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    app.dispose()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_rss_mb(), "rows": summary.read,
            "summary": summary.as_json()}


def measure_naive(url: str, path: Path, limit: int) -> dict[str, Any]:
    """What a quick script does: the ORM, row by row, one SELECT per row, commit at the end."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    import shopops.customers.models  # noqa: F401  (orders.customer_id's table, for the mapper)
    from shopops.catalog.models import Sku
    from shopops.orders.models import Order, OrderLine
    from shopops.stores.models import Store

    def when(value: str) -> datetime | None:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI) \
            if value else None

    engine = create_engine(url)
    started, cpu = time.perf_counter(), time.process_time()
    new = rows = 0
    with Session(engine) as session, path.open(newline="", encoding="utf-8-sig") as f:
        store_id = session.scalars(select(Store.id).where(Store.code == STORE)).one()
        skus = dict(session.execute(select(Sku.code, Sku.id)).tuples().all())
        for row in csv.DictReader(f):
            if limit and rows >= limit:
                break
            rows += 1
            number = row["订单号"]
            if session.scalars(select(Order.id).where(
                    Order.store_id == store_id, Order.channel_order_no == number)).first():
                continue
            total, paid = Decimal(row["商品总价(元)"]), Decimal(row["用户实付金额(元)"])
            quantity = int(row["商品数量(件)"])
            deal = when(row["订单成交时间"])
            assert deal is not None
            session.add(Order(
                store_id=store_id, channel_order_no=number, status=STATUSES[row["订单状态"]],
                list_amount=total, discount_amount=total - paid, goods_amount=paid,
                shipping_fee=Decimal(row["邮费(元)"]), paid_amount=paid,
                refund_amount=Decimal(0), created_at=deal, paid_at=deal, paid_date=deal.date(),
                shipped_at=when(row["发货时间"]), completed_at=when(row["确认收货时间"]),
                lines=[OrderLine(sku_id=skus[row["商家编码-规格维度"]], quantity=quantity,
                                 list_price=total / quantity, discount_amount=total - paid,
                                 paid_amount=paid, refund_amount=Decimal(0))]))
            new += 1
        session.commit()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_rss_mb(), "rows": rows,
            "summary": {"new": new}}


# ---------------------------------------------------------------- driver
def run_measure(route: str, target: str, path: Path, limit: int = 0) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--measure", route, "--target", target,
                          "--file", str(path), "--limit", str(limit)],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{route} on {target} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--naive-lines", type=int, default=20_000,
                        help="lines the naive script reads (0: the whole file)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--measure", choices=["shopops", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure = measure_shopops if args.measure == "shopops" else measure_naive
        print(json.dumps(measure(args.target, Path(args.file), args.limit)))
        return

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"pdd-orders-{args.lines}-{args.seed}.csv"
    if not path.exists():
        print(f"» writing {path} ({args.lines:,} lines) …", file=sys.stderr)
        write_pdd_csv(path, args.lines, args.seed)
    size_mb = path.stat().st_size / 2**20
    sqlite = f"sqlite:///{WORK / 'import-shopops.db'}"
    naive = f"sqlite:///{WORK / 'import-naive.db'}"
    targets = {"SQLite": sqlite}
    if not args.no_postgres:
        targets["PostgreSQL"] = pg_url(PG_NAME)

    results: dict[str, dict[str, Any]] = {}
    for label, url in targets.items():
        print(f"» preparing {label} …", file=sys.stderr)
        prepare(url)
        for kind in ("first import", "re-import"):
            print(f"» ShopOps {kind} on {label} …", file=sys.stderr)
            results[f"ShopOps {kind}, {label}"] = run_measure("shopops", url, path)
        results[f"ShopOps re-import, {label}"]["orders"] = count_orders(url)
    print("» naive ORM script on SQLite …", file=sys.stderr)
    prepare(naive)
    results["naive ORM row by row, SQLite"] = run_measure("naive", naive, path,
                                                          args.naive_lines)
    naive_rows = results["naive ORM row by row, SQLite"]["rows"]
    naive_orders = count_orders(naive)
    shopops_orders = count_orders(sqlite, naive_rows if naive_rows < args.lines else None)
    if not args.no_postgres:
        drop_pg()

    naive_label = "naive ORM row by row, SQLite"
    naive_rows = results[naive_label]["rows"]
    if naive_rows < args.lines:  # the whole file at the rate measured on its first lines
        measured = results[naive_label]
        scale = args.lines / naive_rows
        results[f"{naive_label} (extrapolated)"] = {
            **measured, "rows": args.lines, "seconds": measured["seconds"] * scale,
            "cpu": measured["cpu"] * scale, "peak_mb": float("nan"),
            "summary": {"new": round(measured["summary"]["new"] * scale)}}
    print(f"\nOrder import: one 拼多多 订单导出 CSV, {args.lines:,} lines ({size_mb:.1f} MB), "
          f"fresh process per route; CPU = the importing process's own CPU time (the machine is "
          f"shared; PostgreSQL's server work is not in it)\n")
    print(f"| {'route':<46} | {'rows':>9} | {'wall s':>8} | {'rows/s':>9} | {'CPU s':>8} "
          f"| {'rows/CPU s':>10} | {'peak MB':>8} | new / unchanged |")
    print(f"|{'-' * 48}|{'-' * 11}|{'-' * 10}|{'-' * 11}|{'-' * 10}|{'-' * 12}|{'-' * 10}"
          f"|{'-' * 17}|")
    for label, r in results.items():
        s = r["summary"]
        outcome = f"{s['new']:,} / {s.get('unchanged', 0):,}"
        peak = "n/a" if r["peak_mb"] != r["peak_mb"] else f"{r['peak_mb']:.0f}"
        print(f"| {label:<46} | {r['rows']:>9,} | {r['seconds']:>8.2f} | "
              f"{r['rows'] / r['seconds']:>9,.0f} | {r['cpu']:>8.2f} | "
              f"{r['rows'] / r['cpu']:>10,.0f} | {peak:>8} | {outcome:<15} |")

    first = results["ShopOps first import, SQLite"]["seconds"]
    again = results["ShopOps re-import, SQLite"]["seconds"]
    naive_s = results["naive ORM row by row, SQLite"]["seconds"]
    rate, speedup = args.lines / first, first / again
    first_cpu = results["ShopOps first import, SQLite"]["cpu"]
    again_cpu = results["ShopOps re-import, SQLite"]["cpu"]

    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(f"\nSame order count, ShopOps vs naive (SQLite, first {naive_rows:,} lines): "
          f"{shopops_orders:,} vs {naive_orders:,}"
          f" — {'yes' if shopops_orders == naive_orders else 'NO'}")
    print(f"Target: first import on SQLite ≥ {TARGET_LINES_PER_S:,} lines/s — {rate:,.0f} "
          f"lines/s: {mark(rate >= TARGET_LINES_PER_S)} (per CPU second: "
          f"{args.lines / first_cpu:,.0f} lines/s)")
    print(f"Target: re-import ≥ {TARGET_REIMPORT_SPEEDUP:g}× faster than the first import "
          f"(SQLite) — {speedup:.2f}×: {mark(speedup >= TARGET_REIMPORT_SPEEDUP)} "
          f"(CPU: {first_cpu / again_cpu:.2f}×)")
    if "ShopOps first import, PostgreSQL" in results:
        pg_speedup = (results["ShopOps first import, PostgreSQL"]["seconds"]
                      / results["ShopOps re-import, PostgreSQL"]["seconds"])
        print(f"        (PostgreSQL re-import: {pg_speedup:.2f}× faster than its first import)")
    naive_rate = naive_rows / naive_s
    print(f"ShopOps first import vs the naive script (SQLite, rows/s): {rate / naive_rate:.1f}× "
          f"faster")


if __name__ == "__main__":
    main()
