"""Carts and promotions as plain, validated data (促销即数据). No database, no clock.

Stacking levels (叠加层级), as on Tmall / JD:
- ``item_level`` 单品优惠: timed_discount 限时折扣, member_price 会员价, multi_buy_discount 满件折
  on an item. Applied automatically (the buyer cannot decline a 单品优惠): each line takes its own
  best one — one item-level offer per line.
- ``store_level`` 店铺优惠: one activity (满减 / 满件折, exclusion group ``activity``) plus one
  store coupon (group ``coupon``), every threshold computed on the item-level result.
- ``platform_level`` 平台优惠: cross-store 满减 and one platform coupon, thresholds computed on the
  amounts after the store level.
Within a level (and store), at most one promotion per exclusion group applies; an ``exclusive``
promotion (不与其他优惠同享) applies alone at its level.

Money is Decimal yuan with at most two decimals (分); floats are refused.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import ClassVar

from shopops.core.money import round_cents
from shopops.pricing.basics import (
    LEVELS,
    ORDER_LEVELS,
    BelowFloor,
    Cart,
    CartLine,
    InvalidCart,
    InvalidFloor,
    InvalidPromotion,
    Level,
    PricingError,
    _set,
    apply_rate_cents,
    money,
    rate,
    to_cents,
)

# the basics are re-exported: rule modules and the engine import everything from here
__all__ = [
    "LEVELS",
    "ORDER_LEVELS",
    "BelowFloor",
    "Cart",
    "CartLine",
    "Coupon",
    "FreeShippingThreshold",
    "FullReduction",
    "GiftWithPurchase",
    "InvalidCart",
    "InvalidFloor",
    "InvalidPromotion",
    "ItemOffer",
    "Level",
    "MemberPrice",
    "MultiBuyDiscount",
    "OrderOffer",
    "PricingError",
    "Promotion",
    "TimedDiscount",
    "apply_rate_cents",
    "money",
    "rate",
    "to_cents",
    "with_sub_categories",
]


@dataclass(frozen=True, kw_only=True)
class Promotion:
    """What every promotion has: id, 中文名, level, scope, validity window, exclusion group."""

    kind: ClassVar[str] = "promotion"
    allowed_levels: ClassVar[tuple[Level, ...]] = LEVELS
    default_group: ClassVar[str] = "activity"

    id: str
    name: str
    level: Level = "store_level"
    store: str | None = None  # None: the whole cart
    skus: Collection[str] | None = None  # None: every SKU
    categories: Collection[str] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    group: str | None = None  # exclusion group (互斥组) inside the level; None: the kind's default
    exclusive: bool = False  # 不与其他优惠同享: nothing else at its level
    new_customers_only: bool = False  # 新客专享
    member_tiers: Collection[str] | None = None  # 指定会员等级; None: every buyer

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidPromotion("请填写促销编码 — id: must not be empty", field="id")
        if self.level not in self.allowed_levels:
            raise InvalidPromotion(f"这种促销不能设为 {self.level!r} 级，可选："
                                   f"{', '.join(self.allowed_levels)} — level: {self.kind} "
                                   f"cannot be {self.level!r}; allowed "
                                   f"{', '.join(self.allowed_levels)}", field="level")
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise InvalidPromotion("结束时间应晚于开始时间 — ends_at: must be after starts_at",
                                   field="ends_at")
        for name in ("skus", "categories", "member_tiers"):
            values = getattr(self, name)
            if values is not None:
                if isinstance(values, str) or not values:
                    raise InvalidPromotion(f"{name}：请至少填一项，或不填 — {name}: give a "
                                           "non-empty list or leave it out",
                                           field=name)
                _set(self, name, frozenset(values))

    @property
    def exclusion_group(self) -> str:
        return self.group or self.default_group

    def is_active(self, now: datetime) -> bool:
        """Inside [starts_at, ends_at) — an offer never applies outside its window."""
        return (self.starts_at is None or self.starts_at <= now) and \
            (self.ends_at is None or now < self.ends_at)

    def covers(self, line: CartLine) -> bool:
        """In scope: the store, the SKU list, the category or one of its parent categories."""
        return (self.store is None or line.store == self.store) and \
            (self.skus is None or line.sku in self.skus) and \
            (self.categories is None or line.category in self.categories
             or any(c in self.categories for c in line.category_path))

    def buyer_eligible(self, cart: Cart) -> bool:
        """新客专享 needs a new buyer; a tier list needs the buyer's tier in it."""
        return (not self.new_customers_only or cart.is_new) and \
            (self.member_tiers is None or cart.member_tier in self.member_tiers)

    def usable_by(self, cart: Cart, now: datetime) -> bool:
        return self.is_active(now) and self.buyer_eligible(cart)


class ItemOffer(Promotion):
    """An item-level offer: gives a lower unit price for a line, or None."""

    def unit_price_for(self, line: CartLine, cart: Cart) -> Decimal | None:
        raise NotImplementedError


class OrderOffer(Promotion):
    """A store- or platform-level offer: an amount off the eligible base (in 分)."""

    def discount_cents(self, base_cents: int, item_count: int) -> int:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class TimedDiscount(ItemOffer):
    """限时折扣 / 单品折扣: a rate (0.8 = 8折) or a fixed price on SKUs during its window."""

    kind: ClassVar[str] = "timed_discount"
    allowed_levels: ClassVar[tuple[Level, ...]] = ("item_level",)
    level: Level = "item_level"
    rate: Decimal | None = None
    price: Decimal | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.rate is None) == (self.price is None):
            raise InvalidPromotion("折扣率和一口价只能填一个 — rate: give either a rate or a price",
                                   field="rate")
        if self.rate is not None:
            _set(self, "rate", rate(self.rate, "rate"))
        if self.price is not None:
            _set(self, "price", money(self.price, "price"))
            if self.skus is None:
                raise InvalidPromotion("一口价需要指定 SKU — skus: a fixed price needs its SKUs",
                                       field="skus")

    def unit_price_for(self, line: CartLine, cart: Cart) -> Decimal | None:
        if self.price is not None:
            return self.price
        assert self.rate is not None
        return round_cents(line.unit_price * self.rate)


@dataclass(frozen=True, kw_only=True)
class MemberPrice(ItemOffer):
    """会员价: a price per SKU for each member tier, ``prices[tier][sku]``."""

    kind: ClassVar[str] = "member_price"
    allowed_levels: ClassVar[tuple[Level, ...]] = ("item_level",)
    level: Level = "item_level"
    prices: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.prices:
            raise InvalidPromotion("请至少设置一个会员等级的 SKU 价格 — prices: give at least one "
                                   "tier with SKU prices",
                                   field="prices")
        checked: dict[str, dict[str, Decimal]] = {}
        for tier, sku_prices in self.prices.items():
            if not sku_prices:
                raise InvalidPromotion(f"等级 {tier} 没有 SKU 价格 — prices.{tier}: no SKU prices",
                                       field=f"prices.{tier}")
            checked[tier] = {sku: money(p, f"prices.{tier}.{sku}")
                             for sku, p in sku_prices.items()}
        _set(self, "prices", checked)

    def unit_price_for(self, line: CartLine, cart: Cart) -> Decimal | None:
        if cart.member_tier is None:
            return None
        return self.prices.get(cart.member_tier, {}).get(line.sku)


@dataclass(frozen=True, kw_only=True)
class MultiBuyDiscount(ItemOffer, OrderOffer):
    """满件折: buy ``qty`` eligible items → ``rate`` (2件9折 = ``((2, "0.9"),)``).

    Item-level (单品满件折, the default) or one store-level activity (店铺满件折)."""

    kind: ClassVar[str] = "multi_buy_discount"
    allowed_levels: ClassVar[tuple[Level, ...]] = ("item_level", "store_level")
    level: Level = "item_level"
    tiers: tuple[tuple[int, Decimal], ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.tiers:
            raise InvalidPromotion("请至少设置一档（件数、折扣） — tiers: give at least one (qty, "
                                   "rate) tier", field="tiers")
        checked = []
        for n, (qty, tier_rate) in enumerate(self.tiers):
            if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
                raise InvalidPromotion(f"第 {n + 1} 档的件数应为不小于 1 的整数 — tiers[{n}].qty: "
                                       "must be an integer ≥ 1",
                                       field=f"tiers[{n}].qty")
            checked.append((qty, rate(tier_rate, f"tiers[{n}].rate")))
        checked.sort()
        if len({q for q, _ in checked}) != len(checked):
            raise InvalidPromotion("各档件数不能相同 — tiers: quantities must differ",
                                   field="tiers")
        _set(self, "tiers", tuple(checked))

    def rate_for(self, item_count: int) -> Decimal | None:
        """The deepest tier reached by the item count (3件8折 beats 2件9折)."""
        reached = [(q, r) for q, r in self.tiers if item_count >= q]
        return min(r for _, r in reached) if reached else None

    def unit_price_for(self, line: CartLine, cart: Cart) -> Decimal | None:
        count = sum(other.quantity for other in cart.lines if self.covers(other))
        tier_rate = self.rate_for(count)
        return None if tier_rate is None else round_cents(line.unit_price * tier_rate)

    def discount_cents(self, base_cents: int, item_count: int) -> int:
        tier_rate = self.rate_for(item_count)
        return 0 if tier_rate is None else base_cents - apply_rate_cents(base_cents, tier_rate)


@dataclass(frozen=True, kw_only=True)
class FullReduction(OrderOffer):
    """满减: tiers of (threshold, off), the highest reached applies (满200减20, 满400减50).

    ``repeat=True`` is 每满减 (every full 200 → 20 off), one tier, optional ``cap`` (封顶)."""

    kind: ClassVar[str] = "full_reduction"
    allowed_levels: ClassVar[tuple[Level, ...]] = ORDER_LEVELS
    tiers: tuple[tuple[Decimal, Decimal], ...] = ()
    repeat: bool = False
    cap: Decimal | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.tiers:
            raise InvalidPromotion("请至少设置一档（满、减） — tiers: give at least one "
                                   "(threshold, off) tier",
                                   field="tiers")
        checked = []
        for n, (threshold, off) in enumerate(self.tiers):
            t = money(threshold, f"tiers[{n}].threshold", positive=True)
            o = money(off, f"tiers[{n}].off", positive=True)
            if t <= o:
                raise InvalidPromotion(f"第 {n + 1} 档门槛 {t} 应高于减免 {o} — "
                                       f"tiers[{n}].threshold: must exceed the amount off "
                                       f"({t} ≤ {o})", field=f"tiers[{n}].threshold")
            checked.append((t, o))
        checked.sort()
        if len({t for t, _ in checked}) != len(checked):
            raise InvalidPromotion("各档门槛不能相同 — tiers: thresholds must differ",
                                   field="tiers")
        if self.repeat and len(checked) != 1:
            raise InvalidPromotion("每满减只能设一档 — tiers: repeat takes exactly one tier",
                                   field="tiers")
        if self.cap is not None:
            if not self.repeat:
                raise InvalidPromotion("只有每满减才有封顶 — cap: only repeat has a cap",
                                       field="cap")
            _set(self, "cap", money(self.cap, "cap", positive=True))
        _set(self, "tiers", tuple(checked))

    @cached_property
    def _tiers_cents(self) -> tuple[tuple[int, int], ...]:
        return tuple((to_cents(t), to_cents(o)) for t, o in self.tiers)  # hot in the search

    def discount_cents(self, base_cents: int, item_count: int) -> int:
        if self.repeat:
            threshold, off = self._tiers_cents[0]
            total = base_cents // threshold * off
            return total if self.cap is None else min(total, to_cents(self.cap))
        return max((off for threshold, off in self._tiers_cents if base_cents >= threshold),
                   default=0)


@dataclass(frozen=True, kw_only=True)
class Coupon(OrderOffer):
    """优惠券: ``amount`` off (满减券) or a ``rate`` (折扣券, 0.9 = 9折, at most ``max_off`` off)
    when the eligible base reaches ``threshold`` (0: 无门槛券).

    One coupon per level (a store coupon + a platform coupon); only coupons the buyer holds."""

    kind: ClassVar[str] = "coupon"
    allowed_levels: ClassVar[tuple[Level, ...]] = ORDER_LEVELS
    default_group: ClassVar[str] = "coupon"
    threshold: Decimal = Decimal("0")
    amount: Decimal = Decimal("0")
    rate: Decimal | None = None
    max_off: Decimal | None = None  # 折扣券封顶
    per_user_limit: int = 1  # data for claiming (领券); the engine sees held coupons only

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.group not in (None, "coupon"):
            raise InvalidPromotion("优惠券只能放在优惠券组 — group: coupons are always in group "
                                   "'coupon'", field="group")
        _set(self, "threshold", money(self.threshold, "threshold"))
        if self.rate is not None:
            if self.amount:
                raise InvalidPromotion("减免金额和折扣率只能填一个 — rate: give either an amount "
                                       "off or a rate",
                                       field="rate")
            _set(self, "rate", rate(self.rate, "rate"))
            if self.max_off is not None:
                _set(self, "max_off", money(self.max_off, "max_off", positive=True))
        else:
            if self.max_off is not None:
                raise InvalidPromotion("只有折扣券才有最高优惠 — max_off: only a rate coupon has a "
                                       "cap",
                                       field="max_off")
            _set(self, "amount", money(self.amount, "amount", positive=True))
        if self.rate is None and self.threshold and self.threshold <= self.amount:
            raise InvalidPromotion(f"使用门槛 {self.threshold} 应高于券面额 {self.amount}（或为 0）"
                                   f" — threshold: must exceed the amount ({self.threshold} ≤ "
                                   f"{self.amount}) or be 0", field="threshold")
        if isinstance(self.per_user_limit, bool) or not isinstance(self.per_user_limit, int) \
                or self.per_user_limit < 1:
            raise InvalidPromotion("每人限领应为不小于 1 的整数 — per_user_limit: must be an "
                                   "integer ≥ 1",
                                   field="per_user_limit")

    def usable_by(self, cart: Cart, now: datetime) -> bool:
        return Promotion.usable_by(self, cart, now) and self.id in cart.coupons

    @cached_property
    def _cents(self) -> tuple[int, int]:
        return to_cents(self.threshold), to_cents(self.amount)  # hot in the search

    def discount_cents(self, base_cents: int, item_count: int) -> int:
        threshold, amount = self._cents
        if base_cents <= 0 or base_cents < threshold:
            return 0
        if self.rate is None:
            return amount
        off = base_cents - apply_rate_cents(base_cents, self.rate)
        return off if self.max_off is None else min(off, to_cents(self.max_off))


@dataclass(frozen=True, kw_only=True)
class FreeShippingThreshold(Promotion):
    """包邮门槛: the shipping fee is waived when the paid goods amount reaches ``threshold``."""

    kind: ClassVar[str] = "free_shipping_threshold"
    allowed_levels: ClassVar[tuple[Level, ...]] = ORDER_LEVELS
    default_group: ClassVar[str] = "free_shipping"
    threshold: Decimal = Decimal("0")

    def __post_init__(self) -> None:
        super().__post_init__()
        _set(self, "threshold", money(self.threshold, "threshold"))


@dataclass(frozen=True, kw_only=True)
class GiftWithPurchase(Promotion):
    """满赠: paid goods amount ≥ ``threshold`` → ``gift_quantity`` × ``gift_sku`` at ¥0."""

    kind: ClassVar[str] = "gift_with_purchase"
    allowed_levels: ClassVar[tuple[Level, ...]] = ORDER_LEVELS
    default_group: ClassVar[str] = "gift"
    threshold: Decimal = Decimal("0")
    gift_sku: str = ""
    gift_quantity: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        _set(self, "threshold", money(self.threshold, "threshold", positive=True))
        if not self.gift_sku:
            raise InvalidPromotion("请填写赠品 SKU — gift_sku: must not be empty",
                                   field="gift_sku")
        if isinstance(self.gift_quantity, bool) or not isinstance(self.gift_quantity, int) \
                or self.gift_quantity < 1:
            raise InvalidPromotion("赠品数量应为不小于 1 的整数 — gift_quantity: must be an "
                                   "integer ≥ 1",
                                   field="gift_quantity")


def with_sub_categories(promo: Promotion, paths: Mapping[str, tuple[str, ...]]) -> Promotion:
    """The promotion with its category scope widened to every sub-category (``paths``: category
    → itself and its parents), so a scope test on the line's own category is enough."""
    if promo.categories is None:
        return promo
    wide = set(promo.categories) | {code for code, path in paths.items()
                                    if any(c in promo.categories for c in path)}
    return promo if wide == set(promo.categories) else replace(promo, categories=wide)
