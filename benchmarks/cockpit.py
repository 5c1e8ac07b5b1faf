"""Cockpit speed on a big shop: ShopOps on SQLite and on PostgreSQL versus pandas on CSV exports.

    .venv/bin/python benchmarks/cockpit.py [--orders 1000000] [--seed 1] [--no-postgres]

1. builds the demo shop with N orders (SQLite file, and the same shop in PostgreSQL);
2. exports the orders, traffic, ads and stores tables to CSV (what an analyst downloads);
3. times, each in a fresh process (peak memory = that process's max RSS), the full cockpit:
   every KPI card of the last month with 环比 and 同比, the 12-month daily GMV/UV trend and the
   store breakdown — through ShopOps' analytics on each database, and through pandas reading
   the CSV files and computing the same figures;
4. prints one table, and checks that pandas and ShopOps agree on the numbers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from measure import peak_rss_mb  # benchmarks/measure.py (the script's own folder)

WORK = Path(os.environ.get("SHOPOPS_BENCH_DIR", "/tmp/shopops-bench"))
PG_ADMIN = os.environ.get("SHOPOPS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
END = date(2026, 11, 20)
REPEATS = 5


def sqlite_url(orders: int, seed: int) -> str:
    return f"sqlite:///{WORK / f'cockpit-{orders}-{seed}.db'}"


def pg_url(orders: int, seed: int) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/shopops_bench_{orders}_{seed}"


# ---------------------------------------------------------------- building the shop
def build(url: str, orders: int, seed: int) -> float | None:
    """Build the demo shop at `url` unless it is already there; return seconds (None = reused)."""
    from sqlalchemy import create_engine, text

    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.db.migrate import upgrade
    from shopops.demo.service import build_demo_shop

    if url.startswith("postgresql"):
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            exists = conn.execute(text("select 1 from pg_database where datname=:n"),
                                  {"n": name}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    app = App(Settings(database_url=url))
    upgrade(app.engine)
    with app.engine.connect() as conn:
        have = conn.execute(text("select count(*) from orders")).scalar_one()
    if have >= orders:
        app.dispose()
        return None
    started = time.perf_counter()
    build_demo_shop(app, seed=seed, orders=orders, end_date=END, days=730, reset=True,
                    progress=_progress)
    app.dispose()
    print(file=sys.stderr)
    return time.perf_counter() - started


def _progress(stage: str, done: int, total: int) -> None:
    print(f"\r  {stage}: {done:,}/{total:,}      ", end="", file=sys.stderr, flush=True)


def export_csv(url: str, folder: Path) -> int:
    """Export the tables an analyst would download; returns the order rows written."""
    from sqlalchemy import create_engine, text

    folder.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    queries = {
        "orders": "select id, store_id, customer_id, paid_at, goods_amount, refund_amount "
                  "from orders where paid_at is not null",
        "traffic": "select store_id, day, uv, pv from traffic_daily",
        "ads": "select store_id, day, spend from ad_spend_daily",
        "stores": "select id, code, timezone from stores",
    }
    rows = 0
    with engine.connect() as conn:
        for name, sql in queries.items():
            result = conn.execute(text(sql))
            with (folder / f"{name}.csv").open("w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(result.keys())
                for row in result:
                    writer.writerow(row)
                    rows += name == "orders"
    engine.dispose()
    return rows


# ---------------------------------------------------------------- the measured routes
def measure_shopops(url: str) -> dict[str, Any]:
    from shopops.analytics.periods import period_containing
    from shopops.analytics.service import cockpit
    from shopops.bootstrap import App
    from shopops.config import Settings

    app = App(Settings(database_url=url))
    period = period_containing("month", END)
    times, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        with app.reader() as uow:
            result = cockpit(uow, period, trend_days=365, breakdown_by="store",
                             readers=app.reader)
        times.append(time.perf_counter() - started)
    assert result is not None
    summary = {k: result.report[k] for k in ("gmv", "paid_orders", "buyers", "uv", "roi",
                                              "repurchase_rate_30d", "new_buyers")}
    summary["pop_gmv"] = result.report["pop"]["values"]["gmv"]
    summary["yoy_gmv"] = result.report["yoy"]["values"]["gmv"]
    summary["trend_gmv"] = f"{sum(Decimal(t['gmv']) for t in result.trend):.2f}"
    summary["trend_uv"] = sum(t["uv"] for t in result.trend)
    summary["stores"] = {r.key: f"{r.gmv:.2f}" for r in result.breakdown}
    return {"first": times[0], "median": statistics.median(times), "peak_mb": peak_rss_mb(),
            "numbers": summary}


def measure_pandas(folder: Path) -> dict[str, Any]:
    import pandas as pd

    from shopops.analytics.periods import period_containing, previous_period, same_period_last_year

    times, numbers = [], {}
    for _ in range(REPEATS):
        started = time.perf_counter()
        numbers = pandas_cockpit(pd, folder, period_containing("month", END), previous_period,
                                 same_period_last_year)
        times.append(time.perf_counter() - started)
    return {"first": times[0], "median": statistics.median(times), "peak_mb": peak_rss_mb(),
            "numbers": numbers}


def pandas_cockpit(pd: Any, folder: Path, period: Any, previous: Any, last_year: Any
                   ) -> dict[str, Any]:
    """What an analyst writes: read the exports, bucket by Shanghai day, aggregate."""
    stores = pd.read_csv(folder / "stores.csv")
    orders = pd.read_csv(folder / "orders.csv")
    traffic = pd.read_csv(folder / "traffic.csv", parse_dates=["day"])
    ads = pd.read_csv(folder / "ads.csv", parse_dates=["day"])
    paid = pd.to_datetime(orders["paid_at"], utc=True, format="mixed")
    orders["paid_at"] = paid
    orders["day"] = paid.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.normalize()
    orders = orders.sort_values(["customer_id", "paid_at"])
    gap = orders["paid_at"] - orders.groupby("customer_id")["paid_at"].shift()
    orders["repeat"] = gap <= pd.Timedelta(days=30)
    first_day = orders.groupby("customer_id")["day"].transform("min")

    def kpis(p: Any) -> dict[str, Any]:
        start, end = pd.Timestamp(p.start), pd.Timestamp(p.end)
        o = orders[(orders["day"] >= start) & (orders["day"] <= end)]
        t = traffic[(traffic["day"] >= start) & (traffic["day"] <= end)]
        a = ads[(ads["day"] >= start) & (ads["day"] <= end)]
        gmv = int(o["goods_amount"].sum())
        spend = int(a["spend"].sum())
        buyers = o["customer_id"].nunique()
        return {"gmv": gmv, "paid_orders": len(o), "buyers": buyers, "uv": int(t["uv"].sum()),
                "pv": int(t["pv"].sum()), "refund": int(o["refund_amount"].sum()),
                "spend": spend, "repeat": o.loc[o["repeat"], "customer_id"].nunique(),
                "new": o.loc[first_day[o.index] >= start, "customer_id"].nunique()}

    current, pop, yoy = kpis(period), kpis(previous(period)), kpis(last_year(period))
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the cockpit's trend stops today
    trend_end = pd.Timestamp(max(period.start, min(period.end, today)))
    trend_start = trend_end - pd.Timedelta(days=364)
    window = orders[(orders["day"] >= trend_start) & (orders["day"] <= trend_end)]
    trend = window.groupby("day")["goods_amount"].sum()
    in_trend = (traffic["day"] >= trend_start) & (traffic["day"] <= trend_end)
    trend_uv = traffic[in_trend].groupby("day")["uv"].sum()
    month = orders[(orders["day"] >= pd.Timestamp(period.start))
                   & (orders["day"] <= pd.Timestamp(period.end))]
    by_store = month.groupby("store_id")["goods_amount"].sum()
    codes = dict(zip(stores["id"], stores["code"], strict=True))
    yuan = lambda cents: f"{Decimal(int(cents)) / 100:.2f}"  # noqa: E731
    return {
        "gmv": yuan(current["gmv"]), "paid_orders": current["paid_orders"],
        "buyers": current["buyers"], "uv": current["uv"],
        "roi": f"{(Decimal(current['gmv']) / current['spend']).quantize(Decimal('0.01')):.2f}"
        if current["spend"] else None,
        "repurchase_rate_30d": f"{Decimal(current['repeat']) / current['buyers']:.4f}"
        if current["buyers"] else None,
        "new_buyers": current["new"], "pop_gmv": yuan(pop["gmv"]), "yoy_gmv": yuan(yoy["gmv"]),
        "trend_gmv": yuan(trend.sum()), "trend_uv": int(trend_uv.sum()),
        "stores": {codes[k]: yuan(v) for k, v in by_store.items()},
    }


# ---------------------------------------------------------------- driver
def run_measure(route: str, target: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--measure", route, "--target", target],
                         capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--measure", choices=["shopops", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure == "shopops":
        print(json.dumps(measure_shopops(args.target)))
        return
    if args.measure == "pandas":
        print(json.dumps(measure_pandas(Path(args.target))))
        return

    WORK.mkdir(parents=True, exist_ok=True)
    targets = {"ShopOps on SQLite": sqlite_url(args.orders, args.seed)}
    if not args.no_postgres:
        targets["ShopOps on PostgreSQL"] = pg_url(args.orders, args.seed)
    for label, url in targets.items():
        print(f"» building the demo shop ({args.orders:,} orders) for {label} …", file=sys.stderr)
        seconds = build(url, args.orders, args.seed)
        print(f"  {'reused' if seconds is None else f'built in {seconds:.1f}s'}", file=sys.stderr)
    csv_dir = WORK / f"csv-{args.orders}-{args.seed}"
    rows = export_csv(targets["ShopOps on SQLite"], csv_dir)
    results = {label: run_measure("shopops", url) for label, url in targets.items()}
    results["pandas on CSV export"] = run_measure("pandas", str(csv_dir))
    reference = results["ShopOps on SQLite"]["numbers"]
    print(f"\nCockpit for {END:%Y-%m} (KPI cards + 环比/同比 + 12-month daily trend + store "
          f"breakdown), {rows:,} paid orders, {REPEATS} runs each, fresh process per route\n")
    print(f"| {'route':<24} | {'rows':>9} | {'first s':>8} | {'median s':>8} | "
          f"{'peak MB':>8} | same numbers |")
    print(f"|{'-' * 26}|{'-' * 11}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 14}|")
    for label, r in results.items():
        differ = {k: (v, reference.get(k)) for k, v in r["numbers"].items()
                  if v != reference.get(k)}
        agree = "yes" if not differ else f"NO: {differ}"
        print(f"| {label:<24} | {rows:>9,} | {r['first']:>8.3f} | {r['median']:>8.3f} | "
              f"{r['peak_mb']:>8.0f} | {agree} |")


if __name__ == "__main__":
    main()
