"""The PDD export's compiled row reader (``pdd._compiled``) must read every row exactly as the
full parser (``pdd._order``) does: the same orders (Decimal exponents included), the same
problems and notes — on clean rows and on rows with every quirk and mistake the parser knows."""

from __future__ import annotations

import random

import pytest

from shopops.orders.importers import pdd, read_export
from shopops.orders.importers.parse import parse_export
from shopops.orders.importers.report import ImportResult
from tests.importers.fixtures import PDD_HEADERS, PDD_ORDERS, csv_bytes

# variant columns some PDD exports have (the reader resolves them like any other)
HEADERS = [*PDD_HEADERS, "退款金额(元)", "订单创建时间", "支付时间", "商家编码-SKU维度"]
ODD_CELLS = [
    "", " ", "-", "null", "abc", "-5", "1,299.00", "¥12.5", "12元", '="123"', "'186", "1.5E+15",
    "2026-13-01 00:00:00", "2026/11/20 23:30", "2026-11-20 23:30:0x", "0", "2.0", "3件",
    "退款成功", "退款中", "无售后或售后取消", "已发货，待签收", "交易关闭", "待支付", "奇怪",
    "999999", "0.001", " 12.50 ", "2026-11-20 23:30:00", "10.00",
]


def _rows(seed: int, count: int) -> list[dict[str, object]]:
    """Copies of the fixture orders with distinct numbers, some cells replaced by odd ones,
    some rows cut short, some repeated."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for n in range(count):
        row: dict[str, object] = dict(PDD_ORDERS[n % len(PDD_ORDERS)])
        row["订单号"] = f"201120-{n:015d}"
        for _ in range(rng.randint(0, 3)):
            row[rng.choice(HEADERS)] = rng.choice(ODD_CELLS)
        if rng.random() < 0.03:  # a truncated row: the cells after a random column are gone
            cut = rng.randrange(len(HEADERS))
            row = {h: v for h, v in row.items() if h in HEADERS[:cut]}
        rows.append(row)
    return rows + rows[:10]


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[ImportResult, ImportResult]:
    export = read_export(data, platform="pdd")
    compiled = parse_export(export, "Asia/Shanghai")
    monkeypatch.setattr(pdd, "_compiled", lambda columns, zone: lambda row: pdd._order(row, zone))
    full = parse_export(export, "Asia/Shanghai")
    return compiled, full


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_compiled_reader_reads_like_the_full_parser(seed: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = csv_bytes(HEADERS, _rows(seed, 600))
    compiled, full = _both(data, monkeypatch)
    assert compiled.orders and compiled.problems  # both kinds of rows are in the file
    assert [repr(o) for o in compiled.orders] == [repr(o) for o in full.orders]
    assert compiled.problems == full.problems
    assert compiled.notes == full.notes


def test_compiled_reader_on_the_reference_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled, full = _both(csv_bytes(PDD_HEADERS, PDD_ORDERS), monkeypatch)
    assert [repr(o) for o in compiled.orders] == [repr(o) for o in full.orders]
    assert compiled.problems == full.problems
