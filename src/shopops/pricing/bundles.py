"""组合套装 bundles: a fixed set of SKUs (A×1 + B×1 …) sold together for a set price.

A bundle is a store-level offer in its own exclusion group (``bundle``): it stacks with one 满减
activity and one coupon, whose thresholds (like every store-level threshold) are computed on the
item-level amounts. Its discount depends on how many complete sets the cart holds, which the
engine's ``discount_cents(base, count)`` cannot see, so a bundle is bound to the cart first
(:func:`bind_to_cart`): the bound copy carries its set count and the per-set saving.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from shopops.pricing.promotions import (
    ORDER_LEVELS,
    Cart,
    InvalidPromotion,
    Level,
    OrderOffer,
    Promotion,
    money,
    to_cents,
)


@dataclass(frozen=True, kw_only=True)
class Bundle(OrderOffer):
    """组合套装: ``items`` (sku → units per set) for ``price`` a set; ``sets`` is set by
    :func:`bind_to_cart` (0 until then: an unbound bundle takes nothing)."""

    kind: ClassVar[str] = "bundle"
    allowed_levels: ClassVar[tuple[Level, ...]] = ORDER_LEVELS
    default_group: ClassVar[str] = "bundle"
    items: Mapping[str, int] = field(default_factory=dict)
    price: Decimal = Decimal("0")
    sets: int = 0
    set_list_cents: int = 0  # Σ list price of one set, known once bound

    def __post_init__(self) -> None:
        if self.skus is not None and set(self.skus) != set(self.items):
            raise InvalidPromotion("skus: a bundle's SKUs are its items", field="skus")
        if len(self.items) < 2:
            raise InvalidPromotion("items: a bundle needs at least two SKUs", field="items")
        for sku, units in self.items.items():
            if isinstance(units, bool) or not isinstance(units, int) or units < 1:
                raise InvalidPromotion(f"items.{sku}: units per set must be an integer ≥ 1",
                                       field=f"items.{sku}")
        object.__setattr__(self, "items", dict(self.items))
        object.__setattr__(self, "skus", frozenset(self.items))
        object.__setattr__(self, "price", money(self.price, "price", positive=True))
        super().__post_init__()

    def discount_cents(self, base_cents: int, item_count: int) -> int:
        """sets × (one set at list price − the set price); never below zero."""
        return max(0, self.sets * (self.set_list_cents - to_cents(self.price)))


def complete_sets(items: Mapping[str, int], quantities: Mapping[str, int]) -> int:
    """How many whole sets the quantities make (A×3, B×2 with 1+1 per set → 2)."""
    return min(quantities.get(sku, 0) // units for sku, units in items.items())


def bind_to_cart(cart: Cart, promotions: Iterable[Promotion]) -> list[Promotion]:
    """The promotions with each bundle bound to this cart's complete sets and list prices
    (a bundle needs every SKU's list price from the cart, so a set missing from it is 0)."""
    quantities: dict[str, int] = {}
    unit_cents: dict[str, int] = {}
    for line in cart.lines:
        quantities[line.sku] = quantities.get(line.sku, 0) + line.quantity
        unit_cents.setdefault(line.sku, to_cents(line.unit_price))
    bound: list[Promotion] = []
    for promo in promotions:
        if isinstance(promo, Bundle):
            sets = complete_sets(promo.items, quantities)
            set_list = sum(unit_cents.get(sku, 0) * units for sku, units in promo.items.items())
            promo = dataclasses.replace(promo, sets=sets, set_list_cents=set_list)
        bound.append(promo)
    return bound
