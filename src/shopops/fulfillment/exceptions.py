"""Logistics exceptions (物流异常) as a work queue: pure rules over plain order/shipment
snapshots and `now`. A deadline is met up to and including the deadline instant; one
second later the exception opens. Each exception says since when, how old it is and what
to do.

- not_shipped      未按时发货: paid/allocated and now > ship_by
- no_first_scan    发货无揽收: shipped, no tracking event, now > shipped_at + first-scan hours
- stalled          物流停滞:  has events, not delivered, now > last event + stall hours
- late_delivery    超时未签收: not delivered and now > promised_by
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

KINDS: dict[str, tuple[str, str]] = {
    "not_shipped": ("未按时发货",
                    "立即安排发货并联系买家说明；缺货时换仓或拆单，避免平台延迟发货处罚"),
    "no_first_scan": ("发货后无揽收", "联系快递网点确认是否揽收，核对运单号与快递公司是否填错"),
    "stalled": ("物流停滞", "向承运商发起查件，必要时补发或改派，并主动告知买家"),
    "late_delivery": ("超时未签收", "催促承运商派送，联系买家安抚，视情况给予补偿"),
}
OPEN_STATUSES = ("paid", "allocated")


@dataclass(frozen=True, slots=True)
class ShipmentSnapshot:
    shipment_id: int
    carrier: str
    tracking_no: str
    shipped_at: datetime
    promised_by: datetime
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    order_id: int
    channel_order_no: str
    store: str
    status: str
    ship_by: datetime | None  # None: not paid (no deadline)
    shipments: tuple[ShipmentSnapshot, ...] = ()


@dataclass(frozen=True, slots=True)
class LogisticsException:
    kind: str
    order_id: int
    channel_order_no: str
    store: str
    since: datetime  # the missed deadline
    age: timedelta  # now − since
    shipment_id: int | None = None
    tracking_no: str | None = None
    carrier: str | None = None

    @property
    def label(self) -> str:
        return KINDS[self.kind][0]

    @property
    def action(self) -> str:
        return KINDS[self.kind][1]

    @property
    def key(self) -> str:
        """Stable id of this occurrence (a later stall of the same parcel is a new one)."""
        return f"{self.kind}:{self.order_id}:{self.shipment_id or 0}:{int(self.since.timestamp())}"

    @property
    def age_hours(self) -> float:
        return round(self.age.total_seconds() / 3600, 1)


def _open(kind: str, order: OrderSnapshot, since: datetime, now: datetime,
          parcel: ShipmentSnapshot | None = None) -> LogisticsException:
    return LogisticsException(
        kind, order.order_id, order.channel_order_no, order.store, since, now - since,
        parcel.shipment_id if parcel else None, parcel.tracking_no if parcel else None,
        parcel.carrier if parcel else None)


def order_exceptions(order: OrderSnapshot, now: datetime, *, first_scan_hours: int,
                     stall_hours: int) -> list[LogisticsException]:
    found: list[LogisticsException] = []
    if order.status in OPEN_STATUSES and order.ship_by is not None and now > order.ship_by:
        found.append(_open("not_shipped", order, order.ship_by, now))
    for parcel in order.shipments:
        if parcel.delivered_at is not None:
            continue
        if parcel.first_event_at is None:
            due = parcel.shipped_at + timedelta(hours=first_scan_hours)
            if now > due:
                found.append(_open("no_first_scan", order, due, now, parcel))
        elif parcel.last_event_at is not None:
            due = parcel.last_event_at + timedelta(hours=stall_hours)
            if now > due:
                found.append(_open("stalled", order, due, now, parcel))
        if now > parcel.promised_by:
            found.append(_open("late_delivery", order, parcel.promised_by, now, parcel))
    return found


def find_exceptions(orders: Iterable[OrderSnapshot], now: datetime, *, first_scan_hours: int,
                    stall_hours: int) -> list[LogisticsException]:
    """Every open exception, oldest first (the queue's order)."""
    found = [e for o in orders for e in order_exceptions(
        o, now, first_scan_hours=first_scan_hours, stall_hours=stall_hours)]
    return sorted(found, key=lambda e: (e.since, e.order_id, e.kind))


def counts(exceptions: Iterable[LogisticsException]) -> dict[str, int]:
    """How many of each kind (every kind listed, zeros included)."""
    tally = dict.fromkeys(KINDS, 0)
    for e in exceptions:
        tally[e.kind] += 1
    return tally
