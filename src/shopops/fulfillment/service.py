"""Fulfillment use cases (履约), one transaction each: ship an order's parcel with a carrier
and tracking number (stock reserved → shipped through the ledger, order → shipped), record
tracking events from a carrier file or the API (签收 → order delivered), and the logistics
exception queue with acknowledge / resolve. Order-side steps go through
orders.allocation_service; the rules are fulfillment/sla.py and exceptions.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select

from shopops.core.batches import chunks
from shopops.core.errors import Conflict, NotFound, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.db.shop_settings import read_settings
from shopops.fulfillment import exceptions as rules
from shopops.fulfillment import sla
from shopops.fulfillment.models import HANDLING_STATES, ExceptionHandling, Shipment, TrackingEvent
from shopops.fulfillment.tracking_file import (
    EventRow,
    RowProblem,
    events_from_json,
    parse_tracking_file,
)
from shopops.orders import allocation_service as orders
from shopops.orders.lifecycle import IllegalTransition

SHOP_TZ = "Asia/Shanghai"


def fulfillment_settings(uow: UnitOfWork) -> dict[str, Any]:
    """Ship limits per platform, promise days, first-scan and stall hours (with defaults)."""
    return read_settings(uow, dict(sla.setting_keys()))


@dataclass(frozen=True, slots=True)
class ShipmentView:
    id: int
    order_id: int
    channel_order_no: str
    store: str
    warehouse: str | None
    carrier_code: str
    carrier_name: str
    tracking_no: str
    service: str
    status: str
    shipped_at: datetime
    promised_by: datetime
    first_event_at: datetime | None
    last_event_at: datetime | None
    delivered_at: datetime | None

    def as_json(self, timezone: str = SHOP_TZ) -> dict[str, Any]:
        zone = ZoneInfo(timezone)
        out: dict[str, Any] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            out[name] = value.astimezone(zone).isoformat() if isinstance(value, datetime) \
                else value
        return out


def _view(r: Shipment, brief: orders.OrderBrief) -> ShipmentView:
    return ShipmentView(r.id, r.order_id, brief.channel_order_no, brief.store,
                        r.warehouse_code, r.carrier_code, r.carrier_name, r.tracking_no,
                        r.service, r.status, r.shipped_at, r.promised_by, r.first_event_at,
                        r.last_event_at, r.delivered_at)


def _views(uow: UnitOfWork, rows: Sequence[Shipment]) -> list[ShipmentView]:
    briefs = {b.id: b for b in orders.order_briefs(uow, ids={r.order_id for r in rows})}
    return [_view(r, briefs[r.order_id]) for r in rows]


def _tracking_no(value: object) -> str:
    text = str(value or "").strip()
    if not text or len(text) > 64 or any(c.isspace() for c in text):
        raise ValidationError(f"运单号 {value!r} 应为 1–64 个字符且不含空格 — tracking number "
                              f"{value!r} must be 1–64 characters without spaces",
                              field="tracking_no")
    return text


def ship_order(uow: UnitOfWork, order_id: int, carrier: str, tracking_no: str, *,
               warehouse: str | None = None, service: str = "standard",
               promised_by: datetime | None = None, province: str | None = None
               ) -> ShipmentView:
    """发货: one parcel of the order leaves with a carrier and tracking number. A paid order
    is allocated first; with a split, `warehouse` says which parcel (one pending parcel
    needs none). The stock moves reserved → shipped; the last parcel makes the order
    shipped."""
    code, number = sla.carrier_code(carrier), _tracking_no(tracking_no)
    brief = orders.order_brief(uow, order_id)
    if brief.status == "paid":
        orders.allocate_order(uow, order_id, province)
    elif brief.status != "allocated":
        raise IllegalTransition(brief.status, "shipped", order=brief.channel_order_no)
    pending = [p for p in orders.order_parcels(uow, order_id) if p.status == "reserved"]
    if warehouse is not None:
        pending_here = [p for p in pending if p.warehouse == warehouse]
        if not pending_here:
            waiting = ", ".join(p.warehouse for p in pending)
            raise ValidationError(f"订单 {brief.channel_order_no} 在 {warehouse} 没有待发包裹"
                                  f"（待发：{waiting or '无'}） — order {brief.channel_order_no} "
                                  f"has no parcel waiting in {warehouse}; waiting: "
                                  f"{waiting or 'none'}", field="warehouse")
        parcel = pending_here[0]
    elif len(pending) == 1:
        parcel = pending[0]
    else:
        several = ", ".join(p.warehouse for p in pending)
        raise ValidationError(f"订单 {brief.channel_order_no} 从多个仓库发货（{several}），请选择"
                              f"仓库 — order {brief.channel_order_no} ships from several "
                              f"warehouses ({several}): name one", field="warehouse")
    taken = uow.session.scalar(select(Shipment.id).where(Shipment.carrier_code == code,
                                                         Shipment.tracking_no == number))
    if taken is not None:
        raise Conflict(f"{sla.CARRIERS[code]}运单号 {number} 已被包裹 {taken} 使用 — "
                       f"{sla.CARRIERS[code]} tracking number {number} is already used by "
                       f"shipment {taken}", field="tracking_no")
    orders.ship_parcel(uow, parcel.allocation_id)
    now = uow.now()
    row = Shipment(order_id=order_id, store_id=brief.store_id, allocation_id=parcel.allocation_id,
                   warehouse_code=parcel.warehouse, carrier_code=code,
                   carrier_name=sla.CARRIERS[code], tracking_no=number, service=service,
                   status="shipped", shipped_at=now,
                   promised_by=promised_by or sla.promised_by(now, service,
                                                              fulfillment_settings(uow)))
    uow.session.add(row)
    uow.session.flush()
    orders.record_shipped(uow, order_id, now, last_parcel=len(pending) == 1,
                          shipment_id=row.id, carrier_code=code, carrier_name=row.carrier_name,
                          tracking_no=number, warehouse=parcel.warehouse,
                          lines=[list(x) for x in parcel.lines])
    return _view(row, brief)


def list_shipments(uow: UnitOfWork, *, order_id: int | None = None, status: str | None = None,
                   offset: int = 0, limit: int = 50) -> tuple[list[ShipmentView], int]:
    """Shipments, newest first, and how many match."""
    where: list[Any] = []
    if order_id is not None:
        where.append(Shipment.order_id == order_id)
    if status is not None:
        where.append(Shipment.status == status)
    total = uow.session.scalar(select(func.count(Shipment.id)).where(*where)) or 0
    rows = uow.session.scalars(select(Shipment).where(*where)
                               .order_by(Shipment.shipped_at.desc(), Shipment.id.desc())
                               .offset(offset).limit(limit)).all()
    return _views(uow, rows), int(total)


# ---------------------------------------------------------------- tracking events


@dataclass
class TrackingReport:
    read: int = 0
    added: int = 0
    duplicates: int = 0
    delivered_orders: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"read": self.read, "added": self.added, "duplicates": self.duplicates,
                "rejected": len(self.problems), "delivered_orders": self.delivered_orders,
                "problems": [p.as_json() for p in self.problems]}


def _shipment_for(event: EventRow, found: dict[str, list[Shipment]]) -> Shipment | str:
    candidates = found.get(event.tracking_no, [])
    if event.carrier:
        try:
            code = sla.carrier_code(event.carrier)
        except ValidationError as exc:
            return exc.message
        candidates = [s for s in candidates if s.carrier_code == code]
    if not candidates:
        return (f"未知运单号：没有运单号为 {event.tracking_no} 的包裹 — no shipment with "
                f"tracking number {event.tracking_no}")
    if len(candidates) > 1:
        return "运单号对应多个快递公司，请填写快递公司 — ambiguous: give the carrier"
    return candidates[0]


def record_tracking_events(uow: UnitOfWork, events: Sequence[EventRow],
                           problems: Sequence[RowProblem] = (), source: str = "api"
                           ) -> TrackingReport:
    """物流轨迹入库: new events are stored (the same scan twice is counted once), each
    parcel's first/last scan and status follow, a 签收 delivers the order once all its
    parcels are delivered. Rows that cannot be matched are reported, the rest kept."""
    report = TrackingReport(read=len(events) + len(problems), problems=list(problems))
    numbers = {e.tracking_no for e in events}
    found: dict[str, list[Shipment]] = {}
    for chunk_start in range(0, len(numbers), 500):
        chunk = sorted(numbers)[chunk_start:chunk_start + 500]
        for s in uow.session.scalars(select(Shipment).where(Shipment.tracking_no.in_(chunk))):
            found.setdefault(s.tracking_no, []).append(s)
    ids = [s.id for group in found.values() for s in group]
    known = {(sid, at, st) for sid, at, st in uow.session.execute(
        select(TrackingEvent.shipment_id, TrackingEvent.occurred_at, TrackingEvent.status)
        .where(TrackingEvent.shipment_id.in_(ids)))} if ids else set()
    delivered: dict[int, Shipment] = {}
    for event in sorted(events, key=lambda e: (e.occurred_at, e.row)):
        shipment = _shipment_for(event, found)
        if isinstance(shipment, str):
            report.problems.append(RowProblem(event.row, "tracking_no", event.tracking_no,
                                              shipment))
            continue
        key = (shipment.id, event.occurred_at, event.status)
        if key in known:
            report.duplicates += 1
            continue
        known.add(key)
        uow.session.add(TrackingEvent(
            shipment_id=shipment.id, occurred_at=event.occurred_at, status=event.status,
            description=event.description, location=event.location, source=source,
            recorded_at=uow.now()))
        _follow(shipment, event)
        if event.status == "delivered":
            delivered[shipment.id] = shipment
        orders.record_tracking(uow, shipment.order_id, shipment.store_id, event.occurred_at,
                               shipment_id=shipment.id, tracking_no=shipment.tracking_no,
                               carrier_name=shipment.carrier_name, status=event.status,
                               description=event.description, location=event.location)
        report.added += 1
    uow.session.flush()
    for shipment in delivered.values():
        if _order_delivered(uow, shipment):
            report.delivered_orders.append(shipment.order_id)
    report.problems.sort(key=lambda p: (p.row or 0))
    return report


def _follow(shipment: Shipment, event: EventRow) -> None:
    at = event.occurred_at
    if shipment.first_event_at is None or at < shipment.first_event_at:
        shipment.first_event_at = at
    if shipment.last_event_at is None or at >= shipment.last_event_at:
        shipment.last_event_at = at
    if event.status == "delivered":
        shipment.status, shipment.delivered_at = "delivered", at
    elif event.status == "returned" and shipment.status != "delivered":
        shipment.status = "returned"
    elif shipment.status == "shipped":
        shipment.status = "in_transit"


def _order_delivered(uow: UnitOfWork, shipment: Shipment) -> bool:
    if orders.has_waiting_parcels(uow, shipment.order_id):
        return False  # part of the order has not even left
    others = uow.session.scalars(select(Shipment).where(
        Shipment.order_id == shipment.order_id)).all()
    if any(s.delivered_at is None for s in others):
        return False
    at = max(s.delivered_at for s in others if s.delivered_at is not None)
    return orders.record_delivered(uow, shipment.order_id, at, tracking_no=shipment.tracking_no,
                                   description="已签收", shipment_id=shipment.id)


def import_tracking_file(uow: UnitOfWork, content: bytes, filename: str,
                         timezone: str = SHOP_TZ) -> TrackingReport:
    """A carrier's tracking file (CSV/XLSX): every good row stored, every bad one reported
    with its row number, column and reason."""
    events, problems = parse_tracking_file(content, filename, timezone)
    return record_tracking_events(uow, events, problems, source="file")


def post_tracking_events(uow: UnitOfWork, items: Sequence[Any]) -> TrackingReport:
    """The API's list of events (tracking_no, occurred_at, status, description, location)."""
    if not isinstance(items, list):
        raise ValidationError("请求体应为物流轨迹列表 — body must be a list of tracking events",
                              field="body")
    events, problems = events_from_json(items, SHOP_TZ)
    return record_tracking_events(uow, events, problems, source="api")


# ---------------------------------------------------------------- exceptions (work queue)


@dataclass(frozen=True, slots=True)
class QueueItem:
    exception: rules.LogisticsException
    state: str  # open | acknowledged | resolved

    def as_json(self, timezone: str = SHOP_TZ) -> dict[str, Any]:
        e = self.exception
        return {"key": e.key, "kind": e.kind, "label": e.label, "order_id": e.order_id,
                "channel_order_no": e.channel_order_no, "store": e.store,
                "since": e.since.astimezone(ZoneInfo(timezone)).isoformat(),
                "age_hours": e.age_hours, "shipment_id": e.shipment_id,
                "tracking_no": e.tracking_no, "carrier": e.carrier,
                "suggested_action": e.action, "state": self.state}


@dataclass(frozen=True, slots=True)
class ExceptionQueue:
    items: list[QueueItem]
    counts: dict[str, int]  # unresolved per kind
    now: datetime

    def as_json(self) -> dict[str, Any]:
        return {"now": self.now.astimezone(ZoneInfo(SHOP_TZ)).isoformat(),
                "counts": self.counts, "total": sum(self.counts.values()),
                "items": [i.as_json() for i in self.items]}


def _snapshots(uow: UnitOfWork, settings: dict[str, Any], store: str | None
               ) -> list[rules.OrderSnapshot]:
    open_orders = orders.order_briefs(uow, statuses=rules.OPEN_STATUSES, store=store)
    moving = uow.session.scalars(select(Shipment).where(  # ix_shipments_status_shipped
        Shipment.status.in_(("shipped", "in_transit")), Shipment.delivered_at.is_(None))).all()
    by_order: dict[int, list[Shipment]] = {}
    for s in moving:
        by_order.setdefault(s.order_id, []).append(s)
    shipped_only = set(by_order) - {b.id for b in open_orders}
    briefs = open_orders + (orders.order_briefs(uow, ids=shipped_only, store=store)
                            if shipped_only else [])
    return [rules.OrderSnapshot(
        b.id, b.channel_order_no, b.store, b.status,
        sla.ship_by(b.paid_at, b.platform, settings) if b.paid_at else None,
        tuple(rules.ShipmentSnapshot(s.id, s.carrier_name, s.tracking_no, s.shipped_at,
                                     s.promised_by, s.first_event_at, s.last_event_at,
                                     s.delivered_at) for s in by_order.get(b.id, [])))
        for b in briefs]


def exception_queue(uow: UnitOfWork, *, kind: str | None = None, store: str | None = None,
                    include_resolved: bool = False, now: datetime | None = None
                    ) -> ExceptionQueue:
    """物流异常工作台: every open exception (oldest first) with order, store, age and the
    suggested action; acknowledged ones stay (marked), resolved ones leave the queue."""
    if kind is not None and kind not in rules.KINDS:
        raise ValidationError(f"异常类型 {kind!r} 不存在，可选：{', '.join(rules.KINDS)} — "
                              f"kind {kind!r} is not one of {', '.join(rules.KINDS)}",
                              field="kind")
    at = now or uow.now()
    settings = fulfillment_settings(uow)
    found = rules.find_exceptions(
        _snapshots(uow, settings, store), at,
        first_scan_hours=int(settings["fulfillment.first_scan_hours"]),
        stall_hours=int(settings["fulfillment.stall_hours"]))
    keys = [e.key for e in found]
    states: dict[str, str] = {}
    for start in range(0, len(keys), 500):
        states.update((k, st) for k, st in uow.session.execute(
            select(ExceptionHandling.exception_key, ExceptionHandling.state)
            .where(ExceptionHandling.exception_key.in_(keys[start:start + 500]))))
    items = [QueueItem(e, states.get(e.key, "open")) for e in found]
    counts = rules.counts(i.exception for i in items if i.state != "resolved")
    shown = [i for i in items if (include_resolved or i.state != "resolved")
             and (kind is None or i.exception.kind == kind)]
    return ExceptionQueue(shown, counts, at)


def handle_exception(uow: UnitOfWork, key: str, state: str, note: str | None = None,
                     user: str | None = None) -> dict[str, Any]:
    """已知悉 / 已处理: mark one exception occurrence (its key from the queue)."""
    if state not in HANDLING_STATES:
        raise ValidationError(f"处理状态 {state!r} 不存在，可选：{', '.join(HANDLING_STATES)} — "
                              f"state {state!r} is not one of {', '.join(HANDLING_STATES)}",
                              field="state")
    parts = key.split(":")
    if len(parts) != 4 or parts[0] not in rules.KINDS or not parts[1].isdigit():
        raise ValidationError(f"{key!r} 不是异常队列中的异常 — {key!r} is not an exception key "
                              "from the queue", field="key")
    brief = orders.order_brief(uow, int(parts[1]))
    row = uow.session.scalar(select(ExceptionHandling).where(
        ExceptionHandling.exception_key == key))
    if row is None:
        row = ExceptionHandling(exception_key=key, order_id=brief.id, kind=parts[0])
        uow.session.add(row)
    elif row.state == "resolved" and state == "acknowledged":
        raise Conflict(f"异常 {key} 已处理完毕 — exception {key} is already resolved",
                       field="state")
    row.state, row.note, row.handled_by, row.handled_at = state, note, user, uow.now()
    uow.session.flush()
    orders.record_exception_handled(uow, brief.id, brief.store_id, exception=rules.KINDS[
        parts[0]][0], action={"acknowledged": "已知悉", "resolved": "已处理"}[state],
        key=key, note=note, user=user)
    return {"key": key, "order_id": brief.id, "kind": parts[0], "state": state, "note": note}


def get_shipment(uow: UnitOfWork, shipment_id: int) -> ShipmentView:
    row = uow.session.get(Shipment, shipment_id)
    if row is None:
        raise NotFound(f"没有编号为 {shipment_id} 的包裹 — no shipment with id {shipment_id}",
                       field="shipment_id")
    return _views(uow, [row])[0]


@dataclass(frozen=True, slots=True)
class PlatformShipment:
    """A parcel the platform's export says already left: carrier and tracking number (运单)."""

    order_id: int
    store_id: int
    carrier: str
    tracking_no: str
    shipped_at: datetime
    delivered_at: datetime | None = None  # 签收 (or completed) per the export
    promised_by: datetime | None = None
    allocation_id: int | None = None  # the parcel ShopOps had reserved for it (now shipped)
    warehouse: str | None = None


def record_platform_shipments(uow: UnitOfWork, items: Sequence[PlatformShipment]
                              ) -> tuple[int, list[dict[str, Any]]]:
    """运单 of orders imported already shipped, so tracking files and the exception queue see
    them. No stock moves here (a parcel ShopOps had reserved is shipped by the caller through
    allocation_service.ship_parcel first). Idempotent: an order that has a
    shipment, or a (carrier, tracking number) already used, is left as it is; an unknown
    carrier or a bad number is reported. Returns (shipments created, problems)."""
    settings, problems, rows = fulfillment_settings(uow), [], []
    has = {i for batch in chunks([it.order_id for it in items]) for i in uow.session.scalars(
        select(Shipment.order_id).where(Shipment.order_id.in_(batch)))}
    wanted: dict[tuple[str, str], PlatformShipment] = {}
    for item in items:
        try:
            key = (sla.carrier_code(item.carrier), _tracking_no(item.tracking_no))
        except ValidationError as exc:
            problems.append({"order_id": item.order_id, "reason": exc.message})
            continue
        if item.order_id in has:
            continue
        if key in wanted:  # 合并发货: one parcel for several orders, one shipment row only
            problems.append({"order_id": item.order_id, "reason": f"tracking number {key[1]} "
                             f"is the shipment of order id {wanted[key].order_id} already"})
            continue
        wanted[key] = item
        has.add(item.order_id)
    numbers = list({number for _, number in wanted})
    taken = {pair for batch in chunks(numbers) for pair in uow.session.execute(
        select(Shipment.carrier_code, Shipment.tracking_no).where(
            Shipment.tracking_no.in_(batch)))}
    for (code, number), it in wanted.items():
        if (code, number) in taken:
            problems.append({"order_id": it.order_id, "reason": f"{sla.CARRIERS[code]} "
                             f"tracking number {number} is already used by another shipment"})
            continue
        rows.append({"order_id": it.order_id, "store_id": it.store_id,
                     "allocation_id": it.allocation_id, "warehouse_code": it.warehouse,
                     "carrier_code": code,
                     "carrier_name": sla.CARRIERS[code], "tracking_no": number,
                     "service": "standard", "shipped_at": it.shipped_at,
                     "status": "delivered" if it.delivered_at else "shipped",
                     "delivered_at": it.delivered_at, "promised_by": it.promised_by or
                     sla.promised_by(it.shipped_at, "standard", settings)})
    if rows:
        # a Core table insert: one batched executemany (the ORM's bulk insert round-trips)
        uow.session.execute(insert(cast(Table, Shipment.__table__)), rows)
    return len(rows), problems
