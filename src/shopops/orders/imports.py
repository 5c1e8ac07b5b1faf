"""Order import (订单导入): platform export files in, one all-or-nothing batch out.

``import_orders`` parses the files (``orders.importers``), then, in the caller's unit of work:
archives every file with its sha256 (bytes in ``import_files``), inserts new orders with their
lines and customers in bulk, moves existing orders' status forward only (``lifecycle``) with one
fact per transition, and keeps every row it could not import in ``import_problems``. Keyed by
(store, channel order number): the same file twice changes nothing. Nothing is committed until
the caller's ``with app.uow()`` ends, so a crash half-way leaves the database as it was.

Counts are orders: ``read = new + updated + unchanged + rejected``; ``rejected`` counts the rows
kept in the report (one per rejected order or unreadable row).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Table, insert, select

from shopops.catalog.service import sku_ids
from shopops.core.batches import chunks
from shopops.core.clock import business_date
from shopops.core.errors import NotFound, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.customers.service import customers_for_buyers
from shopops.db.facts import Fact
from shopops.orders.importers import (
    PLATFORMS,
    ColumnMapping,
    ImportedOrder,
    ImportFileError,
    Problem,
    import_export,
)
from shopops.orders.lifecycle import can_advance
from shopops.orders.models import ImportBatch, ImportFile, ImportProblem, Order, OrderLine
from shopops.stores.service import StoreView, get_store, list_stores

Progress = Callable[[str, int, int], None]
T = TypeVar("T")
CHUNK = 500  # order numbers per IN (...) query
ZERO = Decimal("0")
# the store platform whose exports a store takes (own stores: the generic importer)
STORE_FAMILY = {"tmall": "taobao", "taobao": "taobao", "jd": "jd", "pdd": "pdd",
                "douyin": "douyin", "own": "generic"}
SKU_COLUMN = {"taobao": "商家编码", "pdd": "商家编码-规格维度", "douyin": "商家编码",
              "jd": "商品编号"}
STATUS_COLUMN = {"taobao": "订单状态", "pdd": "订单状态", "douyin": "订单状态", "jd": "订单状态"}
# fields a later export may fill in or correct without a status change
LATER_FIELDS = ("paid_at", "shipped_at", "completed_at", "refund_amount")


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What one import did (the CLI's JSON contract)."""

    platform: str
    encoding: str | None
    read: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    import_id: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Incoming:
    """A status (and maybe later fields) for an order number, from an order or a settlement."""

    channel_order_no: str
    status: str
    platform_status: str
    row: int | None
    order: ImportedOrder | None = None


@dataclass(slots=True)
class _Tally:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)

    def reject(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.rejected += 1


def resolve_store(uow: UnitOfWork, code: str | None) -> StoreView:
    """The store named, or the only store when none is named."""
    if code:
        return get_store(uow, code)
    stores = list_stores(uow)
    if len(stores) == 1:
        return stores[0]
    known = ", ".join(s.code for s in stores) or "none yet: add one with `shopops stores add`"
    raise ValidationError(f"--store is required when there is not exactly one store "
                          f"(known: {known})", field="store")


def _check_family(store: StoreView, platform: str) -> str:
    family = PLATFORMS.get(platform, platform)
    if family != "generic" and family != STORE_FAMILY.get(store.platform):
        raise ImportFileError(f"the file is a {platform} export but store {store.code!r} is a "
                              f"{store.platform} store", field="platform")
    return family


def _row_count(problems: Iterable[Problem]) -> int:
    """Rejected rows: distinct (file, row); a problem without a row counts once."""
    rows = {(p.file, p.row) for p in problems if p.row is not None}
    return len(rows) + sum(1 for p in problems if p.row is None)


def _table(model: type[Any]) -> Table:
    """A model's Core table: bulk inserts through it skip the ORM's per-row bookkeeping."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_orders(
    uow: UnitOfWork,
    files: Sequence[tuple[str, bytes]],
    store_code: str | None = None,
    platform: str | None = None,
    mapping: ColumnMapping | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one platform export (the 淘宝/天猫 pair: two files) into ``store_code``'s orders."""
    report = progress or (lambda stage, done, total: None)
    started = uow.now()
    store = resolve_store(uow, store_code)
    names = [name for name, _ in files]
    result = import_export(*(data for _, data in files), platform=platform, mapping=mapping,
                           timezone=store.timezone, names=names)
    family = _check_family(store, result.platform)
    sku_column = (mapping.header_of("sku_code") if mapping else None) or SKU_COLUMN.get(family)
    status_column = (mapping.header_of("status") if mapping else None) or STATUS_COLUMN.get(family)
    report("read", 1, 1)

    batch = _archive(uow, store, files, result.platform, result.encoding, result.format, started)
    tally = _Tally(problems=list(result.problems), rejected=_row_count(result.problems))
    read = len(result.orders) + len(result.settlements) + tally.rejected
    sku_file = names[0] if len(names) == 1 else None
    orders, sku_ids = _with_known_skus(uow, result.orders, tally, sku_column, sku_file)
    incoming = [_Incoming(o.channel_order_no, o.status, o.platform_status,
                          o.source_rows[0] if o.source_rows else None, o) for o in orders]
    incoming += [_Incoming(s.channel_order_no, s.status, s.platform_status,
                           s.source_rows[0] if s.source_rows else None)
                 for s in result.settlements if s.status is not None]
    read -= sum(1 for s in result.settlements if s.status is None)
    incoming = _unique(incoming, tally, sku_file)
    existing = _existing(uow, store.id, [i.channel_order_no for i in incoming])
    fresh = [i.order for i in incoming if i.channel_order_no not in existing and i.order]
    for i in incoming:
        if i.channel_order_no in existing:
            _update(uow, store, existing[i.channel_order_no], i, tally, batch.id,
                    status_column, sku_file)
        elif i.order is None:
            tally.reject(Problem(i.row, "订单编号", i.channel_order_no,
                                 "order is not in the order book yet (import the order export "
                                 "first); settlement status not applied", sku_file))
    _insert_new(uow, store, fresh, sku_ids, tally, batch.id, report)
    _finish(uow, batch, tally, read)
    report("orders", read, read)
    return ImportSummary(result.platform, result.encoding, read, tally.new, tally.updated,
                         tally.unchanged, tally.rejected, batch.id)


def _archive(uow: UnitOfWork, store: StoreView, files: Sequence[tuple[str, bytes]],
             platform: str, encoding: str | None, fmt: str, started: datetime) -> ImportBatch:
    sums = [_sha256(data) for _, data in files]
    checksum = sums[0] if len(sums) == 1 else _sha256("".join(sums).encode())
    batch = ImportBatch(
        store_id=store.id, platform=platform, encoding=encoding, format=fmt,
        file_name=" + ".join(name for name, _ in files)[:500], checksum=checksum,
        size=sum(len(data) for _, data in files), read_count=0, new_count=0, updated_count=0,
        unchanged_count=0, rejected_count=0, status="completed", started_at=started,
        finished_at=started)
    uow.session.add(batch)
    uow.session.flush()
    uow.session.add_all(ImportFile(batch_id=batch.id, name=name[:255], checksum=digest,
                                   size=len(data), content=data)
                        for (name, data), digest in zip(files, sums, strict=True))
    return batch


def _with_known_skus(uow: UnitOfWork, orders: list[ImportedOrder], tally: _Tally,
                     column: str | None, file: str | None
                     ) -> tuple[list[ImportedOrder], dict[str, int]]:
    """Orders whose every line names a known SKU code; the others go to the report."""
    known = sku_ids(uow, (line.sku_code for o in orders for line in o.lines))
    good = []
    for order in orders:
        unknown = next((line for line in order.lines if line.sku_code not in known), None)
        if unknown is None:
            good.append(order)
            continue
        row = unknown.source_row or (order.source_rows[0] if order.source_rows else None)
        tally.reject(Problem(row, column, unknown.sku_code,
                             f"unknown SKU code {unknown.sku_code!r}: order "
                             f"{order.channel_order_no} not imported (add the SKU first)", file))
    return good, known


def _unique(incoming: list[_Incoming], tally: _Tally, file: str | None) -> list[_Incoming]:
    seen: set[str] = set()
    kept = []
    for item in incoming:
        if item.channel_order_no in seen:
            tally.reject(Problem(item.row, "订单编号", item.channel_order_no,
                                 "order number appears twice in this import", file))
            continue
        seen.add(item.channel_order_no)
        kept.append(item)
    return kept


def _existing(uow: UnitOfWork, store_id: int, numbers: list[str]) -> dict[str, Order]:
    found: dict[str, Order] = {}
    for chunk in chunks(numbers):
        for order in uow.session.scalars(select(Order).where(
                Order.store_id == store_id, Order.channel_order_no.in_(chunk))):
            found[order.channel_order_no] = order
    return found


def _update(uow: UnitOfWork, store: StoreView, order: Order, item: _Incoming, tally: _Tally,
            batch_id: int, status_column: str | None, file: str | None) -> None:
    """Move an existing order forward; same status → fill in later fields; backwards → report."""
    before = order.status
    if item.status != before and not can_advance(before, item.status):
        tally.reject(Problem(item.row, status_column, item.platform_status,
                             f"order {item.channel_order_no}: status would move backwards from "
                             f"{before} to {item.status}; not applied", file))
        return
    changes = _later_fields(order, item.order)
    if item.order is not None and item.order.refund_amount > order.paid_amount:
        tally.reject(Problem(item.row, None, str(item.order.refund_amount),
                             f"order {item.channel_order_no}: refund exceeds the stored paid "
                             f"amount {order.paid_amount}; not applied", file))
        return
    if item.status == before and not changes:
        tally.unchanged += 1
        return
    for name, value in changes.items():
        setattr(order, name, value)
    if "paid_at" in changes and order.paid_at is not None:
        order.paid_date = business_date(order.paid_at, store.timezone)
    if item.status != before:
        order.status = item.status
        uow.record(f"order.{item.status}", entity="order", entity_id=order.id,
                   store_id=order.store_id, from_status=before, to_status=item.status,
                   platform_status=item.platform_status, import_id=batch_id)
    tally.updated += 1


def _later_fields(order: Order, imported: ImportedOrder | None) -> dict[str, Any]:
    if imported is None:
        return {}
    changes: dict[str, Any] = {}
    for name in LATER_FIELDS:
        value = getattr(imported, name)
        if value is not None and value != getattr(order, name):
            changes[name] = value
    return changes


def _buyer_key(order: ImportedOrder) -> str | None:
    """Who bought, as the store knows them: the buyer id, else the phone; never masked data."""
    if order.buyer_id and not order.buyer_masked:
        return order.buyer_id[:100]
    if order.buyer_phone and not order.phone_masked:
        return f"phone:{order.buyer_phone}"[:100]
    return None


def _customers(uow: UnitOfWork, store_id: int, orders: list[ImportedOrder]) -> dict[str, int]:
    """Customer id per buyer key, creating customers (and identities) that do not exist."""
    first_seen: dict[str, datetime] = {}
    for order in orders:
        key = _buyer_key(order)
        if key is not None and key not in first_seen:
            first_seen[key] = order.created_at
    return customers_for_buyers(uow, store_id, first_seen)


def _order_row(store: StoreView, order: ImportedOrder, customer_id: int | None) -> dict[str, Any]:
    return {
        "store_id": store.id, "channel_order_no": order.channel_order_no,
        "customer_id": customer_id, "status": order.status,
        "list_amount": order.list_amount, "discount_amount": order.discount_amount,
        "goods_amount": order.goods_amount, "shipping_fee": order.shipping_fee,
        "paid_amount": order.paid_amount, "refund_amount": order.refund_amount,
        "created_at": order.created_at, "paid_at": order.paid_at,
        "paid_date": business_date(order.paid_at, store.timezone) if order.paid_at else None,
        "shipped_at": order.shipped_at, "delivered_at": None, "completed_at": order.completed_at,
        "cancelled_at": None, "refunded_at": None,
    }


def _insert_new(uow: UnitOfWork, store: StoreView, orders: list[ImportedOrder],
                sku_ids: dict[str, int], tally: _Tally, batch_id: int, report: Progress) -> None:
    """New orders, their lines and one fact per step they have already taken, in bulk."""
    customers = _customers(uow, store.id, orders)
    now = uow.now()
    done = 0
    for chunk in chunks(orders):
        rows = [_order_row(store, o, customers.get(_buyer_key(o) or "")) for o in chunk]
        # Core executemany (no ORM bookkeeping), then the ids by key: RETURNING in parameter
        # order is one statement per row on SQLite
        uow.session.execute(insert(_table(Order)), rows)
        numbers = [o.channel_order_no for o in chunk]
        by_number = {number: order_id for number, order_id in uow.session.execute(
            select(Order.channel_order_no, Order.id).where(
                Order.store_id == store.id, Order.channel_order_no.in_(numbers)))}
        ids = [by_number[number] for number in numbers]
        lines = [
            {"order_id": order_id, "sku_id": sku_ids[line.sku_code],
             "quantity": line.quantity, "list_price": line.unit_price,
             "discount_amount": max(line.unit_price * line.quantity - line.paid_amount, ZERO),
             "paid_amount": line.paid_amount, "refund_amount": line.refund_amount}
            for order_id, order in zip(ids, chunk, strict=True) for line in order.lines]
        if lines:
            uow.session.execute(insert(_table(OrderLine)), lines)
        uow.session.execute(insert(_table(Fact)), [
            fact for order_id, order in zip(ids, chunk, strict=True)
            for fact in _new_order_facts(store.id, order_id, order, batch_id, now)])
        done += len(chunk)
        tally.new += len(chunk)
        report("orders", done, len(orders))


def _new_order_facts(store_id: int, order_id: int, order: ImportedOrder, batch_id: int,
                     now: datetime) -> list[dict[str, Any]]:
    """The facts ``uow.record`` would append for a new order (written in bulk, same transaction):
    placed, paid (when paid) and the status the export shows beyond paid."""
    def fact(kind: str, at: datetime | None, **data: Any) -> dict[str, Any]:
        return {"kind": kind, "entity": "order", "entity_id": order_id, "store_id": store_id,
                "occurred_at": at or now, "data": {**data, "import_id": batch_id}}

    found = [fact("order.placed", order.created_at, channel_order_no=order.channel_order_no,
                  list_amount=str(order.list_amount), goods_amount=str(order.goods_amount))]
    if order.paid_at is not None:
        found.append(fact("order.paid", order.paid_at, paid_amount=str(order.paid_amount)))
    if order.status not in ("created", "paid"):
        at = {"shipped": order.shipped_at, "completed": order.completed_at}.get(order.status)
        found.append(fact(f"order.{order.status}", at, from_status="created",
                          to_status=order.status, platform_status=order.platform_status))
    return found


def _finish(uow: UnitOfWork, batch: ImportBatch, tally: _Tally, read: int) -> None:
    if tally.problems:
        uow.session.execute(insert(ImportProblem), [
            {"batch_id": batch.id, "row": p.row, "column_name": (p.column or None) and
             p.column[:100], "value": p.value, "reason": p.reason,
             "file": (p.file or None) and p.file[:255]} for p in tally.problems])
    batch.read_count, batch.new_count = read, tally.new
    batch.updated_count, batch.unchanged_count = tally.updated, tally.unchanged
    batch.rejected_count = tally.rejected
    batch.finished_at = uow.now()


def import_report(uow: UnitOfWork, import_id: int) -> dict[str, Any]:
    """One batch: its files, counts and the rejected rows (row, column, value, reason, file)."""
    batch = uow.session.get(ImportBatch, import_id)
    if batch is None:
        raise NotFound(f"no import with id {import_id}", field="import_id")
    problems = uow.session.scalars(select(ImportProblem).where(
        ImportProblem.batch_id == import_id).order_by(ImportProblem.id)).all()
    return {
        "import_id": batch.id, "platform": batch.platform, "encoding": batch.encoding,
        "format": batch.format, "file_name": batch.file_name, "checksum": batch.checksum,
        "size": batch.size, "read": batch.read_count, "new": batch.new_count,
        "updated": batch.updated_count, "unchanged": batch.unchanged_count,
        "rejected": batch.rejected_count, "started_at": batch.started_at.isoformat(),
        "finished_at": batch.finished_at.isoformat(),
        "problems": [{"row": p.row, "column": p.column_name, "value": p.value,
                      "reason": p.reason, "file": p.file} for p in problems],
    }
