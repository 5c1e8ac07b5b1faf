"""The malformed corpus: each case gives a clear message, and the good rows still come through."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopops.orders.importers import (
    ColumnMapping,
    ImportedOrder,
    ImportFileError,
    MissingColumnsError,
    Problem,
    import_export,
    read_table,
)
from tests.importers.fixtures import (
    GENERIC_HEADERS,
    GENERIC_MAPPING_JSON,
    GENERIC_ORDERS,
    TAOBAO_ITEM_HEADERS,
    TAOBAO_ITEMS,
    TAOBAO_ORDER_HEADERS,
    TAOBAO_ORDERS,
    csv_bytes,
)

PDD_GOOD = {"201120-123456789012345", "201119-223456789012345", "201118-323456789012345"}


def numbers(orders: list[ImportedOrder]) -> set[str]:
    return {order.channel_order_no for order in orders}


@pytest.mark.parametrize(
    ("name", "message", "field"),
    [
        ("zero-bytes.csv", "zero-bytes.csv: the file is empty (0 bytes)", "file"),
        ("empty.csv", "empty.csv: the file has no header row", "file"),
        ("bom-only.csv", "bom-only.csv: the file has no header row", "file"),
        ("truncated-mid-char.csv", "ends in the middle of a character at offset", "file"),
        ("truncated.xlsx", "the XLSX file is truncated or corrupt (BadZipFile)", "file"),
        ("not-a-workbook.xlsx", "the XLSX file is truncated or corrupt", "file"),
        (
            "undecodable.csv",
            "cannot decode the file as UTF-8 or GBK/GB18030 (byte 0xff at offset 5)",
            "encoding",
        ),
    ],
)
def test_unreadable_files_are_refused_clearly(
    malformed_files: dict[str, Path], name: str, message: str, field: str
) -> None:
    with pytest.raises(ImportFileError) as caught:
        import_export(malformed_files[name])
    assert message in caught.value.message
    assert caught.value.field == field
    assert caught.value.code == "orders.import_file_invalid"
    assert caught.value.http_status == 422


def test_wrong_encoding_claimed(malformed_files: dict[str, Path]) -> None:
    with pytest.raises(ImportFileError, match=r"not valid utf-8 \(byte 0xb6 at offset 0\)"):
        read_table(malformed_files["gbk-taobao.csv"], encoding="utf-8")


def test_missing_required_column_names_column_and_platform(
    malformed_files: dict[str, Path],
) -> None:
    with pytest.raises(MissingColumnsError) as caught:
        import_export(malformed_files["missing-column.csv"])
    error = caught.value
    assert error.columns == ["用户实付金额(元)"] and error.platform == "拼多多 订单导出"
    assert error.message == "拼多多 订单导出 export is missing required column(s): 用户实付金额(元)"


def test_truncated_last_row_is_rejected_and_the_rest_kept(
    malformed_files: dict[str, Path],
) -> None:
    result = import_export(malformed_files["truncated-mid-row.csv"])
    assert numbers(result.orders) == PDD_GOOD - {"201118-323456789012345"}
    [problem] = result.problems
    assert (problem.row, problem.column) == (4, "用户实付金额(元)")
    assert "the file looks truncated" in problem.reason


def test_negative_and_non_numeric_amounts(malformed_files: dict[str, Path]) -> None:
    result = import_export(malformed_files["bad-amounts.csv"])
    assert numbers(result.orders) == {"201118-323456789012345"}
    assert result.problems == [
        Problem(
            2,
            "用户实付金额(元)",
            "-5.00",
            "order 201120-123456789012345 left out: negative amount -5.00",
            "bad-amounts.csv",
        ),
        Problem(
            3,
            "邮费(元)",
            "免邮",
            "order 201119-223456789012345 left out: '免邮' is not an amount",
            "bad-amounts.csv",
        ),
    ]
    assert str(result.problems[1]) == (
        "bad-amounts.csv row 3, column 邮费(元) ('免邮'): order 201119-223456789012345 left out: "
        "'免邮' is not an amount"
    )
    assert result.rejected_rows == [2, 3]


def test_impossible_date(malformed_files: dict[str, Path]) -> None:
    result = import_export(malformed_files["impossible-date.csv"])
    assert len(result.orders) == 2
    [problem] = result.problems
    assert (problem.row, problem.column, problem.value) == (
        3,
        "订单成交时间",
        "2026-02-30 10:00:00",
    )
    assert "impossible date" in problem.reason


def test_duplicate_rows_collapsed_with_a_note(malformed_files: dict[str, Path]) -> None:
    result = import_export(malformed_files["duplicates.csv"])
    assert numbers(result.orders) == PDD_GOOD and result.problems == []
    assert [(n.row, n.message) for n in result.notes] == [
        (4, "row 4 is identical to row 2; collapsed")
    ]


def test_unknown_status_rejects_only_its_order(malformed_files: dict[str, Path]) -> None:
    result = import_export(malformed_files["unknown-status.csv"])
    assert len(result.orders) == 2
    [problem] = result.problems
    assert (problem.row, problem.column, problem.value) == (4, "订单状态", "神秘状态")
    assert "unknown 拼多多 status '神秘状态'" in problem.reason


def test_xlsx_with_a_second_sheet_reads_the_first_and_says_so(
    malformed_files: dict[str, Path],
) -> None:
    result = import_export(malformed_files["two-sheets.xlsx"])
    assert len(result.orders) == 2 and result.problems == []
    assert [n.message for n in result.notes] == [
        "two-sheets.xlsx: read sheet '订单'; other sheet(s) ignored: 说明"
    ]
    table = read_table(malformed_files["first-sheet-empty.xlsx"])
    assert table.sheet == "订单" and len(table.rows) == 3


def test_taobao_orders_without_lines_and_lines_without_orders() -> None:
    orders = csv_bytes(TAOBAO_ORDER_HEADERS, TAOBAO_ORDERS, "gbk")
    items = csv_bytes(
        TAOBAO_ITEM_HEADERS,
        [
            *TAOBAO_ITEMS[:3],  # lines of ...647 and ...648, none for ...649 and ...650
            {
                "订单编号": '="1930679858179999"',
                "标题": "孤儿",
                "价格": "1",
                "购买数量": "1",
                "商家编码": "SKU-Z",
            },
        ],
    )
    result = import_export(orders, items)
    assert numbers(result.orders) == {"1930679858170647", "1930679858170648"}
    reasons = {(p.row, p.reason) for p in result.problems}
    assert (4, "order 1930679858170649 has no lines in the 宝贝报表 (upload)") in reasons
    assert (5, "order 1930679858170650 has no lines in the 宝贝报表 (upload)") in reasons
    assert (5, "line of order 1930679858179999 has no order in the 订单报表 (upload)") in reasons


def test_taobao_needs_both_reports() -> None:
    orders = csv_bytes(TAOBAO_ORDER_HEADERS, TAOBAO_ORDERS, "gbk")
    with pytest.raises(ImportFileError, match="needs the 订单报表 and the 宝贝报表 together"):
        import_export(orders)


def test_taobao_line_without_sku_code_rejects_its_order() -> None:
    orders = csv_bytes(TAOBAO_ORDER_HEADERS, TAOBAO_ORDERS, "gbk")
    items = csv_bytes(
        TAOBAO_ITEM_HEADERS,
        [*TAOBAO_ITEMS[:1], {**TAOBAO_ITEMS[1], "外部系统编号": ""}, *TAOBAO_ITEMS[2:]],
    )
    result = import_export(orders, items)
    assert "1930679858170647" not in numbers(result.orders) and len(result.orders) == 3
    assert [(p.file, p.row, p.column) for p in result.problems] == [
        ("upload", 3, "商家编码"),
        ("upload", 2, None),
        ("upload", 2, "订单编号"),
    ]
    assert result.problems[0].reason == (
        "order 1930679858170647 left out: no SKU code (商家编码 and 外部系统编号 are empty)"
    )
    assert result.problems[1].reason == "order 1930679858170647 left out: row 3 rejected"
    assert result.problems[2].reason == (
        "order 1930679858170647 left out: its lines in the 宝贝报表 were rejected"
    )


def test_generic_unknown_status_hints_at_the_mapping() -> None:
    rows = [dict(GENERIC_ORDERS[2]), {**GENERIC_ORDERS[2], "单号": "W-1003", "状态": "发货中"}]
    data = csv_bytes(GENERIC_HEADERS, rows, "utf-8", ";")
    result = import_export(data, mapping=ColumnMapping.from_json(GENERIC_MAPPING_JSON))
    assert numbers(result.orders) == {"W-1002"}
    [problem] = result.problems
    assert (problem.row, problem.column, problem.value) == (3, "状态", "发货中")
    assert "add it to the mapping's status_words" in problem.reason


def test_refund_larger_than_paid_is_an_order_problem() -> None:
    orders = csv_bytes(TAOBAO_ORDER_HEADERS, [{**TAOBAO_ORDERS[2], "退款金额": "99.00"}], "gbk")
    items = csv_bytes(TAOBAO_ITEM_HEADERS, [TAOBAO_ITEMS[3]])
    result = import_export(orders, items)
    assert result.orders == []
    [problem] = result.problems
    assert problem.row == 2
    assert problem.reason == "order 1930679858170649: refund 99.00 exceeds paid amount 30.00"


def test_missing_file_and_no_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match=r"nope\.csv: cannot read the file"):
        import_export(tmp_path / "nope.csv")
    with pytest.raises(ImportFileError, match="no file given"):
        import_export()
