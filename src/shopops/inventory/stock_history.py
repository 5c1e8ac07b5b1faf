"""库存流水 of one SKU (the console's SKU stock history): its moves, newest first, each with the
on-hand balance right after it, and the end-of-day on hand per business day.

Balances are read backwards from the current `stock_balances` row: on hand after a move = the
current on hand − Σ on-hand moves after it (reservations and releases change `reserved` only),
so the history always ends at the balance the board shows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select

from shopops.catalog import service as catalog
from shopops.core.clock import business_date
from shopops.core.errors import NotFound
from shopops.core.uow import UnitOfWork
from shopops.inventory.ledger import ON_HAND_KINDS
from shopops.inventory.models import StockBalance, StockMove, Warehouse

MOVES = cast(Table, StockMove.__table__)
BAL = cast(Table, StockBalance.__table__)
WH = cast(Table, Warehouse.__table__)
MOVE_HEADERS = ["时间", "仓库", "类型", "数量", "变动后在库", "单据", "原因"]


def sku_stock_history(uow: UnitOfWork, sku_id: int, *, days: int, timezone: str,
                      warehouse: str | None = None, today: date | None = None
                      ) -> dict[str, Any]:
    """Moves of the last `days` business days (to `today`, default the shop's today) and the
    daily closing on hand, of one SKU in one warehouse (code) or all of them."""
    named = catalog.sku_codes(uow, [sku_id])
    if sku_id not in named:
        raise NotFound(f"unknown SKU id {sku_id}", field="sku")
    zone = ZoneInfo(timezone)
    last = today or business_date(uow.now(), timezone)
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, time(), zone)
    codes = {int(i): c for i, c in uow.session.execute(select(WH.c.id, WH.c.code))}
    wanted = [i for i, c in codes.items() if warehouse in (None, c)]
    if warehouse is not None and not wanted:
        raise NotFound(f"unknown warehouse {warehouse!r}", field="warehouse")
    current = {int(w): int(n) for w, n in uow.session.execute(
        select(BAL.c.warehouse_id, BAL.c.on_hand)
        .where(BAL.c.sku_id == sku_id, BAL.c.warehouse_id.in_(wanted)))}
    m = MOVES.c
    rows = uow.session.execute(
        select(m.id, m.warehouse_id, m.kind, m.quantity, m.occurred_at, m.reference, m.reason)
        .where(m.sku_id == sku_id, m.warehouse_id.in_(wanted), m.occurred_at >= start)
        .order_by(m.occurred_at.desc(), m.id.desc())).all()
    balance = dict(current)
    total = sum(current.values())
    moves: list[dict[str, Any]] = []
    closing: dict[date, int] = {}
    for _id, wid, kind, qty, at, reference, reason in rows:
        day = business_date(at, timezone)
        if day <= last:  # later moves only lead back to the balance of `last`
            closing.setdefault(day, total)  # newest first: the first move seen closes its day
            moves.append({"at": at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                          "warehouse": codes[int(wid)], "kind": kind, "quantity": int(qty),
                          "on_hand_after": balance.get(int(wid), 0) if kind in ON_HAND_KINDS
                          else None, "reference": reference, "reason": reason})
        if kind in ON_HAND_KINDS:
            balance[int(wid)] = balance.get(int(wid), 0) - int(qty)
            total -= int(qty)
    series, shipped = _daily(first, last, closing, total, moves)
    return {"sku_id": sku_id, "sku": named[sku_id][0], "name": named[sku_id][1],
            "warehouse": warehouse, "first": first.isoformat(), "last": last.isoformat(),
            "on_hand": sum(current.values()), "moves": moves,
            "days": [d.isoformat() for d in series], "closing": list(series.values()),
            "shipped": [shipped.get(d, 0) for d in series]}


def _daily(first: date, last: date, closing: dict[date, int], opening: int,
           moves: list[dict[str, Any]]) -> tuple[dict[date, int], dict[date, int]]:
    """Closing on hand per day (carried over days without moves) and units shipped per day."""
    shipped: dict[date, int] = defaultdict(int)
    for move in moves:
        if move["kind"] == "shipment":
            shipped[date.fromisoformat(move["at"][:10])] += -move["quantity"]
    series: dict[date, int] = {}
    level = opening
    day = first
    while day <= last:
        level = closing.get(day, level)
        series[day] = level
        day += timedelta(days=1)
    return series, shipped


def move_rows(history: dict[str, Any], kind_names: dict[str, str]) -> list[list[Any]]:
    return [[m["at"], m["warehouse"], kind_names.get(m["kind"], m["kind"]), m["quantity"],
             m["on_hand_after"], m["reference"], m["reason"]] for m in history["moves"]]
