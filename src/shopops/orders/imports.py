"""Order import (订单导入): platform export files in, one all-or-nothing batch out.

``import_orders`` parses the files (``orders.importers``), then, in the caller's unit of work:
archives every file with its sha256 (bytes in ``import_files``), inserts new orders with their
lines and customers in bulk, moves existing orders' status forward only (``lifecycle``) with one
fact per transition, and keeps every row it could not import in ``import_problems``. Keyed by
(store, channel order number): the same file twice changes nothing. Nothing is committed until
the caller's ``with app.uow()`` ends, so a crash half-way leaves the database as it was.

Counts are orders: ``read = new + updated + unchanged + rejected``; ``rejected`` counts the rows
kept in the report (one per rejected order or unreadable row).

Speed (``benchmarks/import.py``): a re-import parses only the orders whose source rows changed
(``order_fingerprints``). A big first import of a one-row-per-order export (PDD) is read, checked
and written one chunk at a time — each chunk's rows straight from their cells to the insert
tuples where the row is plain (``pdd.plain_reader``), the database writing one chunk while the
next is read (``import_writes.Staging``) — with the very outcome of the whole-file path, which
every other import takes. The cyclic garbage collector is off while an import runs.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _json_text  # = json.dumps(a str)
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from shopops.catalog.service import sku_ids
from shopops.core.errors import NotFound, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.customers.service import customers_for_buyers
from shopops.orders.import_updates import Incoming, Tally, UpdateContext, update_existing
from shopops.orders.import_writes import (
    FACT_COLUMNS,
    FINGERPRINT_COLUMNS,
    LINE_COLUMNS,
    ORDER_COLUMNS,
    BulkWriter,
    CentsCache,
    LocalTimes,
    Statements,
)
from shopops.orders.importers import (
    PLATFORMS,
    ColumnMapping,
    Export,
    ImportedOrder,
    ImportFileError,
    ImportResult,
    Problem,
    jd_orders,
    order_digests,
    order_numbers,
    parse_export,
    pdd,
    read_export,
)
from shopops.orders.importers.files import SourceRow
from shopops.orders.importers.pdd import PlainAmounts, PlainOrder
from shopops.orders.models import ImportBatch, ImportFile, ImportProblem, Order
from shopops.stores.service import StoreView, get_store, list_stores

Progress = Callable[[str, int, int], None]
NewOrder = ImportedOrder | PlainOrder  # a plain PDD row goes to the tables without a record
# the promised delivery time, where the order book has it (written when the export has it)
PROMISED = "promised_at" in Order.__table__.c
INSERT_CHUNK = 5_000  # new orders per bulk statement (their lines and facts follow)
# a first import of at least this many rows, one row per order, is parsed and written in chunks
STREAM_MIN_ROWS = 20_000
STREAM_CHUNK = 5_000  # rows per streamed chunk
# exports whose orders are parsed from their own row alone, problems in row order (pdd.py)
STREAMED = frozenset({"pdd"})
ZERO = Decimal("0")
# the store platform whose exports a store takes (own stores: the generic importer)
STORE_FAMILY = {"tmall": "taobao", "taobao": "taobao", "jd": "jd", "pdd": "pdd",
                "douyin": "douyin", "own": "generic"}
SKU_COLUMN = {"taobao": "商家编码", "pdd": "商家编码-规格维度", "douyin": "商家编码",
              "jd": "商品编号"}
STATUS_COLUMN = {"taobao": "订单状态", "pdd": "订单状态", "douyin": "订单状态", "jd": "订单状态"}


def arrival_facts(facts: list[tuple[Any, ...]], order_id: int, store_id: int, batch_id: int,
                  number: str, created: Any, amounts: tuple[Any, Any, Any], paid_at: Any) -> None:
    """A new order's order.placed (and order.paid when paid) fact rows, their JSON written
    directly (the first import's hot path); ``amounts``: list, goods and paid amount."""
    listed, goods, paid = amounts
    facts.append(("order.placed", "order", order_id, store_id, created,
                  f'{{"channel_order_no": {_json_text(number)}, '
                  f'"list_amount": "{listed}", "goods_amount": "{goods}", '
                  f'"import_id": {batch_id}}}'))
    if paid_at is not None:
        facts.append(("order.paid", "order", order_id, store_id, paid_at,
                      f'{{"paid_amount": "{paid}", "import_id": {batch_id}}}'))


def _sku_column(result: ImportResult, family: str | None, headers: Sequence[str],
                mapping: ColumnMapping | None) -> str | None:
    """The column unknown SKU codes are reported under: the mapping's, the 京东 order export's
    (it has no 商品编号, the 结算 file's), else the platform's."""
    if mapping is not None and mapping.header_of("sku_code"):
        return mapping.header_of("sku_code")
    if result.detection is not None and result.detection.layout == jd_orders.LAYOUT.name:
        return jd_orders.sku_column(headers)
    return SKU_COLUMN.get(family) if family else None


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
    with _without_cyclic_gc():
        return _import(uow, files, store_code, platform, mapping,
                       progress or (lambda stage, done, total: None))


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """The import allocates millions of objects and makes no reference cycles worth collecting:
    the cyclic collector would walk all of them again and again (a fifth of a big import)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(uow: UnitOfWork, files: Sequence[tuple[str, bytes]], store_code: str | None,
            platform: str | None, mapping: ColumnMapping | None,
            report: Progress) -> ImportSummary:
    started = uow.now()
    store = resolve_store(uow, store_code)
    writer = BulkWriter(uow)
    # a re-import's look-ups read as many index pages as a first import's writes touch
    with writer.big_cache():
        return _import_with(uow, writer, store, started, files, platform, mapping, report)


def _import_with(uow: UnitOfWork, writer: BulkWriter, store: StoreView, started: datetime,
                 files: Sequence[tuple[str, bytes]], platform: str | None,
                 mapping: ColumnMapping | None, report: Progress) -> ImportSummary:
    names = [name for name, _ in files]
    export = read_export(*(data for _, data in files), platform=platform, mapping=mapping,
                         names=names)
    report("read", 1, 3)
    # orders whose source rows are exactly those they were last imported from: not parsed
    if _streams(export, store, writer):
        streamed = _import_streamed(uow, writer, store, files, export, mapping, report, started)
        if streamed is not None:
            return streamed
    numbers: list[str] = []
    digests = order_digests(export, store.timezone, numbers)
    stored = writer.fingerprints(store.id, list(digests))
    report("read", 2, 3)
    skip = frozenset(number for number, (_, digest) in stored.items()
                     if digest is not None and digest == digests[number])
    result = parse_export(_without(export, skip, numbers, len(digests)), store.timezone, skip)
    headers = export.tables[0].headers
    del export  # the source rows (most of the memory) are not needed for the writes
    family = _check_family(store, result.platform)
    sku_column = _sku_column(result, family, headers, mapping)
    status_column = (mapping.header_of("status") if mapping else None) or STATUS_COLUMN.get(family)
    report("read", 3, 3)

    batch = _archive(uow, store, files, result.platform, result.encoding, result.format, started)
    tally = Tally(problems=list(result.problems), rejected=_row_count(result.problems),
                   unchanged=len(skip))
    read = len(result.orders) + len(result.settlements) + tally.rejected + len(skip)
    sku_file = names[0] if len(names) == 1 else None
    orders, sku_ids = _with_known_skus(uow, result.orders, tally, sku_column, sku_file)
    incoming = [Incoming(o.channel_order_no, o.status, o.platform_status,
                          o.source_rows[0] if o.source_rows else None, o) for o in orders]
    incoming += [Incoming(s.channel_order_no, s.status, s.platform_status,
                           s.source_rows[0] if s.source_rows else None)
                 for s in result.settlements if s.status is not None]
    read -= sum(1 for s in result.settlements if s.status is None)
    incoming = _unique(incoming, tally, sku_file)
    unlooked = [i.channel_order_no for i in incoming if i.channel_order_no not in digests]
    stored.update(writer.fingerprints(store.id, unlooked))
    fresh = [i.order for i in incoming if i.channel_order_no not in stored and i.order]
    known = [i for i in incoming if i.channel_order_no in stored]
    context = UpdateContext(uow, store, batch.id, status_column, sku_file, sku_ids)
    applied = update_existing(context, known, tally)
    writer.replace_fingerprints((stored[number][0], digests[number])
                                for number in applied if number in digests)
    for i in incoming:
        if i.channel_order_no not in stored and i.order is None:
            tally.reject(Problem(i.row, "订单编号", i.channel_order_no,
                                 "order is not in the order book yet (import the order export "
                                 "first); settlement status not applied", sku_file))
    _insert_new(uow, writer, store, fresh, sku_ids, digests, tally, batch.id, report)
    _finish(uow, batch, tally, read)
    report("orders", read, read)
    return ImportSummary(result.platform, result.encoding, read, tally.new, tally.updated,
                         tally.unchanged, tally.rejected, batch.id)


def _without(export: Export, skip: frozenset[str], numbers: list[str], orders: int) -> Export:
    """The export without the rows of the orders in ``skip``, when every row is an order of
    its own (the parser would pass over those rows and say nothing: no duplicate row, no row
    without a readable number); else the export as it is (the parser skips them itself)."""
    if not skip or len(export.tables) != 1:
        return export
    table = export.tables[0]
    if not len(numbers) == orders == len(table.rows):
        return export
    rows = tuple(row for row, number in zip(table.rows, numbers, strict=True)
                 if number not in skip)
    return replace(export, tables=(replace(table, rows=rows),))


def _streams(export: Export, store: StoreView, writer: BulkWriter) -> bool:
    """Whether the export can be imported chunk by chunk with the same outcome as in one go:
    one big file of a streamed platform (or not told), every row an order number of its own
    (no duplicate rows, no row without a readable number) and none of them in the order book
    yet (nothing to compare or update)."""
    if len(export.tables) != 1 or export.family not in (None, *STREAMED) \
            or len(export.tables[0].rows) < STREAM_MIN_ROWS:
        return False
    table = export.tables[0]
    # a re-import finds stored orders among the first rows already: no pass over them all
    head = replace(export, tables=(replace(table, rows=table.rows[:STREAM_CHUNK]),))
    if writer.fingerprints(store.id, order_numbers(head, store.timezone)):
        return False
    numbers = order_numbers(export, store.timezone)
    if not len(numbers) == len(set(numbers)) == len(table.rows):
        return False
    return not writer.fingerprints(store.id, numbers[STREAM_CHUNK:])


def _import_streamed(uow: UnitOfWork, writer: BulkWriter, store: StoreView,
                     files: Sequence[tuple[str, bytes]], export: Export,
                     mapping: ColumnMapping | None, report: Progress,
                     started: datetime) -> ImportSummary | None:
    """A first import of a big one-row-per-order export, parsed, checked and written one chunk
    at a time: the database writes a chunk while the next one is parsed, and only one chunk's
    orders are ever in memory. Same orders, ids, facts and problems (in the same order: parse
    problems, then unknown SKUs) as the whole-file path. None when the file turns out not to be
    a streamed platform's (the caller imports it in one go)."""
    table = export.tables[0]
    rows = table.rows

    def only(chunk: Sequence[SourceRow]) -> Export:
        return replace(export, tables=(replace(table, rows=tuple(chunk)),))

    def parsed(chunk: Sequence[SourceRow]) -> ImportResult:
        return parse_export(only(chunk), store.timezone)

    result = parsed(())  # the platform, from the header row (and its errors, if any)
    family = _check_family(store, result.platform)
    if family not in STREAMED:
        return None
    plain = pdd.plain_reader(table, ZoneInfo(store.timezone))

    def chunk_orders(start: int) -> tuple[list[NewOrder], list[Problem]]:
        """The chunk's orders in row order: the plain rows read straight, the others (and
        their problems) through the parser, as in one go."""
        chunk = rows[start:start + STREAM_CHUNK]
        found = [plain(source) for source in chunk]
        odd = [source for source, order in zip(chunk, found, strict=True) if order is None]
        if not odd:
            return cast(list[NewOrder], found), []  # (no None among them)
        others = parsed(odd)
        by_row = {order.source_rows[0]: order for order in others.orders}
        orders = [order if order is not None else by_row.get(source.number)
                  for source, order in zip(chunk, found, strict=True)]
        return [order for order in orders if order is not None], others.problems

    sku_column = _sku_column(result, family, table.headers, mapping)
    report("read", 2, 3)
    report("read", 3, 3)
    batch = _archive(uow, store, files, result.platform, result.encoding, result.format, started)
    uow.session.flush()
    sku_file = files[0][0]
    parse_problems: list[Problem] = []
    tally = Tally()
    known_skus: dict[str, int] = {}
    looked_up: set[str] = set()
    read = 0
    new_orders = _NewOrders(uow, writer, store, batch.id, {})
    with writer.staging() as staging, ThreadPoolExecutor(max_workers=1) as background:
        pending: list[Future[None]] = []

        def settle() -> None:
            """Wait for the chunk being written: the connection is the caller's again."""
            while pending:
                pending.pop().result()

        start = 0
        found, problems = chunk_orders(start)
        while True:
            parse_problems += problems
            read += len(found)
            codes = {code for o in found for code in _sku_codes(o)} - looked_up
            if codes:
                settle()
                known_skus.update(sku_ids(uow, codes))
                looked_up |= codes
            orders = _keep_known_skus(found, known_skus, tally, sku_column, sku_file)
            # each order is on one row: its digest is that of the chunk's row
            new_orders.digests = order_digests(only(rows[start:start + STREAM_CHUNK]),
                                               store.timezone)
            statements = new_orders.statements(orders, known_skus, settle)
            settle()
            pending.append(background.submit(staging.stage(statements)))
            tally.new += len(orders)
            start += STREAM_CHUNK
            report("orders", min(start, len(rows)), len(rows))
            if start >= len(rows):
                break
            found, problems = chunk_orders(start)
        settle()
    rejected = _row_count(parse_problems)
    read += rejected
    tally.problems[:0] = parse_problems
    tally.rejected += rejected
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


def _with_known_skus(uow: UnitOfWork, orders: list[ImportedOrder], tally: Tally,
                     column: str | None, file: str | None
                     ) -> tuple[list[ImportedOrder], dict[str, int]]:
    """Orders whose every line names a known SKU code; the others go to the report."""
    known = sku_ids(uow, (line.sku_code for o in orders for line in o.lines))
    return cast(list[ImportedOrder], _keep_known_skus(orders, known, tally, column, file)), known


def _keep_known_skus(orders: Sequence[NewOrder], known: dict[str, int], tally: Tally,
                     column: str | None, file: str | None) -> list[NewOrder]:
    good: list[NewOrder] = []
    row: int | None
    for order in orders:
        if isinstance(order, PlainOrder):
            if order.sku_code in known:
                good.append(order)
                continue
            row, code = order.row, order.sku_code
        else:
            unknown = next((line for line in order.lines if line.sku_code not in known), None)
            if unknown is None:
                good.append(order)
                continue
            row = unknown.source_row or (order.source_rows[0] if order.source_rows else None)
            code = unknown.sku_code
        tally.reject(Problem(row, column, code,
                             f"unknown SKU code {code!r}: order "
                             f"{order.channel_order_no} not imported (add the SKU first)", file))
    return good


def _sku_codes(order: NewOrder) -> Iterable[str]:
    if isinstance(order, PlainOrder):
        return (order.sku_code,)
    return (line.sku_code for line in order.lines)


def _unique(incoming: list[Incoming], tally: Tally, file: str | None) -> list[Incoming]:
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


def _insert_new(uow: UnitOfWork, writer: BulkWriter, store: StoreView,
                orders: list[ImportedOrder], sku_ids: dict[str, int], digests: dict[str, str],
                tally: Tally, batch_id: int, report: Progress) -> None:
    """New orders, their lines, one fact per step they have already taken and their
    fingerprints, in bulk (values converted once, no ORM objects)."""
    new_orders = _NewOrders(uow, writer, store, batch_id, digests)
    new_orders.customers = _customers(uow, store.id, orders)
    new_orders.ids = writer.new_ids("orders", len(orders))
    done = 0
    # the database writes one chunk (without the GIL) while the next one is converted
    with writer.staging() as staging, ThreadPoolExecutor(max_workers=1) as background:
        pending: Future[None] | None = None
        for start in range(0, len(orders), INSERT_CHUNK):
            chunk = orders[start:start + INSERT_CHUNK]
            statements = new_orders.statements(chunk, sku_ids, lambda: None)
            if pending is not None:
                pending.result()
                report("orders", done, len(orders))
            pending = background.submit(staging.stage(statements))
            done += len(chunk)
            tally.new += len(chunk)
        if pending is not None:
            pending.result()
            report("orders", done, len(orders))


class _NewOrders:
    """The rows of new orders, one chunk at a time: ids taken in order, customers found or
    created once per buyer (each with the time of their first order in the file)."""

    def __init__(self, uow: UnitOfWork, writer: BulkWriter, store: StoreView, batch_id: int,
                 digests: dict[str, str]) -> None:
        self.uow, self.writer, self.store_id, self.digests = uow, writer, store.id, digests
        self.rows = _NewRows(writer, store, batch_id, uow.now())
        self.customers: dict[str, int] = {}
        self.ids: list[int] = []  # taken ahead (the whole-file path); else per chunk
        self.next_id: int | None = None
        self.order_columns = ORDER_COLUMNS + (("promised_at",) if PROMISED else ())

    def statements(self, orders: Sequence[NewOrder], sku_ids: dict[str, int],
                   settle: Callable[[], None]) -> Statements:
        """``settle`` is called before the connection is used (customers, ids)."""
        new_buyers = [o for o in orders if isinstance(o, ImportedOrder)
                      and (key := _buyer_key(o)) is not None and key not in self.customers]
        if new_buyers:
            settle()
            self.customers.update(_customers(self.uow, self.store_id, new_buyers))
        ids = self._ids(len(orders), settle)
        customers, rows, digests = self.customers, self.rows, self.digests
        cents = rows.cents
        order_rows: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        facts: list[tuple[Any, ...]] = []
        prints: list[tuple[int, str]] = []
        for order_id, order in zip(ids, orders, strict=True):
            if isinstance(order, PlainOrder):
                order_rows.append(rows.plain(order_id, order, sku_ids[order.sku_code], facts,
                                             lines))
            else:
                order_rows.append(rows.order(order_id, order,
                                             customers.get(_buyer_key(order) or ""), facts))
                lines.extend(
                    (order_id, sku_ids[line.sku_code], line.quantity, cents(line.unit_price),
                     cents(max(line.unit_price * line.quantity - line.paid_amount, ZERO)),
                     cents(line.paid_amount), cents(line.refund_amount))
                    for line in order.lines)
            digest = digests.get(order.channel_order_no)
            if digest is not None:
                prints.append((order_id, digest))
        return [
            ("orders", self.order_columns, order_rows),
            ("order_lines", LINE_COLUMNS, lines),
            ("facts", FACT_COLUMNS, facts),
            ("order_fingerprints", FINGERPRINT_COLUMNS, prints),
        ]

    def _ids(self, count: int, settle: Callable[[], None]) -> list[int]:
        if self.ids:  # taken ahead for all the orders
            ids, self.ids = self.ids[:count], self.ids[count:]
            return ids
        if self.next_id is None or self.writer.postgres:
            settle()  # SQLite: after the highest id once (the write lock is ours), then on
            ids = self.writer.new_ids("orders", count)
            self.next_id = ids[-1] + 1 if ids else None
            return ids
        ids = list(range(self.next_id, self.next_id + count))
        self.next_id += count
        return ids


class _NewRows:
    """The stored values of a new order and of the facts ``uow.record`` would append for it
    (placed, paid when paid, and the status the export shows beyond paid): each time converted
    once, the facts' JSON written directly (same text as ``json.dumps`` of the dict)."""

    def __init__(self, writer: BulkWriter, store: StoreView, batch_id: int,
                 now: datetime) -> None:
        self.writer, self.store_id, self.batch_id = writer, store.id, batch_id
        self.zone = ZoneInfo(store.timezone)
        self.now = writer.when(now)
        self.cents = CentsCache().__getitem__
        self.times = LocalTimes(writer, self.zone)
        # per PlainAmounts (kept alive here, so its id stays its own): the stored amounts
        self.money: dict[int, tuple[PlainAmounts, tuple[Any, ...]]] = {}

    def order(self, order_id: int, order: ImportedOrder, customer_id: int | None,
              facts: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        when, store_id, batch_id = self.writer.when, self.store_id, self.batch_id
        created, paid, shipped = when(order.created_at), when(order.paid_at), \
            when(order.shipped_at)
        completed = when(order.completed_at)
        arrival_facts(facts, order_id, store_id, batch_id, order.channel_order_no, created,
                      (order.list_amount, order.goods_amount, order.paid_amount), paid)
        self._status_fact(facts, order_id, order.status, order.platform_status, shipped,
                          completed)
        paid_at, cents = order.paid_at, self.cents
        return (
            order_id, store_id, order.channel_order_no, customer_id, order.status,
            cents(order.list_amount), cents(order.discount_amount), cents(order.goods_amount),
            cents(order.shipping_fee), cents(order.paid_amount), cents(order.refund_amount),
            created, paid,
            self.writer.day(paid_at.astimezone(self.zone).date()) if paid_at else None,
            shipped, when(order.delivered_at), completed, None, None,
            *((when(order.promised_at),) if PROMISED else ()),
        )


    def plain(self, order_id: int, order: PlainOrder, sku_id: int,
              facts: list[tuple[Any, ...]], lines: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        """``order`` for a plain PDD row: the same values and facts as for its record."""
        amounts = order.amounts
        entry = self.money.get(id(amounts))
        if entry is None or entry[0] is not amounts:
            entry = self._money(amounts)
        (list_cents, discount_cents, goods_cents, shipping_cents, paid_cents, refund_cents,
         unit_cents, line_discount_cents, line_refund_cents, listed, goods, paid) = entry[1]
        time, store_id, batch_id = self.times.stored, self.store_id, self.batch_id
        created = time(order.created)
        paid_at = None if order.paid is None else time(order.paid)
        shipped = None if order.shipped is None else time(order.shipped)
        completed = None if order.completed is None else time(order.completed)
        arrival_facts(facts, order_id, store_id, batch_id, order.channel_order_no, created,
                      (listed, goods, paid), paid_at)
        status = order.status
        self._status_fact(facts, order_id, status, order.platform_status, shipped, completed)
        lines.append((order_id, sku_id, amounts.quantity, unit_cents, line_discount_cents,
                      goods_cents, line_refund_cents))
        return (
            order_id, store_id, order.channel_order_no, None, status, list_cents,
            discount_cents, goods_cents, shipping_cents, paid_cents, refund_cents, created,
            paid_at, None if order.paid is None else self.times.day(order.paid), shipped, None,
            completed, None, None, *((None,) if PROMISED else ()),
        )

    def _status_fact(self, facts: list[tuple[Any, ...]], order_id: int, status: str,
                     platform_status: str, shipped: Any, completed: Any) -> None:
        """The fact of the status the export shows beyond paid (none for created or paid)."""
        if status in ("created", "paid"):
            return
        at = shipped if status == "shipped" else completed if status == "completed" else None
        facts.append((f"order.{status}", "order", order_id, self.store_id, at or self.now,
                      f'{{"from_status": "created", "to_status": "{status}", '
                      f'"platform_status": {_json_text(platform_status)}, '
                      f'"import_id": {self.batch_id}}}'))

    def _money(self, amounts: PlainAmounts) -> tuple[PlainAmounts, tuple[Any, ...]]:
        cents = self.cents
        stored = (cents(amounts.list_amount), cents(amounts.discount_amount),
                  cents(amounts.goods_amount), cents(amounts.shipping_fee),
                  cents(amounts.paid_amount), cents(amounts.refund_amount),
                  cents(amounts.unit_price),
                  cents(max(amounts.unit_price * amounts.quantity - amounts.goods_amount, ZERO)),
                  cents(amounts.line_refund), f"{amounts.list_amount}",
                  f"{amounts.goods_amount}", f"{amounts.paid_amount}")
        if len(self.money) >= 50_000:
            self.money.clear()
        entry = self.money[id(amounts)] = (amounts, stored)
        return entry


def _finish(uow: UnitOfWork, batch: ImportBatch, tally: Tally, read: int) -> None:
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
