"""The demo shop (`shopops demo`): deterministic, consistent and believable — every number
below is recomputed straight from the rows, independently of the analytics code."""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, select

from shopops.bootstrap import App
from shopops.core.errors import Conflict
from shopops.db.registry import Base
from shopops.demo.service import DemoSummary, build_demo_shop
from tests.conftest import make_app

END = date(2026, 11, 20)
SHANGHAI = ZoneInfo("Asia/Shanghai")
T = Base.metadata.tables
CONVERSION_RANGE = {"apparel": (0.02, 0.05), "digital": (0.01, 0.03), "food": (0.05, 0.10)}


@dataclass
class Shop:
    """Rows of a built demo shop, read back once."""

    summary: DemoSummary
    orders: list[Any]
    lines: list[Any]
    kind_of: dict[int, str]  # sku id → category kind
    code_of: dict[int, str]
    uv: dict[tuple[int, date], int]  # (sku, day) → Σ uv
    stores: list[Any]
    moves: list[Any]
    balances: list[Any]
    campaigns: list[Any]
    ad_days: list[Any]

    @property
    def paid(self) -> list[Any]:
        return [o for o in self.orders if o.paid_at is not None]


def read_shop(conn: Connection, summary: DemoSummary) -> Shop:
    kinds = {r.id: r.kind for r in conn.execute(select(T["categories"]))}
    products = {r.id: kinds[r.category_id] for r in conn.execute(select(T["products"]))}
    skus = list(conn.execute(select(T["skus"])))
    uv: dict[tuple[int, date], int] = defaultdict(int)
    traffic = T["traffic_daily"]
    for row in conn.execute(select(traffic.c.sku_id, traffic.c.day, traffic.c.uv)):
        uv[(row.sku_id, row.day)] += row.uv
    return Shop(summary, list(conn.execute(select(T["orders"]).order_by(T["orders"].c.id))),
                list(conn.execute(select(T["order_lines"]).order_by(T["order_lines"].c.id))),
                {s.id: products[s.product_id] for s in skus}, {s.id: s.code for s in skus},
                dict(uv), list(conn.execute(select(T["stores"]))),
                list(conn.execute(select(T["stock_moves"]).order_by(T["stock_moves"].c.id))),
                list(conn.execute(select(T["stock_balances"]))),
                list(conn.execute(select(T["ad_campaigns"]))),
                list(conn.execute(select(T["ad_spend_daily"]))))


@pytest.fixture(scope="module")
def shop(database_url: str) -> Iterator[Shop]:
    app = make_app(database_url)
    try:
        summary = build_demo_shop(app, seed=42, orders=6000, end_date=END, days=130, reset=True)
        with app.engine.connect() as conn:
            yield read_shop(conn, summary)
    finally:
        app.dispose()


# ---- metric definitions, written out plainly -------------------------------------------

def conversion_by_kind(shop: Shop, first: date, last: date) -> dict[str, float]:
    """distinct paid buyers of the kind's SKUs ÷ Σ UV of its SKUs, over [first, last]."""
    order_of = {o.id: o for o in shop.paid if first <= o.paid_date <= last}
    buyers: dict[str, set[int]] = defaultdict(set)
    for line in shop.lines:
        order = order_of.get(line.order_id)
        if order is not None:
            buyers[shop.kind_of[line.sku_id]].add(order.customer_id)
    uv: dict[str, int] = defaultdict(int)
    for (sku, day), visits in shop.uv.items():
        if first <= day <= last:
            uv[shop.kind_of[sku]] += visits
    return {kind: len(buyers[kind]) / uv[kind] for kind in uv}


def repurchase_rate_30d(shop: Shop, first: date, last: date) -> float:
    """Buyers in the period with a paid order ≤ 30 days after an earlier one ÷ buyers."""
    times: dict[int, list[datetime]] = defaultdict(list)
    for o in shop.paid:
        times[o.customer_id].append(o.paid_at)
    buyers, repeaters = set(), set()
    for o in shop.paid:
        if first <= o.paid_date <= last:
            buyers.add(o.customer_id)
            history = sorted(times[o.customer_id])
            i = bisect_left(history, o.paid_at)
            if i > 0 and o.paid_at - history[i - 1] <= timedelta(days=30):
                repeaters.add(o.customer_id)
    return len(repeaters) / len(buyers)


def refund_rate_by_kind(shop: Shop) -> dict[str, float]:
    paid_ids = {o.id for o in shop.paid}
    lines: dict[str, int] = defaultdict(int)
    refunded: dict[str, int] = defaultdict(int)
    for line in shop.lines:
        if line.order_id in paid_ids:
            kind = shop.kind_of[line.sku_id]
            lines[kind] += 1
            refunded[kind] += line.refund_amount > 0
    return {kind: refunded[kind] / lines[kind] for kind in lines}


def sku_day_sales(shop: Shop) -> tuple[dict[tuple[int, date], int], dict[tuple[int, date],
                                                                           Decimal]]:
    day_of = {o.id: o.paid_date for o in shop.paid}
    units: dict[tuple[int, date], int] = defaultdict(int)
    gmv: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for line in shop.lines:
        if line.order_id in day_of:
            units[(line.sku_id, day_of[line.order_id])] += line.quantity
            gmv[(line.sku_id, day_of[line.order_id])] += line.paid_amount
    return units, gmv


def daily_gmv(shop: Shop) -> dict[date, Decimal]:
    gmv: dict[date, Decimal] = defaultdict(Decimal)
    for o in shop.paid:
        gmv[o.paid_date] += o.paid_amount
    return gmv


def days_of_cover(shop: Shop) -> dict[int, float]:
    """available ÷ average daily units over the last 30 days (inf when nothing sold)."""
    units, _ = sku_day_sales(shop)
    sold: dict[int, int] = defaultdict(int)
    for (sku, day), n in units.items():
        if day > END - timedelta(days=30):
            sold[sku] += n
    available: dict[int, int] = defaultdict(int)
    for b in shop.balances:
        available[b.sku_id] += b.on_hand - b.reserved
    return {sku: (available[sku] / (sold[sku] / 30) if sold[sku] else float("inf"))
            for sku in available}


def codes(shop: Shop, value: str) -> list[int]:
    by_code = {code: sku for sku, code in shop.code_of.items()}
    return [by_code[c] for c in value.split(",")]


# ---- the tests ---------------------------------------------------------------------------

def row_hash(app: App) -> str:
    digest = hashlib.sha256()
    with app.engine.connect() as conn:
        for name in ("orders", "order_lines", "traffic_daily", "stock_moves", "customers"):
            table = T[name]
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_same_seed_same_shop_and_existing_data_is_protected(app: App) -> None:
    def small(seed: int, reset: bool = True) -> DemoSummary:
        return build_demo_shop(app, seed=seed, orders=400, end_date=END, days=40, reset=reset)

    small(7, reset=False)
    first = row_hash(app)
    with pytest.raises(Conflict):
        small(7, reset=False)
    small(7)
    assert row_hash(app) == first
    small(8)
    assert row_hash(app) != first


def test_stores_catalogue_and_summary(shop: Shop) -> None:
    assert len({s.platform for s in shop.stores}) >= 4
    assert all(s.timezone == "Asia/Shanghai" for s in shop.stores)
    assert 140 <= len(shop.code_of) <= 160
    assert {"apparel", "digital", "food"} <= set(shop.kind_of.values())
    assert shop.summary.orders == len(shop.orders) == 6000
    assert shop.summary.order_lines == len(shop.lines)
    assert shop.summary.start_date == END - timedelta(days=129)


def test_conversion_by_kind_is_in_the_spec_ranges(shop: Shop) -> None:
    start = shop.summary.start_date
    october = conversion_by_kind(shop, date(2026, 10, 1), date(2026, 10, 31))
    for rates in (conversion_by_kind(shop, start, END), october):
        for kind, (low, high) in CONVERSION_RANGE.items():
            assert low <= rates[kind] <= high, (kind, rates[kind])


def test_refunds_repurchase_and_promotion_rhythm(shop: Shop) -> None:
    refunds = refund_rate_by_kind(shop)
    assert refunds["apparel"] > refunds["digital"] > refunds["food"] > 0
    assert 0.12 <= repurchase_rate_30d(shop, date(2026, 10, 1), date(2026, 10, 31)) <= 0.28
    gmv = daily_gmv(shop)
    october = sum(gmv[date(2026, 10, d)] for d in range(1, 32)) / 31
    assert gmv[date(2026, 11, 11)] > 3 * october  # 双11
    weekend = [gmv[d] for d in gmv if d.weekday() >= 5 and d.month in (8, 9)]
    weekday = [gmv[d] for d in gmv if d.weekday() < 5 and d.month in (8, 9)]
    assert sum(weekend) / len(weekend) > sum(weekday) / len(weekday)


def test_amounts_statuses_and_business_days_are_consistent(shop: Shop) -> None:
    lines: dict[int, list[Any]] = defaultdict(list)
    for line in shop.lines:
        lines[line.order_id].append(line)
        assert line.paid_amount == line.list_price * line.quantity - line.discount_amount
        assert 0 <= line.refund_amount <= line.paid_amount
    for o in shop.orders:
        own = lines[o.id]
        assert o.paid_amount == o.goods_amount + o.shipping_fee
        assert o.goods_amount == sum(x.paid_amount for x in own)
        assert o.list_amount == sum(x.list_price * x.quantity for x in own)
        assert o.discount_amount == o.list_amount - o.goods_amount
        assert o.refund_amount == sum(x.refund_amount for x in own) <= o.paid_amount
        if o.paid_at is None:
            assert o.status == "cancelled" and o.paid_date is None
        else:
            assert o.paid_date == o.paid_at.astimezone(SHANGHAI).date()
            assert o.created_at <= o.paid_at <= datetime(2026, 11, 21, tzinfo=SHANGHAI)
        assert (o.status == "refunded") == (o.refund_amount > 0)
    early = [o for o in shop.paid if o.paid_at.astimezone(SHANGHAI).hour < 8]
    assert len(early) > 0.03 * len(shop.paid)  # UTC date ≠ business date for these
    assert any(o.status in ("paid", "shipped", "delivered") for o in shop.paid
               if o.paid_date >= END - timedelta(days=2))


def test_stock_ledger_balances(shop: Shop) -> None:
    running: dict[tuple[int, int], int] = defaultdict(int)
    for move in sorted(shop.moves, key=lambda m: (m.occurred_at, m.id)):
        running[(move.sku_id, move.warehouse_id)] += move.quantity
        assert running[(move.sku_id, move.warehouse_id)] >= 0
    for b in shop.balances:
        assert b.on_hand == running[(b.sku_id, b.warehouse_id)] >= b.reserved >= 0
    assert len(shop.balances) == len(shop.code_of) * 3


def test_planted_situations_hold(shop: Shop) -> None:
    units, gmv = sku_day_sales(shop)
    planted = shop.summary.planted
    (drop,) = codes(shop, planted["sales_drop_sku"])
    before = END - timedelta(days=1)
    assert units[(drop, END)] <= 0.7 * units[(drop, before)] and units[(drop, END)] > 0
    assert gmv[(drop, END)] <= Decimal("0.7") * gmv[(drop, before)]
    recent: dict[int, int] = defaultdict(int)
    for (sku, day), n in units.items():
        if day > END - timedelta(days=30):
            recent[sku] += n
    top10 = sorted(recent, key=lambda s: -recent[s])[:10]
    (runs_out,) = codes(shop, planted["about_to_run_out_sku"])
    cover = days_of_cover(shop)
    assert runs_out in top10 and cover[runs_out] < 3
    slow = codes(shop, planted["slow_mover_skus"])
    assert 3 <= len(slow) <= 6 and all(cover[s] > 60 for s in slow)
    assert sorted(cover.values())[len(cover) // 2] < 60  # most SKUs are healthy


def test_ads_return_around_three(shop: Shop) -> None:
    spend: dict[int, Decimal] = defaultdict(Decimal)
    attributed: dict[int, Decimal] = defaultdict(Decimal)
    store_spend: dict[int, Decimal] = defaultdict(Decimal)
    for row in shop.ad_days:
        spend[row.campaign_id] += row.spend
        attributed[row.campaign_id] += row.attributed_gmv
        store_spend[row.store_id] += row.spend
    roi = sorted(attributed[c] / spend[c] for c in spend)
    assert roi[0] < 2 and roi[-1] > 4 and 2.5 < roi[len(roi) // 2] < 4
    store_gmv: dict[int, Decimal] = defaultdict(Decimal)
    for o in shop.paid:
        store_gmv[o.store_id] += o.paid_amount
    assert all(4 <= store_gmv[s] / store_spend[s] <= 8 for s in store_spend)
    per_store: dict[int, int] = defaultdict(int)
    for c in shop.campaigns:
        per_store[c.store_id] += 1
    assert all(2 <= n <= 4 for n in per_store.values())
