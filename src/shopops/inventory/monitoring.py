"""库存监控 rules (pure: plain data in, plain data out, `today` passed in by the caller).

Definitions (GLOSSARY / SPEC §3), over a sales window of `sales_window_days` business days
ending with `today` (inclusive):
- avg daily sales 日均销量 = units sold in the window ÷ window days (paid orders, by paid day).
  Per warehouse, the demand is the units *shipped* from that warehouse in the window (order
  lines carry no warehouse), so warehouse rows describe where stock sits and moves.
- days_of_cover 可售天数 = available ÷ avg daily sales; None when nothing sold.
- turnover_days 周转天数 = average stock ÷ avg daily sales, average stock = (opening + closing
  on hand)/2 where opening = closing − Σ on-hand moves in the window (from the ledger).
- sell_through_ratio 动销比 = SKUs with sales ÷ SKUs in stock, "in stock" = on hand at the close
  or sold during the window (a sold-out best seller was in stock when it sold), so ≤ 1.
- ABC by cumulative share of sales amount, best first: a SKU is A while the share *before* it
  is < abc_a_share (so the top seller is always A and A covers at least 80%), B while < abc_b_share,
  C the rest (and every SKU without sales).
- XYZ by coefficient of variation (population std ÷ mean) of daily units over the window,
  zero days included: X < 0.5 ≤ Y < 1.0 ≤ Z; None without sales.
- stock age 库龄 (FIFO approximation): units leave first-in first-out, so the units on hand are
  the latest incoming ones (receipts, returns, transfers in, positive stocktakes); the age is the
  days since the oldest incoming move still needed to cover the on-hand quantity. When the
  ledger looked back at does not cover it, the age of the oldest move seen (a lower bound).
- alerts: `best_seller_low_cover` for A-class SKUs with cover < best_seller_cover_days (补货);
  `slow_mover_high_cover` for SKUs with stock available and cover > slow_mover_cover_days or no
  sales in the window (清仓促销), each slow mover with a clearance suggestion:
  units to sell = available − ⌈avg daily sales × target cover⌉ (all of it without sales), markdown
  10% when cover ≤ 1.5 × the slow-mover line, 20% up to 3 ×, 30% beyond or without sales.
  The markdown never takes the price below the SKU's price floor (价格底线, pricing floors):
  where the step would, it is cut to the deepest markdown the floor allows (maybe 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from shopops.core.errors import ValidationError

XYZ_X_BELOW = 0.5  # CV below this: steady demand
XYZ_Y_BELOW = 1.0  # CV below this: variable; at or above: erratic (Z)
MARKDOWN_STEPS = ((1.5, Decimal("0.10")), (3.0, Decimal("0.20")))  # × slow-mover line
MARKDOWN_MAX = Decimal("0.30")
ALL_WAREHOUSES = None  # an alert about the SKU across all warehouses

SETTING_DEFAULTS: dict[str, Any] = {
    "inventory.best_seller_cover_days": 3,
    "inventory.slow_mover_cover_days": 60,
    "inventory.turnover_reference_days": 12,
    "inventory.sell_through_healthy": "0.70",
    "inventory.abc_a_share": "0.80",
    "inventory.abc_b_share": "0.95",
    "inventory.sales_window_days": 30,
    "inventory.clearance_target_cover_days": 30,
}


def _decimal(values: Mapping[str, Any], key: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        value = Decimal(str(values[key]))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"setting {key} must be a number, got {values[key]!r}",
                              field=key) from exc
    if not low <= value <= high:
        raise ValidationError(f"setting {key} must be between {low} and {high}, got {value}",
                              field=key)
    return value


@dataclass(frozen=True)
class Thresholds:
    best_seller_cover_days: Decimal = Decimal(3)
    slow_mover_cover_days: Decimal = Decimal(60)
    turnover_reference_days: Decimal = Decimal(12)
    sell_through_healthy: Decimal = Decimal("0.70")
    abc_a_share: Decimal = Decimal("0.80")
    abc_b_share: Decimal = Decimal("0.95")
    sales_window_days: int = 30
    clearance_target_cover_days: Decimal = Decimal(30)

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> Thresholds:
        """From `read_settings(uow, SETTING_DEFAULTS)`; a bad value names its key."""
        values = {**SETTING_DEFAULTS, **values}
        days, share = (Decimal(0), Decimal(3650)), (Decimal(0), Decimal(1))
        a = _decimal(values, "inventory.abc_a_share", *share)
        b = _decimal(values, "inventory.abc_b_share", a, share[1])
        window = _decimal(values, "inventory.sales_window_days", Decimal(1), Decimal(366))
        return cls(
            best_seller_cover_days=_decimal(values, "inventory.best_seller_cover_days", *days),
            slow_mover_cover_days=_decimal(values, "inventory.slow_mover_cover_days", *days),
            turnover_reference_days=_decimal(values, "inventory.turnover_reference_days", *days),
            sell_through_healthy=_decimal(values, "inventory.sell_through_healthy", *share),
            abc_a_share=a, abc_b_share=b, sales_window_days=int(window),
            clearance_target_cover_days=_decimal(
                values, "inventory.clearance_target_cover_days", *days))


@dataclass(frozen=True)
class Position:
    """One SKU × warehouse as of the close of `today` (input)."""

    sku: str
    warehouse: str
    on_hand: int
    available: int
    opening_on_hand: int  # on hand when the window opened
    shipped: int  # units shipped from here during the window
    oldest_on_hand: date | None = None  # FIFO date of the oldest unit still here


@dataclass(frozen=True)
class WarehouseRow:
    sku: str
    warehouse: str
    on_hand: int
    available: int
    avg_daily_sales: float
    days_of_cover: float | None
    turnover_days: float | None
    stock_age_days: int | None


@dataclass(frozen=True)
class Clearance:
    units_to_sell: int
    target_cover_days: float
    markdown: Decimal  # suggested discount, 0.20 = 20% off, never below the price floor
    price: Decimal | None = None  # list price 标价
    floor: Decimal | None = None  # price floor 价格底线 (the strictest store's)
    markdown_price: Decimal | None = None  # price after the markdown 清仓价
    floor_limited: bool = False  # the markdown step was cut to stay at or above the floor


@dataclass(frozen=True)
class SkuRow:
    sku: str
    name: str
    on_hand: int
    available: int
    units_sold: int
    sales_amount: Decimal
    avg_daily_sales: float
    days_of_cover: float | None
    turnover_days: float | None
    abc: str
    xyz: str | None
    demand_cv: float | None
    stock_age_days: int | None
    best_seller: bool
    slow_mover: bool
    warehouses: list[WarehouseRow] = field(default_factory=list)


@dataclass(frozen=True)
class Alert:
    kind: str  # best_seller_low_cover | slow_mover_high_cover
    sku: str
    warehouse: str | None  # None: all warehouses
    available: int
    avg_daily_sales: float
    days_of_cover: float | None
    threshold_days: float
    abc: str
    action: str  # 补货 | 清仓促销
    message: str
    clearance: Clearance | None = None


@dataclass(frozen=True)
class Board:
    as_of: date
    window_start: date
    window_days: int
    rows: list[SkuRow]
    alerts: list[Alert]
    summary: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _jsonable(asdict(self))
        return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- single numbers


def _r(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


def days_of_cover(available: int, avg_daily_sales: float) -> float | None:
    """可售天数; None when nothing sold (infinite cover)."""
    return available / avg_daily_sales if avg_daily_sales > 0 else None


def turnover_days(opening: int, closing: int, avg_daily_sales: float) -> float | None:
    """周转天数 = average stock ((opening + closing)/2) ÷ average daily sales."""
    return (opening + closing) / 2 / avg_daily_sales if avg_daily_sales > 0 else None


def sell_through_ratio(in_stock: Iterable[str], sold: Iterable[str]) -> Decimal | None:
    """动销比 = SKUs with sales ÷ SKUs in stock (a SKU sold in the window counts as in stock)."""
    sold_set = set(sold)
    universe = set(in_stock) | sold_set
    if not universe:
        return None
    return (Decimal(len(sold_set)) / Decimal(len(universe))).quantize(Decimal("0.0001"))


def demand_cv(daily_units: Sequence[int]) -> float | None:
    """Coefficient of variation (population std ÷ mean) of daily demand; None without sales."""
    if not daily_units or sum(daily_units) == 0:
        return None
    mean = sum(daily_units) / len(daily_units)
    variance = sum((u - mean) ** 2 for u in daily_units) / len(daily_units)
    return math.sqrt(variance) / mean


def xyz_class(cv: float | None) -> str | None:
    if cv is None:
        return None
    return "X" if cv < XYZ_X_BELOW else "Y" if cv < XYZ_Y_BELOW else "Z"


def abc_classes(amounts: Mapping[str, Decimal], a_share: Decimal, b_share: Decimal
                ) -> dict[str, str]:
    """ABC by cumulative sales share, best first (ties by SKU code): A while the share before
    the SKU is < a_share, B while < b_share, C after; SKUs without sales are C."""
    total = sum((v for v in amounts.values() if v > 0), Decimal(0))
    classes = {}
    before = Decimal(0)
    for sku, amount in sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0])):
        if amount <= 0 or total == 0:
            classes[sku] = "C"
            continue
        share = before / total
        classes[sku] = "A" if share < a_share else "B" if share < b_share else "C"
        before += amount
    return classes


def fifo_oldest(on_hand: int, incoming_newest_first: Iterable[tuple[date, int]]
                ) -> date | None:
    """The day of the oldest incoming move still on hand when units leave first-in first-out;
    the oldest seen when the moves do not cover the on-hand quantity; None when nothing is
    on hand or nothing came in."""
    if on_hand <= 0:
        return None
    covered, oldest = 0, None
    for day, qty in incoming_newest_first:
        covered, oldest = covered + qty, day
        if covered >= on_hand:
            break
    return oldest


def floor_markdown(price: Decimal, floor: Decimal) -> Decimal:
    """The deepest markdown, in whole percent, that keeps price × (1 − markdown) ≥ floor."""
    if price <= 0 or floor >= price:
        return Decimal(0)
    room = (Decimal(1) - floor / price) * 100
    return Decimal(int(room)) / 100


def clearance(available: int, avg_daily_sales: float, t: Thresholds,
              price: Decimal | None = None, floor: Decimal | None = None) -> Clearance:
    """Units to sell to get down to the target cover, and the markdown step to do it with —
    cut to the floor's room when a price and its floor are known."""
    target = float(t.clearance_target_cover_days)
    keep = math.ceil(avg_daily_sales * target - 1e-9) if avg_daily_sales > 0 else 0
    cover = days_of_cover(available, avg_daily_sales)
    markdown = MARKDOWN_MAX
    for multiple, step in MARKDOWN_STEPS:
        if cover is not None and cover <= multiple * float(t.slow_mover_cover_days):
            markdown = step
            break
    units = max(available - keep, 0)
    if price is None or floor is None:
        return Clearance(units, target, markdown)
    allowed = floor_markdown(price, floor)
    chosen = min(markdown, allowed)
    return Clearance(units, target, chosen, price, floor,
                     (price * (1 - chosen)).quantize(Decimal("0.01")), chosen < markdown)


# ---------------------------------------------------------------- the board


def _age(today: date, oldest: date | None) -> int | None:
    return None if oldest is None else (today - oldest).days


def _warehouse_row(p: Position, today: date, window: int) -> WarehouseRow:
    rate = p.shipped / window
    return WarehouseRow(p.sku, p.warehouse, p.on_hand, p.available, round(rate, 3),
                        _r(days_of_cover(p.available, rate)),
                        _r(turnover_days(p.opening_on_hand, p.on_hand, rate)),
                        _age(today, p.oldest_on_hand))


def _sku_row(sku: str, name: str, positions: list[Position], daily: Sequence[int],
             amount: Decimal, abc: str, today: date, t: Thresholds) -> SkuRow:
    window = t.sales_window_days
    units = sum(daily)
    rate = units / window
    on_hand = sum(p.on_hand for p in positions)
    available = sum(p.available for p in positions)
    cover = days_of_cover(available, rate)
    cv = demand_cv(daily)
    ages = [p.oldest_on_hand for p in positions if p.oldest_on_hand is not None]
    slow = available > 0 and (cover is None or cover > float(t.slow_mover_cover_days))
    return SkuRow(
        sku=sku, name=name, on_hand=on_hand, available=available, units_sold=units,
        sales_amount=amount, avg_daily_sales=round(rate, 3), days_of_cover=_r(cover),
        turnover_days=_r(turnover_days(sum(p.opening_on_hand for p in positions), on_hand,
                                       rate)),
        abc=abc, xyz=xyz_class(cv), demand_cv=_r(cv, 3),
        stock_age_days=_age(today, min(ages)) if ages else None,
        best_seller=abc == "A", slow_mover=slow,
        warehouses=[_warehouse_row(p, today, window) for p in positions])


def _alerts(row: SkuRow, t: Thresholds,
            price_floor: tuple[Decimal, Decimal] | None = None) -> list[Alert]:
    alerts = []
    low, high = float(t.best_seller_cover_days), float(t.slow_mover_cover_days)
    if row.best_seller and row.days_of_cover is not None and row.days_of_cover < low:
        alerts.append(Alert(
            "best_seller_low_cover", row.sku, ALL_WAREHOUSES, row.available,
            row.avg_daily_sales, row.days_of_cover, low, row.abc, "补货",
            f"畅销品 {row.sku} 可用 {row.available} 件，日均销量 {row.avg_daily_sales:g}，"
            f"仅够卖 {row.days_of_cover:g} 天（低于 {low:g} 天），请尽快补货"))
    if row.slow_mover:
        plan = clearance(row.available, row.avg_daily_sales, t, *(price_floor or (None, None)))
        why = (f"近 {t.sales_window_days} 天无销售" if row.days_of_cover is None else
               f"可售 {row.days_of_cover:g} 天（超过 {high:g} 天）")
        alerts.append(Alert(
            "slow_mover_high_cover", row.sku, ALL_WAREHOUSES, row.available,
            row.avg_daily_sales, row.days_of_cover, high, row.abc, "清仓促销",
            f"滞销品 {row.sku} 可用 {row.available} 件，{why}；建议清仓促销 "
            f"{plan.units_to_sell} 件，折扣 {plan.markdown * 100:.0f}% "
            f"以降到 {plan.target_cover_days:g} 天可售{_floor_note(plan)}", plan))
    return alerts


def _floor_note(plan: Clearance) -> str:
    if plan.floor is None:
        return ""
    if plan.floor_limited:
        return f"（受价格底线 ¥{plan.floor} 限制，清仓价 ¥{plan.markdown_price}）"
    return f"（清仓价 ¥{plan.markdown_price}，不低于价格底线 ¥{plan.floor}）"


def build_board(today: date, t: Thresholds, positions: Iterable[Position],
                daily_sales: Mapping[str, Sequence[int]], amounts: Mapping[str, Decimal],
                names: Mapping[str, str],
                price_floors: Mapping[str, tuple[Decimal, Decimal]] | None = None) -> Board:
    """The monitoring board as of the close of `today`. `daily_sales[sku]` holds the units
    sold on each window day, oldest first (window = t.sales_window_days); `price_floors[sku]`
    = (list price, price floor) keeps clearance markdowns at or above the floor."""
    window = t.sales_window_days
    by_sku: dict[str, list[Position]] = {}
    for p in sorted(positions, key=lambda p: (p.sku, p.warehouse)):
        by_sku.setdefault(p.sku, []).append(p)
    skus = sorted(set(by_sku) | {s for s, d in daily_sales.items() if sum(d) > 0})
    zero = [0] * window
    sold_amounts = {s: amounts.get(s, Decimal(0)) for s in skus}
    classes = abc_classes(sold_amounts, t.abc_a_share, t.abc_b_share)
    rows = [_sku_row(s, names.get(s, ""), by_sku.get(s, []), daily_sales.get(s, zero),
                     sold_amounts[s], classes[s], today, t) for s in skus]
    alerts = [a for row in rows for a in _alerts(row, t, (price_floors or {}).get(row.sku))]
    ratio = sell_through_ratio((r.sku for r in rows if r.on_hand > 0),
                               (r.sku for r in rows if r.units_sold > 0))
    stock = sum((p.opening_on_hand + p.on_hand) / 2 for ps in by_sku.values() for p in ps)
    rate = sum(r.units_sold for r in rows) / window
    turnover = _r(stock / rate) if rate > 0 else None
    summary = {
        "skus": len(rows),
        "skus_in_stock": sum(1 for r in rows if r.on_hand > 0 or r.units_sold > 0),
        "skus_with_sales": sum(1 for r in rows if r.units_sold > 0),
        "sell_through_ratio": ratio,
        "sell_through_healthy": t.sell_through_healthy,
        "sell_through_ok": None if ratio is None else ratio >= t.sell_through_healthy,
        "turnover_days": turnover,
        "turnover_reference_days": float(t.turnover_reference_days),
        "turnover_ok": None if turnover is None else turnover <= float(t.turnover_reference_days),
        "abc": {c: sum(1 for r in rows if r.abc == c) for c in "ABC"},
        "xyz": {c: sum(1 for r in rows if r.xyz == c) for c in "XYZ"},
        "alerts": {k: sum(1 for a in alerts if a.kind == k)
                   for k in ("best_seller_low_cover", "slow_mover_high_cover")},
    }
    return Board(today, date.fromordinal(today.toordinal() - window + 1), window, rows,
                 alerts, summary)
