"""京东 订单导出: parsed to exact orders, told apart from the 结算 file by its header, and every
malformed case rejected with the row, column and reason while the good orders come through."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shopops.demo import export_formats as fmt
from shopops.orders.importers import (
    ImportedOrder,
    MissingColumnsError,
    detect_layout,
    import_export,
)
from shopops.orders.importers.jd_orders import order_status
from tests.importers.fixtures import JD_FEES, JD_SETTLEMENT_HEADERS, Row, csv_bytes
from tests.importers.jd_order_fixtures import (
    JD_COLLECTOR_HEADERS,
    JD_ORDER_HEADERS,
    JD_ORDERS,
    jd_orders_csv,
)

SH = ZoneInfo("Asia/Shanghai")
D = Decimal


def by_no(orders: list[ImportedOrder]) -> dict[str, ImportedOrder]:
    return {order.channel_order_no: order for order in orders}


def with_changes(index: int, **changes: str) -> list[Row]:
    rows: list[Row] = [dict(row) for row in JD_ORDERS]
    rows[index] = {**rows[index], **changes}
    return rows


def test_header_picks_the_order_export_or_the_settlement_file() -> None:
    orders = detect_layout(JD_ORDER_HEADERS)
    assert (orders.platform, orders.layout) == ("jd", "jd_orders")
    assert len(orders.matched) == len(JD_ORDER_HEADERS)  # every column of the file is known
    settlement = detect_layout(JD_SETTLEMENT_HEADERS)
    assert (settlement.platform, settlement.layout) == ("jd", "jd_settlement")
    assert detect_layout(JD_COLLECTOR_HEADERS).layout == "jd_orders"


def test_order_export_parsed_to_orders() -> None:
    result = import_export(jd_orders_csv())
    assert (result.platform, result.encoding, result.format) == ("jd", "gb18030", "csv")
    assert result.detection is not None and result.detection.layout == "jd_orders"
    assert result.problems == [] and result.settlements == []
    orders = by_no(result.orders)
    assert list(orders) == ["11729384072", "11729384073", "11729384074", "11729384075",
                            "11729384076"]

    two = orders["11729384072"]
    assert (two.status, two.platform_status) == ("paid", "等待出库")
    assert (two.list_amount, two.discount_amount, two.goods_amount, two.paid_amount) == (
        D("1097.00"), D("164.55"), D("932.45"), D("932.45"))
    # the discount spread by 京东价 × 订购数量, to the cent
    assert [(line.sku_code, line.quantity, line.unit_price, line.paid_amount)
            for line in two.lines] == [("SKU-A", 1, D("758.00"), D("644.30")),
                                       ("SKU-B", 1, D("339.00"), D("288.15"))]
    assert two.source_rows == (2, 3)
    assert two.created_at == datetime(2026, 11, 20, 21, 0, tzinfo=SH)
    assert two.paid_at == datetime(2026, 11, 20, 21, 0, 30, tzinfo=SH)
    assert (two.buyer_id, two.buyer_masked, two.buyer_phone, two.phone_masked) == (
        "jd_buyer01", False, "137****1772", True)

    shipped = orders["11729384073"]
    # 应付金额 + 余额支付 is what the buyer paid; 运费金额 is the shipping
    assert (shipped.status, shipped.paid_amount, shipped.shipping_fee, shipped.goods_amount) == (
        "shipped", D("129.80"), D("10.00"), D("119.80"))
    assert (shipped.list_amount, shipped.discount_amount) == (D("119.80"), D("0.00"))
    assert (shipped.buyer_phone, shipped.phone_masked) == ("13767111772", False)
    assert shipped.tracking_no is None and shipped.carrier is None  # not in the export

    done = orders["11729384074"]
    assert done.status == "completed"
    assert done.completed_at == datetime(2026, 11, 23, 10, 0, tzinfo=SH)
    assert orders["11729384075"].status == "cancelled"
    unpaid = orders["11729384076"]
    assert (unpaid.status, unpaid.paid_at) == ("created", None)


def test_status_words() -> None:
    assert order_status("（删除）锁定") == "cancelled"  # full-width brackets read alike
    assert order_status("(删除)完成") == "cancelled"
    assert order_status("锁定") == "paid"
    assert order_status("待出库") == "paid"
    assert order_status("已完成") == "completed"
    assert order_status("退款中") is None


def test_collector_variant_reads_订单金额_as_paid() -> None:
    rows = [{"订单号": "9001", "商品ID": "100200", "商品名称": "杯子", "订购数量": "2",
             "下单时间": "2026-11-21 08:00:00", "京东价": "30.00", "订单金额": "55.00",
             "商家应收": "55.00", "订单状态": "已发货", "下单帐号": "jd_***"}]
    result = import_export(csv_bytes(JD_COLLECTOR_HEADERS, rows, "utf-8-sig"), platform="jd")
    order = result.orders[0]
    assert (order.status, order.paid_amount, order.list_amount, order.discount_amount) == (
        "shipped", D("55.00"), D("60.00"), D("5.00"))
    assert order.paid_at == order.created_at  # shipped, so paid: when placed
    assert order.buyer_masked and order.lines[0].sku_code == "100200"


@pytest.mark.parametrize(
    ("rows", "row", "column", "reason"),
    [
        (with_changes(2, 订购数量="-1"), 4, "订购数量", "'-1' is not a whole number of units"),
        (with_changes(2, 应付金额="abc"), 4, "应付金额", "'abc' is not an amount"),
        (with_changes(2, 应付金额="-5.00"), 4, "应付金额", "negative amount -5.00"),
        (with_changes(2, 下单时间="2026-02-30 10:00:00"), 4, "下单时间", "impossible date"),
        (with_changes(2, 订单状态="退款中"), 4, "订单状态", "unknown 京东 status '退款中'"),
        (with_changes(2, 商品ID="", 货号=""), 4, "商品ID", "no SKU code"),
    ],
)
def test_bad_row_rejects_its_order_only(rows: list[Row], row: int, column: str,
                                        reason: str) -> None:
    result = import_export(jd_orders_csv(rows))
    assert "11729384073" not in by_no(result.orders)
    assert len(result.orders) == 4
    problem = result.problems[0]
    assert (problem.row, problem.column) == (row, column)
    assert reason in problem.reason and "order 11729384073 left out" in problem.reason


def test_rows_of_one_order_must_agree_on_its_amounts() -> None:
    result = import_export(jd_orders_csv(with_changes(1, 应付金额="900.00")))
    assert "11729384072" not in by_no(result.orders)
    problem = result.problems[0]
    assert (problem.row, problem.column) == (2, "应付金额")
    assert "disagree on 应付金额 (900.00, 932.45)" in problem.reason


def test_paid_less_than_shipping_is_refused() -> None:
    result = import_export(jd_orders_csv(with_changes(2, 运费金额="500.00")))
    assert "11729384073" not in by_no(result.orders)
    assert "less than the shipping fee 500.00" in result.problems[0].reason


def test_missing_columns_are_named() -> None:
    headers = [h for h in JD_ORDER_HEADERS if h != "京东价"]
    with pytest.raises(MissingColumnsError) as caught:
        import_export(jd_orders_csv(headers=headers), platform="jd")
    assert "京东价" in caught.value.message
    no_amount = [h for h in JD_ORDER_HEADERS if h not in ("应付金额", "订单金额")]
    with pytest.raises(MissingColumnsError) as caught:
        import_export(jd_orders_csv(headers=no_amount), platform="jd")
    assert "应付金额" in caught.value.message


def test_duplicate_rows_collapse_and_truncated_rows_are_rejected() -> None:
    rows = [*JD_ORDERS, JD_ORDERS[3]]
    result = import_export(jd_orders_csv(rows))
    assert len(result.orders) == 5 and result.problems == []
    assert any("identical to row 5" in note.message for note in result.notes)
    data = jd_orders_csv() + "11729384077,1953814334,商品,1\r\n".encode("gb18030")
    result = import_export(data)
    assert len(result.orders) == 5
    assert "truncated" in result.problems[0].reason


def test_settlement_file_still_reads_as_fees() -> None:
    result = import_export(csv_bytes(JD_SETTLEMENT_HEADERS, JD_FEES, "gb18030", "\t"))
    assert result.orders == [] and result.settlements


def test_demo_rows_read_back_as_the_same_order() -> None:
    line = fmt.DemoLine(sku="SKU-A", product_code="P-1", title="保温杯", spec="颜色：白",
                        quantity=2, list_price=D("99.00"), paid=D("180.00"), refund=D("0"))
    at = datetime(2026, 11, 20, 9, 30, tzinfo=SH)
    order = fmt.DemoOrder(
        id=5, no="30000000005", status="delivered", buyer="jd_alice", customer_id=1,
        created_at=at, paid_at=at, shipped_at=at, delivered_at=at, completed_at=None,
        list_amount=D("198.00"), discount=D("18.00"), goods=D("180.00"), shipping=D("8.00"),
        paid=D("188.00"), refund=D("0"), lines=(line,))
    assert fmt.jd_exportable(order) is None
    assert "refund" in (fmt.jd_exportable(replace(order, status="refunded")) or "")
    data = csv_bytes(fmt.JD_ORDER_HEADERS, fmt.jd_order_rows(order), "gb18030")
    result = import_export(data)
    assert result.detection is not None and result.detection.layout == "jd_orders"
    (read,) = result.orders
    assert (read.status, read.paid_amount, read.shipping_fee, read.goods_amount,
            read.discount_amount, read.paid_at) == ("shipped", D("188.00"), D("8.00"),
                                                    D("180.00"), D("18.00"), at)
    assert [(x.sku_code, x.quantity, x.paid_amount) for x in read.lines] == [
        ("SKU-A", 2, D("180.00"))]
