"""The pricing basics every rule module shares: stacking levels, the pricing errors, money and
rate parsing in 分, and the cart (购物车) the engine prices. No database, no clock.

Money is Decimal yuan with at most two decimals (分); floats are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from shopops.core.errors import ValidationError
from shopops.core.money import round_cents, to_decimal

Level = Literal["item_level", "store_level", "platform_level"]
LEVELS: tuple[Level, ...] = ("item_level", "store_level", "platform_level")
ORDER_LEVELS: tuple[Level, ...] = ("store_level", "platform_level")


class PricingError(ValidationError):
    code = "pricing.invalid"


class InvalidPromotion(PricingError):
    code = "pricing.invalid_promotion"


class InvalidCart(PricingError):
    code = "pricing.invalid_cart"


class InvalidFloor(PricingError):
    code = "pricing.invalid_floor"


class BelowFloor(PricingError):
    code = "pricing.below_floor"


def money(value: object, name: str, *, positive: bool = False,
          error: type[PricingError] = InvalidPromotion) -> Decimal:
    """A yuan amount ≥ 0 (> 0 when ``positive``) with at most 2 decimals, or ``error`` naming it."""
    try:
        amount = to_decimal(value, field=name)
    except ValidationError as exc:
        raise error(exc.message, field=name) from None
    if amount < 0 or (positive and amount == 0):
        raise error(f"{name}: must be {'> 0' if positive else '≥ 0'}, got {amount}", field=name)
    if amount != round_cents(amount):
        raise error(f"{name}：金额最多两位小数（到分），收到 {amount} — {name}: at most 2 "
                    f"decimals, got {amount}", field=name)
    return amount


def rate(value: object, name: str) -> Decimal:
    """A discount rate strictly inside (0, 1): 0.9 means 9折."""
    if isinstance(value, float | bool):
        raise InvalidPromotion(f"{name}: a rate must be a Decimal or string, not {value!r}",
                               field=name)
    try:
        result = Decimal(str(value))
    except ArithmeticError:
        raise InvalidPromotion(f"{name}: {value!r} is not a rate", field=name) from None
    if not result.is_finite() or not Decimal(0) < result < Decimal(1):
        raise InvalidPromotion(f"{name}: rate must be between 0 and 1 (exclusive), got {value}",
                               field=name)
    return result


def to_cents(amount: Decimal) -> int:
    return int(round_cents(amount) * 100)


def apply_rate_cents(cents: int, discount_rate: Decimal) -> int:
    """cents × rate, rounded half up to the cent (platforms show the 折后价 to the 分)."""
    return int((Decimal(cents) * discount_rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _set(self: object, name: str, value: object) -> None:
    object.__setattr__(self, name, value)  # normalising inside a frozen dataclass


@dataclass(frozen=True, slots=True)
class CartLine:
    """One cart line (购物车行): a SKU, how many, its list unit price (标价)."""

    sku: str
    quantity: int
    unit_price: Decimal
    category: str | None = None
    store: str | None = None
    category_path: tuple[str, ...] = ()  # the category and every parent (子类目 → 父类目)

    def __post_init__(self) -> None:
        if not self.sku:
            raise InvalidCart("sku: must not be empty", field="sku")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) \
                or self.quantity < 1:
            raise InvalidCart(f"quantity: must be an integer ≥ 1, got {self.quantity!r}",
                              field="quantity")
        _set(self, "unit_price", money(self.unit_price, "unit_price", error=InvalidCart))


@dataclass(frozen=True, slots=True)
class Cart:
    """A buyer's cart: lines, the member tier (会员等级), the coupon ids the buyer holds and
    whether the buyer is new to the store (新客: no paid order there yet)."""

    lines: tuple[CartLine, ...]
    member_tier: str | None = None
    coupons: tuple[str, ...] = ()
    shipping_fee: Decimal = Decimal("0.00")
    is_new: bool = False

    def __post_init__(self) -> None:
        _set(self, "lines", tuple(self.lines))
        _set(self, "coupons", tuple(self.coupons))
        if not self.lines:
            raise InvalidCart("lines: a cart needs at least one line", field="lines")
        _set(self, "shipping_fee", money(self.shipping_fee, "shipping_fee", error=InvalidCart))
