"""`shopops demo`: build the whole demo shop in one transaction.

The shop runs `days` business days (Asia/Shanghai) ending with `end_date`, which defaults to
today: the data describe the shop as of the demo's now (`as_of`): the close of end_date
(23:59:59), or the clock's now when end_date is today, so nothing stored is dated later than
the moment the demo was built. Order steps (shipped, delivered, completed, refunded), scans,
after-sales steps, stock moves and purchase orders later than `as_of` have not happened yet;
today's orders are spread over the part of today that has passed.
Same seed + end_date + orders + days (+ as_of when end_date is today) ⇒ the same rows."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection

from shopops.bootstrap import App
from shopops.core.clock import business_date
from shopops.core.errors import Conflict, ValidationError
from shopops.db.registry import Base
from shopops.demo import ads, aftersales, customers, rhythm, rows, stock, suppliers, traffic
from shopops.demo.campaigns import build_promotions
from shopops.demo.catalog import SHANGHAI, Catalog, build_catalog, local_midnight
from shopops.demo.data import STORES, WAREHOUSES
from shopops.demo.fulfillment import build_fulfillment
from shopops.demo.orders import Plan, generate_slice
from shopops.demo.writer import (
    advance_sequences,
    has_stores,
    insert_rows,
    refresh_statistics,
    tune_for_bulk,
    vacuum_after_bulk_load,
    wipe_all,
)

Progress = Callable[[str, int, int], None]
TABLES = Base.metadata.tables
SLOW_MOVERS = 4
SLOW_FROM_DAYS_BACK = 120


@dataclass(frozen=True)
class DemoSummary:
    stores: int
    categories: int
    skus: int
    customers: int
    orders: int
    order_lines: int
    traffic_rows: int
    ad_rows: int
    start_date: date
    end_date: date
    as_of: datetime  # the demo's now: nothing stored is later
    planted: dict[str, str]
    seconds: float


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def build_demo_shop(app: App, *, seed: int = 42, orders: int = 20_000,
                    end_date: date | None = None, days: int = 730,
                    progress: Progress | None = None, reset: bool = False) -> DemoSummary:
    """Write a believable multi-channel shop; raise Conflict if data exist and not `reset`."""
    if orders < 100 or days < 30:
        raise ValidationError("演示店铺至少需要 100 笔订单、30 天 — the demo needs at least 100 "
                              "orders over at least 30 days",
                              field="orders" if orders < 100 else "days")
    started = time.perf_counter()
    now = app.clock.now()
    end = end_date or business_date(now, "Asia/Shanghai")
    as_of = demo_as_of(end, now)
    with app.engine.connect().execution_options(shopops_write=True) as conn, conn.begin():
        if has_stores(conn) and not reset:
            raise Conflict("数据库里已有店铺，请加 --reset 清空后重建 — the "
                           "database already has stores; rebuild the demo with reset=True "
                           "(shopops demo --reset) to delete every row first")
        if reset:
            wipe_all(conn)
        tune_for_bulk(conn)
        counts = _Builder(conn, np.random.default_rng(seed), end, days, orders, as_of,
                          progress or _quiet).build(seed)
        advance_sequences(conn)
        refresh_statistics(conn)
    vacuum_after_bulk_load(app.engine)
    return DemoSummary(**counts, seconds=round(time.perf_counter() - started, 2))


def demo_as_of(end: date, now: datetime) -> datetime:
    """The demo's now: the clock's now while it is within end's business day, else the close
    of end (23:59:59 Shanghai) — a past day has closed; a future end day is a simulation."""
    close = datetime.combine(end, clock_time(23, 59, 59), SHANGHAI)
    if local_midnight(end) <= now < close:
        return now.astimezone(SHANGHAI).replace(microsecond=0)
    return close


class _Builder:
    def __init__(self, conn: Connection, rng: np.random.Generator, end: date, days: int,
                 orders: int, as_of: datetime, progress: Progress) -> None:
        self.conn, self.rng, self.progress = conn, rng, progress
        self.days = rhythm.day_list(end, days)
        self.as_of = as_of
        self.orders = orders
        self.next_fact = 1

    def build(self, seed: int) -> dict[str, Any]:
        self.progress("catalog", 0, 1)
        cat = build_catalog(self.rng, self.days[0], len(self.days))
        for name, table_rows in (("stores", cat.stores), ("categories", cat.categories),
                                 ("products", cat.products), ("skus", cat.skus),
                                 ("warehouses", stock.warehouse_rows()),
                                 ("ad_campaigns", ads.campaign_rows())):
            insert_rows(self.conn, TABLES[name], table_rows)
        self.progress("catalog", 1, 1)
        plan, expected, shares = self._plan(cat)
        n_customers = self._customers(plan.skeleton)
        lines, gmv, units, shipments = self._orders(plan)
        traffic_count = self._traffic(cat, expected, shares, plan)
        ad_rows = ads.spend_rows(self.rng, self.days, gmv)
        insert_rows(self.conn, TABLES["ad_spend_daily"], ad_rows)
        best = stock.pick_best_seller(units, [plan.drop_sku, *plan.slow_skus.tolist()])
        self._stock(cat, shipments, units, best, plan.slow_skus)
        suppliers.build_purchasing(self.conn, seed, self.days[-1], int(cat.sku_ids[best]),
                                   self.as_of)
        after_sales = aftersales.build_after_sales(self.conn, seed, self.as_of)
        self._facts(after_sales.facts)
        shipping = build_fulfillment(self.conn, seed, self.as_of)
        self._facts(shipping.facts)
        promotions = build_promotions(self.conn, cat, self.days[-1])
        self._facts([{"kind": "demo.built", "occurred_at": self.as_of, "store_id": None,
                      "entity": "demo", "entity_id": seed,
                      "data": {"seed": seed, "orders": self.orders, "days": len(self.days),
                               "end_date": self.days[-1].isoformat()}}])
        return {"stores": len(cat.stores), "categories": len(cat.categories),
                "skus": len(cat.skus), "customers": n_customers, "orders": self.orders,
                "order_lines": lines, "traffic_rows": traffic_count, "ad_rows": len(ad_rows),
                "start_date": self.days[0], "end_date": self.days[-1], "as_of": self.as_of,
                "planted": {"sales_drop_sku": cat.codes[plan.drop_sku],
                            "about_to_run_out_sku": cat.codes[best],
                            "slow_mover_skus": ",".join(cat.codes[s] for s in plan.slow_skus),
                            **after_sales.planted, **shipping.planted,
                            "campaigns": promotions["campaigns"]}}

    def _plan(self, cat: Catalog) -> tuple[Plan, NDArray[np.float64], NDArray[np.float64]]:
        weights = rhythm.daily_weights(self.rng, self.days)
        counts = rhythm.daily_order_counts(self.rng, weights, self.orders)
        phases = rhythm.phase_codes(self.days)
        shares = rhythm.store_shares(self.days)
        as_of = int(self.as_of.timestamp())
        skeleton = customers.build_skeleton(self.rng, self.days[0], counts, phases == 2, shares,
                                            as_of)
        drop, slow = _planted_skus(cat)
        epoch0 = int(local_midnight(self.days[0]).timestamp())
        plan = Plan(cat, skeleton, epoch0, phases, as_of, len(self.days) - 1, drop, slow,
                    max(0, len(self.days) - SLOW_FROM_DAYS_BACK))
        return plan, weights / weights.sum() * self.orders, shares

    def _customers(self, sk: customers.Skeleton) -> int:
        self.progress("customers", 0, 2)
        people = customers.customer_rows(self.rng, sk)
        insert_rows(self.conn, TABLES["customers"], people)
        self.progress("customers", 1, 2)
        insert_rows(self.conn, TABLES["customer_identities"], customers.identity_rows(sk))
        self.progress("customers", 2, 2)
        return len(people)

    def _orders(self, plan: Plan) -> tuple[int, NDArray[np.int64], NDArray[np.int64],
                                            NDArray[np.int64]]:
        sk, cat = plan.skeleton, plan.catalog
        n_days, n_sku = len(self.days), len(cat.skus)
        window = min(stock.LEDGER_DAYS, n_days)
        gmv = np.zeros((n_days, len(STORES)), dtype=np.int64)
        units = np.zeros((n_days, n_sku), dtype=np.int64)
        shipments = np.zeros((window, n_sku, len(WAREHOUSES)), dtype=np.int64)
        chunks = month_chunks(self.days)
        next_line = 1
        for i, (d0, d1) in enumerate(chunks):
            self.progress("orders", i, len(chunks))
            lo, hi = (int(x) for x in np.searchsorted(sk.day, [d0, d1]))
            sl = generate_slice(self.rng, plan, lo, hi, self.days[d0].month)
            order_rows = rows.order_rows(sl, sk, self.days[0], plan.epoch0)
            insert_rows(self.conn, TABLES["orders"], order_rows)
            line_rows = rows.line_rows(sl, next_line, cat.sku_ids)
            insert_rows(self.conn, TABLES["order_lines"], line_rows)
            next_line += len(line_rows)
            self._facts(rows.order_facts(order_rows))
            paid = sl.paid >= 0
            np.add.at(gmv, (sk.day[lo:hi][paid], sk.store[lo:hi][paid]),
                      (sl.goods + sl.shipping)[paid])
            line_paid = paid[sl.line_order]
            line_day = sk.day[lo:hi][sl.line_order]
            np.add.at(units, (line_day[line_paid], sl.line_sku[line_paid]),
                      sl.line_qty[line_paid])
            shipped_at = sl.shipped[sl.line_order]
            ledger_day = (shipped_at - plan.epoch0) // customers.DAY - (n_days - window)
            keep = (shipped_at >= 0) & (ledger_day >= 0)
            np.add.at(shipments, (ledger_day[keep], sl.line_sku[keep],
                                  sl.warehouse[sl.line_order][keep]), sl.line_qty[keep])
        self.progress("orders", len(chunks), len(chunks))
        return next_line - 1, gmv, units, shipments

    def _traffic(self, cat: Catalog, expected: NDArray[np.float64],
                 shares: NDArray[np.float64], plan: Plan) -> int:
        total = 0
        chunks = month_chunks(self.days)
        for i, (d0, d1) in enumerate(chunks):
            self.progress("traffic", i, len(chunks))
            batch = traffic.traffic_rows(self.rng, cat, self.days, expected, shares, plan.phases,
                                         plan.slow_from_day, plan.slow_skus, d0, d1)
            insert_rows(self.conn, TABLES["traffic_daily"], batch)
            total += len(batch)
        self.progress("traffic", len(chunks), len(chunks))
        return total

    def _stock(self, cat: Catalog, shipments: NDArray[np.int64], units: NDArray[np.int64],
               best: int, slow: NDArray[np.int64]) -> None:
        self.progress("stock", 0, 1)
        ledger = stock.build_ledger(self.rng, cat, self.days, shipments, units, best, slow,
                                    self.as_of)
        insert_rows(self.conn, TABLES["stock_moves"], ledger.moves)
        insert_rows(self.conn, TABLES["stock_balances"], ledger.balances)
        self._facts(stock.move_facts(ledger.moves))
        self.progress("stock", 1, 1)

    def _facts(self, facts: list[dict[str, Any]]) -> None:
        """Number facts in time order (ids are the analytics watermark) and write them."""
        facts.sort(key=lambda f: f["occurred_at"])
        for f in facts:
            f["id"] = self.next_fact
            self.next_fact += 1
        insert_rows(self.conn, TABLES["facts"], facts)


def month_chunks(days: list[date]) -> list[tuple[int, int]]:
    """[start, end) day ranges per calendar month; the last two days always share a chunk."""
    starts = [0] + [i for i in range(1, len(days)) if days[i].month != days[i - 1].month]
    bounds = [*starts, len(days)]
    chunks = list(itertools.pairwise(bounds))
    if len(chunks) > 1 and chunks[-1][1] - chunks[-1][0] < 2:
        chunks[-2:] = [(chunks[-2][0], chunks[-1][1])]
    return chunks


def _planted_skus(cat: Catalog) -> tuple[int, NDArray[np.int64]]:
    """A steady seller sold everywhere for the sales drop; the least wanted for slow movers."""
    established = np.flatnonzero(cat.listed_day < 0)
    by_demand = established[np.argsort(-cat.popularity[established], kind="stable")]
    everywhere = [int(s) for s in by_demand if cat.listed_in[:, s].sum() >= 4]
    drop = everywhere[1] if len(everywhere) > 1 else int(by_demand[1])
    slow = [int(s) for s in by_demand[::-1] if s != drop][:SLOW_MOVERS]
    return drop, np.array(sorted(slow), dtype=np.int64)
