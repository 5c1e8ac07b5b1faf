"""Order digests: the same source rows read the same way give the same digest, anything that
could change what is imported gives another one; skipped orders are not parsed."""

from __future__ import annotations

from shopops.orders.importers import order_digests, parse_export, read_export
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
