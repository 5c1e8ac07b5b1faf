"""补货 use cases: the suggestions per SKU × warehouse (rule in `replenishment.py`) and turning
the chosen ones into draft purchase orders grouped by supplier, in one transaction.

Inputs, each loaded once for every SKU:
- demand: `forecast_service.demand_outlook` (statsforecast, the calendar's promotion uplift),
  or with demand="recent" the mean and std of the last `history_days` days of paid units
  (ordinary days only) plus an uplift on coming promotion days measured from the same phase of
  last year's promotion against the 28 days before it. A SKU-level outlook is split across the
  warehouses by their share of the SKU's shipments over `history_days` (mean × share,
  σ × √share: each warehouse carries its own share of the noise).
- stock: on hand, reserved (active, unexpired), in transit per SKU × warehouse from
  `inventory.service.stock_levels`; incoming = open purchase orders still to come + transfers.
- terms: the preferred supplier's MOQ, case pack, lead time and its std, price.
- service level: the shop's setting, higher for A items (ABC from the monitoring board).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, select

from shopops.catalog import service as catalog
from shopops.core.clock import DEFAULT_TIMEZONE, business_date
from shopops.core.errors import ValidationError
from shopops.core.uow import UnitOfWork
from shopops.db.shop_settings import read_settings
from shopops.inventory import purchasing_service as purchasing
from shopops.inventory.models import StockMove, Warehouse
from shopops.inventory.monitoring_service import stock_board
from shopops.inventory.replenishment import ReorderInput, Suggestion, suggest
from shopops.inventory.service import stock_levels
from shopops.orders.models import Order, OrderLine
from shopops.pricing.calendar import campaigns_for_year, phase_on
from shopops.stores.service import get_store

MOVES = cast(Table, StockMove.__table__)
WH = cast(Table, Warehouse.__table__)
FORECAST_HORIZON = 28  # forecast_service.DEFAULT_HORIZON (`shopops forecast run`)
MIN_BASELINE_DAYS = 7
BASELINE_DAYS = 28  # ordinary days before a promotion that its lift is measured against

SETTING_DEFAULTS: dict[str, Any] = {
    "replenishment.service_level": "0.95",
    "replenishment.service_level_a": "0.98",
    "replenishment.review_days": 7,
    "replenishment.history_days": 56,
    "replenishment.default_lead_time_days": 10,
    # a supplier with at least this many deliveries is planned with the lead time it actually
    # took (mean and std, sent → delivered) instead of the one agreed; 0 switches this off
    "replenishment.lead_time_history_min": 5,
}
HEADERS = ["SKU", "名称", "仓库", "ABC", "供应商", "建议采购", "提前期需求", "安全库存", "再订货点",
           "复盘期需求", "大促备货", "补到", "在库", "在途", "占用", "库存头寸", "净需求", "起订量",
           "箱规", "取整", "日均需求", "需求标准差", "交期(天)", "服务水平", "单价", "金额",
           "逾期在途", "到货后可售天数", "说明"]


class Outlook(Protocol):
    """What replenishment reads of a demand outlook (forecast_service.DemandOutlook)."""

    @property
    def warehouse_id(self) -> int | None: ...
    @property
    def daily_mean(self) -> float: ...
    @property
    def daily_sigma(self) -> float: ...
    @property
    def model(self) -> str: ...
    @property
    def promo_uplift(self) -> dict[date, float]: ...


@dataclass(frozen=True)
class RecentDemand:
    sku_id: int
    warehouse_id: int | None
    daily_mean: float
    daily_sigma: float
    model: str
    promo_uplift: dict[date, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Line:
    """A suggestion with what the console, API and CLI show next to it."""

    suggestion: Suggestion
    name: str
    abc: str
    supplier: str | None
    supplier_name: str | None
    unit_price: Decimal | None
    demand_model: str

    @property
    def amount(self) -> Decimal | None:
        return None if self.unit_price is None else self.unit_price * self.suggestion.suggested_qty

    def as_json(self) -> dict[str, Any]:
        data = self.suggestion.as_json()
        data.update(name=self.name, abc=self.abc, supplier=self.supplier,
                    supplier_name=self.supplier_name, demand_model=self.demand_model,
                    unit_price=None if self.unit_price is None else f"{self.unit_price:.2f}",
                    amount=None if self.amount is None else f"{self.amount:.2f}")
        return data

    def row(self) -> list[Any]:
        s = self.suggestion
        return [s.sku, self.name, s.warehouse, self.abc, self.supplier or "—", s.suggested_qty,
                s.forecast_lead_time, s.safety_stock, s.reorder_point, s.review_demand,
                s.promo_build_up, s.order_up_to, s.on_hand, s.incoming, s.reserved, s.position,
                s.net_requirement, s.moq, s.case_pack, s.rounding, s.daily_mean, s.daily_sigma,
                s.lead_time_days, s.service_level, self.unit_price, self.amount,
                s.overdue_incoming, s.cover_days_after, s.explanation]


@dataclass(frozen=True)
class Plan:
    as_of: date
    lines: list[Line]

    def to_order(self) -> list[Line]:
        return [line for line in self.lines if line.suggestion.suggested_qty > 0]


def _settings(uow: UnitOfWork) -> tuple[float, float, int, int, int, int]:
    values = read_settings(uow, SETTING_DEFAULTS)
    try:
        level, level_a = (float(values[k]) for k in ("replenishment.service_level",
                                                      "replenishment.service_level_a"))
        review, history, lead, measured = (int(values[k]) for k in (
            "replenishment.review_days", "replenishment.history_days",
            "replenishment.default_lead_time_days", "replenishment.lead_time_history_min"))
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"replenishment settings must be numbers: {exc}",
                              field="replenishment") from exc
    if history < 7:
        raise ValidationError("replenishment.history_days must be ≥ 7",
                              field="replenishment.history_days")
    return level, level_a, review, history, lead, measured


# ---------------------------------------------------------------- demand


def _daily_units(uow: UnitOfWork, first: date, last: date, store_id: int | None
                 ) -> dict[int, dict[date, int]]:
    query = (select(OrderLine.sku_id, Order.paid_date, func.sum(OrderLine.quantity))
             .join(Order, Order.id == OrderLine.order_id)
             .where(Order.paid_date.is_not(None), Order.paid_date >= first,
                    Order.paid_date <= last).group_by(OrderLine.sku_id, Order.paid_date))
    if store_id is not None:
        query = query.where(Order.store_id == store_id)
    found: dict[int, dict[date, int]] = defaultdict(dict)
    for sku_id, day, units in uow.session.execute(query):
        found[int(sku_id)][cast(date, day)] = int(units)
    return found


def _phase_lift(uow: UnitOfWork, code: str, phase: str, year: int,
                store_id: int | None) -> float | None:
    """Units per day in `phase` of promotion `code` in `year` ÷ units per day over the 28
    ordinary days before its warm-up (the whole shop); None without history."""
    campaign = next((c for c in campaigns_for_year(year) if c.code == code), None)
    if campaign is None:
        return None
    first = campaign.warm_up_start - timedelta(days=BASELINE_DAYS)
    per_day: dict[date, int] = defaultdict(int)
    for days in _daily_units(uow, first, campaign.tail_end, store_id).values():
        for day, units in days.items():
            per_day[day] += units
    if not per_day:
        return None
    opened = min(per_day)  # days before the first sale are before the shop's history
    base_days = [d for d in (first + timedelta(days=i) for i in range(BASELINE_DAYS))
                 if d >= opened and phase_on(d) is None]
    phase_days = [d for d in (campaign.warm_up_start + timedelta(days=i) for i in range(
        (campaign.tail_end - campaign.warm_up_start).days + 1)) if campaign.phase_on(d) == phase]
    base = sum(per_day.get(d, 0) for d in base_days)
    if not base or len(base_days) < MIN_BASELINE_DAYS or not phase_days:
        return None
    ordinary = len(base_days)
    return (sum(per_day.get(d, 0) for d in phase_days) / len(phase_days)) / (base / ordinary)


def recent_demand(uow: UnitOfWork, as_of: date, history_days: int, horizon_days: int,
                  store_id: int | None = None) -> dict[tuple[int, int | None], RecentDemand]:
    """Per SKU: mean and std of paid units on the ordinary (non-promotion) days of the last
    `history_days` days, and the uplift on coming promotion days (see the module docstring)."""
    first = as_of - timedelta(days=history_days - 1)
    days = [first + timedelta(days=i) for i in range(history_days)]
    ordinary = [d for d in days if phase_on(d) is None] or days
    lifts: dict[date, float] = {}
    cache: dict[tuple[str, str], float | None] = {}
    for i in range(1, horizon_days + 1):
        day = as_of + timedelta(days=i)
        found = phase_on(day)
        if found is None:
            continue
        if found not in cache:
            cache[found] = _phase_lift(uow, found[0], found[1], day.year - 1, store_id)
        lift = cache[found]
        if lift is not None and lift > 1:
            lifts[day] = lift - 1
    outlooks: dict[tuple[int, int | None], RecentDemand] = {}
    for sku_id, per_day in _daily_units(uow, first, as_of, store_id).items():
        series = [per_day.get(d, 0) for d in ordinary]
        mean = statistics.fmean(series)
        outlooks[(sku_id, None)] = RecentDemand(
            sku_id, None, mean, statistics.pstdev(series), "recent_mean",
            {d: round(mean * extra, 3) for d, extra in lifts.items() if mean > 0})
    return outlooks


def _forecast(uow: UnitOfWork, as_of: date, horizon: int, store_id: int | None,
              demand: str, history_days: int) -> Mapping[tuple[int, int | None], Outlook]:
    if demand == "recent":
        return recent_demand(uow, as_of, history_days, horizon, store_id)
    if demand != "forecast":
        raise ValidationError("demand must be forecast or recent", field="demand")
    from shopops.inventory.forecast_service import demand_outlook

    return cast(Mapping[tuple[int, int | None], Outlook],
                demand_outlook(uow, as_of=as_of, horizon_days=horizon, store_id=store_id))


def _shipment_shares(uow: UnitOfWork, as_of: date, days: int) -> dict[tuple[int, int], int]:
    end = datetime.combine(as_of + timedelta(days=1), time(), ZoneInfo(DEFAULT_TIMEZONE))
    m = MOVES.c
    query = (select(m.sku_id, m.warehouse_id, func.sum(-m.quantity))
             .where(m.kind == "shipment", m.occurred_at >= end - timedelta(days=days),
                    m.occurred_at < end).group_by(m.sku_id, m.warehouse_id))
    return {(int(s), int(w)): int(n) for s, w, n in uow.session.execute(query) if n}


def _per_warehouse(outlooks: Mapping[tuple[int, int | None], Outlook],
                   shares: Mapping[tuple[int, int], int], stocked: Mapping[int, set[int]]
                   ) -> dict[tuple[int, int], tuple[float, float, dict[date, float], str]]:
    """(sku, warehouse) → (mean, σ, uplift, model); SKU-level outlooks split by share."""
    result: dict[tuple[int, int], tuple[float, float, dict[date, float], str]] = {}
    for (sku_id, wh_id), o in outlooks.items():
        if wh_id is not None:
            result[(sku_id, wh_id)] = (o.daily_mean, o.daily_sigma, dict(o.promo_uplift),
                                       o.model)
            continue
        whs = stocked.get(sku_id, set()) | {w for s, w in shares if s == sku_id}
        if not whs:
            continue
        weights = {w: shares.get((sku_id, w), 0) for w in whs}
        total = sum(weights.values())
        for w in whs:
            share = weights[w] / total if total else 1 / len(whs)
            result[(sku_id, w)] = (o.daily_mean * share, o.daily_sigma * math.sqrt(share),
                                   {d: u * share for d, u in o.promo_uplift.items()}, o.model)
    return result


# ---------------------------------------------------------------- use cases


def replenishment_plan(uow: UnitOfWork, *, as_of: date | None = None, store: str | None = None,
                       demand: str = "forecast",
                       outlooks: Mapping[tuple[int, int | None], Outlook] | None = None
                       ) -> Plan:
    """补货建议 for every SKU × sellable warehouse with demand or stock, as of `as_of`
    (default the shop's today); `store` limits the demand to one store's sales."""
    today = as_of or business_date(uow.now(), DEFAULT_TIMEZONE)
    level, level_a, review, history, default_lead, min_deliveries = _settings(uow)
    store_id = get_store(uow, store).id if store else None
    whs = {row.id: row for row in uow.session.execute(select(WH))}
    wh_ids = {row.code: wid for wid, row in whs.items()}
    levels = [lv for lv in stock_levels(uow) if lv.sellable]
    codes = {lv.sku for lv in levels}
    ids = catalog.sku_ids(uow, codes)
    stocked: dict[int, set[int]] = defaultdict(set)
    position = {}
    for level_row in levels:
        key = (ids[level_row.sku], wh_ids[level_row.warehouse])
        stocked[key[0]].add(key[1])
        position[key] = level_row
    terms = purchasing.sourcing(uow)
    measured = {c.supplier: c for c in purchasing.supplier_scorecards(uow)
                if min_deliveries and c.deliveries >= min_deliveries
                and c.lead_time_mean_days is not None}
    # the forecast covers lead time + review; at least the forecast's default horizon, so a
    # stored `shopops forecast run` of the day is reused instead of fitting again
    horizon = max(max([t.lead_time_days for t in terms.values()] + [default_lead]) + review + 1,
                  FORECAST_HORIZON)
    if outlooks is None:
        outlooks = _forecast(uow, today, horizon, store_id, demand, history)
    demand_at = _per_warehouse(outlooks, _shipment_shares(uow, today, history), stocked)
    incoming = purchasing.incoming_quantities(uow)
    overdue = purchasing.overdue_quantities(uow, today)
    keys = sorted(set(demand_at) | set(position) | {k for k in incoming if whs[k[1]].sellable})
    names = catalog.sku_codes(uow, {k[0] for k in keys})
    abc = {r.sku: r.abc for r in stock_board(uow, today).rows}
    lines = []
    for sku_id, wh_id in keys:
        code, name = names[sku_id]
        mean, sigma, uplift, model = demand_at.get((sku_id, wh_id), (0.0, 0.0, {}, "none"))
        lv = position.get((sku_id, wh_id))
        term = terms.get(sku_id)
        cls = abc.get(code, "C")
        first_promo = min((d for d, u in uplift.items() if d > today and u > 0), default=None)
        found = phase_on(first_promo) if first_promo else None
        promo_name = next((c.name_zh for c in campaigns_for_year(first_promo.year)
                           if found and c.code == found[0]), None) if first_promo else None
        lead_time = (float(term.lead_time_days), float(term.lead_time_sigma_days), 0) if term \
            else (float(default_lead), 0.0, 0)
        card = measured.get(term.supplier) if term else None
        if card is not None and card.lead_time_mean_days is not None:
            lead_time = (card.lead_time_mean_days, card.lead_time_sigma_days or 0.0,
                         card.deliveries)
        item = ReorderInput(
            sku=code, warehouse=whs[wh_id].code, daily_mean=mean, daily_sigma=sigma,
            lead_time_days=lead_time[0], lead_time_sigma=lead_time[1],
            lead_time_deliveries=lead_time[2],
            review_days=review, service_level=level_a if cls == "A" else level,
            on_hand=lv.on_hand if lv else 0,
            incoming=incoming.get((sku_id, wh_id), 0) + (lv.in_transit if lv else 0),
            reserved=lv.reserved if lv else 0, moq=term.moq if term else 1,
            case_pack=term.case_pack if term else 1, promo_uplift=uplift,
            promo_name=promo_name, overdue_incoming=overdue.get((sku_id, wh_id), 0),
            backup_supplier=term.backups[0] if term and term.backups else None)
        lines.append(Line(suggest(item, today), name, cls, term.supplier if term else None,
                          term.supplier_name if term else None,
                          term.unit_price if term else None, model))
    return Plan(today, lines)


def create_purchase_orders(uow: UnitOfWork, *, picks: Sequence[tuple[str, str]] | None = None,
                           as_of: date | None = None, store: str | None = None,
                           demand: str = "forecast",
                           outlooks: Mapping[tuple[int, int | None], Outlook] | None = None
                           ) -> dict[str, Any]:
    """生成采购单: the chosen (sku, warehouse) suggestions (default: every one with a quantity)
    become draft purchase orders, one per preferred supplier. Suggestions without a supplier
    or without a quantity are reported as skipped."""
    plan = replenishment_plan(uow, as_of=as_of, store=store, demand=demand, outlooks=outlooks)
    by_key = {(ln.suggestion.sku, ln.suggestion.warehouse): ln for ln in plan.lines}
    chosen = [by_key.get(k) for k in picks] if picks is not None else plan.to_order()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    skipped = []
    for i, ln in enumerate(chosen):
        if ln is None:
            assert picks is not None
            skipped.append({"sku": picks[i][0], "warehouse": picks[i][1],
                            "reason": "无此补货建议 no such suggestion"})
        elif ln.supplier is None or ln.suggestion.suggested_qty == 0:
            skipped.append({"sku": ln.suggestion.sku, "warehouse": ln.suggestion.warehouse,
                            "reason": "无供应商 no supplier" if ln.supplier is None
                            else "无需补货 nothing to order"})
        else:
            groups[ln.supplier].append({"sku": ln.suggestion.sku,
                                        "warehouse": ln.suggestion.warehouse,
                                        "quantity": ln.suggestion.suggested_qty,
                                        "unit_price": ln.unit_price})
    orders = [purchasing.create_purchase_order(uow, supplier, lines,
                                               note=f"补货建议 {plan.as_of.isoformat()}")
              for supplier, lines in sorted(groups.items())]
    placed = {(ln["sku"], ln["warehouse"]): o["code"] for o in orders for ln in o["lines"]}
    suggestions = [{**ln.as_json(), "purchase_order": placed.get(
        (ln.suggestion.sku, ln.suggestion.warehouse))} for ln in chosen if ln is not None]
    return {"as_of": plan.as_of.isoformat(), "purchase_orders": orders, "skipped": skipped,
            "suggestions": suggestions}
