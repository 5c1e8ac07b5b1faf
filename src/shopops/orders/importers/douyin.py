"""抖店 订单导出: one row per 子订单, grouped into orders by 主订单编号.

The known header is partial (columns seen in several parsers). 商品金额 is the unit price and
订单应付金额 what the buyer pays for that 子订单 row; the order's paid amount is their sum. The
order's status is its least advanced line that is still a sale; 售后状态 per line marks refunds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from shopops.orders.importers import cells
from shopops.orders.importers.common import (
    Layout,
    Outcome,
    Row,
    build_each,
    group_rows,
    map_after_sale,
    map_status,
    status_words,
)
from shopops.orders.importers.files import Table
from shopops.orders.importers.records import (
    ZERO,
    ImportedLine,
    ImportedOrder,
    RowError,
    check_amounts,
    combined_status,
    order_amounts,
)

ORDER_NO = "主订单编号"
SUB_ORDER_NO = "子订单编号"
TITLE = "选购商品"
SPEC = "商品规格"
ITEM_NO = "货号"
GOODS_ID = "商品ID"
SKU_CODE = "商家编码"
QUANTITY = "商品数量"
UNIT_PRICE = "商品金额"  # unit price in the parsers seen
PAYABLE = "订单应付金额"  # what the buyer pays for this 子订单
SUBMITTED_AT = "订单提交时间"
PAID_AT = "支付完成时间"
COMPLETED_AT = "订单完成时间"
STATUS = "订单状态"
CANCEL_REASON = "取消原因"
AFTER_SALE = "售后状态"

LAYOUT = Layout(
    "douyin", "douyin_orders", "抖店 订单导出",
    required=(ORDER_NO, TITLE, QUANTITY, UNIT_PRICE, PAYABLE, SUBMITTED_AT, STATUS),
    optional=(SUB_ORDER_NO, SPEC, ITEM_NO, GOODS_ID, SKU_CODE, PAID_AT, COMPLETED_AT,
              CANCEL_REASON, AFTER_SALE, "订单类型", "备注", "达人ID", "达人昵称"),
)
LAYOUTS = (LAYOUT,)

STATUS_WORDS = status_words({
    "待支付": "created",
    "待发货": "paid",
    "备货中": "paid",
    "部分发货": "paid",
    "已发货": "shipped",
    "已签收": "delivered",
    "已完成": "completed",
    "已取消": "cancelled",
    "已关闭": "closed",
})
NO_AFTER_SALE = frozenset(cells.header_key(w) for w in ("无售后", "售后关闭", "售后取消"))
AFTER_SALE_WORDS = status_words({
    "退款成功": "refunded",
    "售后完成": "refunded",
    "退款中": "refunding",
    "售后中": "refunding",
    "待商家处理": "refunding",
    "待买家退货": "refunding",
    "待商家收货": "refunding",
})


@dataclass(frozen=True, slots=True)
class _LineRow:
    line: ImportedLine
    status: str
    word: str
    refund_status: str | None
    after_sale: str | None
    created_at: datetime
    paid_at: datetime | None
    completed_at: datetime | None


def parse_douyin(table: Table, timezone: ZoneInfo, outcome: Outcome) -> list[ImportedOrder]:
    groups = group_rows(table, LAYOUT, ORDER_NO, lambda r: _line_row(r, timezone), outcome)
    return build_each(groups, _order, outcome, table.name)


def _after_sale(row: Row) -> tuple[str | None, str | None]:
    """(ShopOps refund status or None, the platform's word) of 售后状态."""
    return map_after_sale(row, AFTER_SALE, AFTER_SALE_WORDS, NO_AFTER_SALE, "抖店")


def _line_row(row: Row, timezone: ZoneInfo) -> _LineRow:
    status, word = map_status(row, STATUS, STATUS_WORDS, "抖店")
    refund_status, after_sale = _after_sale(row)
    paid = row.read(PAYABLE, cells.required_amount)
    sku = row.first((SKU_CODE, ITEM_NO, GOODS_ID), cells.identifier, "")
    if not sku:
        raise RowError(SKU_CODE, "", "no SKU code (商家编码, 货号 and 商品ID are empty)")
    line = ImportedLine(
        sub_order_no=row.read(SUB_ORDER_NO, cells.identifier) or None,
        sku_code=sku,
        title=" ".join(filter(None, (row.read(TITLE, cells.text), row.read(SPEC, cells.text)))),
        quantity=row.read(QUANTITY, cells.quantity),
        unit_price=row.read(UNIT_PRICE, cells.required_amount),
        paid_amount=paid,
        refund_amount=paid if refund_status == "refunded" else ZERO,
        source_row=row.number,
    )
    return _LineRow(
        line, status, word, refund_status, after_sale,
        row.read(SUBMITTED_AT, lambda v: cells.required_datetime(v, timezone)),
        row.read(PAID_AT, lambda v: cells.local_datetime(v, timezone)),
        row.read(COMPLETED_AT, lambda v: cells.local_datetime(v, timezone)),
    )


def _order(order_no: str, rows: list[tuple[int, _LineRow]]) -> ImportedOrder:
    parts = [part for _, part in rows]
    first = parts[0]
    lines = tuple(part.line for part in parts)
    paid = sum((line.paid_amount for line in lines), ZERO)
    listed = sum((line.unit_price * line.quantity for line in lines), ZERO)
    amounts = order_amounts(paid, ZERO, listed)
    refunds = [part.refund_status for part in parts]
    order = ImportedOrder(
        channel_order_no=order_no,
        status=_order_status([part.status for part in parts], refunds),
        platform_status=first.word,
        created_at=first.created_at,
        paid_at=first.paid_at,
        completed_at=first.completed_at,
        list_amount=amounts.list_amount,
        discount_amount=amounts.discount_amount,
        goods_amount=amounts.goods_amount,
        shipping_fee=amounts.shipping_fee,
        paid_amount=amounts.paid_amount,
        refund_amount=sum((line.refund_amount for line in lines), Decimal("0")),
        lines=lines,
        source_rows=tuple(n for n, _ in rows),
        after_sale_status=next((p.after_sale for p in parts if p.after_sale), None),
    )
    check_amounts(order)
    return order


def _order_status(line_statuses: list[str], refunds: list[str | None]) -> str:
    """All lines refunded → refunded; a refund under way → refunding; else the lines' status."""
    if all(r == "refunded" for r in refunds):
        return "refunded"
    if "refunding" in refunds:
        return "refunding"
    return combined_status([s for s, r in zip(line_statuses, refunds, strict=True)
                            if r != "refunded"])
