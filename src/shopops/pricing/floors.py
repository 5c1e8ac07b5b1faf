"""Price floors (价格底线, SPEC §4): the guardrail against 无脑降价.

floor = (cost + shipping) / (1 − commission_rate − min_margin_rate), rounded up to the cent:
the lowest unit price at which, after the platform's commission, the shipping and the minimum
margin, the sale still pays for the goods. A promotion may sell below it only with an override
that records a reason (e.g. 清仓, 新品引流).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from shopops.core.money import CENT, round_cents
from shopops.pricing.explain import Quote
from shopops.pricing.promotions import InvalidFloor, money, to_cents


def _floor_rate(value: object, name: str) -> Decimal:
    """A rate in [0, 1): commission 0.05 = 5%."""
    if isinstance(value, float | bool):
        raise InvalidFloor(f"{name}: a rate must be a Decimal or string, not {value!r}",
                           field=name)
    try:
        result = Decimal(str(value))
    except ArithmeticError:
        raise InvalidFloor(f"{name}: {value!r} is not a rate", field=name) from None
    if not result.is_finite() or not Decimal(0) <= result < Decimal(1):
        raise InvalidFloor(f"{name}: must be in [0, 1), got {value}", field=name)
    return result


def price_floor(cost: object, commission_rate: object, shipping_cost: object,
                min_margin_rate: object) -> Decimal:
    """The per-unit floor price (价格底线) in yuan, rounded up to the cent."""
    cost_d = money(cost, "cost", error=InvalidFloor)
    shipping_d = money(shipping_cost, "shipping_cost", error=InvalidFloor)
    commission = _floor_rate(commission_rate, "commission_rate")
    margin = _floor_rate(min_margin_rate, "min_margin_rate")
    keep = Decimal(1) - commission - margin
    if keep <= 0:
        raise InvalidFloor("min_margin_rate: commission + margin must stay below 100%",
                           field="min_margin_rate")
    return ((cost_d + shipping_d) / keep).quantize(CENT, rounding=ROUND_CEILING)


@dataclass(frozen=True, slots=True)
class FloorBreach:
    """A line sold below its floor: per-unit final price, floor and the shortfall (差额)."""

    sku: str
    final_price: Decimal
    floor: Decimal
    shortfall: Decimal


def check_floors(quote: Quote, floors: Mapping[str, Decimal],
                 overrides: Mapping[str, str] | None = None) -> list[FloorBreach]:
    """The breaches that are not allowed: below the floor and no override with a reason.

    Compared on the exact line amount (final amount < floor × quantity) so that rounding the
    unit price can neither hide nor invent a breach."""
    breaches = []
    for line in quote.lines:
        floor = floors.get(line.sku)
        if floor is None or (overrides or {}).get(line.sku, "").strip():
            continue
        if to_cents(line.final_amount) < to_cents(floor) * line.quantity:
            unit = round_cents(line.final_amount / line.quantity)
            breaches.append(FloorBreach(line.sku, unit, round_cents(floor),
                                        max(round_cents(floor - unit), CENT)))
    return breaches
