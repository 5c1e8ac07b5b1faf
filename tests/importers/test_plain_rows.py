"""A big first PDD import writes its usual rows straight to the tables (``pdd.plain_reader`` →
``imports._NewRows.plain``): the plain reader must give exactly the values of the order the
parser builds from the same row — and must never accept a row the parser rejects — and the
local-time conversion must equal ``astimezone(UTC)`` for every minute, DST changes included."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from shopops.orders.import_writes import LocalTimes
from shopops.orders.importers import pdd, read_export
from shopops.orders.importers.parse import parse_export
from tests.importers.fixtures import csv_bytes
from tests.importers.test_pdd_reader import HEADERS, _rows

ZONE = "Asia/Shanghai"


def _local(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(ZONE))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_plain_rows_read_exactly_like_the_parser(seed: int) -> None:
    export = read_export(csv_bytes(HEADERS, _rows(seed, 600)), platform="pdd")
    table = export.tables[0]
    plain = pdd.plain_reader(table, ZoneInfo(ZONE))
    read = 0
    for source in table.rows:
        found = plain(source)
        alone = parse_export(replace(export, tables=(replace(table, rows=(source,)),)), ZONE)
        if found is None:
            continue  # the parser reads it (or says why)
        read += 1
        assert not alone.problems, (source.number, alone.problems)
        [order] = alone.orders
        [line] = order.lines
        amounts = found.amounts
        assert (found.row, found.channel_order_no, found.status, found.platform_status,
                found.sku_code) == (source.number, order.channel_order_no, order.status,
                                    order.platform_status, line.sku_code)
        assert [repr(_local(t)) for t in (found.created, found.paid, found.shipped,
                                          found.completed)] == [
            repr(t) for t in (order.created_at, order.paid_at, order.shipped_at,
                              order.completed_at)]
        # repr: the same Decimal exponents too (they show in the facts' text)
        assert repr(amounts) == repr(pdd.PlainAmounts(
            order.list_amount, order.discount_amount, order.goods_amount, order.shipping_fee,
            order.paid_amount, order.refund_amount, line.quantity, line.unit_price,
            line.refund_amount))
        assert line.paid_amount == order.goods_amount
    assert read > len(table.rows) // 3  # most rows are plain: the test reads real ones


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Europe/London",
                                  "Australia/Lord_Howe", "Asia/Kathmandu", "America/Sao_Paulo"])
def test_local_times_equal_a_full_conversion(zone: str) -> None:
    tz = ZoneInfo(zone)
    sqlite, postgres = (LocalTimes(SimpleNamespace(postgres=p), tz)  # type: ignore[arg-type]
                        for p in (False, True))
    days = [datetime(2026, month, day) for month, day in ((3, 8), (3, 29), (4, 5), (10, 4),
                                                          (10, 25), (11, 1), (12, 31))]
    days += [datetime(1900, 1, 1), datetime(1927, 12, 31), datetime(1986, 5, 4)]
    for day in days:
        for step in range(0, 2 * 86400, 7 * 60 + 13):  # every 7 min 13 s over two days
            text = (day + timedelta(seconds=step)).isoformat(" ")
            aware = datetime.fromisoformat(text).replace(tzinfo=tz)
            assert sqlite(text) == aware.astimezone(UTC).isoformat(" ", "microseconds")[:-6]
            assert repr(postgres(text)) == repr(aware)
            assert sqlite.day(text) == aware.astimezone(tz).date().isoformat()
            assert postgres.day(text) == aware.astimezone(tz).date()
