"""退货率分析 (pure): return rate by SKU, category, store and reason over a period.

For the orders paid in the period (the same cohort as the KPI report):
- return_rate 退货率 = units in return / exchange requests (not rejected) ÷ units sold;
- refund_ratio 退款金额占比 = goods refunded through after-sales ÷ GMV (goods paid).
By reason, the rate is that reason's returned units ÷ all units sold in scope, so the reason
rates add up to the overall rate. A row is flagged when its rate is above the reference
(SPEC §10: 1.8%) plus the alert margin (+2 pts) and it sold at least `min_units` (a SKU that
sold 2 and had 1 back is noise, not a 50% problem).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DIMENSIONS = ("sku", "category", "store", "reason")
RATE = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class Sold:
    store: str
    sku: str
    category: str
    units: int
    gmv: Decimal


@dataclass(frozen=True, slots=True)
class Returned:
    store: str
    sku: str
    category: str
    reason: str
    units: int  # 0 for refund-only requests (no goods come back)
    refunded: Decimal  # goods money refunded so far


@dataclass(frozen=True, slots=True)
class Thresholds:
    reference: Decimal = Decimal("0.018")  # 行业参考退货率
    margin: Decimal = Decimal("0.02")  # alert above reference + 2 pts
    min_units: int = 20

    @property
    def alert_above(self) -> Decimal:
        return self.reference + self.margin


@dataclass(frozen=True, slots=True)
class RateRow:
    key: str
    sold_units: int
    returned_units: int
    return_rate: Decimal | None
    gmv: Decimal
    refunded: Decimal
    refund_ratio: Decimal | None
    requests: int
    vs_reference: Decimal | None  # return_rate − reference (percentage points as a fraction)
    alert: bool


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE, rounding=ROUND_HALF_UP)


def _key(row: Sold | Returned, by: str) -> str:
    return str(getattr(row, by))


def rates(sold: Iterable[Sold], returned: Iterable[Returned], by: str,
          limits: Thresholds = Thresholds()) -> list[RateRow]:
    """One row per value of `by`: alerts first, then by return rate, highest first."""
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {DIMENSIONS}")
    sold, returned = list(sold), list(returned)
    units: dict[str, int] = {}
    gmv: dict[str, Decimal] = {}
    for s in sold:
        if by == "reason":
            continue
        k = _key(s, by)
        units[k] = units.get(k, 0) + s.units
        gmv[k] = gmv.get(k, Decimal(0)) + s.gmv
    back: dict[str, tuple[int, Decimal, int]] = {}
    for r in returned:
        k = _key(r, by)
        n, money, count = back.get(k, (0, Decimal(0), 0))
        back[k] = (n + r.units, money + r.refunded, count + 1)
    if by == "reason":  # every reason is measured against all units sold in scope
        total_units = sum(s.units for s in sold)
        total_gmv = sum((s.gmv for s in sold), Decimal(0))
        units = {k: total_units for k in back}
        gmv = {k: total_gmv for k in back}
    rows = []
    for k in sorted(set(units) | set(back)):
        n, money, count = back.get(k, (0, Decimal(0), 0))
        rate = ratio(n, units.get(k, 0))
        rows.append(RateRow(
            key=k, sold_units=units.get(k, 0), returned_units=n, return_rate=rate,
            gmv=gmv.get(k, Decimal(0)), refunded=money, refund_ratio=ratio(money, gmv.get(k, 0)),
            requests=count,
            vs_reference=None if rate is None else rate - limits.reference,
            alert=(rate is not None and rate > limits.alert_above
                   and units.get(k, 0) >= limits.min_units)))
    rows.sort(key=lambda r: (not r.alert, -(r.return_rate or Decimal(-1)), r.key))
    return rows


def overall(sold: Iterable[Sold], returned: Iterable[Returned],
            limits: Thresholds = Thresholds()) -> RateRow:
    """The whole scope as one row (key "all")."""
    sold_list, returned_list = list(sold), list(returned)
    n = sum(r.units for r in returned_list)
    money = sum((r.refunded for r in returned_list), Decimal(0))
    units = sum(s.units for s in sold_list)
    gmv = sum((s.gmv for s in sold_list), Decimal(0))
    rate = ratio(n, units)
    return RateRow("all", units, n, rate, gmv, money, ratio(money, gmv), len(returned_list),
                   None if rate is None else rate - limits.reference,
                   rate is not None and rate > limits.alert_above and units >= limits.min_units)
