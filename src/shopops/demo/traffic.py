"""流量: daily visitors per store × SKU × source, sized from the expected sales so that
conversion (paid buyers ÷ UV) lands in each category's SPEC §10 range every month."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shopops.demo.catalog import Catalog
from shopops.demo.data import KIND_ADD_TO_CART, KIND_CONVERSION, KINDS, STORES
from shopops.demo.rhythm import kind_boost
from shopops.marketing.models import TRAFFIC_SOURCES

MEAN_LINES = 1.24  # order lines per order (see orders.LINES_PER_ORDER)
DISTINCT_BUYERS = 0.75  # distinct buyers of a kind per paid line in a month
ACTIVITY = TRAFFIC_SOURCES.index("activity")
PROMO_CONVERSION = np.array([1.0, 0.9, 1.3, 1.1])  # buyers convert better on peak days


def traffic_rows(rng: np.random.Generator, cat: Catalog, days: list[date], expected: NDArray[
        np.float64], shares: NDArray[np.float64], phases: NDArray[np.int64],
                 slow_from_day: int, slow_skus: NDArray[np.int64], d0: int, d1: int
                 ) -> list[dict[str, Any]]:
    """Rows for days [d0, d1) (one month): only SKUs a store sells, only sources with visits."""
    span = np.arange(d0, d1)
    month = days[d0].month
    weights = np.stack([cat.store_weights(s, kind_boost(month)) for s in range(len(STORES))])
    on_sale = cat.listed_day[None, :] <= span[:, None]  # day × sku
    w = weights[None, :, :] * on_sale[:, None, :]  # day × store × sku
    late = span >= slow_from_day
    w[np.ix_(late, np.arange(len(STORES)), slow_skus)] *= 0.01
    w /= np.maximum(w.sum(axis=2, keepdims=True), 1e-12)
    paid_orders = expected[span] * (1 - 0.03)
    lines = paid_orders[:, None, None] * shares[span][:, :, None] * MEAN_LINES * w
    conversion = np.array([KIND_CONVERSION[k] for k in KINDS])[cat.kind]
    uv = lines * DISTINCT_BUYERS / conversion[None, None, :] / PROMO_CONVERSION[phases[span]][
        :, None, None]
    uv += 0.05 * (w > 0)  # even a quiet SKU gets the odd visitor
    mix = _source_mix(phases[span])  # day × store × source
    lam = uv[..., None] * mix[:, :, None, :] * rng.lognormal(0.0, 0.2, (*uv.shape, 6))
    visits = rng.poisson(lam)
    return _to_rows(rng, cat, days, span, visits)


def _source_mix(phases: NDArray[np.int64]) -> NDArray[np.float64]:
    """Each platform's source shares; 活动 traffic triples in a promotion."""
    base = np.array([s.sources for s in STORES])  # store × source
    mix = np.repeat(base[None, :, :], len(phases), axis=0)
    mix[phases > 0, :, ACTIVITY] *= 3.0
    return np.asarray(mix / mix.sum(axis=2, keepdims=True))


def _to_rows(rng: np.random.Generator, cat: Catalog, days: list[date],
             span: NDArray[np.int64], visits: NDArray[np.int64]) -> list[dict[str, Any]]:
    d, s, k, src = np.nonzero(visits)
    uv = visits[d, s, k, src]
    pv = np.maximum(uv, np.rint(uv * rng.uniform(1.5, 3.0, len(uv)))).astype(np.int64)
    cart_rate = np.array([KIND_ADD_TO_CART[x] for x in KINDS])[cat.kind[k]]
    cart = rng.binomial(uv, cart_rate)
    fav = rng.binomial(uv, 0.05)
    day_of = [days[int(i)] for i in span]
    return [{"store_id": int(s[i]) + 1, "day": day_of[d[i]], "sku_id": int(cat.sku_ids[k[i]]),
             "source": TRAFFIC_SOURCES[src[i]], "uv": int(uv[i]), "pv": int(pv[i]),
             "add_to_cart": int(cart[i]), "favourites": int(fav[i])} for i in range(len(uv))]
