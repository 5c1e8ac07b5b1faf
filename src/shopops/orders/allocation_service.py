"""Allocation use cases (分仓): a paid order is routed to warehouses by the store's rules
(orders/allocation.py) and its units reserved in the stock ledger — all or nothing, so two
orders never hold the same unit — and the order moves paid → allocated with a fact. Also the
order-side steps fulfillment drives: a parcel shipped (reserved → shipped in the ledger),
tracking events and delivery, each a fact on the order's timeline.

Kept beside orders/service.py (the read side) so the write path is one module."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from shopops.catalog.service import sku_codes
from shopops.core.batches import chunks
from shopops.core.errors import Conflict, InsufficientStock, NotFound, ShopOpsError
from shopops.core.uow import UnitOfWork
from shopops.customers.service import customer_region, customer_regions
from shopops.db.facts import Fact
from shopops.db.ids import new_ids
from shopops.db.shop_settings import read_settings, write_setting
from shopops.inventory import service as stock
from shopops.inventory.models import StockBalance
from shopops.orders.allocation import (
    DEFAULT_RULES,
    Decision,
    Rule,
    WarehouseStock,
    parse_rules,
    region_of,
    route,
)
from shopops.orders.allocation_models import OrderAllocation, OrderAllocationLine
from shopops.orders.lifecycle import IllegalTransition, can_advance
from shopops.orders.models import Order, OrderLine
from shopops.stores.service import get_store, list_stores, store_by_id

ROUTING_KEY = "orders.routing_rules"  # + ".<store code>" for one store
HOLD_KEY = "orders.allocation_hold_hours"
HOLD_HOURS = 168  # an allocated order's units stay reserved a week unless it ships
RACE_ROUNDS = 5  # re-route when a concurrent order took the planned stock
BATCH = 1000  # orders routed and written together by allocate_orders (one savepoint)
ORDERS = cast(Table, Order.__table__)
ALLOCATIONS = cast(Table, OrderAllocation.__table__)
ALLOCATION_LINES = cast(Table, OrderAllocationLine.__table__)
FACTS = cast(Table, Fact.__table__)


@dataclass(frozen=True, slots=True)
class OrderBrief:
    id: int
    channel_order_no: str
    store_id: int
    store: str
    platform: str
    status: str
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class ParcelView:
    allocation_id: int
    order_id: int
    warehouse: str
    status: str
    lines: tuple[tuple[str, int], ...]
    reservation_ids: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        return {"allocation_id": self.allocation_id, "warehouse": self.warehouse,
                "status": self.status,
                "lines": [{"sku": s, "quantity": q} for s, q in self.lines]}


@dataclass(frozen=True, slots=True)
class AllocationResult:
    order_id: int
    status: str
    province: str | None
    region: str | None
    parcels: tuple[ParcelView, ...]
    explanation: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "status": self.status, "province": self.province,
                "region": self.region, "parcels": [p.as_json() for p in self.parcels],
                "explanation": list(self.explanation)}


# ---------------------------------------------------------------- reads


def order_briefs(uow: UnitOfWork, *, ids: Iterable[int] | None = None,
                 statuses: Iterable[str] | None = None, store: str | None = None
                 ) -> list[OrderBrief]:
    """Orders by id and/or status (the fulfillment board's input), oldest payment first."""
    stores = {s.id: s for s in list_stores(uow)}
    query = select(Order.id, Order.channel_order_no, Order.store_id, Order.status,
                   Order.paid_at, Order.shipped_at, Order.delivered_at)
    if ids is not None:
        query = query.where(Order.id.in_(list(ids)))
    if statuses is not None:
        query = query.where(Order.status.in_(list(statuses)))
    if store is not None:
        query = query.where(Order.store_id == get_store(uow, store).id)
    rows = uow.session.execute(query.order_by(Order.paid_at, Order.id)).all()
    return [OrderBrief(r.id, r.channel_order_no, r.store_id, stores[r.store_id].code,
                       stores[r.store_id].platform, r.status, r.paid_at, r.shipped_at,
                       r.delivered_at) for r in rows]


def order_brief(uow: UnitOfWork, order_id: int) -> OrderBrief:
    found = order_briefs(uow, ids=[order_id])
    if not found:
        raise NotFound(f"no order with id {order_id}", field="order_id")
    return found[0]


def order_parcels(uow: UnitOfWork, order_id: int) -> list[ParcelView]:
    """The order's parcels (one per warehouse), by allocation id."""
    rows = uow.session.scalars(select(OrderAllocation).where(
        OrderAllocation.order_id == order_id).order_by(OrderAllocation.id)).all()
    codes = {w.id: w.code for w in stock.list_warehouses(uow)}
    skus = sku_codes(uow, {ln.sku_id for r in rows for ln in r.lines})
    return [ParcelView(r.id, r.order_id, codes[r.warehouse_id], r.status,
                       tuple((skus[ln.sku_id][0], ln.quantity) for ln in r.lines),
                       tuple(r.reservation_ids)) for r in rows]


def has_waiting_parcels(uow: UnitOfWork, order_id: int) -> bool:
    """True while part of the order is still reserved in a warehouse (not shipped)."""
    return uow.session.scalar(select(OrderAllocation.id).where(
        OrderAllocation.order_id == order_id, OrderAllocation.status == "reserved")
        .limit(1)) is not None


def routing_rules(uow: UnitOfWork, store: str | None = None) -> list[Rule]:
    """The store's ordered rules, else the shop-wide list, else the default."""
    keys = {ROUTING_KEY: list(DEFAULT_RULES)}
    if store is not None:
        keys[f"{ROUTING_KEY}.{get_store(uow, store).code}"] = []
    stored = read_settings(uow, keys)
    raw = stored.get(f"{ROUTING_KEY}.{store}") if store is not None else None
    return parse_rules(raw or stored[ROUTING_KEY])


def set_routing_rules(uow: UnitOfWork, rules: object, store: str | None = None) -> list[Rule]:
    """Save an ordered rule list for one store (or the whole shop); checked first."""
    parsed = parse_rules(rules)
    key = ROUTING_KEY if store is None else f"{ROUTING_KEY}.{get_store(uow, store).code}"
    write_setting(uow, key, [{"kind": r.kind, "warehouses": list(r.warehouses)}
                             for r in parsed])
    return parsed


# ---------------------------------------------------------------- allocate


def _order_lines(uow: UnitOfWork, order_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """SKU code → units (lines of one SKU merged), and SKU code → id."""
    rows = uow.session.execute(select(OrderLine.sku_id, OrderLine.quantity)
                               .where(OrderLine.order_id == order_id)).all()
    codes = sku_codes(uow, {r.sku_id for r in rows})
    wanted: dict[str, int] = {}
    for sku_id, qty in rows:
        wanted[codes[sku_id][0]] = wanted.get(codes[sku_id][0], 0) + qty
    return wanted, {code: sku_id for sku_id, (code, _) in codes.items()}


def _stock(uow: UnitOfWork, skus: Iterable[str], warehouses: list[stock.WarehouseView]
           ) -> list[WarehouseStock]:
    sellable = {w.code: w for w in warehouses if w.sellable}
    free: dict[str, dict[str, int]] = {code: {} for code in sellable}
    for sku in skus:
        for level in stock.stock_levels(uow, sku=sku):
            if level.warehouse in free and level.available > 0:
                free[level.warehouse][sku] = level.available
    return [WarehouseStock(code, sellable[code].region, free[code]) for code in sorted(free)]


def _shortage_error(number: str, decision: Decision) -> InsufficientStock:
    return InsufficientStock(
        f"order {number} cannot be allocated: " + "; ".join(
            f"{s.sku} short by {s.shortfall} (requested {s.requested}, available "
            f"{s.available})" for s in decision.shortages),
        field="lines", shortages=[{"sku": s.sku, "requested": s.requested,
                                   "available": s.available, "shortfall": s.shortfall}
                                  for s in decision.shortages])


def _allocated_fact(place: str | None, region: str | None, rules: list[Rule],
                    decision: Decision) -> dict[str, Any]:
    return {"source": "allocation", "from_status": "paid", "to_status": "allocated",
            "province": place, "region": region, "rules": [r.kind for r in rules],
            "plan": [{"warehouse": p.warehouse, "lines": [list(x) for x in p.lines]}
                     for p in decision.parcels], "explanation": list(decision.explanation)}


def _reserve(uow: UnitOfWork, order: Order, decision: Decision, hold: timedelta
             ) -> list[tuple[str, list[int]]]:
    held = []
    for parcel in decision.parcels:
        ids = stock.reserve(uow, list(parcel.lines), reference=f"order:{order.id}", ttl=hold,
                            warehouse=parcel.warehouse)
        held.append((parcel.warehouse, ids))
    return held


def _not_allocatable(status: str, number: str) -> ShopOpsError | None:
    """Why an order in `status` cannot be allocated (None: it is paid and can be)."""
    if status == "paid":
        return None
    if status == "allocated":
        return Conflict(f"order {number} is already allocated", field="order_id")
    return IllegalTransition(status, "allocated", order=number)


def allocate_order(uow: UnitOfWork, order_id: int, province: str | None = None
                   ) -> AllocationResult:
    """分仓占用: route a paid order and reserve every unit, or change nothing and name the
    short SKUs. `province` overrides the customer's known province (收货省份)."""
    order = _order(uow, order_id)
    if (refused := _not_allocatable(order.status, order.channel_order_no)) is not None:
        raise refused
    store = store_by_id(uow, order.store_id)
    place = province or customer_region(uow, order.customer_id)
    region = region_of(place)
    lines, ids_of = _order_lines(uow, order.id)
    rules = routing_rules(uow, store.code)
    hold = timedelta(hours=int(read_settings(uow, {HOLD_KEY: HOLD_HOURS})[HOLD_KEY]))
    warehouses = stock.list_warehouses(uow)
    for attempt in range(RACE_ROUNDS):
        decision = route(lines, region, _stock(uow, lines, warehouses), rules)
        if decision.shortages:
            raise _shortage_error(order.channel_order_no, decision)
        try:
            with uow.session.begin_nested():  # all parcels or none
                held = _reserve(uow, order, decision, hold)
            break
        except InsufficientStock:
            if attempt == RACE_ROUNDS - 1:
                raise
    # the status guard: a concurrent allocation of the same order loses here
    moved = uow.session.execute(update(Order).where(Order.id == order.id,
                                                    Order.status == "paid")
                                .values(status="allocated")).rowcount  # type: ignore[attr-defined]
    if moved != 1:
        raise Conflict(f"order {order.channel_order_no} changed meanwhile", field="order_id")
    uow.session.expire(order, ["status"])
    wh_ids = {w.code: w.id for w in warehouses}
    rows = []
    for (code, ids), parcel in zip(held, decision.parcels, strict=True):
        rows.append(OrderAllocation(
            order_id=order.id, warehouse_id=wh_ids[code], status="reserved", province=place,
            region=region, reservation_ids=ids, allocated_at=uow.now(),
            lines=[OrderAllocationLine(sku_id=ids_of[s], quantity=q) for s, q in parcel.lines]))
    uow.session.add_all(rows)
    uow.session.flush()
    uow.record("order.allocated", entity="order", entity_id=order.id, store_id=order.store_id,
               **_allocated_fact(place, region, rules, decision))
    parcels = tuple(ParcelView(row.id, order.id, parcel.warehouse, "reserved", parcel.lines,
                               tuple(row.reservation_ids))
                    for row, parcel in zip(rows, decision.parcels, strict=True))
    return AllocationResult(order.id, "allocated", place, region, parcels,
                            decision.explanation)


@dataclass(frozen=True, slots=True)
class BatchResult:
    allocated: list[AllocationResult]
    failed: list[dict[str, Any]]  # order id, channel order no, code, message


def allocate_paid_orders(uow: UnitOfWork, store: str | None = None, limit: int | None = 500
                         ) -> BatchResult:
    """Job: allocate every paid order (oldest payment first, at most `limit`; None: all); an
    order that cannot be allocated is reported with its reason and never stops the others."""
    briefs = order_briefs(uow, statuses=["paid"], store=store)
    return allocate_orders(uow, [b.id for b in briefs][:limit])


def allocate_orders(uow: UnitOfWork, order_ids: Sequence[int]) -> BatchResult:
    """分仓 of many paid orders, in the given order (the caller's: oldest payment first), with
    the same decisions as `allocate_order` one by one but BATCH orders at a time: their lines,
    provinces, rules and the free stock of every SKU involved read once (the stock rows
    locked, see inventory.lock_free_stock), each order routed in memory against what the
    orders before it took, then every reservation, ledger move, parcel, status change and
    fact written with one statement per table (executemany). A batch is one savepoint: all
    its writes or none. Orders short of stock or no longer paid are reported, never stop
    the others."""
    done: list[AllocationResult] = []
    failed: list[dict[str, Any]] = []
    for batch in chunks(list(dict.fromkeys(order_ids)), BATCH):
        _allocate_batch(uow, list(batch), done, failed)
    return BatchResult(done, failed)


@dataclass(slots=True)
class _Planned:
    order_id: int
    store_id: int
    channel_order_no: str
    place: str | None
    region: str | None
    rules: list[Rule]
    decision: Decision


def _failure(order_id: int, number: str, exc: ShopOpsError) -> dict[str, Any]:
    return {"order_id": order_id, "channel_order_no": number, "code": exc.code,
            "message": exc.message}


def _allocate_batch(uow: UnitOfWork, ids: list[int], done: list[AllocationResult],
                    failed: list[dict[str, Any]]) -> None:
    session = uow.session
    session.flush()  # pending ORM changes first: the batch writes with Core statements
    line_rows = session.execute(select(OrderLine.order_id, OrderLine.sku_id, OrderLine.quantity)
                                .where(OrderLine.order_id.in_(ids))).all()
    codes = sku_codes(uow, {r.sku_id for r in line_rows})
    lines_of: dict[int, dict[str, int]] = {}
    for order_id, sku_id, qty in line_rows:
        wanted = lines_of.setdefault(order_id, {})
        wanted[codes[sku_id][0]] = wanted.get(codes[sku_id][0], 0) + qty
    id_of = {code: sku_id for sku_id, (code, _) in codes.items()}
    warehouses = stock.list_warehouses(uow)
    by_id = {w.id: w for w in warehouses}
    hold = timedelta(hours=int(read_settings(uow, {HOLD_KEY: HOLD_HOURS})[HOLD_KEY]))
    stores = {s.id: s.code for s in list_stores(uow)}
    rules_of: dict[int, list[Rule]] = {}
    with session.begin_nested():  # the batch: all of it or nothing
        free: dict[str, dict[str, int]] = {w.code: {} for w in warehouses if w.sellable}
        for (sku_id, wh_id), units in stock.lock_free_stock(uow, set(codes)).items():
            if units > 0:
                free[by_id[wh_id].code][codes[sku_id][0]] = units
        view = [WarehouseStock(w.code, w.region, free[w.code])
                for w in warehouses if w.sellable]
        # the orders locked after the stock (the order allocate_order takes its locks in)
        orders = {r.id: r for r in session.execute(
            select(Order.id, Order.channel_order_no, Order.store_id, Order.status,
                   Order.customer_id).where(Order.id.in_(ids)).order_by(Order.id)
            .with_for_update())}
        places = customer_regions(uow, (o.customer_id for o in orders.values()
                                        if o.customer_id is not None))
        planned: list[_Planned] = []
        for order_id in ids:
            order = orders.get(order_id)
            if order is None:
                failed.append(_failure(order_id, "", NotFound(
                    f"no order with id {order_id}", field="order_id")))
                continue
            if (refused := _not_allocatable(order.status, order.channel_order_no)) is not None:
                failed.append(_failure(order_id, order.channel_order_no, refused))
                continue
            if order.store_id not in rules_of:
                rules_of[order.store_id] = routing_rules(uow, stores[order.store_id])
            place = places.get(order.customer_id)
            region = region_of(place)
            try:
                decision = route(lines_of.get(order_id, {}), region, view,
                                 rules_of[order.store_id])
            except ShopOpsError as exc:  # no line with a positive quantity
                failed.append(_failure(order_id, order.channel_order_no, exc))
                continue
            if decision.shortages:
                failed.append(_failure(order_id, order.channel_order_no, _shortage_error(
                    order.channel_order_no, decision)))
                continue
            for parcel in decision.parcels:  # later orders see what this one takes
                for sku, units in parcel.lines:
                    free[parcel.warehouse][sku] -= units
            planned.append(_Planned(order_id, order.store_id, order.channel_order_no, place,
                                    region, rules_of[order.store_id], decision))
        if planned:
            done.extend(_write_batch(uow, planned, id_of, hold,
                                     {w.code: w.id for w in warehouses}))
    _expire_cached(uow, {p.order_id for p in planned})


def _write_batch(uow: UnitOfWork, planned: list[_Planned], id_of: dict[str, int],
                 hold: timedelta, wh_ids: dict[str, int]) -> list[AllocationResult]:
    """Every reservation, parcel, line, status change and fact of the planned orders."""
    now = uow.now()
    conn = uow.session.connection()
    # one reservation per parcel and SKU, SKUs in id order — as inventory.reserve makes them
    rows = [(id_of[sku], wh_ids[parcel.warehouse], units, f"order:{p.order_id}")
            for p in planned for parcel in p.decision.parcels
            for sku, units in sorted(parcel.lines, key=lambda line: id_of[line[0]])]
    reservation_ids = iter(stock.reserve_many(uow, rows, hold))
    moved = conn.execute(
        update(ORDERS).where(ORDERS.c.id == bindparam("o_id"), ORDERS.c.status == "paid")
        .values(status="allocated"), [{"o_id": p.order_id} for p in planned]).rowcount
    if moved != len(planned):  # cannot happen while the order rows are locked
        raise Conflict(f"{len(planned) - moved} orders changed meanwhile", field="order_id")
    parcels = [(p, parcel, [next(reservation_ids) for _ in parcel.lines])
               for p in planned for parcel in p.decision.parcels]
    parcel_ids = new_ids(uow.session.connection(), ALLOCATIONS.name, len(parcels))
    conn.execute(insert(ALLOCATIONS), [
        {"id": parcel_id, "order_id": p.order_id, "warehouse_id": wh_ids[parcel.warehouse],
         "status": "reserved", "province": p.place, "region": p.region,
         "reservation_ids": held, "allocated_at": now, "closed_at": None}
        for parcel_id, (p, parcel, held) in zip(parcel_ids, parcels, strict=True)])
    conn.execute(insert(ALLOCATION_LINES), [
        {"allocation_id": parcel_id, "sku_id": id_of[sku], "quantity": units}
        for parcel_id, (_, parcel, _) in zip(parcel_ids, parcels, strict=True)
        for sku, units in parcel.lines])
    conn.execute(insert(FACTS), [
        {"kind": "order.allocated", "entity": "order", "entity_id": p.order_id,
         "store_id": p.store_id, "occurred_at": now,
         "data": _allocated_fact(p.place, p.region, p.rules, p.decision)} for p in planned])
    views: dict[int, list[ParcelView]] = {}
    for parcel_id, (p, parcel, held) in zip(parcel_ids, parcels, strict=True):
        views.setdefault(p.order_id, []).append(ParcelView(
            parcel_id, p.order_id, parcel.warehouse, "reserved", parcel.lines, tuple(held)))
    return [AllocationResult(p.order_id, "allocated", p.place, p.region,
                             tuple(views[p.order_id]), p.decision.explanation)
            for p in planned]


def _expire_cached(uow: UnitOfWork, order_ids: set[int]) -> None:
    """Objects this session loaded before the Core writes read their new state again."""
    for obj in list(uow.session.identity_map.values()):
        if (isinstance(obj, Order) and obj.id in order_ids) or isinstance(obj, StockBalance):
            uow.session.expire(obj)


def release_allocation(uow: UnitOfWork, order_id: int, reason: str) -> list[ParcelView]:
    """取消分仓: the parcels not yet shipped give their reserved units back (e.g. the order
    was refunded or closed before shipping). The order's status is the caller's business."""
    released = []
    for parcel in order_parcels(uow, order_id):
        moved = uow.session.execute(
            update(OrderAllocation).where(OrderAllocation.id == parcel.allocation_id,
                                          OrderAllocation.status == "reserved")
            .values(status="released", closed_at=uow.now())).rowcount  # type: ignore[attr-defined]
        if moved == 1:
            for reservation_id in parcel.reservation_ids:
                stock.release(uow, reservation_id)
            released.append(parcel)
    if released:
        order = _order(uow, order_id)
        uow.record("order.allocation_released", entity="order", entity_id=order_id,
                   store_id=order.store_id, source="allocation", reason=reason,
                   warehouses=[p.warehouse for p in released])
    return released


# ---------------------------------------------------------------- steps fulfillment drives


def ship_parcel(uow: UnitOfWork, allocation_id: int) -> None:
    """发货出库: every reservation of the parcel becomes a shipment in the ledger."""
    row = uow.session.get(OrderAllocation, allocation_id)
    if row is None:
        raise NotFound(f"no parcel with id {allocation_id}", field="allocation_id")
    moved = uow.session.execute(
        update(OrderAllocation).where(OrderAllocation.id == row.id,
                                      OrderAllocation.status == "reserved")
        .values(status="shipped", closed_at=uow.now())).rowcount  # type: ignore[attr-defined]
    if moved != 1:
        raise Conflict(f"parcel {allocation_id} is {row.status}, not reserved",
                       field="allocation_id")
    for reservation_id in row.reservation_ids:
        stock.ship(uow, reservation_id)
    uow.session.expire(row, ["status", "closed_at"])


def _advance(order: Order, status: str, at: datetime) -> bool:
    if not can_advance(order.status, status):
        return False
    order.status = status
    setattr(order, f"{status}_at", at)
    return True


def _order(uow: UnitOfWork, order_id: int) -> Order:
    order = uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}", field="order_id")
    return order


def record_shipped(uow: UnitOfWork, order_id: int, at: datetime, *, last_parcel: bool,
                   **data: Any) -> bool:
    """A parcel left: a fact on the order; the order becomes shipped with its last parcel.
    Returns whether the order's status changed."""
    order = _order(uow, order_id)
    before = order.status
    changed = last_parcel and _advance(order, "shipped", at)
    uow.record("order.shipped", entity="order", entity_id=order_id, store_id=order.store_id,
               occurred_at=at, source="shipment", status_changed=changed,
               from_status=before, **data)
    return changed


def record_tracking(uow: UnitOfWork, order_id: int, store_id: int, at: datetime,
                    **data: Any) -> None:
    uow.record("order.tracking", entity="order", entity_id=order_id, store_id=store_id,
               occurred_at=at, source="tracking", **data)


def record_delivered(uow: UnitOfWork, order_id: int, at: datetime, **data: Any) -> bool:
    """签收: the order becomes delivered (when its status allows) with a fact."""
    order = _order(uow, order_id)
    before = order.status
    changed = _advance(order, "delivered", at)
    uow.record("order.delivered", entity="order", entity_id=order_id, store_id=order.store_id,
               occurred_at=at, source="tracking", status_changed=changed,
               from_status=before, **data)
    return changed


def record_exception_handled(uow: UnitOfWork, order_id: int, store_id: int, **data: Any
                             ) -> None:
    uow.record("order.exception_handled", entity="order", entity_id=order_id,
               store_id=store_id, source="operator", **data)
