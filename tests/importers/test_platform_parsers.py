"""Every platform's export parsed to the expected records: exact amounts, aware Shanghai times,
statuses in ShopOps words, lines grouped per order."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopops.orders.importers import ColumnMapping, ImportedOrder, ImportFileError, import_export
from shopops.orders.importers.records import allocate, combined_status
from shopops.orders.models import ORDER_STATUSES
from tests.importers.fixtures import (
    GENERIC_MAPPING_JSON,
    JD_FEES,
    JD_SETTLEMENT_HEADERS,
    PDD_HEADERS,
    PDD_ORDERS,
    TAOBAO_ORDER_HEADERS,
    TAOBAO_ORDERS,
    csv_bytes,
)

SH = ZoneInfo("Asia/Shanghai")
D = Decimal


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def by_no(orders: list[ImportedOrder]) -> dict[str, ImportedOrder]:
    return {order.channel_order_no: order for order in orders}


def assert_book_identities(order: ImportedOrder) -> None:
    assert order.status in ORDER_STATUSES
    assert order.paid_amount == order.goods_amount + order.shipping_fee
    assert order.goods_amount == sum((line.paid_amount for line in order.lines), D(0))
    assert order.goods_amount == order.list_amount - order.discount_amount
    assert D(0) <= order.refund_amount <= order.paid_amount
    assert order.created_at.tzinfo is not None


def test_taobao_pair_joined_on_order_number(platform_files: dict[str, Path]) -> None:
    result = import_export(
        platform_files["ExportOrderList202611.csv"],
        platform_files["ExportOrderDetailList202611.csv"],
    )
    assert (result.platform, result.encoding, result.format) == ("taobao", "gb18030", "csv")
    assert result.problems == [] and result.notes == []
    orders = by_no(result.orders)
    assert list(orders) == [
        "1930679858170647",
        "1930679858170648",
        "1930679858170649",
        "1930679858170650",
    ]
    first = orders["1930679858170647"]
    assert (first.status, first.platform_status) == ("paid", "买家已付款，等待卖家发货")
    assert (first.created_at, first.paid_at) == (
        at(2026, 11, 20, 23, 30),
        at(2026, 11, 20, 23, 31, 5),
    )
    assert (first.list_amount, first.discount_amount, first.paid_amount) == (
        D("198"),
        D("10"),
        D("188"),
    )
    assert [
        (ln.sku_code, ln.quantity, ln.unit_price, ln.paid_amount, ln.source_row)
        for ln in first.lines
    ] == [("SKU-A", 1, D("99.00"), D("94.00"), 2), ("SKU-B", 2, D("49.50"), D("94.00"), 3)]
    assert (first.buyer_id, first.buyer_phone, first.buyer_masked) == (
        "tb_小明",
        "18612345678",
        False,
    )
    assert first.source_rows == (2,)
    second = orders["1930679858170648"]
    assert (second.status, second.shipping_fee, second.goods_amount) == (
        "completed",
        D("10"),
        D("59.90"),
    )
    assert (second.buyer_masked, second.phone_masked, second.buyer_phone) == (
        True,
        True,
        "138****1234",
    )
    assert (second.tracking_no, second.carrier) == ("773012345678901", "中通快递")
    assert second.paid_at == at(2026, 11, 19, 10, 2)
    refunded = orders["1930679858170649"]  # 交易关闭 after a full refund
    assert (refunded.status, refunded.refund_amount, refunded.lines[0].refund_amount) == (
        "refunded",
        D("30"),
        D("30"),
    )
    unpaid = orders["1930679858170650"]
    assert (unpaid.status, unpaid.paid_at) == ("created", None)
    for order in result.orders:
        assert_book_identities(order)


def test_tmall_is_taobao_format_and_keeps_its_name(platform_files: dict[str, Path]) -> None:
    result = import_export(
        platform_files["ExportOrderDetailList202611.csv"],
        platform_files["ExportOrderList202611.csv"],
        platform="tmall",
    )
    assert result.platform == "tmall" and len(result.orders) == 4


def test_pdd_orders(platform_files: dict[str, Path]) -> None:
    result = import_export(platform_files["订单明细-pdd.csv"])
    assert (result.platform, result.encoding, result.problems) == ("pdd", "utf-8", [])
    orders = by_no(result.orders)
    shipped = orders["201120-123456789012345"]
    assert (shipped.status, shipped.after_sale_status) == ("shipped", "无售后或售后取消")
    assert (shipped.list_amount, shipped.discount_amount, shipped.paid_amount) == (
        D("99.00"),
        D("9.00"),
        D("90.00"),
    )
    assert (shipped.paid_at, shipped.shipped_at) == (at(2026, 11, 20, 12), at(2026, 11, 21, 9))
    line = shipped.lines[0]
    assert (line.sku_code, line.title, line.quantity, line.unit_price, line.paid_amount) == (
        "PDD-SKU-1",
        "纸巾 3提 3提装",
        3,
        D("33.00"),
        D("90.00"),
    )
    assert shipped.tracking_no == "YT1234567890"
    refunded = orders["201119-223456789012345"]  # 已收货 + 售后 退款成功
    assert (refunded.status, refunded.platform_status, refunded.refund_amount) == (
        "refunded",
        "已收货",
        D("45.50"),
    )
    assert refunded.completed_at == at(2026, 11, 22, 18)
    big = orders["201118-323456789012345"]
    assert (big.status, big.list_amount, big.paid_amount) == ("paid", D("1299"), D("1249"))
    for order in result.orders:
        assert_book_identities(order)


def test_douyin_xlsx_groups_sub_orders(platform_files: dict[str, Path]) -> None:
    result = import_export(platform_files["抖店订单导出.xlsx"])
    assert (result.platform, result.encoding, result.format) == ("douyin", None, "xlsx")
    orders = by_no(result.orders)
    two_lines = orders["6920000000000000001"]
    assert two_lines.source_rows == (2, 3) and two_lines.status == "shipped"
    assert [
        (ln.sub_order_no, ln.sku_code, ln.quantity, ln.unit_price, ln.paid_amount)
        for ln in two_lines.lines
    ] == [
        ("6920000000000000002", "DY-1", 1, D("89"), D("79")),
        ("6920000000000000003", "DY-2", 2, D("20"), D("40")),
    ]
    assert (two_lines.paid_amount, two_lines.list_amount, two_lines.discount_amount) == (
        D("119"),
        D("129"),
        D("10"),
    )
    assert (two_lines.created_at, two_lines.after_sale_status) == (
        at(2026, 11, 20, 20, 15, 30),
        None,
    )
    refunded = orders["6920000000000000004"]
    assert (refunded.status, refunded.refund_amount) == ("refunded", D("59.9"))
    assert refunded.completed_at == at(2026, 11, 25, 10)
    for order in result.orders:
        assert_book_identities(order)


def test_jd_settlement_fees_aggregated_per_order(platform_files: dict[str, Path]) -> None:
    result = import_export(platform_files["京东结算明细.csv"])
    assert (result.platform, result.orders, result.problems) == ("jd", [], [])
    first, second = result.settlements
    assert first.channel_order_no == "300000000001" and first.status == "completed"
    assert first.fees == {
        "货款": D("199.00"),
        "佣金": D("-19.90"),
        "交易服务费": D("-1.99"),
        "京豆": D("-2.00"),
    }
    assert first.net_amount == D("175.11") and first.source_rows == (2, 3, 4, 5)
    assert [(ln.sku_code, ln.quantity, ln.paid_amount) for ln in first.lines] == [
        ("100012345", 1, D("199.00"))
    ]
    assert (second.status, second.net_amount, second.after_sale_nos) == (
        "shipped",
        D("45.00"),
        ("AS-9001",),
    )
    assert second.lines[0].unit_price == D("25.00")


def test_generic_importer_with_saved_mapping(platform_files: dict[str, Path]) -> None:
    mapping = ColumnMapping.from_json(GENERIC_MAPPING_JSON)
    result = import_export(platform_files["own-store.csv"], mapping=mapping)
    assert (result.platform, result.problems) == ("generic", [])
    orders = by_no(result.orders)
    discounted = orders["W-1001"]  # 2×30 + 10 listed, 6 shipping, 60 paid: 16 off
    assert (discounted.status, discounted.paid_amount, discounted.goods_amount) == (
        "paid",
        D("60.00"),
        D("54.00"),
    )
    assert [ln.paid_amount for ln in discounted.lines] == [D("46.28"), D("7.72")]
    assert discounted.buyer_phone == "13900001111"
    plain = orders["W-1002"]  # status already a ShopOps word, no order total: lines + shipping
    assert (plain.status, plain.paid_amount, plain.created_at) == (
        "shipped",
        D("30.00"),
        at(2026, 11, 19, 9),
    )
    for order in result.orders:
        assert_book_identities(order)


def test_generic_mapping_is_checked() -> None:
    with pytest.raises(ImportFileError, match="unknown field\\(s\\) colour"):
        ColumnMapping({"a": "colour"})
    with pytest.raises(ImportFileError, match="no column for status, created_at"):
        ColumnMapping(
            {
                "单号": "channel_order_no",
                "SKU": "sku_code",
                "数量": "quantity",
                "单价": "unit_price",
            }
        )
    with pytest.raises(ImportFileError, match="not JSON"):
        ColumnMapping.from_json("{")


def test_store_time_zone_is_applied(platform_files: dict[str, Path]) -> None:
    result = import_export(platform_files["订单明细-pdd.csv"], timezone="Asia/Tokyo")
    created = result.orders[0].created_at
    assert created == datetime(2026, 11, 20, 12, tzinfo=ZoneInfo("Asia/Tokyo"))
    with pytest.raises(ImportFileError, match="unknown time zone"):
        import_export(platform_files["订单明细-pdd.csv"], timezone="Mars/Olympus")


def test_combined_status_is_least_advanced_sale() -> None:
    assert combined_status(["shipped", "paid"]) == "paid"
    assert combined_status(["cancelled", "completed"]) == "completed"
    assert combined_status(["closed", "cancelled"]) == "cancelled"


@given(
    st.decimals(min_value=0, max_value=10**7, places=2),
    st.lists(st.decimals(min_value=0, max_value=10**5, places=2), min_size=1, max_size=8),
)
def test_allocation_adds_up_exactly(total: Decimal, weights: list[Decimal]) -> None:
    parts = allocate(total, weights)
    assert sum(parts, D(0)) == total
    assert all(part >= 0 for part in parts)
    assert all(part == part.quantize(D("0.01")) for part in parts)


LATER_ITEM_HEADERS = [
    "子订单编号",
    "主订单编号",
    "标题",
    "价格",
    "购买数量",
    "商家编码",
    "买家实际支付金额",
    "退款状态",
    "退款金额",
    "订单状态",
]


def test_later_tmall_item_report_with_sub_orders() -> None:
    orders = csv_bytes(TAOBAO_ORDER_HEADERS, [TAOBAO_ORDERS[0]], "gbk")
    items = csv_bytes(
        LATER_ITEM_HEADERS,
        [
            {
                "子订单编号": "'1930679858170001",
                "主订单编号": '="1930679858170647"',
                "标题": "保温杯",
                "价格": "99.00",
                "购买数量": "1",
                "商家编码": "SKU-A",
                "买家实际支付金额": "120.00",
                "退款状态": "退款成功",
                "退款金额": "20.00",
            },
            {
                "子订单编号": "'1930679858170002",
                "主订单编号": '="1930679858170647"',
                "标题": "杯套",
                "价格": "49.50",
                "购买数量": "2",
                "商家编码": "SKU-B",
                "买家实际支付金额": "68.00",
            },
        ],
        "utf-8",
    )
    result = import_export(orders, items, names=["订单报表.csv", "宝贝报表.csv"], platform="tmall")
    assert result.problems == [] and result.detection is not None
    [order] = result.orders
    assert [(ln.sub_order_no, ln.paid_amount, ln.refund_amount) for ln in order.lines] == [
        ("1930679858170001", D("120.00"), D("20.00")),
        ("1930679858170002", D("68.00"), D("0")),
    ]
    assert_book_identities(order)


def test_orders_repeated_with_different_values_are_refused() -> None:
    changed = {**PDD_ORDERS[0], "商家备注": "改过"}
    data = csv_bytes(PDD_HEADERS, [PDD_ORDERS[0], changed, PDD_ORDERS[1]])
    result = import_export(data, names=["pdd.csv"])
    assert [o.channel_order_no for o in result.orders] == ["201119-223456789012345"]
    [problem] = result.problems
    assert (problem.file, problem.row, problem.column) == ("pdd.csv", 2, "订单号")
    assert "appears on several rows (2, 3)" in problem.reason


def test_excel_mangled_or_empty_order_numbers_are_rejected() -> None:
    rows = [
        {**PDD_ORDERS[0], "订单号": "1.93068E+15"},
        {**PDD_ORDERS[1], "订单号": ""},
        PDD_ORDERS[2],
    ]
    result = import_export(csv_bytes(PDD_HEADERS, rows))
    assert len(result.orders) == 1
    assert [(p.row, p.column) for p in result.problems] == [(2, "订单号"), (3, "订单号")]
    assert "rounded by Excel" in result.problems[0].reason
    assert result.problems[1].reason == "order number is empty"


def test_jd_unknown_status_is_kept_and_noted() -> None:
    rows = [{**JD_FEES[0], "订单状态": "锁定"}, JD_FEES[1]]
    result = import_export(csv_bytes(JD_SETTLEMENT_HEADERS, rows), platform="jd")
    [settlement] = result.settlements
    assert (settlement.status, settlement.platform_status) == (None, "锁定")
    assert [n.message for n in result.notes] == [
        "order 300000000001: 京东 status '锁定' not mapped"
    ]


def test_jd_direction_must_be_income_or_expense() -> None:
    rows = [JD_FEES[4], {**JD_FEES[5], "收支方向": "其他"}, JD_FEES[0]]
    result = import_export(csv_bytes(JD_SETTLEMENT_HEADERS, rows))
    assert [s.channel_order_no for s in result.settlements] == ["300000000001"]
    assert (result.problems[0].row, result.problems[0].column) == (3, "收支方向")


amounts = st.decimals(min_value=0, max_value=99999, places=2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(amounts, amounts, amounts, st.integers(1, 9)), min_size=1, max_size=6))
def test_any_pdd_row_is_an_order_that_adds_up_or_a_problem(
    rows: list[tuple[Decimal, Decimal, Decimal, int]],
) -> None:
    data = csv_bytes(
        PDD_HEADERS,
        [
            {
                **PDD_ORDERS[0],
                "订单号": f"P-{i}",
                "商品总价(元)": str(listed),
                "邮费(元)": str(ship),
                "用户实付金额(元)": str(paid),
                "商品数量(件)": str(qty),
            }
            for i, (listed, ship, paid, qty) in enumerate(rows)
        ],
    )
    result = import_export(data)
    assert len(result.orders) + len(result.problems) == len(rows)
    for order in result.orders:
        assert_book_identities(order)
    for problem in result.problems:
        assert "less than the shipping fee" in problem.reason
