"""Order digests: the same source rows read the same way give the same digest, anything that
could change what is imported gives another one; skipped orders are not parsed."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from shopops.orders.importers import (
    Export,
    Table,
    common,
    order_digests,
    order_numbers,
    parse_export,
    read_export,
)
from shopops.orders.importers.cells import CellError, order_number
from shopops.orders.importers.common import Columns
from tests.importers.fixtures import platform_files


def test_same_rows_same_digest_and_every_order_has_one() -> None:
    data = platform_files()["订单明细-pdd.csv"]
    first = order_digests(read_export(data, platform="pdd"), "Asia/Shanghai")
    again = order_digests(read_export(data, platform="pdd"), "Asia/Shanghai")
    parsed = parse_export(read_export(data, platform="pdd"), "Asia/Shanghai")
    assert first == again
    assert {o.channel_order_no for o in parsed.orders} <= set(first)


def test_time_zone_and_a_changed_cell_change_the_digest() -> None:
    data = platform_files()["订单明细-pdd.csv"]
    shanghai = order_digests(read_export(data, platform="pdd"), "Asia/Shanghai")
    utc = order_digests(read_export(data, platform="pdd"), "UTC")
    assert all(shanghai[n] != utc[n] for n in shanghai)
    changed = data.replace("待发货".encode(), "已发货，待签收".encode(), 1)
    moved = order_digests(read_export(changed, platform="pdd"), "Asia/Shanghai")
    assert sum(1 for n in shanghai if shanghai[n] != moved[n]) == 1


def test_skipped_orders_are_not_parsed_and_the_rest_are() -> None:
    data = platform_files()["订单明细-pdd.csv"]
    full = parse_export(read_export(data, platform="pdd"), "Asia/Shanghai")
    skip = frozenset({full.orders[0].channel_order_no})
    partial = parse_export(read_export(data, platform="pdd"), "Asia/Shanghai", skip)
    assert [o.channel_order_no for o in partial.orders] == [
        o.channel_order_no for o in full.orders[1:]]
    assert partial.problems == full.problems


def _reference_digests(export: Export, timezone: str) -> dict[str, str]:
    """The digest pass as first written: every row through ``unique_rows`` (as it was)."""
    def digest_rows(table: Table, columns: Columns, order_column: str, salt: str,
                    found: dict[str, Any], numbers: list[str] | None = None) -> None:
        seed = "\x1e".join((salt, columns.layout.name, *table.headers)).encode()
        position = columns.position(order_column)
        assert position is not None
        seen: set[tuple[str, ...]] = set()
        for source in table.rows:
            key = tuple(cell.strip() for cell in source.cells)
            while key and not key[-1]:
                key = key[:-1]
            if key in seen:
                continue
            seen.add(key)
            try:
                order_no = order_number(source.cells[position]) \
                    if position < len(source.cells) else ""
            except CellError:
                continue
            if order_no:
                digest = found.setdefault(order_no, hashlib.blake2b(seed, digest_size=16))
                digest.update("\x1f".join(source.cells).encode() + b"\x1e")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(common, "_digest_rows", digest_rows)
        return order_digests(export, timezone)


def test_the_digest_pass_collapses_duplicate_rows_like_unique_rows() -> None:
    files = platform_files()
    pdd_rows = files["订单明细-pdd.csv"].decode("utf-8-sig").splitlines()
    # exact duplicates (also with stray spaces and extra empty cells), an order on two
    # different rows, rows without a number: each digest is that of the unique rows
    head, body = pdd_rows[0], pdd_rows[1:]
    spaced = body[0].replace(",", " ,", 3)
    extra = body[1] + ",,,"
    pdd = "\r\n".join([head, *body, body[0], spaced, extra, body[2].replace("待发货", "已发货"),
                       ",,," + body[1][3:], *body]).encode()
    exports = [read_export(pdd, platform="pdd"),
               read_export(files["ExportOrderList202611.csv"],
                           files["ExportOrderDetailList202611.csv"]),
               read_export(files["抖店订单导出.xlsx"])]
    for export in exports:
        numbers: list[str] = []
        found = order_digests(export, "Asia/Shanghai", numbers)
        assert found == _reference_digests(export, "Asia/Shanghai")
        assert found and set(numbers) == set(found)


def test_order_numbers_are_every_readable_rows_number_in_row_order() -> None:
    data = platform_files()["订单明细-pdd.csv"].decode("utf-8-sig").splitlines()
    head, body = data[0], data[1:]
    export = read_export("\r\n".join([head, *body, body[0], ",,," + body[1][3:]]).encode(),
                         platform="pdd")
    hashed: list[str] = []
    digests = order_digests(export, "Asia/Shanghai", hashed)
    numbers = order_numbers(export, "Asia/Shanghai")
    assert numbers == [*hashed, hashed[0]]  # the duplicate row too; the row without one not
    assert set(numbers) == set(digests)
