"""拼多多 订单导出: one row per order (one product), amounts in headers marked ``(元)``.

售后状态 ``无售后或售后取消`` means no after-sale; ``退款成功`` turns the order refunded.
省/市/区 may be masked (``****``); they are not needed for the order book.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
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
    one_row_per_order,
    status_words,
)
from shopops.orders.importers.files import Table
from shopops.orders.importers.records import (
    CENT,
    ImportedLine,
    ImportedOrder,
    RowError,
    check_amounts,
    order_amounts,
)

ORDER_NO = "订单号"
STATUS = "订单状态"
AFTER_SALE = "售后状态"
DEAL_AT = "订单成交时间"  # when the (group) order was struck, i.e. paid
CREATED = "订单创建时间"  # variant
PAID_AT = "支付时间"  # variant
SHIPPED_AT = "发货时间"
RECEIVED_AT = "确认收货时间"
TITLE = "商品"
SPEC = "商品规格"
QUANTITY = "商品数量(件)"
GOODS_TOTAL = "商品总价(元)"  # list price × quantity
SHIPPING = "邮费(元)"
STORE_DISCOUNT = "店铺优惠折扣(元)"
PLATFORM_DISCOUNT = "平台优惠折扣(元)"
PAY_DISCOUNT = "多多支付立减金额(元)"
BUYER_PAID = "用户实付金额(元)"
MERCHANT_RECEIVED = "商家实收金额(元)"
REFUND = "退款金额(元)"  # variant
SKU_CODE_SKU = "商家编码-SKU维度"  # variant name of the next one
SKU_CODE_SPEC = "商家编码-规格维度"
SKU_CODE_GOODS = "商家编码-商品维度"
STYLE_ID = "样式ID"
SPEC_ID = "规格id"
GOODS_ID = "商品id"
TRACKING_NO = "快递单号"
CARRIER = "快递公司"

LAYOUT = Layout(
    "pdd", "pdd_orders", "拼多多 订单导出",
    required=(ORDER_NO, STATUS, DEAL_AT, TITLE, QUANTITY, GOODS_TOTAL, BUYER_PAID),
    optional=(
        SHIPPING, STORE_DISCOUNT, PLATFORM_DISCOUNT, PAY_DISCOUNT, MERCHANT_RECEIVED,
        SHIPPED_AT, RECEIVED_AT, GOODS_ID, SPEC, STYLE_ID, SKU_CODE_SPEC, SKU_CODE_GOODS,
        "商家备注", AFTER_SALE, TRACKING_NO, CARRIER, SKU_CODE_SKU, PAID_AT, "拼单成功时间",
        CREATED, SPEC_ID, REFUND, "省", "市", "区",
    ),
)
LAYOUTS = (LAYOUT,)

STATUS_WORDS = status_words({
    "待支付": "created",
    "待成团": "paid",  # paid, waiting for the group to fill
    "待发货": "paid",
    "未发货": "paid",
    "已发货，待签收": "shipped",
    "已发货，待收货": "shipped",
    "已发货": "shipped",
    "已签收": "delivered",
    "已收货": "completed",
    "交易成功": "completed",
    "已取消": "cancelled",
    "交易关闭": "closed",
})
NO_AFTER_SALE = frozenset({cells.header_key("无售后或售后取消")})
AFTER_SALE_WORDS = status_words({
    "退款成功": "refunded",
    "退款中": "refunding",
    "售后处理中": "refunding",
    "待商家处理": "refunding",
    "退货退款中": "refunding",
})


def parse_pdd(table: Table, timezone: ZoneInfo, outcome: Outcome) -> list[ImportedOrder]:
    groups = group_rows(table, LAYOUT, ORDER_NO, lambda r: _order(r, timezone), outcome)
    return build_each(groups, _one_row_per_order, outcome, table.name)


def _one_row_per_order(order_no: str, rows: list[tuple[int, ImportedOrder]]) -> ImportedOrder:
    return one_row_per_order(order_no, rows, ORDER_NO)


def after_sale_status(row: Row) -> tuple[str | None, str | None]:
    """(ShopOps refund status or None, the platform's word) of 售后状态."""
    return map_after_sale(row, AFTER_SALE, AFTER_SALE_WORDS, NO_AFTER_SALE, "拼多多")


def _order(row: Row, timezone: ZoneInfo) -> ImportedOrder:
    status, word = map_status(row, STATUS, STATUS_WORDS, "拼多多")
    refund_status, after_sale = after_sale_status(row)
    deal_at = row.read(DEAL_AT, lambda v: cells.required_datetime(v, timezone))
    paid = row.read(BUYER_PAID, cells.required_amount)
    amounts = order_amounts(paid, row.read(SHIPPING, cells.amount_or_zero),
                            row.read(GOODS_TOTAL, cells.required_amount))
    refund = row.read(REFUND, cells.amount)
    if refund is None:
        refund = paid if refund_status == "refunded" else Decimal("0")
    quantity = row.read(QUANTITY, cells.quantity)
    order_no = row.read(ORDER_NO, cells.identifier)
    line = ImportedLine(
        sub_order_no=None,
        sku_code=_sku_code(row),
        title=" ".join(filter(None, (row.read(TITLE, cells.text), row.read(SPEC, cells.text)))),
        quantity=quantity,
        unit_price=(amounts.list_amount / quantity).quantize(CENT, rounding=ROUND_HALF_UP),
        paid_amount=amounts.goods_amount,
        refund_amount=min(refund, amounts.goods_amount),
        source_row=row.number,
    )
    created = row.first((CREATED,), lambda v: cells.required_datetime(v, timezone), deal_at)
    order = ImportedOrder(
        channel_order_no=order_no,
        status=refund_status or status,
        platform_status=word,
        created_at=created,
        paid_at=row.first((PAID_AT,), lambda v: cells.required_datetime(v, timezone), deal_at)
        if status != "created" else None,
        shipped_at=row.read(SHIPPED_AT, lambda v: cells.local_datetime(v, timezone)),
        completed_at=row.read(RECEIVED_AT, lambda v: cells.local_datetime(v, timezone)),
        list_amount=amounts.list_amount,
        discount_amount=amounts.discount_amount,
        goods_amount=amounts.goods_amount,
        shipping_fee=amounts.shipping_fee,
        paid_amount=amounts.paid_amount,
        refund_amount=refund,
        lines=(line,),
        source_rows=(row.number,),
        after_sale_status=after_sale,
        tracking_no=row.read(TRACKING_NO, cells.identifier) or None,
        carrier=row.read(CARRIER, cells.optional_text),
    )
    check_amounts(order)
    return order


def _sku_code(row: Row) -> str:
    code = row.first((SKU_CODE_SKU, SKU_CODE_SPEC, SKU_CODE_GOODS, SPEC_ID, STYLE_ID, GOODS_ID),
                     cells.identifier, "")
    if not code:
        raise RowError(SKU_CODE_SPEC, "", "no SKU code (商家编码 and 商品id are empty)")
    return code
