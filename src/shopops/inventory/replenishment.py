"""补货 reorder rule (pure: plain numbers in, one explained suggestion out; `today` passed in).

Per SKU × warehouse, with d = forecast daily demand, σ_d = std of the daily forecast error,
LT / σ_LT = the supplier's lead time and its std (days), R = the review period (days between
two replenishment runs), z = the service level's standard normal quantile:

- forecast_lead_time 提前期需求 = d × LT
- safety_stock 安全库存 = z × √(LT × σ_d² + d² × σ_LT²)   (demand and lead-time variability)
- reorder_point 再订货点 = forecast_lead_time + safety_stock
- review_demand 复盘期需求 = d × R
- promo_build_up 大促备货 = the extra units a calendar promotion is expected to sell on the days
  within LT + R from today (what the normal forecast does not cover); a lull (negative uplift,
  e.g. buyers waiting in a warm-up) is not subtracted — the cautious side
- order_up_to 补到 = reorder_point + review_demand + promo_build_up
- position 库存头寸 = on_hand + incoming − reserved
- order when position ≤ reorder_point + promo_build_up; then
  net_requirement 净需求 = order_up_to − position, and the suggested quantity is the net
  requirement raised to the supplier's minimum order quantity and then to whole case packs:
  suggested_qty = net_requirement + rounding.

Every number of the explanation is a whole unit (rounded half up; safety stock rounded up, the
cautious side), so the explanation adds up exactly — a property test checks it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

from shopops.core.errors import ValidationError

MIN_SERVICE_LEVEL = 0.5
MAX_SERVICE_LEVEL = 0.9999


def z_value(service_level: float) -> float:
    """The standard normal quantile of the cycle service level (0.95 → 1.645)."""
    if not MIN_SERVICE_LEVEL <= service_level <= MAX_SERVICE_LEVEL:
        raise ValidationError(
            f"service level must be between {MIN_SERVICE_LEVEL} and {MAX_SERVICE_LEVEL}, "
            f"got {service_level}", field="service_level")
    return NormalDist().inv_cdf(service_level)


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


@dataclass(frozen=True)
class ReorderInput:
    """One SKU × warehouse: its demand outlook, its supplier's terms and its stock."""

    sku: str
    warehouse: str
    daily_mean: float  # d, units/day
    daily_sigma: float  # σ_d, std of the daily forecast error
    lead_time_days: float  # LT
    lead_time_sigma: float  # σ_LT
    review_days: int  # R
    service_level: float
    on_hand: int
    incoming: int  # open purchase orders not yet received + transfers in transit
    reserved: int
    moq: int = 1  # 起订量
    case_pack: int = 1  # 箱规
    promo_uplift: Mapping[date, float] = field(default_factory=dict)  # extra units per day
    promo_name: str | None = None  # the calendar promotion those days belong to
    overdue_incoming: int = 0  # part of `incoming` already past its expected day
    backup_supplier: str | None = None  # who else sells it (备选供应商)
    lead_time_deliveries: int = 0  # > 0: LT and σ_LT measured over this many past deliveries


@dataclass(frozen=True)
class Suggestion:
    """补货建议 with its explanation; `suggested_qty` = 0 when the position is above the line."""

    sku: str
    warehouse: str
    suggested_qty: int
    forecast_lead_time: int
    safety_stock: int
    reorder_point: int
    review_demand: int
    promo_build_up: int
    order_up_to: int
    on_hand: int
    incoming: int
    reserved: int
    position: int
    net_requirement: int
    moq: int
    case_pack: int
    rounding: int
    daily_mean: float
    daily_sigma: float
    lead_time_days: float
    lead_time_sigma: float
    review_days: int
    service_level: float
    z: float
    promo_name: str | None
    overdue_incoming: int
    backup_supplier: str | None
    cover_days_after: float | None  # days the position + the order last at d
    lead_time_deliveries: int
    explanation: str

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _check(item: ReorderInput) -> None:
    for name in ("daily_mean", "daily_sigma", "lead_time_days", "lead_time_sigma"):
        value = getattr(item, name)
        if not math.isfinite(value) or value < 0:
            raise ValidationError(f"{name} must be a number ≥ 0, got {value}", field=name)
    for name in ("moq", "case_pack"):
        if getattr(item, name) < 1:
            raise ValidationError(f"{name} must be ≥ 1", field=name)
    if item.review_days < 0:
        raise ValidationError("review_days must be ≥ 0", field="review_days")
    for name in ("on_hand", "incoming", "reserved"):
        if getattr(item, name) < 0:
            raise ValidationError(f"{name} must be ≥ 0", field=name)


def promo_build_up(uplift: Mapping[date, float], today: date, days: float) -> int:
    """Extra promotion units expected on the days after `today` up to `today + days`."""
    last = today + timedelta(days=math.ceil(days))
    return _half_up(sum(max(units, 0.0) for day, units in uplift.items() if today < day <= last))


def round_to_terms(net: int, moq: int, case_pack: int) -> int:
    """The smallest quantity ≥ net that meets the minimum order quantity in whole cases."""
    if net <= 0:
        return 0
    qty = max(net, moq)
    return math.ceil(qty / case_pack) * case_pack


def suggest(item: ReorderInput, today: date) -> Suggestion:
    """The reorder rule for one SKU × warehouse (see the module docstring)."""
    _check(item)
    z = z_value(item.service_level)
    d, lt = item.daily_mean, item.lead_time_days
    forecast_lt = _half_up(d * lt)
    sigma = math.sqrt(lt * item.daily_sigma ** 2 + d ** 2 * item.lead_time_sigma ** 2)
    safety = math.ceil(z * sigma - 1e-9)
    rop = forecast_lt + safety
    review = _half_up(d * item.review_days)
    build_up = promo_build_up(item.promo_uplift, today, lt + item.review_days)
    up_to = rop + review + build_up
    position = item.on_hand + item.incoming - item.reserved
    net = up_to - position if position <= rop + build_up else 0
    qty = round_to_terms(net, item.moq, item.case_pack)
    rounding = qty - net if qty else 0
    if qty == 0:
        net = 0
    suggestion = Suggestion(
        sku=item.sku, warehouse=item.warehouse, suggested_qty=qty, forecast_lead_time=forecast_lt,
        safety_stock=safety, reorder_point=rop, review_demand=review, promo_build_up=build_up,
        order_up_to=up_to, on_hand=item.on_hand, incoming=item.incoming, reserved=item.reserved,
        position=position, net_requirement=net, moq=item.moq, case_pack=item.case_pack,
        rounding=rounding, daily_mean=round(d, 3), daily_sigma=round(item.daily_sigma, 3),
        lead_time_days=lt, lead_time_sigma=item.lead_time_sigma, review_days=item.review_days,
        service_level=item.service_level, z=round(z, 3), promo_name=item.promo_name,
        overdue_incoming=min(max(item.overdue_incoming, 0), item.incoming),
        backup_supplier=item.backup_supplier, lead_time_deliveries=item.lead_time_deliveries,
        cover_days_after=round((position + qty) / d, 1) if d > 0 else None, explanation="")
    return _explained(suggestion)


def _explained(s: Suggestion) -> Suggestion:
    basis = (f"，按 {s.lead_time_deliveries} 批到货实测" if s.lead_time_deliveries else "")
    lead = (f"{s.sku}@{s.warehouse}：日均需求 {s.daily_mean:g} 件，提前期 {s.lead_time_days:g} 天"
            f"（标准差 {s.lead_time_sigma:g} 天{basis}），提前期需求 {s.forecast_lead_time} 件；"
            f"服务水平 {s.service_level:.0%}（z={s.z:g}）下安全库存 {s.safety_stock} 件，"
            f"再订货点 {s.reorder_point} 件。")
    stock = (f"库存头寸 = 在库 {s.on_hand} + 在途 {s.incoming} − 占用 {s.reserved} "
             f"= {s.position} 件")
    promo = (f"，含 {s.promo_name or '大促'} 备货 {s.promo_build_up} 件"
             if s.promo_build_up else "")
    line = s.reorder_point + s.promo_build_up
    line_text = (f"补货线 {line} 件（再订货点 {s.reorder_point} + 大促备货 {s.promo_build_up}）"
                 if s.promo_build_up else f"补货线 {line} 件")
    if s.suggested_qty == 0 and s.position > line:
        text = f"{lead}{stock}，高于{line_text}，暂不补货（建议采购 0 件）。"
    elif s.suggested_qty == 0:  # at or below the line, yet nothing is missing up to the level
        why = "无预期需求" if s.daily_mean == 0 else f"已达补到数量 {s.order_up_to} 件"
        text = f"{lead}{stock}，{why}，暂不补货（建议采购 0 件）。"
    else:
        terms = (f"按起订量 {s.moq}、箱规 {s.case_pack} 取整 +{s.rounding} 件"
                 if s.rounding else f"已满足起订量 {s.moq} 与箱规 {s.case_pack}")
        text = (f"{lead}{stock}，不高于补货线；补到 {s.order_up_to} 件（再订货点 "
                f"{s.reorder_point} + {s.review_days} 天复盘期需求 {s.review_demand}{promo}），"
                f"净需求 {s.net_requirement} 件，{terms}，建议采购 {s.suggested_qty} 件"
                + (f"，到货后约可售 {s.cover_days_after:g} 天。" if s.cover_days_after else "。"))
    if s.overdue_incoming:
        text += (f"注意：在途中 {s.overdue_incoming} 件已逾期未到，建议催单"
                 + (f"或转备选供应商 {s.backup_supplier}。" if s.backup_supplier else "。"))
    return replace(s, explanation=text)


def split_by_share(total: float, shares: Mapping[str, float]) -> dict[str, float]:
    """A SKU-level figure spread over warehouses by their share (equal when no history)."""
    if not shares:
        return {}
    weight = sum(max(v, 0.0) for v in shares.values())
    if weight <= 0:
        return {k: total / len(shares) for k in shares}
    return {k: total * max(v, 0.0) / weight for k, v in shares.items()}
