"""The fulfillment board (履约看板), read side: orders to ship with their ship-by deadline and
time left, the overdue ones, and the logistics exception queue with counts per type — one
shape for the console, the API, the CLI and the cockpit's strip, and its Excel sheets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shopops.core.uow import UnitOfWork
from shopops.fulfillment import exceptions as rules
from shopops.fulfillment import sla
from shopops.fulfillment.service import (
    SHOP_TZ,
    ExceptionQueue,
    exception_queue,
    fulfillment_settings,
)
from shopops.orders import allocation_service as orders

DUE_SOON_HOURS = 6  # 即将超时: less than this left before the ship-by deadline


@dataclass(frozen=True, slots=True)
class ToShip:
    order_id: int
    channel_order_no: str
    store: str
    platform: str
    status: str  # paid | allocated
    paid_at: datetime
    ship_by: datetime
    hours_left: float  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.hours_left < 0

    def as_json(self, timezone: str = SHOP_TZ) -> dict[str, Any]:
        zone = ZoneInfo(timezone)
        return {"order_id": self.order_id, "channel_order_no": self.channel_order_no,
                "store": self.store, "platform": self.platform, "status": self.status,
                "paid_at": self.paid_at.astimezone(zone).isoformat(),
                "ship_by": self.ship_by.astimezone(zone).isoformat(),
                "hours_left": self.hours_left, "overdue": self.overdue}


@dataclass(frozen=True, slots=True)
class Board:
    now: datetime
    to_ship: list[ToShip]  # most urgent first (overdue at the top)
    exceptions: ExceptionQueue

    @property
    def counts(self) -> dict[str, int]:
        return {"to_ship": len(self.to_ship),
                "overdue": sum(1 for r in self.to_ship if r.overdue),
                "due_soon": sum(1 for r in self.to_ship
                                if 0 <= r.hours_left < DUE_SOON_HOURS),
                "exceptions": sum(self.exceptions.counts.values()),
                **{f"exceptions.{k}": n for k, n in self.exceptions.counts.items()}}

    def as_json(self, limit: int | None = None) -> dict[str, Any]:
        rows = self.to_ship if limit is None else self.to_ship[:limit]
        return {"now": self.now.astimezone(ZoneInfo(SHOP_TZ)).isoformat(),
                "counts": self.counts, "to_ship": [r.as_json() for r in rows],
                "exceptions": self.exceptions.as_json()}


def fulfillment_board(uow: UnitOfWork, *, store: str | None = None,
                      now: datetime | None = None) -> Board:
    """Orders waiting to ship (paid / allocated) by urgency, and the exception queue."""
    at = now or uow.now()
    settings = fulfillment_settings(uow)
    waiting = []
    for b in orders.order_briefs(uow, statuses=rules.OPEN_STATUSES, store=store):
        if b.paid_at is None:
            continue
        due = sla.ship_by(b.paid_at, b.platform, settings)
        waiting.append(ToShip(b.id, b.channel_order_no, b.store, b.platform, b.status,
                              b.paid_at, due, round((due - at).total_seconds() / 3600, 1)))
    waiting.sort(key=lambda r: (r.ship_by, r.order_id))
    return Board(at, waiting, exception_queue(uow, store=store, now=at))


def local_time(at: datetime | None) -> str:
    return at.astimezone(ZoneInfo(SHOP_TZ)).strftime("%Y-%m-%d %H:%M") if at else ""


TO_SHIP_HEADERS = ["订单号", "店铺", "平台", "状态", "付款时间", "最晚发货", "剩余小时", "超时"]
EXCEPTION_HEADERS = ["类型", "订单号", "店铺", "快递", "运单号", "超时起点", "已持续(小时)",
                     "建议处理", "处理状态"]
STATE_LABELS = {"open": "待处理", "acknowledged": "已知悉", "resolved": "已处理"}


def to_ship_rows(board: Board) -> list[list[object]]:
    return [[r.channel_order_no, r.store, r.platform, r.status, local_time(r.paid_at),
             local_time(r.ship_by), r.hours_left, "是" if r.overdue else ""] for r in board.to_ship]


def exception_rows(queue: ExceptionQueue) -> list[list[object]]:
    return [[i.exception.label, i.exception.channel_order_no, i.exception.store,
             i.exception.carrier or "", i.exception.tracking_no or "",
             local_time(i.exception.since), i.exception.age_hours, i.exception.action,
             STATE_LABELS[i.state]] for i in queue.items]


def board_sheets(board: Board) -> dict[str, tuple[list[str], list[list[object]]]]:
    """The board as Excel sheets: 待发货, 物流异常, 汇总."""
    summary = [[name, n] for name, n in board.counts.items()]
    return {"待发货": (TO_SHIP_HEADERS, to_ship_rows(board)),
            "物流异常": (EXCEPTION_HEADERS, exception_rows(board.exceptions)),
            "汇总": (["指标", "数量"], summary)}
