"""Demo shipments (包裹) and tracking events (物流轨迹) for the demo orders shipped in the last
two weeks, written inside the build's transaction.

- Each shipped order gets one parcel from its region's warehouse, a carrier (JD's store ships
  with 京东物流, the others with 顺丰 / 中通 / 圆通 / 韵达 / 申通 / EMS by a fixed mix), a
  carrier-style tracking number and the standard 3-day promise.
- Delivered parcels have 揽收 → 运输 scans → 派送 → 签收 at the order's delivered time; parcels
  still on the road have scans up to the end of the demo.
- Planted (found by the exception queue at the end of the demo): two parcels with no first scan
  25–48 h after shipping, and up to two stalled ones (shipped more than 75 h before the end,
  last scan 2 h after shipping; only parcels that old and still on the road qualify). The
  summary prints what the exception rules find at the end of the demo, per kind.
Facts: order.shipped, order.tracking and order.delivered per scan, so order timelines show them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, or_, select

from shopops.db.registry import Base
from shopops.demo.data import PROVINCES, WAREHOUSES
from shopops.demo.writer import insert_rows
from shopops.fulfillment.exceptions import (
    OrderSnapshot,
    ShipmentSnapshot,
    counts,
    find_exceptions,
)
from shopops.fulfillment.sla import (
    CARRIERS,
    FIRST_SCAN_HOURS,
    PROMISE_DAYS,
    STALL_HOURS,
    ship_by,
)

T = Base.metadata.tables
SHANGHAI = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
WINDOW_DAYS = 14
CARRIER_MIX = (("SF", 25), ("ZTO", 25), ("YTO", 20), ("YUNDA", 15), ("STO", 10), ("EMS", 5))
PREFIX = {"SF": "SF", "ZTO": "7", "YTO": "YT", "YUNDA": "4", "STO": "77", "EMS": "98",
          "JD": "JDVA"}
CITY = {"WH-SH": "上海", "WH-GZ": "广州", "WH-BJ": "北京"}
HUBS = ("杭州转运中心", "武汉转运中心", "郑州转运中心", "南京转运中心", "长沙转运中心")


@dataclass
class FulfillmentDemo:
    facts: list[dict[str, Any]] = field(default_factory=list)
    planted: dict[str, str] = field(default_factory=dict)


def _orders(conn: Connection, since: datetime) -> list[Any]:
    o, s, c = T["orders"], T["stores"], T["customers"]
    return list(conn.execute(
        select(o.c.id, o.c.store_id, o.c.channel_order_no, o.c.status, o.c.paid_at,
               o.c.shipped_at, o.c.delivered_at, s.c.platform, s.c.code, c.c.region)
        .join(s, s.c.id == o.c.store_id).outerjoin(c, c.c.id == o.c.customer_id)
        .where(or_(o.c.shipped_at >= since, o.c.status == "paid"))
        .order_by(o.c.shipped_at, o.c.id)))


class _Writer:
    def __init__(self, rng: random.Random, as_of: datetime) -> None:
        self.rng, self.as_of = rng, as_of
        self.shipments: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.out = FulfillmentDemo()
        self.warehouse_of = {p: WAREHOUSES[i][0] for p, _, i in PROVINCES}

    def scan(self, order: Any, shipment: dict[str, Any], at: datetime, status: str,
             text: str, where: str) -> None:
        self.events.append({"shipment_id": shipment["id"], "occurred_at": at,
                            "status": status, "description": text, "location": where,
                            "source": "demo", "recorded_at": at})
        kind = "order.delivered" if status == "delivered" else "order.tracking"
        self.out.facts.append({
            "kind": kind, "occurred_at": at, "store_id": order.store_id, "entity": "order",
            "entity_id": order.id, "data": {
                "source": "tracking", "shipment_id": shipment["id"],
                "tracking_no": shipment["tracking_no"], "carrier_name": shipment["carrier_name"],
                "status": status, "description": text, "location": where}})
        shipment["first_event_at"] = min(shipment["first_event_at"] or at, at)
        shipment["last_event_at"] = max(shipment["last_event_at"] or at, at)

    def parcel(self, order: Any, scans: str) -> None:
        """scans: "full" (to delivery or the end of the demo), "none", "stalled"."""
        code = "JD" if order.platform == "jd" else self.rng.choices(
            [c for c, _ in CARRIER_MIX], [w for _, w in CARRIER_MIX])[0]
        warehouse = self.warehouse_of.get(order.region or "", "WH-SH")
        number = PREFIX[code] + "".join(self.rng.choice("0123456789") for _ in range(12))
        shipped: datetime = order.shipped_at
        row = {"id": len(self.shipments) + 1, "order_id": order.id, "store_id": order.store_id,
               "allocation_id": None, "warehouse_code": warehouse, "carrier_code": code,
               "carrier_name": CARRIERS[code], "tracking_no": number, "service": "standard",
               "status": "shipped", "shipped_at": shipped,
               "promised_by": shipped + timedelta(days=PROMISE_DAYS["standard"]),
               "first_event_at": None, "last_event_at": None, "delivered_at": None}
        self.shipments.append(row)
        self.out.facts.append({
            "kind": "order.shipped", "occurred_at": shipped, "store_id": order.store_id,
            "entity": "order", "entity_id": order.id, "data": {
                "source": "shipment", "shipment_id": row["id"], "carrier_code": code,
                "carrier_name": row["carrier_name"], "tracking_no": number,
                "warehouse": warehouse, "status_changed": True}})
        if scans == "none":
            return
        origin, city = CITY[warehouse], order.region or "上海"
        hub = self.rng.choice(HUBS)
        if scans == "stalled":  # picked up, left the warehouse city, then nothing
            self.scan(order, row, shipped + H, "collected", f"【{origin}】快件已揽收", origin)
            self.scan(order, row, shipped + 2 * H, "in_transit", f"快件已发往【{hub}】", origin)
            row["status"] = "in_transit"
            return
        at = shipped + self.rng.uniform(1, 5) * H
        if at > self.as_of:  # shipped within the last hours: not picked up yet
            return
        self.scan(order, row, at, "collected", f"【{origin}】快件已揽收", origin)
        end = order.delivered_at or self.as_of
        steps = [(at + (end - at) * 0.35, "in_transit", f"快件已到达【{hub}】", hub),
                 (at + (end - at) * 0.7, "in_transit", f"快件已到达【{city}分拨中心】", city)]
        for when, status, text, where in steps:
            if when < end:
                self.scan(order, row, when, status, text, where)
                row["status"] = "in_transit"
        if order.delivered_at is not None:
            self.scan(order, row, order.delivered_at - 3 * H, "out_for_delivery",
                      f"【{city}】快递员正在派送", city)
            self.scan(order, row, order.delivered_at, "delivered", "已签收，签收人：本人", city)
            row["status"], row["delivered_at"] = "delivered", order.delivered_at


def build_fulfillment(conn: Connection, seed: int, as_of: datetime) -> FulfillmentDemo:
    """Shipments and scans for the orders shipped in the last WINDOW_DAYS before `as_of` (the
    demo's now; no scan is later), with the planted exceptions; returns the facts to append
    and what the exception rules find."""
    writer = _Writer(random.Random(seed + 4), as_of)
    found_orders = _orders(conn, as_of - timedelta(days=WINDOW_DAYS))
    orders = [o for o in found_orders if o.shipped_at is not None]
    moving = [o for o in orders if o.delivered_at is None]
    no_scan = [o.id for o in moving
               if as_of - 48 * H <= o.shipped_at <= as_of - (FIRST_SCAN_HOURS + 1) * H][:2]
    stalled = [o.id for o in moving if o.shipped_at <= as_of - (STALL_HOURS + 3) * H][:2]
    for order in orders:
        writer.parcel(order, "none" if order.id in no_scan else
                      "stalled" if order.id in stalled else "full")
    insert_rows(conn, T["shipments"], writer.shipments)
    insert_rows(conn, T["tracking_events"], writer.events)
    found = find_exceptions(_snapshots(found_orders, writer.shipments), as_of,
                            first_scan_hours=FIRST_SCAN_HOURS, stall_hours=STALL_HOURS)
    tally = counts(found)
    writer.out.planted = {
        "shipments": str(len(writer.shipments)), "tracking_events": str(len(writer.events)),
        "logistics_exceptions": ", ".join(f"{k} {n}" for k, n in tally.items())}
    return writer.out


def _snapshots(orders: list[Any], shipments: list[dict[str, Any]]) -> list[OrderSnapshot]:
    """What the exception rules see at the end of the demo (paid orders and parcels)."""
    by_order = {s["order_id"]: s for s in shipments}
    return [OrderSnapshot(
        o.id, o.channel_order_no, o.code, o.status,
        ship_by(o.paid_at, o.platform, {}) if o.paid_at is not None else None,
        tuple(ShipmentSnapshot(s["id"], s["carrier_name"], s["tracking_no"], s["shipped_at"],
                               s["promised_by"], s["first_event_at"], s["last_event_at"],
                               s["delivered_at"])
              for s in ([by_order[o.id]] if o.id in by_order else []))) for o in orders]
