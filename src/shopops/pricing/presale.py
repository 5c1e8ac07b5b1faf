"""预售 定金膨胀 presale: pay a deposit (定金) in the warm-up, it counts as
``deposit_multiplier`` times its value (定金50抵100) against the balance (尾款) paid in the
balance window.

Pure: plain data and ``now`` in. The balance follows the Tmall rule text for 定金膨胀: the shop's
满减 and coupons in the balance stage have their thresholds computed on the presale price (定金 +
尾款, the goods amount), and the expanded deposit (膨胀金额) is taken off last:

    balance = max(0, goods amount after the other offers − deposit × deposit_multiplier × quantity)

so the buyer never pays a negative balance; ``total_paid = deposit × quantity + balance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from shopops.core.money import round_cents
from shopops.pricing.promotions import InvalidPromotion, money

Stage = Literal["not_started", "deposit", "between", "balance", "closed"]
STAGE_ZH = {"not_started": "未开始", "deposit": "付定金", "between": "等待尾款",
            "balance": "付尾款", "closed": "已结束"}


def _multiplier(value: object) -> Decimal:
    if isinstance(value, float | bool):
        raise InvalidPromotion(f"deposit_multiplier: give a decimal string, not {value!r}",
                               field="deposit_multiplier")
    try:
        result = Decimal(str(value))
    except ArithmeticError:
        raise InvalidPromotion(f"deposit_multiplier: {value!r} is not a number",
                               field="deposit_multiplier") from None
    if not result.is_finite() or result < 1 or result > 10:
        raise InvalidPromotion(f"定金膨胀倍数应在 1 到 10 之间（定金50抵100 = 2），收到 {value} — "
                               f"deposit_multiplier: must be between 1 and 10, got {value}",
                               field="deposit_multiplier")
    return result


@dataclass(frozen=True, kw_only=True)
class Presale:
    """One presale SKU: the presale price (预售价), the deposit and its multiplier, the
    deposit and balance windows (each [start, end)) and whether an unpaid balance refunds
    the deposit."""

    sku: str
    price: Decimal
    deposit: Decimal
    deposit_multiplier: Decimal
    deposit_starts_at: datetime
    deposit_ends_at: datetime
    balance_starts_at: datetime
    balance_ends_at: datetime
    refundable: bool = False  # 定金可退 (otherwise 定金不退 once the deposit window closed)

    def __post_init__(self) -> None:
        if not self.sku:
            raise InvalidPromotion("sku: must not be empty", field="sku")
        object.__setattr__(self, "price", money(self.price, "price", positive=True))
        object.__setattr__(self, "deposit", money(self.deposit, "deposit", positive=True))
        object.__setattr__(self, "deposit_multiplier", _multiplier(self.deposit_multiplier))
        if self.deposit >= self.price:
            raise InvalidPromotion(f"deposit: must be below the price ({self.deposit} ≥ "
                                   f"{self.price})", field="deposit")
        if self.deposit_value > self.price:
            raise InvalidPromotion(f"deposit_multiplier: the expanded deposit {self.deposit_value} "
                                   f"exceeds the price {self.price}", field="deposit_multiplier")
        if self.deposit_starts_at >= self.deposit_ends_at:
            raise InvalidPromotion("deposit_ends_at: must be after deposit_starts_at",
                                   field="deposit_ends_at")
        if self.balance_starts_at < self.deposit_ends_at:
            raise InvalidPromotion("balance_starts_at: the balance window opens after the "
                                   "deposit window closes", field="balance_starts_at")
        if self.balance_starts_at >= self.balance_ends_at:
            raise InvalidPromotion("balance_ends_at: must be after balance_starts_at",
                                   field="balance_ends_at")

    @property
    def deposit_value(self) -> Decimal:
        """膨胀金额: what one unit's deposit counts for against the balance."""
        return round_cents(self.deposit * self.deposit_multiplier)

    def stage(self, now: datetime) -> Stage:
        if now < self.deposit_starts_at:
            return "not_started"
        if now < self.deposit_ends_at:
            return "deposit"
        if now < self.balance_starts_at:
            return "between"
        if now < self.balance_ends_at:
            return "balance"
        return "closed"


@dataclass(frozen=True, slots=True)
class Balance:
    """The balance stage of one presale order line, every amount in yuan."""

    quantity: int
    goods_amount: Decimal  # 预售价 × quantity
    offers_amount: Decimal  # what the shop's / platform's offers took off in the balance stage
    deposit_paid: Decimal  # 定金 × quantity
    deposit_value: Decimal  # 膨胀金额 × quantity (what the deposit counts for)
    balance: Decimal  # 尾款, never below 0

    @property
    def total_paid(self) -> Decimal:
        """到手价 of the line: deposit + balance."""
        return self.deposit_paid + self.balance


def balance_due(presale: Presale, quantity: int, goods_after_offers: Decimal) -> Balance:
    """尾款 for ``quantity`` units whose goods amount after the balance-stage offers (thresholds on
    the presale price, per the platform rule) is ``goods_after_offers``."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidPromotion(f"qty: must be an integer ≥ 1, got {quantity!r}", field="qty")
    goods = presale.price * quantity
    after = money(goods_after_offers, "goods_after_offers")
    if after > goods:
        raise InvalidPromotion("goods_after_offers: cannot exceed the presale price × qty",
                               field="goods_after_offers")
    value = presale.deposit_value * quantity
    return Balance(quantity, goods, goods - after, presale.deposit * quantity, value,
                   max(Decimal("0.00"), round_cents(after - value)))


def deposit_refund(presale: Presale, now: datetime, *, balance_paid: bool) -> Decimal:
    """Per unit: what goes back to a buyer who asks for the deposit back at ``now``.

    In the deposit window a deposit is always refundable (7天 rule does not apply, but the buyer
    may cancel before the window closes); afterwards only when the presale is ``refundable`` and
    the balance is unpaid. Once the balance is paid it is an ordinary order (after-sales)."""
    if balance_paid:
        return Decimal("0.00")
    if presale.stage(now) in ("not_started", "deposit") or presale.refundable:
        return presale.deposit
    return Decimal("0.00")
