"""The demo catalogue: stores, categories, products and SKUs as rows to insert, plus the
numpy view (price, cost, kind, popularity, which store lists what) the generators use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from shopops.demo.data import (
    APPAREL_LEAVES,
    CATEGORIES,
    KIND_COST_RATIO,
    KINDS,
    STORES,
    product_specs,
    size_variants,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
Row = dict[str, Any]


@dataclass
class Catalog:
    """Rows for the catalogue tables and the arrays the order generator samples from."""

    stores: list[Row]
    categories: list[Row]
    products: list[Row]
    skus: list[Row]
    sku_ids: NDArray[np.int64]  # index i ↔ skus[i]
    codes: list[str]
    price_cents: NDArray[np.int64]
    cost_cents: NDArray[np.int64]
    kind: NDArray[np.int64]  # index into data.KINDS
    listed_day: NDArray[np.int64]  # day index (0 = first day of the range) it was listed
    popularity: NDArray[np.float64]  # base demand weight
    listed_in: NDArray[np.bool_]  # store × sku: the store sells it

    def store_weights(self, store: int, kind_boost: NDArray[np.float64]) -> NDArray[np.float64]:
        """Demand weight of every SKU in one store (0 where not listed)."""
        affinity = np.array([STORES[store].affinity[k] for k in KINDS])
        weights = self.popularity * affinity[self.kind] * kind_boost[self.kind]
        return np.asarray(weights * self.listed_in[store], dtype=np.float64)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _price_cents(list_price: str, factor: float) -> int:
    """A list price ending in .00 or .90 like real shops set them."""
    raw = Decimal(list_price) * Decimal(str(factor))
    yuan = int(raw)
    return yuan * 100 + (90 if raw - yuan >= Decimal("0.5") else 0)


def build_catalog(rng: np.random.Generator, start: date, days: int) -> Catalog:
    opened = local_midnight(start - timedelta(days=400))
    stores = [{"id": i + 1, "code": s.code, "platform": s.platform, "name": s.name,
               "timezone": "Asia/Shanghai", "commission_rate": s.commission, "currency": "CNY",
               "created_at": opened} for i, s in enumerate(STORES)]
    categories: list[Row] = []
    leaf_ids: dict[str, tuple[int, int]] = {}
    for code, name, kind, leaves in CATEGORIES:
        parent_id = len(categories) + 1
        categories.append({"id": parent_id, "code": code, "name": name, "parent_id": None,
                           "kind": kind})
        for leaf_code, leaf_name in leaves:
            leaf_id = len(categories) + 1
            categories.append({"id": leaf_id, "code": f"{code}-{leaf_code}", "name": leaf_name,
                               "parent_id": parent_id, "kind": kind})
            leaf_ids[leaf_code] = (leaf_id, KINDS.index(kind))
    products, skus = _products_and_skus(rng, leaf_ids, start, days)
    n = len(skus)
    kinds = np.array([s.pop("_kind") for s in skus], dtype=np.int64)
    listed_day = np.array([s.pop("_listed_day") for s in skus], dtype=np.int64)
    product_of = np.array([s["product_id"] for s in skus], dtype=np.int64) - 1
    # a few hits and a long tail (长尾): lognormal demand per product, shared by its variants
    product_pop = rng.lognormal(0.0, 0.9, len(products))
    popularity = product_pop[product_of] * rng.uniform(0.5, 1.5, n)
    listed_in = _store_listing(rng, kinds, product_of, len(products))
    return Catalog(stores, categories, products, skus,
                   np.array([s["id"] for s in skus], dtype=np.int64), [s["code"] for s in skus],
                   np.array([int(s["price"].scaleb(2)) for s in skus], dtype=np.int64),
                   np.array([int(s["cost"].scaleb(2)) for s in skus], dtype=np.int64),
                   kinds, listed_day, popularity, listed_in)


def _products_and_skus(rng: np.random.Generator, leaf_ids: dict[str, tuple[int, int]],
                       start: date, days: int) -> tuple[list[Row], list[Row]]:
    specs = product_specs()
    # most products predate the range; a few launch during it and the last one in the final
    # week (新品期, first 7 days after listing)
    launches = set(rng.choice(len(specs) - 1, size=6, replace=False).tolist())
    products: list[Row] = []
    skus: list[Row] = []
    for p, (leaf, name, price, axis, variants) in enumerate(specs):
        category_id, kind = leaf_ids[leaf]
        if p == len(specs) - 1:
            listed = days - 4
        elif p in launches:
            listed = int(rng.integers(days // 4, days - 30)) if days > 60 else -30
        else:
            listed = -int(rng.integers(30, 500))
        listed_at = local_midnight(start + timedelta(days=listed)) + timedelta(hours=10)
        code = f"P{p + 1:03d}"
        products.append({"id": p + 1, "code": code, "name": name, "category_id": category_id,
                         "created_at": listed_at - timedelta(days=3)})
        low, high = KIND_COST_RATIO[KINDS[kind]]
        cost_ratio = float(rng.uniform(low, high))
        for v, (attrs, factor) in enumerate(_variants(leaf, axis, variants)):
            price_cents = _price_cents(price, factor)
            cost_cents = round(price_cents * cost_ratio / 10) * 10
            skus.append({"id": len(skus) + 1, "code": f"{code}-{v + 1:02d}", "product_id": p + 1,
                         "name": f"{name} {' '.join(attrs.values())}", "attributes": attrs,
                         "cost": _money(cost_cents), "price": _money(price_cents),
                         "listed_at": listed_at, "active": True,
                         "_kind": kind, "_listed_day": listed})
    return products, skus


def _variants(leaf: str, axis: str, variants: tuple[tuple[str, float], ...]
              ) -> list[tuple[dict[str, str], float]]:
    if leaf not in APPAREL_LEAVES:
        return [({axis: value}, factor) for value, factor in variants]
    return [({"颜色": colour, "尺码": size}, factor * size_factor)
            for colour, factor in variants for size, size_factor in size_variants()]


def _store_listing(rng: np.random.Generator, kind: NDArray[np.int64],
                   product_of: NDArray[np.int64], n_products: int) -> NDArray[np.bool_]:
    """store × sku: whole products are listed or not, by the store's taste for the kind."""
    product_kind = np.zeros(n_products, dtype=np.int64)
    product_kind[product_of] = kind
    listed = np.zeros((len(STORES), len(kind)), dtype=bool)
    for s, spec in enumerate(STORES):
        chance = np.array([spec.listing[k] for k in KINDS])[product_kind]
        listed[s] = (rng.random(n_products) < chance)[product_of]
    return listed
