"""Price floors on promotions (防止无脑降价): per-SKU floors from the catalog's cost, the store's
commission and the shop's settings, and the worst case a promotion can sell each SKU at.

Floor per SKU (:func:`shopops.pricing.floors.price_floor`) = (cost + shipping per unit) ÷ (1 −
commission − minimum margin), the shipping and the minimum margin being per-shop settings.

Worst case checked (documented choice): every SKU the promotion covers, alone in a cart of
every size from 1 to :data:`MAX_UNITS` units (a bundle: 1–3 complete sets), priced
by the engine together with the store's and the platform's other promotions active at the
promotion's start, for a new buyer holding every coupon and each member tier involved — the
buyer's best combination. A SKU breaches when, in a combination that uses the promotion, its
到手价 per unit is below its floor. Mixed carts can land closer to a 满减 threshold than
single-SKU carts and are not searched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from shopops.catalog.service import category_parents, list_skus
from shopops.core.uow import UnitOfWork
from shopops.db.shop_settings import read_settings
from shopops.pricing import promotions as p
from shopops.pricing.bundles import Bundle, bind_to_cart
from shopops.pricing.engine import quote
from shopops.pricing.floors import price_floor
from shopops.pricing.models import FloorOverride
from shopops.pricing.promotions import to_cents
from shopops.stores.service import StoreView

MAX_UNITS = 20
FLOOR_DEFAULTS: dict[str, Any] = {
    "pricing.shipping_cost_per_unit": "5.00",  # 快递 per unit shipped (yuan)
    "pricing.min_margin_rate": "0.05",  # 最低毛利率
}


@dataclass(frozen=True, slots=True)
class SkuInfo:
    sku: str
    price: Decimal
    cost: Decimal
    category: str
    category_path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Breach:
    """A SKU the promotion would sell below its floor: the lowest 到手价 per unit found, the
    cart (units) that gives it, the floor and the shortfall."""

    store: str
    sku: str
    units: int
    final_price: Decimal
    floor: Decimal

    @property
    def shortfall(self) -> Decimal:
        return self.floor - self.final_price

    def as_json(self) -> dict[str, Any]:
        return {"store": self.store, "sku": self.sku, "units": self.units,
                "final_price": str(self.final_price), "floor": str(self.floor),
                "shortfall": str(self.shortfall)}


def category_paths(uow: UnitOfWork) -> dict[str, tuple[str, ...]]:
    """category code → (its code, its parent's, …) for 类目 scopes with sub-categories."""
    parent = category_parents(uow)  # one query (it is read on every quote)
    paths = {}
    for code in parent:
        path: list[str] = []
        node: str | None = code
        while node is not None and node not in path:
            path.append(node)
            node = parent.get(node)
        paths[code] = tuple(path)
    return paths


def catalog_skus(uow: UnitOfWork) -> dict[str, SkuInfo]:
    paths = category_paths(uow)
    found: dict[str, SkuInfo] = {}
    page = 1
    while True:
        batch = list_skus(uow, page, 500)
        for s in batch["items"]:
            found[s["sku"]] = SkuInfo(s["sku"], Decimal(s["price"]), Decimal(s["cost"]),
                                      s["category"], paths.get(s["category"], (s["category"],)))
        if page * 500 >= batch["total"]:
            return found
        page += 1


def floor_settings(uow: UnitOfWork) -> dict[str, Any]:
    return read_settings(uow, FLOOR_DEFAULTS)


def sku_floor(info: SkuInfo, store: StoreView, settings: dict[str, Any]) -> Decimal:
    return price_floor(info.cost, store.commission_rate,
                       settings["pricing.shipping_cost_per_unit"],
                       settings["pricing.min_margin_rate"])


def highest_floors(uow: UnitOfWork, stores: Sequence[StoreView]
                   ) -> dict[str, tuple[Decimal, Decimal]]:
    """SKU → (list price, its highest floor over `stores`): stock is not per store, so a
    clearance markdown must clear the strictest store's floor (e.g. the highest commission)."""
    settings = floor_settings(uow)
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for code, info in catalog_skus(uow).items():
        floors = [sku_floor(info, store, settings) for store in stores]
        if floors:
            found[code] = (info.price, max(floors))
    return found


def cart_line(info: SkuInfo, units: int, store: str) -> p.CartLine:
    return p.CartLine(info.sku, units, info.price, category=info.category, store=store,
                      category_path=info.category_path)


def threshold_quantities(price: Decimal, offers: Iterable[p.Promotion]) -> list[int]:
    """The units at which a single-SKU cart first reaches each threshold or 件数 tier: between
    two such points the discount stays fixed while the amount grows, so the lowest price per
    unit is at one of them (1, each ⌈threshold ÷ price⌉, each tier); with a 每满减 every size
    up to :data:`MAX_UNITS`."""
    unit = max(to_cents(price), 1)
    found = {1}
    for offer in offers:
        if isinstance(offer, p.FullReduction) and offer.repeat:
            # 每满减: the share off swings with every multiple reached — try every size
            return list(range(1, MAX_UNITS + 1))
        if isinstance(offer, p.FullReduction):
            for threshold, _ in offer.tiers:
                found.add(math.ceil(to_cents(threshold) / unit))
        elif isinstance(offer, p.Coupon) and offer.threshold:
            found.add(math.ceil(to_cents(offer.threshold) / unit))
        elif isinstance(offer, p.MultiBuyDiscount):
            found.update(qty for qty, _ in offer.tiers)
    return sorted(q for q in found if q <= MAX_UNITS)


def _tiers(offers: Iterable[p.Promotion]) -> list[str | None]:
    tiers: set[str] = set()
    for offer in offers:
        if isinstance(offer, p.MemberPrice):
            tiers.update(offer.prices)
        if offer.member_tiers is not None:
            tiers.update(offer.member_tiers)
    return [None, *sorted(tiers)]


def _carts(promo: p.Promotion, skus: Sequence[SkuInfo], store: str,
           others: Sequence[p.Promotion]) -> Iterable[tuple[SkuInfo | None, list[p.CartLine]]]:
    if isinstance(promo, Bundle):
        wanted = [s for s in skus if s.sku in promo.items]
        if len(wanted) == len(promo.items):
            for sets in (1, 2, 3):
                yield None, [cart_line(s, promo.items[s.sku] * sets, store) for s in wanted]
        return
    for info in skus:
        # every size up to MAX_UNITS, not only the threshold points: the buyer's best
        # combination switches between offers as the cart grows (a 满件折 tier can lose to a
        # coupon at 4 units and win at 5), so the lowest price per unit that uses the
        # promotion need not sit where a threshold is first reached
        for n in range(1, MAX_UNITS + 1):
            yield info, [cart_line(info, n, store)]


def breaches(promo: p.Promotion, others: Sequence[p.Promotion], skus: Sequence[SkuInfo],
             store: StoreView, floors: dict[str, Decimal], at: datetime) -> list[Breach]:
    """The worst case (see the module docstring) of ``promo`` on ``skus`` in ``store``: one
    breach per SKU below its floor, the lowest price found. Pure but for what is passed in."""
    if isinstance(promo, p.GiftWithPurchase | p.FreeShippingThreshold):
        return []  # gifts are ¥0 by design and free shipping lowers no goods price
    others = [o for o in others if o.id != promo.id]
    coupons = tuple(o.id for o in [promo, *others] if isinstance(o, p.Coupon))
    tiers = _tiers([promo, *others])
    worst: dict[str, Breach] = {}
    for _, lines in _carts(promo, skus, store.code, others):
        for tier in tiers:
            cart = p.Cart(tuple(lines), member_tier=tier, coupons=coupons, is_new=True)
            result = quote(cart, bind_to_cart(cart, [promo, *others]), at)
            used = promo.id in result.applied
            for line in result.lines:
                floor = floors.get(line.sku)
                if floor is None or not (used or line.item_offer == promo.id):
                    continue
                if to_cents(line.final_amount) < to_cents(floor) * line.quantity:
                    found = Breach(store.code, line.sku, line.quantity, line.final_price, floor)
                    if line.sku not in worst or found.final_price < worst[line.sku].final_price:
                        worst[line.sku] = found
    return [worst[s] for s in sorted(worst)]


def scope_skus(promo: p.Promotion, catalog: dict[str, SkuInfo]) -> list[SkuInfo]:
    """The catalog SKUs a promotion can touch (its SKU list, its categories with their
    sub-categories, or every SKU)."""
    return [info for info in catalog.values()
            if promo.covers(cart_line(info, 1, promo.store or ""))]


def below_floor_message(found: Sequence[Breach]) -> str:
    return "低于价格底线 below the price floor: " + "; ".join(
        f"{b.sku} ({b.store}) ¥{b.final_price} < 底线 ¥{b.floor} (差 ¥{b.shortfall}, "
        f"{b.units} 件)" for b in found)


def store_floors(uow: UnitOfWork, store: StoreView, skus: Iterable[SkuInfo]
                 ) -> dict[str, Decimal]:
    settings = floor_settings(uow)
    return {info.sku: sku_floor(info, store, settings) for info in skus}


def guard(uow: UnitOfWork, promo: p.Promotion, stores: Sequence[StoreView],
          others_for: Callable[[StoreView], list[p.Promotion]], at: datetime,
          override_reason: object) -> list[Breach]:
    """The breaches of a promotion being created or edited. None → []; breaches without an
    override reason → :class:`BelowFloor` naming every SKU and amount; with a reason → the
    breaches, for the caller to record with the promotion (:func:`record_override`)."""
    if override_reason is not None and not isinstance(override_reason, str):
        raise p.InvalidPromotion("override_reason: must be a text", field="override_reason")
    catalog = catalog_skus(uow)
    found: list[Breach] = []
    for store in stores:
        skus = scope_skus(promo, catalog)
        found += breaches(promo, others_for(store), skus, store, store_floors(uow, store, skus),
                          at)
    if found and not (override_reason or "").strip():
        raise p.BelowFloor(below_floor_message(found) + " — give override_reason to allow it",
                           field="override_reason", breaches=[b.as_json() for b in found])
    return found


def record_override(uow: UnitOfWork, promotion_id: int, store_id: int | None,
                    found: Sequence[Breach], reason: str, actor: str) -> None:
    """放行记录: who let the promotion sell below the floor, when, why, and by how much."""
    row = FloorOverride(promotion_id=promotion_id, reason=reason.strip()[:500],
                        created_by=actor, breaches=[b.as_json() for b in found],
                        created_at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    uow.record("promotion.floor_overridden", entity="promotion", entity_id=promotion_id,
               store_id=store_id, reason=row.reason, user=actor,
               skus=[b.sku for b in found])


def overrides_for(uow: UnitOfWork, promotion_ids: Iterable[int]) -> dict[int, FloorOverride]:
    """The latest override of each promotion that has one."""
    rows = uow.session.scalars(select(FloorOverride)
                               .where(FloorOverride.promotion_id.in_(list(promotion_ids)))
                               .order_by(FloorOverride.id))
    return {row.promotion_id: row for row in rows}
