"""Order lines, amounts, statuses and refunds for a slice of the skeleton (one month),
all vectorised. Amounts are integer cents (分) throughout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shopops.demo.catalog import Catalog
from shopops.demo.customers import DAY, Skeleton
from shopops.demo.data import KIND_REFUND, KINDS, PROVINCES, STORES
from shopops.demo.rhythm import kind_boost

LINES_PER_ORDER = (np.array([1, 2, 3]), np.array([0.8, 0.16, 0.04]))
QUANTITY = (np.array([1, 2, 3]), np.array([0.87, 0.1, 0.03]))
FAST_SHIPPERS = {"jd", "pdd"}  # 24 h ship limit (SPEC §4); the others 48 h
REFUND_QUIET_DAYS = 3  # orders of the last days have had no time to be refunded yet
I64 = NDArray[np.int64]


@dataclass
class Plan:
    """What the whole build shares: catalogue, skeleton, calendar, planted SKUs, as-of time."""

    catalog: Catalog
    skeleton: Skeleton
    epoch0: int  # UTC epoch of the first day's local midnight
    phases: I64  # per day: 0 ordinary, 1 warm-up, 2 peak, 3 tail
    as_of: int  # the demo's now (UTC epoch): steps after it have not happened yet
    last_day: int
    drop_sku: int  # planted: sales fall by half on the last day
    slow_skus: I64  # planted: demand nearly gone for the last months
    slow_from_day: int


@dataclass
class OrderSlice:
    """Columns of orders [lo, hi) and of their lines."""

    lo: int
    hi: int
    subtotal: I64
    discount: I64
    goods: I64
    shipping: I64
    created: I64
    paid: I64  # -1 when never paid
    cancelled_at: I64
    shipped: I64  # -1: not (yet)
    delivered: I64
    completed: I64
    refunded: I64
    refund: I64
    status: list[str]
    warehouse: I64
    line_order: I64  # position of the line's order in the slice
    line_sku: I64
    line_qty: I64
    line_price: I64
    line_discount: I64
    line_paid: I64
    line_refund: I64


def generate_slice(rng: np.random.Generator, plan: Plan, lo: int, hi: int,
                   month: int) -> OrderSlice:
    sk, cat = plan.skeleton, plan.catalog
    n = hi - lo
    store, day = sk.store[lo:hi], sk.day[lo:hi]
    cancelled = sk.cancelled[lo:hi]
    lines = rng.choice(LINES_PER_ORDER[0], size=n, p=LINES_PER_ORDER[1])
    line_order = np.repeat(np.arange(n, dtype=np.int64), lines)
    line_sku = _choose_skus(rng, plan, store[line_order], day[line_order], month)
    qty = rng.choice(QUANTITY[0], size=len(line_order), p=QUANTITY[1]).astype(np.int64)
    _plant_sales_drop(rng, plan, line_order, line_sku, qty, store, day, cancelled)
    price = cat.price_cents[line_sku]
    rate = _discount_rate(rng, plan.phases[day], store)
    line_discount = (price * qty * rate[line_order] // 10).astype(np.int64) * 10
    line_paid = price * qty - line_discount
    subtotal = _per_order(line_order, price * qty, n)
    goods = _per_order(line_order, line_paid, n)
    pdd = np.array([s.platform == "pdd" for s in STORES])[store]
    shipping = np.where((goods < 5900) & ~pdd & (rng.random(n) < 0.45),
                        rng.choice([500, 600, 800, 1000], size=n), 0).astype(np.int64)
    sl = OrderSlice(lo, hi, subtotal, subtotal - goods, goods, shipping,
                    *_timeline(rng, plan, sk.at[lo:hi], sk.create_delay[lo:hi], store, cancelled),
                    refunded=np.full(n, -1, np.int64), refund=np.zeros(n, np.int64), status=[],
                    warehouse=np.array([p[2] for p in PROVINCES])[sk.region[sk.customer[lo:hi]]],
                    line_order=line_order, line_sku=line_sku, line_qty=qty, line_price=price,
                    line_discount=line_discount, line_paid=line_paid,
                    line_refund=np.zeros(len(line_order), np.int64))
    _refunds(rng, plan, sl, day, cancelled)
    sl.status = _statuses(sl, plan.as_of)
    return sl


def _per_order(line_order: I64, values: I64, n: int) -> I64:
    return np.bincount(line_order, weights=values, minlength=n).round().astype(np.int64)


def _choose_skus(rng: np.random.Generator, plan: Plan, store: I64, day: I64, month: int) -> I64:
    """Sample each line's SKU from its store's demand; nothing before its listing day."""
    cat = plan.catalog
    boost = kind_boost(month)
    late = day >= plan.slow_from_day
    sku = np.zeros(len(store), dtype=np.int64)
    for s in range(len(STORES)):
        weights = cat.store_weights(s, boost)
        faded = weights.copy()
        faded[plan.slow_skus] *= 0.01  # 滞销: demand faded away
        for mask_late in (False, True):
            rows = np.flatnonzero((store == s) & (late == mask_late))
            if len(rows) == 0:
                continue
            w = faded if mask_late else weights
            sku[rows] = _sample(rng, w, day[rows], cat.listed_day)
    return sku


def _sample(rng: np.random.Generator, weights: NDArray[np.float64], day: I64,
            listed_day: I64) -> I64:
    cdf = np.cumsum(weights) / weights.sum()
    picked = np.minimum(np.searchsorted(cdf, rng.random(len(day))), len(weights) - 1)
    early = day < listed_day[picked]
    while early.any():  # re-draw among what was already on sale that day
        older = weights * (listed_day <= day[early].min())
        cdf_old = np.cumsum(older) / older.sum()
        picked[early] = np.minimum(np.searchsorted(cdf_old, rng.random(int(early.sum()))),
                                   len(weights) - 1)
        early = day < listed_day[picked]
    return picked.astype(np.int64)


def _plant_sales_drop(rng: np.random.Generator, plan: Plan, line_order: I64, line_sku: I64,
                      qty: I64, store: I64, day: I64, cancelled: NDArray[np.bool_]) -> None:
    """Planted: the steady seller sells about half as much on the last day as the day before."""
    sku = plan.drop_sku
    eligible = plan.catalog.listed_in[store[line_order], sku] & ~cancelled[line_order]
    line_day = day[line_order]
    prev = np.flatnonzero(eligible & (line_day == plan.last_day - 1))
    last = np.flatnonzero(eligible & (line_day == plan.last_day))
    if len(prev) < 2:
        return
    target_prev = max(int((line_sku[prev] == sku).sum()), min(6, len(prev)))
    _set_count(rng, line_sku, prev, sku, target_prev, plan)
    _set_count(rng, line_sku, last, sku, max(1, target_prev // 2), plan)
    qty[np.concatenate([prev, last])[line_sku[np.concatenate([prev, last])] == sku]] = 1


def _set_count(rng: np.random.Generator, line_sku: I64, rows: I64, sku: int, target: int,
               plan: Plan) -> None:
    has = rows[line_sku[rows] == sku]
    others = rows[line_sku[rows] != sku]
    if len(has) < target:
        take = rng.permutation(others)[: target - len(has)]
        line_sku[take] = sku
    elif len(has) > target:
        substitute = int(np.argsort(-plan.catalog.popularity)[0])
        if substitute == sku:
            substitute = int(np.argsort(-plan.catalog.popularity)[1])
        line_sku[rng.permutation(has)[: len(has) - target]] = substitute


def _discount_rate(rng: np.random.Generator, phase: I64, store: I64) -> NDArray[np.float64]:
    """Coupons on normal days, 满减 and flash prices in promotions; PDD discounts deepest."""
    n = len(phase)
    base = np.where(rng.random(n) < 0.55, rng.uniform(0.0, 0.08, n), 0.0)
    low = np.array([0.0, 0.03, 0.08, 0.03])[phase]
    high = np.array([0.0, 0.08, 0.2, 0.1])[phase]
    promo = rng.uniform(0.0, 1.0, n) * (high - low) + low
    pdd = np.array([s.platform == "pdd" for s in STORES])[store]
    return np.asarray(np.minimum(base + promo + 0.03 * pdd, 0.4))


def _timeline(rng: np.random.Generator, plan: Plan, at: I64, delay: I64, store: I64,
              cancelled: NDArray[np.bool_]) -> tuple[I64, I64, I64, I64, I64, I64]:
    """created → paid minutes later → shipped within the platform limit → delivered in
    1–4 days → completed (确认收货) within a week; steps after the as-of time are blank."""
    n = len(at)
    fast = np.array([s.platform in FAST_SHIPPERS for s in STORES])[store]
    ship_hours = np.where(fast, rng.uniform(1, 22, n), rng.uniform(2, 44, n))
    created = np.where(cancelled, at, at - delay)
    paid = np.where(cancelled, -1, at)
    cancelled_at = np.where(cancelled, np.minimum(at + rng.integers(900, 1800, n), plan.as_of),
                            -1)
    shipped = at + (ship_hours * 3600).astype(np.int64)
    delivered = shipped + rng.integers(20 * 3600, 96 * 3600, n)
    completed = delivered + rng.integers(DAY, 8 * DAY, n)
    steps = []
    for step in (shipped, delivered, completed):
        steps.append(np.where(cancelled | (step > plan.as_of), -1, step).astype(np.int64))
    return created, paid, cancelled_at, steps[0], steps[1], steps[2]


def _refunds(rng: np.random.Generator, plan: Plan, sl: OrderSlice, day: I64,
             cancelled: NDArray[np.bool_]) -> None:
    """退款: per line by category (apparel highest); mostly the whole line."""
    kind = plan.catalog.kind[sl.line_sku]
    chance = np.array([KIND_REFUND[k] for k in KINDS])[kind]
    ok = ~cancelled & (day <= plan.last_day - REFUND_QUIET_DAYS)
    hit = ok[sl.line_order] & (rng.random(len(kind)) < chance)
    n = sl.hi - sl.lo
    base = np.where(sl.delivered >= 0, sl.delivered, np.where(sl.shipped >= 0, sl.shipped, sl.paid))
    when = base + rng.integers(3600, 5 * DAY, n)
    hit &= (when <= plan.as_of)[sl.line_order]
    partial = rng.random(len(kind)) < 0.15
    amount = np.where(partial, sl.line_paid // 20 * 10, sl.line_paid)
    sl.line_refund = np.where(hit, amount, 0).astype(np.int64)
    sl.refund = _per_order(sl.line_order, sl.line_refund, n)
    sl.refunded = np.where(sl.refund > 0, when, -1).astype(np.int64)
    sl.completed = np.where(sl.refund > 0, -1, sl.completed)


def _statuses(sl: OrderSlice, as_of: int) -> list[str]:
    status = np.full(sl.hi - sl.lo, "paid", dtype=object)
    status[sl.shipped >= 0] = "shipped"
    status[sl.delivered >= 0] = "delivered"
    status[sl.completed >= 0] = "completed"
    status[sl.refund > 0] = "refunded"
    status[sl.paid < 0] = "cancelled"
    return [str(s) for s in status]
