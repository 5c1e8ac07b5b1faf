"""Profit simulation of a planned promotion (促销测算), pure: what the promotion is expected to
sell, earn and cost versus not running it.

Per SKU: the units without the promotion (baseline, e.g. the average of comparable past periods)
and with it (baseline × (1 + uplift); the uplift is entered by the operator or read from history:
units in past promotion periods ÷ units in ordinary periods − 1). Margin per unit = price − cost −
shipping − platform commission on the price (the SPEC §4 profit terms, without ad spend).
``discount_cost`` is what the promotion gives away on the units it sells (list − promo price).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shopops.core.money import round_cents
from shopops.pricing.promotions import PricingError

ZERO = Decimal("0.00")


class InvalidSimulation(PricingError):
    code = "pricing.invalid_simulation"


@dataclass(frozen=True, slots=True)
class SkuPlan:
    sku: str
    list_price: Decimal
    promo_price: Decimal  # expected 到手价 per unit under the promotion
    unit_cost: Decimal
    shipping_cost: Decimal
    commission_rate: Decimal
    baseline_units: int

    def unit_margin(self, price: Decimal) -> Decimal:
        return price - self.unit_cost - self.shipping_cost - price * self.commission_rate


@dataclass(frozen=True, slots=True)
class SimulatedSku:
    sku: str
    base_units: int
    promo_units: int
    base_revenue: Decimal
    promo_revenue: Decimal
    discount_cost: Decimal
    base_margin: Decimal
    promo_margin: Decimal

    @property
    def margin_delta(self) -> Decimal:
        return self.promo_margin - self.base_margin


@dataclass(frozen=True, slots=True)
class Simulation:
    uplift: Decimal
    skus: tuple[SimulatedSku, ...]
    breakeven_uplift: Decimal | None  # the uplift at which the margin equals no promotion

    def total(self, name: str) -> Decimal | int:
        values = [getattr(s, name) for s in self.skus]
        return sum(values) if name.endswith("units") else sum(values, ZERO)

    @property
    def margin_delta(self) -> Decimal:
        return sum((s.margin_delta for s in self.skus), ZERO)


def uplift_from_history(promo_units: int, promo_days: int, normal_units: int,
                        normal_days: int) -> Decimal:
    """Units per day in past promotion periods ÷ units per day in ordinary periods − 1."""
    if promo_days < 1 or normal_days < 1:
        raise InvalidSimulation("history: need past promotion days and ordinary days to "
                                "estimate the uplift", field="history")
    if normal_units <= 0:
        raise InvalidSimulation("history: no units sold in the ordinary periods — enter the "
                                "uplift instead", field="uplift")
    ratio = (Decimal(promo_units) / promo_days) / (Decimal(normal_units) / normal_days)
    return (ratio - 1).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def simulate(plans: Sequence[SkuPlan], uplift: Decimal) -> Simulation:
    """Expected units, revenue, discount cost and margin with and without the promotion."""
    if not isinstance(uplift, Decimal) or not uplift.is_finite() or uplift <= -1:
        raise InvalidSimulation(f"uplift: must be a decimal > −1 (0.5 = +50%), got {uplift}",
                                field="uplift")
    if not plans:
        raise InvalidSimulation("skus: the promotion covers no SKU", field="skus")
    out = []
    for plan in plans:
        if plan.baseline_units < 0:
            raise InvalidSimulation(f"baseline_units: negative for {plan.sku}",
                                    field="baseline_units")
        units = int((plan.baseline_units * (1 + uplift)).quantize(Decimal(1), ROUND_HALF_UP))
        out.append(SimulatedSku(
            plan.sku, plan.baseline_units, units,
            round_cents(plan.list_price * plan.baseline_units),
            round_cents(plan.promo_price * units),
            round_cents((plan.list_price - plan.promo_price) * units),
            round_cents(plan.unit_margin(plan.list_price) * plan.baseline_units),
            round_cents(plan.unit_margin(plan.promo_price) * units)))
    base = sum((s.base_margin for s in out), ZERO)
    base_units_margin = sum((p.unit_margin(p.promo_price) * p.baseline_units for p in plans),
                            ZERO)
    breakeven = None
    if base_units_margin > 0:
        breakeven = (base / base_units_margin - 1).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return Simulation(uplift, tuple(out), breakeven)
