"""Order placement (下单) under a promotion cap, beside the obvious count-then-insert.

For each database (SQLite, PostgreSQL) a fresh, migrated database gets one store, 5 SKUs and a
满300减40 with 限量 ``cap`` orders (max_uses), plus ``others`` uncapped store offers. First the
latency of one placement, one thread (a 5-line cart: quote + caps + order write, one
transaction), beside the quote alone. Then ``threads`` threads place ``orders`` orders as fast
as they can (every buyer different, every cart over 300, each keeping to the 260 it was shown
via ``expected_total``) twice in the same run:

- ShopOps: the caps are counter rows changed by a conditional upsert (pricing.usage_service).
- naive: the same placement with the caps checked by counting the uses recorded so far and
  then inserting one more (what usage_service did before migration 0018). It keeps no counter
  rows, so its quotes always offer the promotion and a full cap shows as cap_reached.

Afterwards the uses of the capped promotion are counted in the database: ``over cap`` is how
many went past it. SQLite serialises writers at BEGIN IMMEDIATE, so both are safe there; on
PostgreSQL (READ COMMITTED) the naive count is not.

    .venv/bin/python benchmarks/order_placement.py [--orders 400] [--threads 16] [--cap 100]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from setup import add_catalog, optional_pg_database  # benchmarks/setup.py (the script's own folder)
from sqlalchemy import func, select, text

CART_LINES = [{"sku": f"S{n}", "qty": 1} for n in range(5)]  # 5 × 80 = 400


def prepare(url: str, cap: int, others: int) -> Any:
    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.db.migrate import upgrade
    from shopops.pricing.service import create_promotion
    from shopops.stores.service import add_store

    core = App(Settings(database_url=url))
    upgrade(core.engine)
    with core.uow() as uow:
        add_store(uow, "own-1", "own")
        add_catalog(uow, ("P", "款"), [(f"S{n}", f"S{n}", "80", "20") for n in range(5)])
        create_promotion(uow, {"type": "full_reduction", "store": "own-1", "code": "capped",
                               "tiers": [{"threshold": "300", "off": "40"}], "max_uses": cap})
        for n in range(others):  # offers the cart does not reach (checked, never chosen)
            create_promotion(uow, {"type": "full_reduction", "store": "own-1",
                                   "code": f"big{n}",
                                   "tiers": [{"threshold": str(1000 + n), "off": "100"}]})
    return core


def naive_record_uses(uow: Any, uses: Sequence[Any], *, customer: str, order_ref: str) -> None:
    """The obvious code: count the uses so far, check the cap, insert one more."""
    from shopops.pricing.limits import check_use
    from shopops.pricing.models import Promotion, PromotionUse
    from shopops.pricing.usage_service import use_limits

    for use in uses:
        row = uow.session.scalar(select(Promotion).where(Promotion.code == use.code))
        n, given = uow.session.execute(
            select(func.count(PromotionUse.id), func.coalesce(func.sum(PromotionUse.discount), 0))
            .where(PromotionUse.promotion_id == row.id)).one()
        mine = uow.session.scalar(select(func.count(PromotionUse.id)).where(
            PromotionUse.promotion_id == row.id, PromotionUse.customer == customer)) or 0
        check_use(use_limits(row), uses=int(n), discount_given=Decimal(given),
                  customer_uses=int(mine), discount=use.discount)
        uow.session.add(PromotionUse(promotion_id=row.id, customer=customer,
                                     order_ref=order_ref, units=use.units,
                                     discount=use.discount, used_at=uow.now()))


def latency(core: Any, runs: int) -> tuple[float, float, float]:
    """Median and p99 ms of one placement, and the median ms of the quote alone."""
    from shopops.orders.placement import place_order
    from shopops.pricing.service import quote_cart

    placed, quoted = [], []
    for n in range(runs):
        cart = {"store": "own-1", "customer": {"id": f"lat{n}"}, "lines": CART_LINES}
        t0 = time.perf_counter()
        with core.uow() as uow:
            place_order(uow, cart)
        placed.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        with core.reader() as uow:
            quote_cart(uow, cart, uow.now())
        quoted.append((time.perf_counter() - t0) * 1000)
    placed.sort()
    return (statistics.median(placed), placed[min(len(placed) - 1, int(len(placed) * 0.99))],
            statistics.median(quoted))


def burst(core: Any, tag: str, orders: int, threads: int,
          record: Callable[..., None] | None) -> dict[str, Any]:
    """``orders`` placements from ``threads`` threads; outcomes, orders/s, uses over the cap."""
    from shopops.core.errors import ShopOpsError
    from shopops.orders import placement
    from shopops.pricing.models import Promotion, PromotionUse

    real = placement.record_uses
    if record is not None:
        placement.record_uses = record  # type: ignore[assignment]
    start = threading.Barrier(threads)

    def one(n: int) -> str:
        if n < threads:
            start.wait()
        try:
            with core.uow() as uow:
                placement.place_order(uow, {"store": "own-1", "expected_total": "360.00",
                                            "customer": {"id": f"{tag}{n}"},
                                            "lines": CART_LINES})
        except ShopOpsError as exc:
            return exc.code
        except Exception as exc:  # a deadlock or serialisation error counts as refused
            return type(exc).__name__
        return "placed"

    try:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as workers:
            outcomes = Counter(workers.map(one, range(orders)))
        seconds = time.perf_counter() - t0
    finally:
        placement.record_uses = real  # type: ignore[assignment]
    with core.reader() as uow:
        pid = uow.session.scalar(select(Promotion.id).where(Promotion.code == "capped"))
        used = uow.session.scalar(select(func.count(PromotionUse.id)).where(
            PromotionUse.promotion_id == pid)) or 0
    return {"outcomes": outcomes, "seconds": seconds, "used": used}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--cap", type=int, default=100)
    parser.add_argument("--others", type=int, default=20)
    parser.add_argument("--latency-runs", type=int, default=200)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder, optional_pg_database("bench_place") as pg_url:
        backends = [("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}")]
        if pg_url:
            backends.append(("postgresql", pg_url))
        for backend, url in backends:
            core = prepare(url, args.cap, args.others)
            median, p99, quote_ms = latency(core, args.latency_runs)
            print(f"{backend}: one placement (5 lines, {args.others + 1} offers) median "
                  f"{median:.2f} ms, p99 {p99:.2f} ms; the quote alone median {quote_ms:.2f} ms")
            for route, record, tag in (("ShopOps (conditional upsert)", None, "a"),
                                       ("naive (count, then insert)", naive_record_uses, "b")):
                with core.uow() as uow:  # a fresh cap for each route
                    uow.session.execute(text("DELETE FROM promotion_uses"))
                    uow.session.execute(text("DELETE FROM promotion_counters"))
                    uow.session.execute(text("DELETE FROM promotion_customer_counters"))
                result = burst(core, tag, args.orders, args.threads, record)
                rows.append((backend, route, result))
            core.dispose()
    print(f"\n{args.orders} orders from {args.threads} threads, cap {args.cap} uses")
    print(f"{'database':<11} {'route':<30} {'placed':>6} {'refused':>7} {'tries/s':>9} "
          f"{'uses':>5} {'over cap':>8}  refusals")
    for backend, route, r in rows:
        placed = r["outcomes"]["placed"]
        refused = sum(n for k, n in r["outcomes"].items() if k != "placed")
        why = ", ".join(f"{k} {n}" for k, n in sorted(r["outcomes"].items()) if k != "placed")
        print(f"{backend:<11} {route:<30} {placed:>6} {refused:>7} "
              f"{args.orders / r['seconds']:>9.0f} {r['used']:>5} "
              f"{max(r['used'] - args.cap, 0):>8}  {why}")


if __name__ == "__main__":
    main()
