"""Reading CSV/XLSX exports: format by magic bytes, encoding, delimiter, headers, sheets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shopops.orders.importers import cells
from shopops.orders.importers.cells import CellError
from shopops.orders.importers.files import cell_text, read_table, sniff_delimiter
from tests.importers.fixtures import TAOBAO_ORDER_HEADERS, csv_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_gbk_taobao_csv_is_read_as_gb18030(platform_files: dict[str, Path]) -> None:
    table = read_table(platform_files["ExportOrderList202611.csv"])
    assert (table.format, table.encoding, table.delimiter) == ("csv", "gb18030", ",")
    assert table.headers[0] == "订单编号"
    assert len(table.headers) == len(TAOBAO_ORDER_HEADERS)
    assert [row.number for row in table.rows] == [2, 3, 4, 5]


def test_header_cells_lose_bom_and_trailing_spaces(platform_files: dict[str, Path]) -> None:
    orders = read_table(platform_files["ExportOrderList202611.csv"])
    assert "收货地址" in orders.headers and "订单付款时间" in orders.headers
    items = read_table(platform_files["ExportOrderDetailList202611.csv"])
    assert items.encoding == "utf-8-sig"
    assert items.headers[0] == "订单编号"  # not "\ufeff订单编号"


def test_plain_utf8_tab_and_semicolon_files(platform_files: dict[str, Path]) -> None:
    assert read_table(platform_files["订单明细-pdd.csv"]).encoding == "utf-8"
    jd = read_table(platform_files["京东结算明细.csv"])
    assert (jd.delimiter, jd.encoding) == ("\t", "gb18030")
    own = read_table(platform_files["own-store.csv"])
    assert own.delimiter == ";" and own.headers[:2] == ("单号", "状态")


def test_xlsx_detected_by_magic_bytes_whatever_the_name(
    platform_files: dict[str, Path], tmp_path: Path
) -> None:
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(platform_files["抖店订单导出.xlsx"].read_bytes())
    table = read_table(renamed)
    assert (table.format, table.encoding, table.sheet) == ("xlsx", None, "订单")
    first = dict(zip(table.headers, table.rows[0].cells, strict=False))
    assert first["订单提交时间"] == "2026-11-20 20:15:30"  # datetime cell
    assert first["商品数量"] == "1" and first["订单应付金额"] == "79"  # no float noise


def test_utf16_excel_unicode_text_is_read() -> None:
    data = "订单号\t订单状态\r\n1\t待发货\r\n".encode("utf-16")
    table = read_table(data)
    assert (table.encoding, table.delimiter, table.headers) == (
        "utf-16",
        "\t",
        ("订单号", "订单状态"),
    )


def test_blank_lines_keep_source_row_numbers() -> None:
    table = read_table(b"a,b\r\n\r\n1,2\r\n3,4\r\n")
    assert [(r.number, r.cells) for r in table.rows] == [(3, ("1", "2")), (4, ("3", "4"))]


def test_forced_encoding() -> None:
    data = csv_bytes(["订单号"], [{"订单号": "甲"}], "gbk")
    assert read_table(data, encoding="gbk").rows[0].cells == ("甲",)


def test_sniff_delimiter_and_cell_text() -> None:
    assert sniff_delimiter("订单号,状态") == ","
    assert sniff_delimiter("订单号\t状态\t金额") == "\t"
    assert sniff_delimiter("单号") == ","
    assert cell_text(59.9) == "59.9" and cell_text(2.0) == "2" and cell_text(None) == ""
    assert cell_text(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02 03:04:05"


# ---- cell cleaners
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('="1930679858170647"', "1930679858170647"),
        ("'18612345678", "18612345678"),
        (" 6920000000000000001\t", "6920000000000000001"),
        ("ABC-1", "ABC-1"),
    ],
)
def test_identifier_strips_excel_guards(raw: str, expected: str) -> None:
    assert cells.identifier(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("188.00", Decimal("188.00")),
        ("0元", Decimal("0")),
        ("¥1,299.00", Decimal("1299.00")),
        ("￥12.5", Decimal("12.5")),
        ('="59.90"', Decimal("59.90")),
        ("", None),
        ("-", None),
    ],
)
def test_amounts_are_exact(raw: str, expected: Decimal | None) -> None:
    assert cells.amount(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-5.00", "negative amount -5.00"),
        ("免邮", "'免邮' is not an amount"),
        ("1,23", "'1,23' is not an amount"),
        ("1e400", "'1e400' is not an amount"),
    ],
)
def test_bad_amounts_give_reasons(raw: str, reason: str) -> None:
    with pytest.raises(CellError) as caught:
        cells.amount(raw)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-20 23:30:00", datetime(2026, 11, 20, 23, 30)),
        ("2026/11/20 23:30", datetime(2026, 11, 20, 23, 30)),
        ("2026/1/5 9:03:07", datetime(2026, 1, 5, 9, 3, 7)),
        ("2026-11-20", datetime(2026, 11, 20)),
    ],
)
def test_platform_times_become_aware_shanghai(raw: str, expected: datetime) -> None:
    parsed = cells.local_datetime(raw, SHANGHAI)
    assert parsed == expected.replace(tzinfo=SHANGHAI)
    assert parsed is not None and parsed.utcoffset() is not None
    assert parsed.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


def test_impossible_and_unreadable_dates() -> None:
    with pytest.raises(CellError, match="impossible date '2026-02-30 10:00:00'"):
        cells.local_datetime("2026-02-30 10:00:00", SHANGHAI)
    with pytest.raises(CellError, match="impossible date"):
        cells.local_datetime("2026-11-20 24:10:00", SHANGHAI)
    with pytest.raises(CellError, match="is not a date and time"):
        cells.local_datetime("昨天", SHANGHAI)
    assert cells.local_datetime("0000-00-00 00:00:00", SHANGHAI) is None


def test_quantities_and_masks() -> None:
    assert cells.quantity("2") == 2 and cells.quantity("3件") == 3 and cells.quantity("2.0") == 2
    for bad in ("0", "1.5", "两"):
        with pytest.raises(CellError):
            cells.quantity(bad)
    assert cells.is_masked("138****1234") and cells.is_masked("****") and cells.is_masked("张**")
    assert not cells.is_masked("13812341234") and not cells.is_masked(None)


def test_header_key_folds_full_width_punctuation() -> None:
    assert cells.header_key(" 商品总价（元）\u3000") == "商品总价(元)"
    assert cells.header_key("买家已付款,等待卖家发货") == cells.header_key(
        "买家已付款，等待卖家发货"
    )
