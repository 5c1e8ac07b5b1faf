"""库存监控 board and stock alerts: loads what the rules in `monitoring.py` need with a handful
of grouped queries (balances, reservations and transfers via `stock_levels`, one over the
ledger for opening stock and shipments, one over paid order lines by paid day, one over
incoming moves for stock age, one for the settings) — never one query per SKU.

As of a past day `D`, on hand is the current on hand minus the on-hand moves after D's close;
reservations of that day are not kept, so available = that on hand in sellable warehouses.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, case, func, select

from shopops.catalog import service as catalog
from shopops.core.clock import DEFAULT_TIMEZONE, business_date
from shopops.core.uow import UnitOfWork
from shopops.db.shop_settings import read_settings
from shopops.inventory.ledger import ON_HAND_KINDS
from shopops.inventory.models import StockBalance, StockMove, Warehouse
from shopops.inventory.monitoring import (
    SETTING_DEFAULTS,
    Board,
    Position,
    Thresholds,
    build_board,
    fifo_oldest,
)
from shopops.inventory.service import stock_levels
from shopops.orders.models import Order, OrderLine
from shopops.pricing.floor_service import highest_floors
from shopops.stores.service import list_stores

BAL = cast(Table, StockBalance.__table__)
MOVES = cast(Table, StockMove.__table__)
WH = cast(Table, Warehouse.__table__)
INCOMING_KINDS = ("receipt", "return", "transfer_in", "adjustment")
AGE_LOOKBACK_DAYS = 730  # stock age looks back this far in the ledger (older: lower bound)

BOARD_HEADERS = ["SKU", "名称", "在库", "可用", "销量", "销售额", "日均销量", "可售天数",
                 "周转天数", "ABC", "XYZ", "CV", "库龄(天)", "畅销", "滞销"]
ALERT_HEADERS = ["类型", "SKU", "仓库", "可用", "日均销量", "可售天数", "阈值(天)", "ABC",
                 "建议", "清仓件数", "折扣", "清仓价", "价格底线", "说明"]


def thresholds(uow: UnitOfWork) -> Thresholds:
    """The spec's thresholds, overridden by the shop's settings."""
    return Thresholds.from_settings(read_settings(uow, SETTING_DEFAULTS))


def stock_board(uow: UnitOfWork, today: date | None = None,
                timezone: str = DEFAULT_TIMEZONE) -> Board:
    """The monitoring board (rows per SKU with their warehouses, alerts, summary) as of the
    close of `today` (default: the shop's today)."""
    now_day = business_date(uow.now(), timezone)
    day = today or now_day
    t = thresholds(uow)
    zone = ZoneInfo(timezone)
    first = day - timedelta(days=t.sales_window_days - 1)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)

    wh_ids = {code: wid for wid, code in uow.session.execute(select(WH.c.id, WH.c.code))}
    moves = _ledger_sums(uow, start, end)
    ages = _incoming(uow, end - timedelta(days=AGE_LOOKBACK_DAYS), end)
    daily, amounts = _sales(uow, first, day)
    balance_skus = set(uow.session.scalars(select(BAL.c.sku_id).distinct()))
    named = catalog.sku_codes(uow, balance_skus | set(daily))
    sku_of = {code: sid for sid, (code, _) in named.items()}
    names = {code: name for code, name in named.values()}
    positions = []
    for lv in stock_levels(uow):
        key = (sku_of[lv.sku], wh_ids[lv.warehouse])
        net, after, shipped = moves.get(key, (0, 0, 0))
        closing = lv.on_hand - after
        available = (lv.available if day >= now_day else closing) if lv.sellable else 0
        positions.append(Position(lv.sku, lv.warehouse, closing,
                                  max(min(available, closing), 0), closing - net, shipped,
                                  fifo_oldest(closing, ages.get(key, []))))
    series = {named[sid][0]: [per_day.get(first + timedelta(days=i), 0)
                              for i in range(t.sales_window_days)]
              for sid, per_day in daily.items()}
    money = {named[sid][0]: amount for sid, amount in amounts.items()}
    floors = highest_floors(uow, list_stores(uow))
    return build_board(day, t, positions, series, money, names, floors)


def _ledger_sums(uow: UnitOfWork, start: datetime, end: datetime
                 ) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(sku, warehouse) → (on-hand change in the window, change after it, units shipped)."""
    m = MOVES.c
    in_window = and_(m.occurred_at >= start, m.occurred_at < end)
    query = (select(m.sku_id, m.warehouse_id,
                    func.sum(case((in_window, m.quantity), else_=0)),
                    func.sum(case((m.occurred_at >= end, m.quantity), else_=0)),
                    func.sum(case((and_(in_window, m.kind == "shipment"), -m.quantity),
                                  else_=0)))
             .where(m.kind.in_(sorted(ON_HAND_KINDS)), m.occurred_at >= start)
             .group_by(m.sku_id, m.warehouse_id))
    return {(int(s), int(w)): (int(a or 0), int(b or 0), int(c or 0))
            for s, w, a, b, c in uow.session.execute(query)}


def _incoming(uow: UnitOfWork, since: datetime, end: datetime
              ) -> dict[tuple[int, int], list[tuple[date, int]]]:
    """(sku, warehouse) → incoming moves before `end`, newest first (for FIFO stock age)."""
    m = MOVES.c
    query = (select(m.sku_id, m.warehouse_id, m.occurred_at, m.quantity)
             .where(m.kind.in_(INCOMING_KINDS), m.quantity > 0, m.occurred_at >= since,
                    m.occurred_at < end)
             .order_by(m.sku_id, m.warehouse_id, m.occurred_at.desc(), m.id.desc()))
    found: dict[tuple[int, int], list[tuple[date, int]]] = defaultdict(list)
    for s, w, at, qty in uow.session.execute(query):
        found[(int(s), int(w))].append((business_date(at, DEFAULT_TIMEZONE), int(qty)))
    return found


def _sales(uow: UnitOfWork, first: date, last: date
           ) -> tuple[dict[int, dict[date, int]], dict[int, Decimal]]:
    """Units per SKU per paid day, and sales amount per SKU, of paid orders in [first, last]."""
    query = (select(OrderLine.sku_id, Order.paid_date, func.sum(OrderLine.quantity),
                    func.sum(OrderLine.paid_amount))
             .join(Order, Order.id == OrderLine.order_id)
             .where(Order.paid_date.is_not(None), Order.paid_date >= first,
                    Order.paid_date <= last)
             .group_by(OrderLine.sku_id, Order.paid_date))
    daily: dict[int, dict[date, int]] = defaultdict(dict)
    amounts: dict[int, Decimal] = defaultdict(Decimal)
    for sku_id, day, units, amount in uow.session.execute(query):
        daily[int(sku_id)][cast(date, day)] = int(units)
        amounts[int(sku_id)] += Decimal(amount or 0)
    return daily, amounts


# ---------------------------------------------------------------- shapes for CLI / Excel


def board_rows(board: Board) -> list[list[Any]]:
    return [[r.sku, r.name, r.on_hand, r.available, r.units_sold, r.sales_amount,
             r.avg_daily_sales, r.days_of_cover, r.turnover_days, r.abc, r.xyz, r.demand_cv,
             r.stock_age_days, "是" if r.best_seller else "", "是" if r.slow_mover else ""]
            for r in board.rows]


def alert_rows(board: Board) -> list[list[Any]]:
    return [[a.kind, a.sku, a.warehouse or "全部", a.available, a.avg_daily_sales,
             a.days_of_cover, a.threshold_days, a.abc, a.action,
             a.clearance.units_to_sell if a.clearance else None,
             a.clearance.markdown if a.clearance else None,
             a.clearance.markdown_price if a.clearance else None,
             a.clearance.floor if a.clearance else None, a.message]
            for a in board.alerts]


def alerts_json(board: Board) -> dict[str, Any]:
    """What `shopops stock alerts --format json` prints and GET /stock/alerts returns."""
    data = board.as_json()
    return {"as_of": data["as_of"], "window_days": data["window_days"],
            "alerts": data["alerts"], "counts": data["summary"]["alerts"]}
