"""Who buys when: the order skeleton (pay time, store, customer) and the customer rows.

Repeat buying (复购) is modelled by linking an order to an earlier order of the same customer:
a share of orders are repeats, most of them coming back within a month (loyal core), the
rest after one to eleven months; chains of links give the power-law purchase counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shopops.demo.catalog import local_midnight
from shopops.demo.data import PROVINCES, STORES, SURNAMES
from shopops.demo.rhythm import seconds_of_day

DAY = 86_400
REPEAT_SHARE = 0.42  # orders placed by someone who bought before
FAST_REPEAT_SHARE = 0.55  # of those, back within 30 days (30天复购)
SAME_STORE = 0.85  # a returning buyer mostly comes back to the same store
CANCEL_SHARE = 0.03  # created but never paid (未付款取消)
BUYER_ID_PREFIX = {"tmall": "tb_", "taobao": "tb_", "jd": "jd_", "pdd": "pdd_", "douyin": "dy_",
                   "own": "wx_"}


@dataclass
class Skeleton:
    """One entry per order, sorted by time; order id = index + 1."""

    day: NDArray[np.int64]  # day index in the range (store's business day)
    at: NDArray[np.int64]  # UTC epoch seconds: paid (or created, for cancelled orders)
    store: NDArray[np.int64]
    customer: NDArray[np.int64]  # 0-based, numbered by first order
    cancelled: NDArray[np.bool_]
    create_delay: NDArray[np.int64]  # seconds from created to paid
    region: NDArray[np.int64]  # per customer: index into PROVINCES

    @property
    def size(self) -> int:
        return len(self.day)


def build_skeleton(rng: np.random.Generator, first_day: date, counts: NDArray[np.int64],
                   peak: NDArray[np.bool_], shares: NDArray[np.float64],
                   as_of: int | None = None) -> Skeleton:
    """as_of (UTC epoch, within the last day): the last day's orders are spread over the part
    of the day before it, keeping their order and hour-of-day shape (none is in the future)."""
    day = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    n = len(day)
    epoch0 = int(local_midnight(first_day).timestamp())
    at = epoch0 + day * DAY + seconds_of_day(rng, n, peak[day])
    if as_of is not None and len(counts):
        last_midnight = epoch0 + (len(counts) - 1) * DAY
        span = min(max(as_of - last_midnight + 1, 1), DAY)
        last = day == len(counts) - 1
        at[last] = last_midnight + (at[last] - last_midnight) * span // DAY
    order = np.argsort(at, kind="stable")
    day, at = day[order], at[order]
    cumulative = np.cumsum(shares[day], axis=1)
    store = (rng.random(n)[:, None] > cumulative).sum(axis=1).astype(np.int64)
    store = np.minimum(store, len(STORES) - 1)
    root, store = _link_repeat_orders(rng, at, store)
    customer = _number_customers(root)
    cancelled = rng.random(n) < CANCEL_SHARE
    delay = np.minimum(20 + rng.exponential(240, n), 3000).astype(np.int64)
    weights = np.array([p[1] for p in PROVINCES], dtype=np.float64)
    region = rng.choice(len(PROVINCES), size=int(customer.max()) + 1 if n else 0,
                        p=weights / weights.sum())
    return Skeleton(day, at, store, customer, cancelled, delay, region.astype(np.int64))


def _link_repeat_orders(rng: np.random.Generator, at: NDArray[np.int64],
                        store: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each repeat order points at an earlier order; the chain's first order is the customer."""
    n = len(at)
    index = np.arange(n, dtype=np.int64)
    fast = rng.random(n) < FAST_REPEAT_SHARE
    gap_days = np.where(fast, rng.uniform(0.5, 29.0, n), rng.uniform(31.0, 330.0, n))
    target = at - (gap_days * DAY).astype(np.int64)
    parent = np.searchsorted(at, target, side="right") - 1
    linked = (rng.random(n) < REPEAT_SHARE) & (parent >= 0) & (target >= at[0] if n else False)
    parent = np.where(linked, parent, index)
    root = parent.copy()
    while True:  # pointer jumping: log(chain length) passes
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    keep = linked & (rng.random(n) < SAME_STORE)
    # a kept store follows the chain too, so loyal buyers stay with one store
    store_root = np.where(keep, parent, index)
    while True:
        nxt = store_root[store_root]
        if np.array_equal(nxt, store_root):
            break
        store_root = nxt
    return root, store[store_root]


def _number_customers(root: NDArray[np.int64]) -> NDArray[np.int64]:
    """Dense customer numbers in order of their first purchase."""
    _, first, inverse = np.unique(root, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.reshape(-1)]


def customer_rows(rng: np.random.Generator, sk: Skeleton) -> list[dict[str, Any]]:
    n_customers = int(sk.customer.max()) + 1 if sk.size else 0
    first = np.full(n_customers, np.iinfo(np.int64).max)
    np.minimum.at(first, sk.customer, sk.at - sk.create_delay)
    surname = rng.integers(0, len(SURNAMES), n_customers)
    masks = rng.integers(1, 3, n_customers)
    return [{"id": c + 1, "name": SURNAMES[surname[c]] + "*" * int(masks[c]),
             "region": PROVINCES[sk.region[c]][0],
             "created_at": datetime.fromtimestamp(int(first[c]), UTC)}
            for c in range(n_customers)]


def identity_rows(sk: Skeleton) -> list[dict[str, Any]]:
    """One buyer id per (customer, store) pair: tb_…, jd_…, pdd_… (会员名 / 用户ID)."""
    pairs = np.unique(sk.customer * len(STORES) + sk.store)
    rows = []
    for i, pair in enumerate(pairs.tolist()):
        customer, store = divmod(pair, len(STORES))
        platform = STORES[store].platform
        rows.append({"id": i + 1, "customer_id": customer + 1, "store_id": store + 1,
                     "buyer_id": BUYER_ID_PREFIX[platform] + _scramble36(customer)})
    return rows


def _scramble36(n: int) -> str:
    """A stable, unique 8-character nick from a number (bijective mod 36**8)."""
    value = (n * 2_654_435_761 + 12_345_678) % 36**8
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    for _ in range(8):
        value, r = divmod(value, 36)
        out.append(digits[r])
    return "".join(reversed(out))

