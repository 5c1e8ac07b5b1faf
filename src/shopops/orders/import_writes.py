"""Bulk reads and writes of the order import, straight on the import's connection.

A million-line export is a million orders, lines and facts: the ORM's per-object bookkeeping and
SQLAlchemy's per-value type processing would be most of the import. Here the values are
converted once into what the column types store (cents as integers; on SQLite naive UTC text
exactly as ``UtcDateTime`` writes it) and sent in ``executemany`` batches on SQLite and with
``COPY`` on PostgreSQL — on the unit of work's own connection, so inside its transaction: a crash
half-way still leaves nothing behind.

Ids of new orders are taken before the insert (PostgreSQL: from the sequence; SQLite: after the
highest id, safe because a writer holds the database lock from ``BEGIN IMMEDIATE``), so lines,
facts and fingerprints need no read-back.

The import converts the next chunk while the database writes this one (``Staging``). On SQLite
the rows first go into index-free temporary tables (cheap, with the GIL), then one
``INSERT … SELECT`` per table moves them — a single ``sqlite3_step``, run by sqlite3 without the
GIL, so the index work really runs beside the Python work (a plain ``executemany`` takes the GIL
back for every row and mostly waits for it). On PostgreSQL the ``COPY`` is the move.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from shopops.core.batches import chunks
from shopops.core.money import yuan_to_cents
from shopops.core.uow import UnitOfWork
from shopops.db.ids import new_ids

BIG_CACHE_KIB = 256 * 1024
STAGING_CACHE_KIB = 64 * 1024  # the temporary tables hold one chunk: never spilled to a file
STAGING_PREFIX = "shopops_import_"
STAGING_ROWS = 50  # rows per staging INSERT (50 × 20 values: far below SQLite's 32,766)
LOOKUP_CHUNK = 2_000  # order numbers per look-up (SQLite's bound-parameter limit is far above)
ORDER_COLUMNS = (
    "id", "store_id", "channel_order_no", "customer_id", "status", "list_amount",
    "discount_amount", "goods_amount", "shipping_fee", "paid_amount", "refund_amount",
    "created_at", "paid_at", "paid_date", "shipped_at", "delivered_at", "completed_at",
    "cancelled_at", "refunded_at",
)
LINE_COLUMNS = ("order_id", "sku_id", "quantity", "list_price", "discount_amount",
                "paid_amount", "refund_amount")
FACT_COLUMNS = ("kind", "entity", "entity_id", "store_id", "occurred_at", "data")
FINGERPRINT_COLUMNS = ("order_id", "fingerprint")


def cents(amount: Decimal) -> int:
    """Yuan → integer cents, as the ``Cents`` column type stores them."""
    scaled = amount.scaleb(2)
    whole = int(scaled)
    return whole if whole == scaled else yuan_to_cents(amount)


class CentsCache(dict[Decimal, int]):
    """``cents`` remembered per amount (exports repeat prices and totals): a hit is a C-level
    dict look-up, no Python call; bounded, so a file of all-different amounts stays small."""

    def __missing__(self, amount: Decimal) -> int:
        if len(self) >= 50_000:
            self.clear()
        value = self[amount] = cents(amount)
        return value


class BulkWriter:
    """The import's bulk statements for one dialect, on the unit of work's connection."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.connection: Connection = uow.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"

    @contextmanager
    def big_cache(self) -> Iterator[None]:
        """SQLite: a 256 MB page cache while an import runs (the default 2 MB makes a
        million-order load, or its re-import's look-ups, re-read index pages), back to what it
        was after."""
        if self.postgres:
            yield
            return
        before = self.connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        self.connection.exec_driver_sql(f"PRAGMA cache_size = {-BIG_CACHE_KIB}")
        try:
            yield
        finally:
            self.connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")

    # ------------------------------------------------------------------ values
    def when(self, at: datetime | None) -> Any:
        """An aware time as ``UtcDateTime`` stores it (SQLite: naive UTC text)."""
        if at is None or self.postgres:
            return at
        # the naive text is the aware one without its "+00:00" (one datetime fewer per value)
        return at.astimezone(UTC).isoformat(" ", "microseconds")[:-6]

    def day(self, value: date | None) -> Any:
        return value if value is None or self.postgres else value.isoformat()

    @staticmethod
    def data(value: dict[str, Any]) -> str:
        return json.dumps(value)

    # ------------------------------------------------------------------ reads
    def fingerprints(self, store_id: int, numbers: Sequence[str]
                     ) -> dict[str, tuple[int, str | None]]:
        """(order id, stored fingerprint or None) of the store's orders among ``numbers``."""
        found: dict[str, tuple[int, str | None]] = {}
        select = ("SELECT o.channel_order_no, o.id, f.fingerprint FROM orders o "
                  "LEFT JOIN order_fingerprints f ON f.order_id = o.id WHERE o.store_id = ")
        for chunk in chunks(numbers, LOOKUP_CHUNK * (5 if self.postgres else 1)):
            if self.postgres:  # one array parameter
                rows = self.connection.exec_driver_sql(
                    select + "%s AND o.channel_order_no = ANY(%s)", (store_id, list(chunk)))
            else:
                marks = ",".join("?" * len(chunk))
                rows = self.connection.exec_driver_sql(
                    select + f"? AND o.channel_order_no IN ({marks})", (store_id, *chunk))
            found.update((number, (order_id, digest)) for number, order_id, digest in rows)
        return found

    def new_ids(self, table: str, count: int) -> list[int]:
        """``count`` ids for rows about to be inserted into ``table`` (orders)."""
        return new_ids(self.connection, table, count)

    # ------------------------------------------------------------------ writes
    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self.postgres:
            cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            finally:
                cursor.close()
            return
        marks = ", ".join("?" * len(columns))
        self.connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                                        list(rows))

    def insert_all(self, statements: Sequence[tuple[str, Sequence[str],
                                                     Sequence[Sequence[Any]]]]) -> None:
        """Several inserts in a row (one background job: nothing else uses the connection
        until it is done)."""
        for table, columns, rows in statements:
            self.insert(table, columns, rows)

    @contextmanager
    def staging(self) -> Iterator[Staging]:
        """Chunked writes that overlap the caller's work (see the module's doc); the
        temporary tables are dropped after."""
        staging = Staging(self)
        try:
            yield staging
        except BaseException:
            with suppress(Exception):  # the rollback drops them anyway: keep the first error
                staging.close()
            raise
        staging.close()

    def replace_fingerprints(self, pairs: Iterable[tuple[int, str]]) -> None:
        """Set the fingerprint of existing orders (delete, then insert: both dialects)."""
        rows = list(pairs)
        for chunk in chunks(rows, LOOKUP_CHUNK):
            ids = [order_id for order_id, _ in chunk]
            if self.postgres:
                self.connection.exec_driver_sql(
                    "DELETE FROM order_fingerprints WHERE order_id = ANY(%s)", (ids,))
            else:
                marks = ",".join("?" * len(ids))
                self.connection.exec_driver_sql(
                    f"DELETE FROM order_fingerprints WHERE order_id IN ({marks})", tuple(ids))
            self.insert("order_fingerprints", FINGERPRINT_COLUMNS, chunk)


Statements = Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)


class LocalTimes:
    """An export's local ``YYYY-MM-DD HH:MM:SS`` text (a real time) as ``UtcDateTime`` stores
    it: on PostgreSQL the aware time, on SQLite the naive UTC text. Per hour of local time
    with one offset in whole hours, the UTC hour is worked out once and minutes and seconds
    are copied; per minute likewise for offsets in whole minutes; anything else (a change of
    offset within the minute, seconds in the offset) is converted in full."""

    def __init__(self, writer: BulkWriter, zone: ZoneInfo) -> None:
        self.postgres, self.zone = writer.postgres, zone
        self.hours: dict[str, str] = {}
        self.minutes: dict[str, str] = {}

    def stored(self, text: str) -> Any:
        if self.postgres:
            return datetime.fromisoformat(text).replace(tzinfo=self.zone)
        prefix = self.hours.get(text[:13])
        if prefix is None:
            prefix = self._prefix(self.hours, text[:13], ":00:00", ":59:59", HOUR)
        if prefix:
            return prefix + text[13:] + ".000000"
        prefix = self.minutes.get(text[:16])
        if prefix is None:
            prefix = self._prefix(self.minutes, text[:16], ":00", ":59", MINUTE)
        if prefix:
            return prefix + text[16:] + ".000000"
        at = datetime.fromisoformat(text).replace(tzinfo=self.zone)
        return at.astimezone(UTC).isoformat(" ", "microseconds")[:-6]

    __call__ = stored

    def _prefix(self, known: dict[str, str], local: str, first: str, last: str,
                unit: timedelta) -> str:
        """The UTC text of ``local`` (an hour or a minute) when the whole of it has one offset
        in whole ``unit``s, else "" (look closer)."""
        start = datetime.fromisoformat(local + first).replace(tzinfo=self.zone)
        end = datetime.fromisoformat(local + last).replace(tzinfo=self.zone)
        offset = start.utcoffset()
        prefix = ""
        if offset is not None and offset == end.utcoffset() and not offset % unit:
            prefix = start.astimezone(UTC).isoformat(" ")[:len(local)]
        if len(known) >= 100_000:
            known.clear()
        known[local] = prefix
        return prefix

    def day(self, text: str) -> Any:
        """The local day of such a time, as the ``Date`` column stores it."""
        return date.fromisoformat(text[:10]) if self.postgres else text[:10]


class Staging:
    """Rows staged on the caller's thread, moved into their tables by the returned job (run it
    in one background thread, and nothing else on the connection until it is done)."""

    def __init__(self, writer: BulkWriter) -> None:
        self.writer = writer
        raw = writer.connection.connection.driver_connection
        assert raw is not None
        self.raw: Any = raw
        self.tables: dict[tuple[str, tuple[str, ...]], str] = {}
        self.cache_before: int | None = None
        if not writer.postgres:
            self.cache_before = int(self.raw.execute("PRAGMA temp.cache_size").fetchone()[0])
            self.raw.execute(f"PRAGMA temp.cache_size = {-STAGING_CACHE_KIB}")

    def stage(self, statements: Statements) -> Callable[[], None]:
        """Take the rows (table, columns, rows) of one chunk; the job writes them."""
        if self.writer.postgres:
            return lambda: self.writer.insert_all(statements)
        moves: list[str] = []
        cursor = self.raw.cursor()
        try:
            for table, columns, rows in statements:
                if not rows:
                    continue
                temp = self._temp_table(cursor, table, tuple(columns))
                self._fill(cursor, temp, len(columns), rows)
                names = ", ".join(columns)
                moves.append(f"INSERT INTO {table} ({names}) SELECT {names} FROM temp.{temp} "
                             "ORDER BY rowid")
                moves.append(f"DELETE FROM temp.{temp}")
        finally:
            cursor.close()
        return lambda: self._run(moves)

    @staticmethod
    def _fill(cursor: Any, temp: str, width: int, rows: Sequence[Sequence[Any]]) -> None:
        """Rows into a temporary table, STAGING_ROWS per statement (a statement per row
        costs as much again as binding the values), in their order."""
        one = f"({', '.join('?' * width)})"
        whole = len(rows) - len(rows) % STAGING_ROWS
        if whole:
            values = list(chain.from_iterable(rows[:whole]))
            statement = f"INSERT INTO temp.{temp} VALUES {', '.join([one] * STAGING_ROWS)}"
            step = STAGING_ROWS * width
            for start in range(0, len(values), step):
                cursor.execute(statement, values[start:start + step])
        if whole < len(rows):
            cursor.executemany(f"INSERT INTO temp.{temp} VALUES {one}", rows[whole:])

    def _temp_table(self, cursor: Any, table: str, columns: tuple[str, ...]) -> str:
        temp = self.tables.get((table, columns))
        if temp is None:
            temp = self.tables[(table, columns)] = f"{STAGING_PREFIX}{len(self.tables)}"
            # no declared types: the values reach the real table exactly as bound here
            cursor.execute(f"CREATE TEMP TABLE {temp} ({', '.join(columns)})")
        return temp

    def _run(self, statements: list[str]) -> None:
        cursor = self.raw.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)  # one step each: sqlite3 lets the GIL go meanwhile
        finally:
            cursor.close()

    def close(self) -> None:
        if self.tables:
            cursor = self.raw.cursor()
            try:
                for temp in self.tables.values():
                    cursor.execute(f"DROP TABLE IF EXISTS temp.{temp}")
            finally:
                cursor.close()
            self.tables.clear()
        if self.cache_before is not None:
            self.raw.execute(f"PRAGMA temp.cache_size = {self.cache_before}")
