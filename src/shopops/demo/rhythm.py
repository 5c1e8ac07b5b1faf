"""The shop's rhythm (节奏): growth, weekday, the promotion calendar and the hours people pay.

Pure numpy: day weights in, order counts and pay times out."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from shopops.demo.data import KINDS, STORES
from shopops.pricing.calendar import phase_on

# 大促 multipliers of a normal day's orders by phase: (warm-up 预热, peak 爆发, tail 尾声)
PROMO_LIFT = {"nianhuo": (1.2, 1.9, 1.2), "queen38": (1.15, 2.2, 1.2), "mid618": (1.3, 4.5, 1.5),
              "summer818": (1.15, 2.0, 1.2), "double11": (1.45, 7.0, 1.8),
              "double12": (1.15, 2.8, 1.3)}
WEEKDAY_LIFT = np.array([0.92, 0.90, 0.93, 0.97, 1.03, 1.13, 1.12])  # Mon … Sun
YEARLY_GROWTH = 0.30  # 同比 about +35%
# pay hour weights, Beijing time: lunch, evening and the late-night peak before midnight
HOUR_WEIGHT = np.array([2.2, 1.0, 0.45, 0.25, 0.2, 0.25, 0.4, 0.8, 1.3, 2.0, 3.3, 3.8, 3.6, 3.4,
                        3.4, 3.3, 3.2, 3.3, 3.5, 4.5, 5.8, 6.2, 6.0, 4.4])
MIDNIGHT_RUSH = 8.0  # 零点开抢: the first hour of a peak day
PHASE_INDEX = {"warm_up": 1, "peak": 2, "tail": 3}


def day_list(end: date, days: int) -> list[date]:
    return [end - timedelta(days=days - 1 - i) for i in range(days)]


def promo_lift(day: date) -> float:
    found = phase_on(day)
    if found is None:
        return 1.0
    code, phase = found
    return PROMO_LIFT[code][PHASE_INDEX[phase] - 1]


def phase_codes(days: list[date]) -> NDArray[np.int64]:
    """0 ordinary day, 1 warm-up, 2 peak, 3 tail."""
    found = [phase_on(d) for d in days]
    return np.array([0 if f is None else PHASE_INDEX[f[1]] for f in found], dtype=np.int64)


def daily_weights(rng: np.random.Generator, days: list[date]) -> NDArray[np.float64]:
    """Expected relative order volume of each day: trend × weekday × promotion × noise."""
    years = np.arange(len(days)) / 365.0
    trend = np.exp(YEARLY_GROWTH * years)
    weekday = WEEKDAY_LIFT[[d.weekday() for d in days]]
    promo = np.array([promo_lift(d) for d in days])
    return np.asarray(trend * weekday * promo * rng.lognormal(0.0, 0.07, len(days)),
                      dtype=np.float64)


def daily_order_counts(rng: np.random.Generator, weights: NDArray[np.float64],
                       total: int) -> NDArray[np.int64]:
    """Exactly `total` orders spread over the days by their weights."""
    return rng.multinomial(total, weights / weights.sum()).astype(np.int64)


def store_shares(days: list[date]) -> NDArray[np.float64]:
    """day × store probability of an order; channels grow at different speeds (抖音 fastest)."""
    years = np.arange(len(days))[:, None] / 365.0
    base = np.array([s.share for s in STORES])[None, :]
    growth = np.array([s.growth for s in STORES])[None, :]
    shares = base * np.exp(growth * years)
    return np.asarray(shares / shares.sum(axis=1, keepdims=True))


def kind_boost(month: int) -> NDArray[np.float64]:
    """Seasonal demand per kind: 年货 food in Jan/Feb, apparel in autumn, bedding in winter."""
    boost = np.ones(len(KINDS))
    if month in (1, 2):
        boost[KINDS.index("food")] = 1.5
    if month in (9, 10, 11):
        boost[KINDS.index("apparel")] = 1.25
    if month in (11, 12, 1):
        boost[KINDS.index("home")] = 1.2
    return boost


def seconds_of_day(rng: np.random.Generator, n: int,
                   peak_day: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Local (Beijing) second of the day each order is paid."""
    normal = np.cumsum(HOUR_WEIGHT) / HOUR_WEIGHT.sum()
    rush = HOUR_WEIGHT.copy()
    rush[0] *= MIDNIGHT_RUSH
    rush_cdf = np.cumsum(rush) / rush.sum()
    u = rng.random(n)
    hour = np.where(peak_day, np.searchsorted(rush_cdf, u), np.searchsorted(normal, u))
    return np.asarray(np.minimum(hour, 23) * 3600 + rng.integers(0, 3600, n), dtype=np.int64)
