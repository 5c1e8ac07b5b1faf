"""What every platform parser shares: column layouts, row access by column name, status words,
and the row → order grouping that keeps bad rows out without stopping the good ones."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shopops.orders.importers.cells import CellError, header_key, is_empty, order_number, text
from shopops.orders.importers.files import SourceRow, Table
from shopops.orders.importers.records import RowError
from shopops.orders.importers.report import MissingColumnsError, Note, Problem

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Layout:
    """One export layout of a platform: its required and optional columns (Chinese headers)."""

    platform: str
    name: str
    title: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def known(self) -> tuple[str, ...]:
        return self.required + self.optional


class Columns:
    """Where each column of a layout sits in a table's header row (matched by ``header_key``)."""

    def __init__(self, headers: Iterable[str], layout: Layout) -> None:
        self.layout = layout
        self.width = 0
        self.index: dict[str, int] = {}
        for position, header in enumerate(headers):
            self.width = position + 1
            if header:
                self.index.setdefault(header_key(header), position)

        # every layout column's position, looked up once (read for every cell of every row)
        self._positions: dict[str, int | None] = {
            name: self.index.get(header_key(name)) for name in layout.known}

    def missing(self) -> list[str]:
        return [name for name in self.layout.required if header_key(name) not in self.index]

    def has(self, name: str) -> bool:
        return header_key(name) in self.index

    def position(self, name: str) -> int | None:
        """Where column ``name`` sits (cached: called for every cell read)."""
        try:
            return self._positions[name]
        except KeyError:
            found = self._positions[name] = self.index.get(header_key(name))
            return found


@dataclass(frozen=True, slots=True)
class Row:
    """One source row, read by column name; cleaning errors carry the column and the value."""

    number: int
    cells: tuple[str, ...]
    columns: Columns

    def raw(self, name: str) -> str:
        position = self.columns.position(name)
        if position is None:
            return ""
        if position >= len(self.cells):
            if name in self.columns.layout.required:
                raise RowError(
                    name, None, f"the row has only {len(self.cells)} of {self.columns.width} "
                    "cells; the file looks truncated"
                )
            return ""
        return self.cells[position]

    def read(self, name: str, clean: Callable[[str], T]) -> T:
        position = self.columns._positions.get(name)
        cells = self.cells
        # the usual case inline (a method call per cell is a tenth of the parse time)
        value = cells[position] if position is not None and position < len(cells) \
            else self.raw(name)
        try:
            return clean(value)
        except CellError as exc:
            raise RowError(name, value.strip(), exc.reason) from None

    def first(self, names: Iterable[str], clean: Callable[[str], T], default: T) -> T:
        """The first of several alternative columns that has a value."""
        for name in names:
            if text(self.raw(name)):
                return self.read(name, clean)
        return default


StatusWords = Mapping[str, str]


def status_words(words: Mapping[str, str]) -> dict[str, str]:
    """A platform's status words keyed for matching (full-width and ASCII commas alike)."""
    return {header_key(word): status for word, status in words.items()}


def map_status(row: Row, column: str, words: StatusWords, platform: str) -> tuple[str, str]:
    """(ShopOps status, the platform's own word) of a row; unknown words reject the row."""
    word = text(row.raw(column))
    status = words.get(header_key(word))
    if status is None:
        raise RowError(column, word, f"unknown {platform} status {word!r}")
    return status, word


def one_row_per_order(order_no: str, rows: list[tuple[int, T]], column: str,
                      where: str = "") -> T:
    """The order of a format with one row per order; the same number on several rows with
    different values rejects it (identical duplicates were collapsed before)."""
    if len(rows) > 1:
        numbers = ", ".join(str(n) for n, _ in rows)
        raise RowError(column, order_no, f"appears on several rows ({numbers}){where} with "
                       "different values")
    return rows[0][1]


def map_after_sale(row: Row, column: str, words: StatusWords, no_after_sale: frozenset[str],
                   platform: str) -> tuple[str | None, str | None]:
    """(ShopOps refund status or None, the platform's word) of a 售后状态 cell; words meaning
    "no after-sale" give no status, unknown words reject the row."""
    word = text(row.raw(column))
    if is_empty(word):
        return None, None
    key = header_key(word)
    if key in no_after_sale:
        return None, word
    if key not in words:
        raise RowError(column, word, f"unknown {platform} after-sale status {word!r}")
    return words[key], word


@dataclass(slots=True)
class Outcome:
    """Problems and notes collected while parsing, and the orders left out because of them."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    rejected_orders: set[str] = field(default_factory=set)
    # orders whose rows are not parsed: the import knows them unchanged (same digest)
    skip: frozenset[str] = frozenset()
    # the digest pass: each order's source rows are hashed here and nothing is parsed
    digests: dict[str, Any] | None = None
    salt: str = ""  # what else the digests depend on (time zone, column mapping)
    # the digest pass: each hashed row's order number, in row order (when asked)
    numbers: list[str] | None = None
    numbers_only: bool = False  # the digest pass collects the numbers and hashes nothing

    def reject(self, row: int | None, error: RowError, prefix: str = "",
               file: str | None = None) -> None:
        self.problems.append(Problem(row, error.column, error.value, prefix + error.reason, file))


def require_columns(table: Table, layout: Layout) -> Columns:
    columns = Columns(table.headers, layout)
    missing = columns.missing()
    if missing:
        raise MissingColumnsError(layout.title, missing, layout=layout.name, file=table.name)
    return columns


def unique_rows(table: Table, outcome: Outcome) -> Iterable[SourceRow]:
    """Rows with exact duplicates collapsed into their first occurrence (with a note)."""
    seen: dict[tuple[str, ...], int] = {}
    for row in table.rows:
        key = _row_key(row.cells)
        if key in seen:
            outcome.notes.append(
                Note(row.number, f"row {row.number} is identical to row {seen[key]}; collapsed")
            )
            continue
        seen[key] = row.number
        yield row


def group_rows(
    table: Table,
    layout: Layout,
    order_column: str,
    parse: Callable[[Row], T],
    outcome: Outcome,
) -> dict[str, list[tuple[int, T]]]:
    """Parse each row and group by order number; an order with a rejected row is left out."""
    columns = require_columns(table, layout)
    if outcome.digests is not None:
        if outcome.numbers_only and outcome.numbers is not None:
            _number_rows(table, columns, order_column, outcome.numbers)
        else:
            _digest_rows(table, columns, order_column, outcome.salt, outcome.digests,
                         outcome.numbers)
        return {}
    groups: dict[str, list[tuple[int, T]]] = {}
    bad: dict[str, int] = {}
    skip = outcome.skip
    for source in unique_rows(table, outcome):
        row = Row(source.number, source.cells, columns)
        try:
            order_no = row.read(order_column, order_number)
            if not order_no:
                raise RowError(order_column, "", "order number is empty")
        except RowError as exc:
            outcome.reject(row.number, exc, file=table.name)
            continue
        if order_no in skip:
            continue
        try:
            groups.setdefault(order_no, []).append((row.number, parse(row)))
        except RowError as exc:
            outcome.reject(row.number, exc, f"order {order_no} left out: ", table.name)
            bad.setdefault(order_no, row.number)
    for order_no, bad_row in bad.items():
        outcome.rejected_orders.add(order_no)
        for number, _ in groups.pop(order_no, []):
            outcome.problems.append(Problem(
                number, None, None, f"order {order_no} left out: row {bad_row} rejected",
                table.name,
            ))
    return groups


def _digest_rows(table: Table, columns: Columns, order_column: str, salt: str,
                 digests: dict[str, Any], numbers: list[str] | None = None) -> None:
    """Hash each order's unique source rows, salted with the layout and the header row (another
    column order is another digest: it is parsed, never assumed equal).

    Unique as ``unique_rows`` says, but cheaper: an exact duplicate has the same order number,
    so only a row whose order number was hashed before is compared — with that order's rows."""
    seed = hashlib.blake2b("\x1e".join((salt, columns.layout.name, *table.headers)).encode(),
                           digest_size=16)
    position = columns.position(order_column)
    if position is None:
        return
    rows = table.rows
    first: dict[str, int] = {}  # where each order's first row in this table is
    keys: dict[str, set[tuple[str, ...]]] = {}  # orders on several rows: their rows' keys
    for index, source in enumerate(rows):
        cells = source.cells
        try:
            order_no = order_number(cells[position]) if position < len(cells) else ""
        except CellError:
            continue  # the real pass reports it
        if not order_no:
            continue
        digest = digests.get(order_no)
        if digest is None:  # (another table of the export may have begun it)
            digest = digests[order_no] = seed.copy()
        if first.setdefault(order_no, index) != index:
            seen = keys.get(order_no)
            if seen is None:
                seen = keys[order_no] = {_row_key(rows[first[order_no]].cells)}
            key = _row_key(cells)
            if key in seen:
                continue  # duplicate notes come from the real pass
            seen.add(key)
        digest.update("\x1f".join(cells).encode())
        digest.update(b"\x1e")
        if numbers is not None:
            numbers.append(order_no)


def _number_rows(table: Table, columns: Columns, order_column: str,
                 numbers: list[str]) -> None:
    """The order number of every row that has a readable one, in row order."""
    position = columns.position(order_column)
    if position is None:
        return
    for source in table.rows:
        cells = source.cells
        try:
            order_no = order_number(cells[position]) if position < len(cells) else ""
        except CellError:
            continue
        if order_no:
            numbers.append(order_no)


def _row_key(cells: tuple[str, ...]) -> tuple[str, ...]:
    """What makes two rows the same row (``unique_rows``): the cells without stray spaces,
    without the empty cells at the end."""
    key = tuple(map(str.strip, cells))
    while key and not key[-1]:
        key = key[:-1]
    return key


def build_each(
    groups: Mapping[str, list[tuple[int, T]]],
    build: Callable[[str, list[tuple[int, T]]], R],
    outcome: Outcome,
    file: str | None = None,
) -> list[R]:
    """Build one record per order; an order whose rows do not add up becomes a problem."""
    built: list[R] = []
    for order_no, rows in groups.items():
        try:
            built.append(build(order_no, rows))
        except RowError as exc:
            outcome.reject(rows[0][0], exc, f"order {order_no}: ", file)
            outcome.rejected_orders.add(order_no)
    return built
