"""What follows an order import once its batch has committed (导入后续): the orders it made
paid are allocated (分仓占用, `allocation_service`), and the orders it brought in already shipped
get their shipment (运单: the carrier and tracking number of the export) so tracking files and
the logistics exception queue see them. Outside the import's hot loop and its transaction: a
follow-up that fails leaves the import as it is and says why.

An order ShopOps had allocated that the export now shows shipped has its reserved parcels
shipped in the stock ledger (the shipment links the parcel); one the export shows cancelled,
closed or refunded gives its reserved stock back.

Which orders: the facts the batch recorded (``import_id`` in their data) — ``order.paid`` for
allocation; ``order.shipped`` / ``delivered`` / ``completed`` for shipments;
``order.cancelled`` / ``closed`` / ``refunded`` for releases. The facts are read
from a mark taken before the import (``fact_mark``), so a large fact table is not scanned.
A later export that only adds the tracking number of an order already shipped records no fact
(the status did not move): when the batch has known orders, its files' shipped orders with no
shipment yet are candidates too (their order numbers only, then one query).
Carrier and tracking number are not kept on the order: the batch's archived files are parsed
again for those orders only. Both steps are idempotent: an allocated order is not paid any
more, an order with a shipment is left alone. Allocation is a shop setting (on by default)
with a cap per import; paid orders beyond it wait for `shopops fulfil allocate`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select

from shopops.core.batches import chunks
from shopops.core.errors import NotFound, ShopOpsError, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.db.facts import Fact
from shopops.db.shop_settings import read_settings
from shopops.fulfillment import sla
from shopops.fulfillment.models import Shipment
from shopops.fulfillment.service import PlatformShipment, record_platform_shipments
from shopops.orders.allocation_models import OrderAllocation
from shopops.orders.allocation_service import (
    allocate_orders,
    order_parcels,
    release_allocation,
    ship_parcel,
)
from shopops.orders.importers import (
    PLATFORMS,
    ColumnMapping,
    Export,
    order_digests,
    order_numbers,
    parse_export,
    read_export,
)
from shopops.orders.imports import ImportSummary, import_orders
from shopops.orders.models import ImportBatch, ImportFile, Order
from shopops.stores.service import store_by_id

ALLOCATE_KEY = "orders.allocate_on_import"  # allocate the orders an import made paid
LIMIT_KEY = "orders.allocate_on_import_limit"  # at most this many per import
# allocation in batches (allocate_orders) runs at well over 1,000 orders/s on SQLite (see
# benchmarks/allocation.py): 50,000 paid orders stay within about a minute; beyond, the rest
# waits for the allocation job
SETTINGS: dict[str, Any] = {ALLOCATE_KEY: True, LIMIT_KEY: 50_000}
PAID_KINDS = ("order.paid",)
SHIPPED_KINDS = ("order.shipped", "order.delivered", "order.completed")
ENDED_KINDS = ("order.cancelled", "order.closed", "order.refunded")
CARRIER_SUFFIXES = ("快递", "速递", "速运", "快运", "物流")  # 圆通快递 is 圆通
SHIPPED_STATUSES = ("shipped", "delivered", "completed")
SHIP_COLUMNS = (Order.id, Order.store_id, Order.channel_order_no, Order.status,
                Order.created_at, Order.paid_at, Order.shipped_at, Order.delivered_at,
                Order.completed_at, Order.promised_at)
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class FollowupReport:
    """What the follow-ups of one import did."""

    import_id: int
    allocation: str = "on"  # on | off (shop setting)
    allocated: int = 0
    allocation_failed: list[dict[str, Any]] = field(default_factory=list)
    allocation_waiting: int = 0  # paid orders past the cap: `shopops fulfil allocate`
    released: int = 0  # allocated orders the export shows cancelled/closed/refunded
    parcels_shipped: int = 0  # reserved parcels of orders the export shows shipped
    shipments: int = 0
    shipment_problems: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # a follow-up that could not run at all

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def fact_mark(uow: UnitOfWork) -> int:
    """The newest fact id now: the facts of an import that starts after this are above it."""
    return int(uow.session.scalar(select(func.max(Fact.id))) or 0)


def follow_up(uow: UnitOfWork, import_id: int, since: int = 0, *, platform: str | None = None,
              mapping: ColumnMapping | None = None) -> FollowupReport:
    """Allocate the batch's newly paid orders and record its already-shipped orders'
    shipments, in the caller's unit of work. ``since``: a ``fact_mark`` from before the
    import (0 reads every fact: a re-run later). ``platform``/``mapping`` as the import had
    them (a generic import needs its mapping to find the tracking numbers)."""
    report = FollowupReport(import_id)
    batch = uow.session.get(ImportBatch, import_id)
    if batch is None:
        raise NotFound(f"no import with id {import_id}", field="import_id")
    touched = _touched(uow, batch, since)
    shipped = {i for i, kinds in touched.items() if not kinds.isdisjoint(SHIPPED_KINDS)}
    export = _export(uow, batch, platform, mapping) \
        if shipped or batch.updated_count or batch.unchanged_count else None
    zone = _zone(uow, batch) if export is not None else ""  # the store's, looked up once
    if export is not None:  # a known order whose later export only adds the tracking number
        shipped |= _without_shipment(uow, batch, export, zone)
    elif shipped and _generic_unmapped(batch, mapping):
        report.error = "a generic import's shipments need its column mapping"
    _ship(uow, batch, shipped, export, zone, report)
    for order_id in sorted(i for i, kinds in touched.items() if not kinds.isdisjoint(ENDED_KINDS)):
        if release_allocation(uow, order_id, f"import {import_id}: order ended"):
            report.released += 1
    _allocate(uow, {i for i, kinds in touched.items() if not kinds.isdisjoint(PAID_KINDS)}, report)
    return report


def import_with_followups(uow_factory: Callable[[], UnitOfWork],
                          files: Sequence[tuple[str, bytes]], store: str | None, *,
                          platform: str | None = None, mapping: ColumnMapping | None = None,
                          progress: Progress | None = None,
                          ) -> tuple[ImportSummary, FollowupReport]:
    """The import in its own transaction, then its follow-ups in another (after the commit).
    An import error raises (nothing stored); a follow-up error is in the report."""
    report = progress or (lambda stage, done, total: None)
    with uow_factory() as uow:
        since = fact_mark(uow)
        summary = import_orders(uow, files, store, platform=platform, mapping=mapping,
                                progress=report)
    report("followups", 0, 1)
    try:
        with uow_factory() as uow:
            followups = follow_up(uow, summary.import_id, since, platform=platform,
                                  mapping=mapping)
    except Exception as exc:  # the import is committed: it stands, the report says why
        message = exc.message if isinstance(exc, ShopOpsError) else \
            f"{type(exc).__name__}: {exc}"
        followups = FollowupReport(summary.import_id, error=f"follow-ups failed: {message}")
    report("followups", 1, 1)
    return summary, followups


def _touched(uow: UnitOfWork, batch: ImportBatch, since: int) -> dict[int, set[str]]:
    """Order id → the kinds of fact this batch recorded for it (from the mark on)."""
    found: dict[int, set[str]] = {}
    rows = uow.session.execute(select(Fact.entity_id, Fact.kind).where(
        Fact.id > since, Fact.entity == "order", Fact.store_id == batch.store_id,
        Fact.kind.in_(PAID_KINDS + SHIPPED_KINDS + ENDED_KINDS),
        Fact.data["import_id"].as_integer() == batch.id))
    for order_id, kind in rows:
        found.setdefault(order_id, set()).add(kind)
    return found


def _allocate(uow: UnitOfWork, candidates: set[int], report: FollowupReport) -> None:
    settings = read_settings(uow, SETTINGS)
    if not settings[ALLOCATE_KEY]:
        report.allocation = "off"
        return
    paid = sorted((paid_at, order_id) for chunk in chunks(sorted(candidates))
                  for order_id, paid_at in uow.session.execute(
                      select(Order.id, Order.paid_at).where(Order.id.in_(chunk),
                                                            Order.status == "paid")))
    limit = int(settings[LIMIT_KEY])
    report.allocation_waiting = max(0, len(paid) - limit)
    # oldest payment first, like `fulfil allocate`; short of stock …: said, never stops
    done = allocate_orders(uow, [order_id for _, order_id in paid[:limit]])
    report.allocated += len(done.allocated)
    report.allocation_failed += [{"order_id": f["order_id"], "code": f["code"],
                                  "message": f["message"]} for f in done.failed]


def _ship(uow: UnitOfWork, batch: ImportBatch, candidates: set[int], export: Export | None,
          zone: str, report: FollowupReport) -> None:
    if not candidates or export is None:
        return
    orders = {o.channel_order_no: o for chunk in chunks(sorted(candidates))
              for o in uow.session.execute(select(*SHIP_COLUMNS).where(
                  Order.id.in_(chunk), Order.status.in_(SHIPPED_STATUSES)))}
    if not orders:
        return
    tracking = _tracking(set(orders), export, zone)
    reserved = {order_id for chunk in chunks(sorted(o.id for o in orders.values()))
                for order_id in uow.session.scalars(select(OrderAllocation.order_id).where(
                    OrderAllocation.order_id.in_(chunk), OrderAllocation.status == "reserved"))}
    items, carriers = [], {name: _carrier(name) for name, _ in tracking.values()}
    for order in orders.values():
        # ShopOps had reserved its stock: the platform shipped it, so the ledger ships it too
        parcels = [p for p in order_parcels(uow, order.id) if p.status == "reserved"] \
            if order.id in reserved else []
        for parcel in parcels:
            ship_parcel(uow, parcel.allocation_id)
        report.parcels_shipped += len(parcels)
        if order.channel_order_no not in tracking:
            continue
        carrier, tracking_no = tracking[order.channel_order_no]
        shipped = order.shipped_at or order.paid_at or order.created_at
        delivered = order.delivered_at or (order.completed_at or shipped
                                           if order.status != "shipped" else None)
        items.append(PlatformShipment(
            order.id, order.store_id, carriers[carrier], tracking_no, shipped, delivered,
            order.promised_at, parcels[0].allocation_id if parcels else None,
            parcels[0].warehouse if parcels else None))
    report.shipments, report.shipment_problems = record_platform_shipments(uow, items)


def _carrier(name: str) -> str:
    """The carrier as fulfillment knows it: exports write 圆通快递 for 圆通速递 and the like."""
    try:
        return sla.carrier_code(name)
    except ValidationError:
        base = next((name[:-len(s)] for s in CARRIER_SUFFIXES if name.endswith(s)), name)
        try:
            return sla.carrier_code(base)
        except ValidationError:
            return name  # reported as an unknown carrier


def _generic_unmapped(batch: ImportBatch, mapping: ColumnMapping | None) -> bool:
    return PLATFORMS.get(batch.platform, "generic") == "generic" and mapping is None


def _export(uow: UnitOfWork, batch: ImportBatch, platform: str | None,
            mapping: ColumnMapping | None) -> Export | None:
    """The batch's archived files, read again (None: a generic import without its mapping)."""
    if _generic_unmapped(batch, mapping):
        return None
    files = uow.session.execute(select(ImportFile.name, ImportFile.content).where(
        ImportFile.batch_id == batch.id).order_by(ImportFile.id)).all()
    return read_export(*(content for _, content in files), platform=platform,
                       mapping=mapping, names=[name for name, _ in files])


def _zone(uow: UnitOfWork, batch: ImportBatch) -> str:
    return store_by_id(uow, batch.store_id).timezone


def _without_shipment(uow: UnitOfWork, batch: ImportBatch, export: Export, zone: str
                      ) -> set[int]:
    """The file's orders that are shipped (or later) and have no shipment yet: a later
    export that only adds the tracking number records no fact (the status did not move)."""
    numbers = sorted(set(order_numbers(export, zone)))
    found: set[int] = set()
    for chunk in chunks(numbers):
        found.update(uow.session.scalars(select(Order.id).where(
            Order.store_id == batch.store_id,
            Order.channel_order_no.in_(chunk),
            Order.status.in_(SHIPPED_STATUSES),
            ~select(Shipment.id).where(Shipment.order_id == Order.id).exists())))
    return found


def _tracking(wanted: set[str], export: Export, zone: str) -> dict[str, tuple[str, str]]:
    """(carrier, tracking number) per order number, from the batch's archived files (only the
    wanted orders are parsed)."""
    skip = frozenset(order_digests(export, zone)) - wanted
    found: dict[str, tuple[str, str]] = {}
    for order in parse_export(export, zone, skip).orders:
        if order.channel_order_no in wanted and order.tracking_no:
            found[order.channel_order_no] = (order.carrier or "", order.tracking_no)
    return found
