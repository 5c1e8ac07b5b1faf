"""Budget and quantity caps (预算 / 限量) and per-customer limits (每人限用) of a promotion, pure.

Stored in the promotion's spec: ``budget`` (yuan of discount it may give in all), ``max_uses``
(orders it may apply to; for a coupon: how many may be claimed) and ``per_customer`` (uses per
buyer; for a coupon: claims per buyer). A promotion whose cap is reached is left out of the quote,
and recording one more use over a cap is refused (:func:`check_use`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shopops.core.errors import Conflict
from shopops.pricing.promotions import InvalidPromotion, money


class CapReached(Conflict):
    code = "pricing.cap_reached"


@dataclass(frozen=True, slots=True)
class Limits:
    budget: Decimal | None = None
    max_uses: int | None = None
    per_customer: int | None = None

    def as_spec(self) -> dict[str, Any]:
        return {"budget": None if self.budget is None else str(self.budget),
                "max_uses": self.max_uses, "per_customer": self.per_customer}


def _count(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidPromotion(f"{name}: must be an integer ≥ 1, got {value!r}", field=name)
    return value


def parse_limits(data: Mapping[str, Any]) -> Limits:
    budget = data.get("budget")
    return Limits(None if budget is None else money(budget, "budget", positive=True),
                  _count(data.get("max_uses"), "max_uses"),
                  _count(data.get("per_customer"), "per_customer"))


def reached(limits: Limits, *, uses: int, discount_given: Decimal,
            customer_uses: int) -> str | None:
    """Why the promotion cannot be used again (a Chinese reason), or None."""
    if limits.budget is not None and discount_given >= limits.budget:
        return f"预算已用完 (¥{limits.budget})"
    if limits.max_uses is not None and uses >= limits.max_uses:
        return f"已达限量 {limits.max_uses} 单"
    if limits.per_customer is not None and customer_uses >= limits.per_customer:
        return f"每人限用 {limits.per_customer} 次"
    return None


def check_use(limits: Limits, *, uses: int, discount_given: Decimal, customer_uses: int,
              discount: Decimal) -> None:
    """Refuse a use that would pass a cap (the budget counts this use's discount too)."""
    why = reached(limits, uses=uses, discount_given=discount_given, customer_uses=customer_uses)
    if why is None and limits.budget is not None and discount_given + discount > limits.budget:
        why = f"超出预算 ¥{limits.budget}"
    if why is not None:
        raise CapReached(f"promotion: {why}", field="promotion")
