"""库存 use cases, one transaction (unit of work) each. Every balance change is a conditional
UPDATE of `stock_balances` written together with its `stock_moves` row, never a
read-modify-write in Python: the WHERE clause refuses what would make 在库, 占用 or 可用
negative, so two concurrent orders for the last unit cannot both succeed (on PostgreSQL the
row lock re-checks the condition; on SQLite writers queue behind BEGIN IMMEDIATE).

Design:
- 在途 (in transit) is a `stock_transfers` row per shipment between warehouses, not a
  balance column: on hand in neither warehouse, counted at the destination until received.
- Quarantine (待检区): a returned item that is not restocked goes to the warehouse's
  quarantine location `<code>-QC`, a warehouse with sellable=False created on first use; it
  stays in the ledger but is never 可用 (reserve skips it). After inspection it is moved back
  with a transfer or written off with an adjustment.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Update

from shopops.catalog import service as catalog
from shopops.catalog.service import sku_id as sku_id_of
from shopops.core.errors import Conflict, InsufficientStock, NotFound, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.db.facts import Fact
from shopops.db.ids import new_ids
from shopops.inventory import ledger
from shopops.inventory.models import (
    Reservation,
    StockBalance,
    StockMove,
    StockTransfer,
    Warehouse,
)

BAL = cast(Table, StockBalance.__table__)
RES = cast(Table, Reservation.__table__)
TRF = cast(Table, StockTransfer.__table__)
WH = cast(Table, Warehouse.__table__)
QUARANTINE_SUFFIX = "-QC"
MAX_ALLOCATION_ROUNDS = 100  # each lost round means a concurrent order took the stock


@dataclass(frozen=True)
class StockLevel:
    sku: str
    warehouse: str
    on_hand: int  # 在库
    reserved: int  # 占用 (active, unexpired reservations only)
    available: int  # 可用 (0 in a quarantine location)
    in_transit: int  # 在途 towards this warehouse
    sellable: bool


# ---------------------------------------------------------------- lookups


def _warehouse(uow: UnitOfWork, code: object, field: str = "warehouse") -> Any:
    row = uow.session.execute(select(WH).where(WH.c.code == code)).first()
    if row is None:
        raise NotFound(f"没有仓库 {code!r} — unknown warehouse {code!r}", field=field)
    return row


def _reference(value: object, field: str = "reference") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"请填写关联单号（如订单号） — {field} is required (e.g. the order "
                              "id)", field=field)
    return value.strip()


# ---------------------------------------------------------------- ledger writes


def _insert_ignoring_duplicates(uow: UnitOfWork, table: Any, **values: Any) -> None:
    dialect = uow.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    uow.session.execute(insert(table).values(**values).on_conflict_do_nothing())


def _ensure_balance(uow: UnitOfWork, sku_id: int, warehouse_id: int) -> None:
    _insert_ignoring_duplicates(uow, BAL, sku_id=sku_id, warehouse_id=warehouse_id,
                                on_hand=0, reserved=0, updated_at=uow.now())


def _changed(uow: UnitOfWork, stmt: Update) -> bool:
    return uow.session.connection().execute(stmt).rowcount == 1


def _post(uow: UnitOfWork, sku_id: int, warehouse_id: int, kind: str, quantity: int,
          reference: str | None = None, reason: str | None = None) -> bool:
    """Write one move and its balance change, or nothing (False) when the conditional update
    refuses it: afterwards 占用 ≥ 0 and 可用 = 在库 − 占用 ≥ 0."""
    delta = ledger.effect(kind, quantity)
    c = BAL.c
    reserved_after = c.reserved + delta.reserved
    stmt = (update(BAL)
            .where(c.sku_id == sku_id, c.warehouse_id == warehouse_id,
                   reserved_after >= 0, c.on_hand + delta.on_hand - reserved_after >= 0)
            .values(on_hand=c.on_hand + delta.on_hand, reserved=reserved_after,
                    updated_at=uow.now()))
    if not _changed(uow, stmt):
        return False
    uow.session.add(StockMove(sku_id=sku_id, warehouse_id=warehouse_id, kind=kind,
                              quantity=quantity, occurred_at=uow.now(), reference=reference,
                              reason=reason))
    return True


def _post_incoming(uow: UnitOfWork, sku_id: int, warehouse_id: int, kind: str, quantity: int,
                   reference: str | None, reason: str | None = None) -> None:
    _ensure_balance(uow, sku_id, warehouse_id)
    if not _post(uow, sku_id, warehouse_id, kind, quantity, reference, reason):
        raise RuntimeError(f"stock balance of sku {sku_id} in warehouse {warehouse_id} lost")


def _available_text(uow: UnitOfWork, sku_id: int, warehouse_id: int) -> str:
    row = uow.session.execute(select(BAL.c.on_hand, BAL.c.reserved).where(
        BAL.c.sku_id == sku_id, BAL.c.warehouse_id == warehouse_id)).first()
    on_hand, reserved = (row[0], row[1]) if row else (0, 0)
    return f"available {on_hand - reserved} (on_hand {on_hand}, reserved {reserved})"


# ---------------------------------------------------------------- receipts, returns, stocktake


def receive(uow: UnitOfWork, sku: str, warehouse: str, qty: int, reference: str) -> None:
    """采购入库: on_hand +qty."""
    qty = ledger.positive_quantity(qty)
    sku_id, wh = sku_id_of(uow, sku), _warehouse(uow, warehouse)
    _post_incoming(uow, sku_id, wh.id, "receipt", qty, _reference(reference))
    uow.record("stock.received", entity="sku", entity_id=sku_id, warehouse=wh.code,
               quantity=qty, reference=reference)


def _quarantine_of(uow: UnitOfWork, wh: Any) -> Any:
    """The warehouse's 待检区, created on first use (never sellable)."""
    if not wh.sellable:
        return wh
    code = (wh.code + QUARANTINE_SUFFIX)[-32:]
    _insert_ignoring_duplicates(uow, WH, code=code, name=f"{wh.name} 待检区", region=wh.region,
                                sellable=False)
    return _warehouse(uow, code)


def return_goods(uow: UnitOfWork, sku: str, warehouse: str, qty: int, restock: bool,
                 reason: str, reference: str | None = None) -> str:
    """退货入库: restocked units become 可用 again; the others wait in quarantine.
    Returns the code of the warehouse the units went to."""
    qty, why = ledger.positive_quantity(qty), ledger.required_reason(reason)
    sku_id, wh = sku_id_of(uow, sku), _warehouse(uow, warehouse)
    target = wh if restock else _quarantine_of(uow, wh)
    _post_incoming(uow, sku_id, target.id, "return", qty, reference, why)
    uow.record("stock.returned", entity="sku", entity_id=sku_id, warehouse=target.code,
               quantity=qty, restock=restock, reason=why, reference=reference)
    return str(target.code)


def adjust(uow: UnitOfWork, sku: str, warehouse: str, delta: int, reason: str,
           reference: str | None = None) -> None:
    """盘点调整: on_hand ±delta with a reason; cannot take away reserved units."""
    delta, why = ledger.nonzero_delta(delta), ledger.required_reason(reason)
    sku_id, wh = sku_id_of(uow, sku), _warehouse(uow, warehouse)
    _ensure_balance(uow, sku_id, wh.id)
    if not _post(uow, sku_id, wh.id, "adjustment", delta, reference, why):
        raise InsufficientStock(
            f"{sku} 在 {warehouse} 库存不足，不能减少 {-delta} 件 — cannot remove {-delta} of "
            f"{sku} in {warehouse}: {_available_text(uow, sku_id, wh.id)}", field="delta")
    uow.record("stock.adjusted", entity="sku", entity_id=sku_id, warehouse=wh.code,
               quantity=delta, reason=why, reference=reference)


# ---------------------------------------------------------------- transfers (在途)


def transfer_out(uow: UnitOfWork, sku: str, from_warehouse: str, to_warehouse: str, qty: int,
                 reference: str | None = None) -> int:
    """调拨发出: on_hand −qty at the sender, 在途 until transfer_in. Returns the transfer id."""
    qty = ledger.positive_quantity(qty)
    sku_id = sku_id_of(uow, sku)
    source = _warehouse(uow, from_warehouse, "from_warehouse")
    target = _warehouse(uow, to_warehouse, "to_warehouse")
    if source.id == target.id:
        raise ValidationError("调入仓不能与调出仓相同 — to_warehouse must differ from "
                              "from_warehouse", field="to_warehouse")
    if not _post(uow, sku_id, source.id, "transfer_out", -qty, reference, f"to {target.code}"):
        raise InsufficientStock(
            f"{sku} 在 {from_warehouse} 库存不足，不能调拨 {qty} 件 — cannot transfer {qty} of "
            f"{sku} from {from_warehouse}: {_available_text(uow, sku_id, source.id)}",
            field="quantity")
    transfer = StockTransfer(sku_id=sku_id, from_warehouse_id=source.id,
                             to_warehouse_id=target.id, quantity=qty, reference=reference,
                             status="in_transit", shipped_at=uow.now())
    uow.session.add(transfer)
    uow.session.flush()
    uow.record("stock.transfer_shipped", entity="stock_transfer", entity_id=transfer.id,
               sku=sku, from_warehouse=source.code, to_warehouse=target.code, quantity=qty)
    return transfer.id


def transfer_in(uow: UnitOfWork, transfer_id: int) -> None:
    """调拨入库: the units in transit arrive, on_hand +qty at the receiver."""
    row = uow.session.execute(select(TRF).where(TRF.c.id == transfer_id)).first()
    if row is None:
        raise NotFound(f"没有调拨单 {transfer_id!r} — unknown transfer {transfer_id!r}",
                       field="transfer_id")
    received = _changed(uow, update(TRF).where(TRF.c.id == row.id, TRF.c.status == "in_transit")
                        .values(status="received", received_at=uow.now()))
    if not received:
        raise Conflict(f"调拨单 {transfer_id} 已入库 — transfer {transfer_id} was already "
                       "received", field="transfer_id")
    _post_incoming(uow, row.sku_id, row.to_warehouse_id, "transfer_in", row.quantity,
                   row.reference, f"transfer {row.id}")
    uow.record("stock.transfer_received", entity="stock_transfer", entity_id=row.id,
               quantity=row.quantity)


# ---------------------------------------------------------------- reservations (占用)


def _order_lines(uow: UnitOfWork, lines: Sequence[tuple[str, int]]) -> dict[int, int]:
    """sku_id → units, duplicates merged, in sku_id order (the lock order)."""
    if not lines:
        raise ValidationError("至少要有一行（SKU、数量） — lines must name at least one (sku, "
                              "quantity)", field="lines")
    wanted: dict[int, int] = {}
    for i, (sku, qty) in enumerate(lines):
        units = ledger.positive_quantity(qty, f"lines[{i}].quantity")
        sku_id = sku_id_of(uow, sku)
        wanted[sku_id] = wanted.get(sku_id, 0) + units
    return dict(sorted(wanted.items()))


def _free_stock(uow: UnitOfWork, sku_id: int, warehouse_id: int | None) -> list[tuple[int, int]]:
    """(warehouse_id, 可用) of the sellable warehouses holding the SKU, in warehouse_id order."""
    free = BAL.c.on_hand - BAL.c.reserved
    query = (select(BAL.c.warehouse_id, free).join(WH, WH.c.id == BAL.c.warehouse_id)
             .where(BAL.c.sku_id == sku_id, WH.c.sellable.is_(True), free > 0)
             .order_by(BAL.c.warehouse_id))
    if warehouse_id is not None:
        query = query.where(BAL.c.warehouse_id == warehouse_id)
    return [(int(w), int(f)) for w, f in uow.session.execute(query)]


def _hold(uow: UnitOfWork, sku_id: int, need: int, warehouse_id: int | None, reference: str,
          until: Any) -> list[tuple[int, int]]:
    """Reserve up to `need` units, warehouse by warehouse; returns (reservation id, units)."""
    held: list[tuple[int, int]] = []
    got = 0
    for _round in range(MAX_ALLOCATION_ROUNDS):
        plan = ledger.plan_allocation(need - got, _free_stock(uow, sku_id, warehouse_id))
        for wh_id, take in plan:
            if _post(uow, sku_id, wh_id, "reservation", take, reference):
                reservation = Reservation(sku_id=sku_id, warehouse_id=wh_id, quantity=take,
                                          reference=reference, reserved_until=until,
                                          status="active", created_at=uow.now())
                uow.session.add(reservation)
                uow.session.flush()
                held.append((reservation.id, take))
                got += take
        if not plan or got == need:
            break
    return held


def reserve(uow: UnitOfWork, lines: Sequence[tuple[str, int]], reference: str,
            ttl: timedelta, warehouse: str | None = None) -> list[int]:
    """下单占用: every line or nothing. Takes stock from `warehouse`, or from the sellable
    warehouses in a stable order; a refusal names every short SKU and changes nothing."""
    ref = _reference(reference)
    until = ledger.reservation_deadline(uow.now(), ttl)
    wanted = _order_lines(uow, lines)
    fixed = _warehouse(uow, warehouse) if warehouse is not None else None
    if fixed is not None and not fixed.sellable:
        raise ValidationError(f"{fixed.code} 是隔离仓，不能占用 — warehouse {fixed.code} is a "
                              "quarantine location",
                              field="warehouse")
    codes = catalog.sku_codes(uow, wanted)
    held: list[tuple[int, int, int]] = []  # (reservation id, sku id, units)
    shortages: list[dict[str, Any]] = []
    with uow.session.begin_nested():  # savepoint: a refused order leaves nothing behind
        for sku_id, need in wanted.items():
            _sweep(uow, sku_id)  # expired reservations never count
            chunks = _hold(uow, sku_id, need, fixed.id if fixed is not None else None, ref,
                           until)
            held += [(rid, sku_id, units) for rid, units in chunks]
            got = sum(units for _, units in chunks)
            if got < need:
                shortages.append({"sku": codes[sku_id][0], "requested": need,
                                  "available": got, "shortfall": need - got})
        if shortages:
            raise InsufficientStock(
                "库存不足 — insufficient stock: " + "; ".join(
                    f"{s['sku']} short by {s['shortfall']} (requested {s['requested']}, "
                    f"available {s['available']})" for s in shortages),
                field="lines", shortages=shortages)
    for rid, sku_id, units in held:
        uow.record("stock.reserved", entity="reservation", entity_id=rid, sku=codes[sku_id][0],
                   quantity=units, reference=ref, reserved_until=until.isoformat())
    return [rid for rid, _, _ in held]


# ---------------------------------------------------------------- many reservations at once


def lock_free_stock(uow: UnitOfWork, sku_ids: Collection[int]) -> dict[tuple[int, int], int]:
    """For a batch of reservations (allocation of many orders): the SKUs' expired reservations
    are given back, then their balance rows in sellable warehouses are locked — PostgreSQL
    row locks taken in (sku, warehouse) order, held to the end of the transaction; a SQLite
    writer holds the whole database already — and their 可用 returned by (sku_id,
    warehouse_id). What the caller decides from these numbers stays true until it commits;
    `reserve_many` re-checks anyway."""
    if not sku_ids:
        return {}
    _sweep(uow, sku_ids=sku_ids)
    query = (select(BAL.c.sku_id, BAL.c.warehouse_id, BAL.c.on_hand - BAL.c.reserved)
             .join(WH, WH.c.id == BAL.c.warehouse_id)
             .where(BAL.c.sku_id.in_(sorted(sku_ids)), WH.c.sellable.is_(True))
             .order_by(BAL.c.sku_id, BAL.c.warehouse_id).with_for_update(of=BAL))
    return {(int(s), int(w)): int(free) for s, w, free in uow.session.execute(query)}


def reserve_many(uow: UnitOfWork, rows: Sequence[tuple[int, int, int, str]], ttl: timedelta
                 ) -> list[int]:
    """占用 in bulk: one reservation per (sku_id, warehouse_id, units, reference) row, in that
    order, with its ledger move, balance change and fact — a few statements for the whole
    list (executemany). Every balance change is the same conditional update as `reserve`:
    when one would make 可用 negative, InsufficientStock is raised and, inside the caller's
    savepoint, nothing stays written. Returns the reservation ids in the rows' order."""
    if not rows:
        return []
    now = uow.now()
    until = ledger.reservation_deadline(now, ttl)
    per_level: dict[tuple[int, int], int] = {}
    for sku_id, wh_id, units, _ref in rows:
        ledger.positive_quantity(units)
        per_level[(sku_id, wh_id)] = per_level.get((sku_id, wh_id), 0) + units
    conn = uow.session.connection()
    c = BAL.c
    changed = conn.execute(
        update(BAL).where(c.sku_id == bindparam("b_sku"), c.warehouse_id == bindparam("b_wh"),
                          c.on_hand - c.reserved >= bindparam("b_units"))
        .values(reserved=c.reserved + bindparam("b_units"), updated_at=now),
        [{"b_sku": s, "b_wh": w, "b_units": n} for (s, w), n in sorted(per_level.items())]
    ).rowcount
    if changed != len(per_level):
        raise InsufficientStock(f"{len(per_level) - changed} of {len(per_level)} stock levels "
                                "no longer hold the units asked for", field="lines")
    ids = new_ids(uow.session.connection(), RES.name, len(rows))
    conn.execute(insert(RES), [
        {"id": rid, "sku_id": s, "warehouse_id": w, "quantity": n, "reference": ref,
         "reserved_until": until, "status": "active", "created_at": now}
        for rid, (s, w, n, ref) in zip(ids, rows, strict=True)])
    conn.execute(insert(cast(Table, StockMove.__table__)), [
        {"sku_id": s, "warehouse_id": w, "kind": "reservation", "quantity": n,
         "occurred_at": now, "reference": ref, "reason": None} for s, w, n, ref in rows])
    codes = catalog.sku_codes(uow, {s for s, _, _, _ in rows})
    conn.execute(insert(cast(Table, Fact.__table__)), [
        {"kind": "stock.reserved", "entity": "reservation", "entity_id": rid,
         "store_id": None, "occurred_at": now,
         "data": {"sku": codes[s][0], "quantity": n, "reference": ref,
                  "reserved_until": until.isoformat()}}
        for rid, (s, _w, n, ref) in zip(ids, rows, strict=True)])
    return ids


def _close(uow: UnitOfWork, row: Any, status: str) -> bool:
    """active → status, and its 占用 given back, or False if someone closed it first."""
    closed = _changed(uow, update(RES).where(RES.c.id == row.id, RES.c.status == "active")
                      .values(status=status, closed_at=uow.now()))
    if closed and not _post(uow, row.sku_id, row.warehouse_id, "release", -row.quantity,
                            row.reference, f"reservation {row.id} {status}"):
        raise RuntimeError(f"reserved stock of reservation {row.id} is missing")
    return closed


def _active_reservation(uow: UnitOfWork, reservation_id: int) -> Any:
    row = uow.session.execute(select(RES).where(RES.c.id == reservation_id)).first()
    if row is None:
        raise NotFound(f"没有占用单 {reservation_id!r} — unknown reservation "
                       f"{reservation_id!r}", field="reservation_id")
    if row.status != "active":
        raise Conflict(f"占用单 {reservation_id} 已结束 — reservation {reservation_id} is "
                       f"{row.status}",
                       field="reservation_id")
    return row


def release(uow: UnitOfWork, reservation_id: int) -> None:
    """取消占用: the units become 可用 again."""
    row = _active_reservation(uow, reservation_id)
    if not _close(uow, row, "released"):
        raise Conflict(f"reservation {reservation_id} was closed meanwhile",
                       field="reservation_id")
    uow.record("stock.released", entity="reservation", entity_id=row.id,
               quantity=row.quantity, reference=row.reference)


def ship(uow: UnitOfWork, reservation_id: int) -> None:
    """发货: the reservation is fulfilled — a release and a shipment, on_hand −qty."""
    row = _active_reservation(uow, reservation_id)
    if ledger.is_expired(row.status, row.reserved_until, uow.now()):
        raise Conflict(f"占用单 {reservation_id} 已过期 — reservation {reservation_id} expired "
                       f"at {row.reserved_until.isoformat()}", field="reservation_id")
    if not _close(uow, row, "fulfilled"):
        raise Conflict(f"reservation {reservation_id} was closed meanwhile",
                       field="reservation_id")
    if not _post(uow, row.sku_id, row.warehouse_id, "shipment", -row.quantity, row.reference,
                 f"reservation {row.id}"):
        raise RuntimeError(f"on-hand stock of reservation {row.id} is missing")
    uow.record("stock.shipped", entity="reservation", entity_id=row.id,
               quantity=row.quantity, reference=row.reference)


def _sweep(uow: UnitOfWork, sku_id: int | None = None,
           sku_ids: Collection[int] | None = None) -> int:
    query = (select(RES).where(RES.c.status == "active", RES.c.reserved_until <= uow.now())
             .order_by(RES.c.sku_id, RES.c.warehouse_id, RES.c.id))
    if sku_id is not None:
        query = query.where(RES.c.sku_id == sku_id)
    if sku_ids is not None:
        query = query.where(RES.c.sku_id.in_(sorted(sku_ids)))
    expired = 0
    for row in uow.session.execute(query).all():
        if _close(uow, row, "expired"):
            expired += 1
            uow.record("stock.reservation_expired", entity="reservation", entity_id=row.id,
                       quantity=row.quantity, reference=row.reference)
    return expired


def sweep_expired_reservations(uow: UnitOfWork) -> int:
    """Job: every reservation past reserved_until gives its stock back; returns how many."""
    return _sweep(uow)


# ---------------------------------------------------------------- read side


def stock_levels(uow: UnitOfWork, sku: str | None = None,
                 warehouse: str | None = None) -> list[StockLevel]:
    """在库 / 占用 / 可用 / 在途 per SKU × warehouse (only active, unexpired reservations)."""
    sku_id = sku_id_of(uow, sku) if sku is not None else None
    wh_id = _warehouse(uow, warehouse).id if warehouse is not None else None

    def scoped(query: Any, sku_col: Any, wh_col: Any) -> Any:
        if sku_id is not None:
            query = query.where(sku_col == sku_id)
        return query.where(wh_col == wh_id) if wh_id is not None else query

    on_hand = dict(((s, w), n) for s, w, n in uow.session.execute(
        scoped(select(BAL.c.sku_id, BAL.c.warehouse_id, BAL.c.on_hand),
               BAL.c.sku_id, BAL.c.warehouse_id)))
    reserved = _sums(uow, scoped(
        select(RES.c.sku_id, RES.c.warehouse_id, func.sum(RES.c.quantity))
        .where(RES.c.status == "active", RES.c.reserved_until > uow.now())
        .group_by(RES.c.sku_id, RES.c.warehouse_id), RES.c.sku_id, RES.c.warehouse_id))
    in_transit = _sums(uow, scoped(
        select(TRF.c.sku_id, TRF.c.to_warehouse_id, func.sum(TRF.c.quantity))
        .where(TRF.c.status == "in_transit")
        .group_by(TRF.c.sku_id, TRF.c.to_warehouse_id), TRF.c.sku_id, TRF.c.to_warehouse_id))
    keys = set(on_hand) | set(in_transit)
    skus = catalog.sku_codes(uow, {s for s, _ in keys})
    whs = {row.id: row for row in uow.session.execute(select(WH))}
    levels = []
    for s, w in keys:
        held, sellable = reserved.get((s, w), 0), bool(whs[w].sellable)
        levels.append(StockLevel(
            sku=skus[s][0], warehouse=whs[w].code, on_hand=on_hand.get((s, w), 0),
            reserved=held, available=on_hand.get((s, w), 0) - held if sellable else 0,
            in_transit=in_transit.get((s, w), 0), sellable=sellable))
    return sorted(levels, key=lambda lv: (lv.sku, lv.warehouse))


def _sums(uow: UnitOfWork, query: Any) -> dict[tuple[int, int], int]:
    return {(int(s), int(w)): int(n) for s, w, n in uow.session.execute(query)}


@dataclass(frozen=True)
class WarehouseView:
    id: int
    code: str
    name: str
    region: str
    sellable: bool


def list_warehouses(uow: UnitOfWork) -> list[WarehouseView]:
    """Every warehouse (quarantine locations included, sellable=False), by code."""
    return [WarehouseView(int(r.id), r.code, r.name, r.region, bool(r.sellable))
            for r in uow.session.execute(select(WH).order_by(WH.c.code))]
