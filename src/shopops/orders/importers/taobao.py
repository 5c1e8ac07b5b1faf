"""淘宝/天猫: the 订单报表 (one row per order) joined with the 宝贝报表 (one row per line).

Taobao CSVs are GBK/GB18030, order numbers come as ``="1930…"``, phones as ``'186…``. Lines of
the classic 宝贝报表 carry no paid amount: the order's goods amount is split over them by price ×
quantity (or by their own 买家实际支付金额 in the later 天猫 variant), so the lines always add up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    map_status,
    one_row_per_order,
    status_words,
)
from shopops.orders.importers.files import Table
from shopops.orders.importers.records import (
    ZERO,
    ImportedLine,
    ImportedOrder,
    RowError,
    allocate,
    check_amounts,
    order_amounts,
)
from shopops.orders.importers.report import Problem

# ---- 订单报表 (ExportOrderList*.csv)
ORDER_NO = "订单编号"
BUYER = "买家会员名"  # buyer's Taobao nick, often masked
GOODS_PAYABLE = "买家应付货款"  # goods before discounts
SHIPPING_PAYABLE = "买家应付邮费"
PAID = "买家实际支付金额"
STATUS = "订单状态"
MOBILE = "联系手机"  # '186… or 138****1234
PHONE = "联系电话"
CREATED = "订单创建时间"
PAID_AT = "订单付款时间"
TRACKING_NO = "物流单号"
CARRIER = "物流公司"
REFUND = "退款金额"
# the newer export names the same things differently
CREATED_NEW = "买家下单时间"
PAID_AT_NEW = "买家付款时间"
TRACKING_NO_NEW = "运单号"

ORDER_REPORT = Layout(
    "taobao", "taobao_orders", "淘宝/天猫 订单报表",
    required=(ORDER_NO, PAID, SHIPPING_PAYABLE, STATUS, CREATED),
    optional=(
        BUYER, "买家支付宝账号", GOODS_PAYABLE, "买家支付积分", "总金额", "返点积分",
        "买家实际支付积分", "买家留言", "收货人姓名", "收货地址", "运送方式", PHONE, MOBILE,
        PAID_AT, "宝贝标题", "宝贝种类", TRACKING_NO, CARRIER, "订单备注", "宝贝总数量",
        "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头",
        "是否手机订单", "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票",
        "是否代付", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣",
        "集分宝抵扣", "是否是O2O交易", REFUND,
    ),
)

# ---- 宝贝报表 (ExportOrderDetailList*.csv), classic and the later 天猫 variant
TITLE = "标题"
PRICE = "价格"  # unit price
QUANTITY = "购买数量"
OUTER_ID = "外部系统编号"
SKU_CODE = "商家编码"
MAIN_ORDER_NO = "主订单编号"
SUB_ORDER_NO = "子订单编号"
LINE_REFUND_STATUS = "退款状态"

ITEM_REPORT = Layout(
    "taobao", "taobao_items", "淘宝/天猫 宝贝报表",
    required=(ORDER_NO, TITLE, PRICE, QUANTITY),
    optional=(OUTER_ID, "商品属性", "套餐信息", "备注", STATUS, SKU_CODE),
)
ITEM_REPORT_LATER = Layout(
    "taobao", "taobao_items_later", "天猫 宝贝报表 (子订单)",
    required=(MAIN_ORDER_NO, SUB_ORDER_NO, TITLE, PRICE, QUANTITY),
    optional=(
        OUTER_ID, "商品属性", "套餐信息", "备注", STATUS, SKU_CODE, "支付单号", GOODS_PAYABLE,
        PAID, LINE_REFUND_STATUS, REFUND, CREATED, PAID_AT,
    ),
)
LAYOUTS = (ORDER_REPORT, ITEM_REPORT, ITEM_REPORT_LATER)

STATUS_WORDS = status_words({
    "等待买家付款": "created",
    "买家已付款，等待卖家发货": "paid",
    "卖家已发货，等待买家确认": "shipped",
    "交易成功": "completed",
    "交易关闭": "closed",
    "付款以后用户退款成功，交易自动关闭": "refunded",
    # names seen in ERP mappings of the newer export
    "待发货": "paid",
    "已发货": "shipped",
    "已完成": "completed",
    "已退款": "refunded",
    "退货退款": "refunding",
    "已取消": "cancelled",
})


@dataclass(frozen=True, slots=True)
class _ItemRow:
    sub_order_no: str | None
    sku_code: str
    title: str
    quantity: int
    unit_price: Decimal
    paid: Decimal | None
    refund: Decimal | None


def parse_taobao(orders: Table, items: Table, timezone: ZoneInfo, outcome: Outcome,
                 ) -> list[ImportedOrder]:
    """Join the 订单报表 and the 宝贝报表 on 订单编号 into complete orders."""
    heads = build_each(
        group_rows(orders, ORDER_REPORT, ORDER_NO, lambda r: _order_row(r, timezone), outcome),
        _single_order, outcome, orders.name,
    )
    rejected_heads = set(outcome.rejected_orders)
    layout = ITEM_REPORT_LATER if _is_later(items) else ITEM_REPORT
    order_column = MAIN_ORDER_NO if layout is ITEM_REPORT_LATER else ORDER_NO
    lines = group_rows(items, layout, order_column, _item_row, outcome)
    joined = [order for head in heads
              if (order := _join(head, lines.pop(head.channel_order_no, None), orders, items,
                                 outcome)) is not None]
    for order_no, rows in lines.items():
        reason = (f"order {order_no} left out: its row in the 订单报表 was rejected"
                  if order_no in rejected_heads
                  else f"line of order {order_no} has no order in the 订单报表 ({orders.name})")
        outcome.problems.extend(Problem(n, order_column, order_no, reason, items.name)
                                for n, _ in rows)
    return joined


def _join(head: ImportedOrder, rows: list[tuple[int, _ItemRow]] | None, orders: Table,
          items: Table, outcome: Outcome) -> ImportedOrder | None:
    order_no, row = head.channel_order_no, head.source_rows[0]
    if rows is None:
        reason = (f"order {order_no} left out: its lines in the 宝贝报表 were rejected"
                  if order_no in outcome.rejected_orders
                  else f"order {order_no} has no lines in the 宝贝报表 ({items.name})")
        outcome.problems.append(Problem(row, ORDER_NO, order_no, reason, orders.name))
        return None
    try:
        return _with_lines(head, rows)
    except RowError as exc:
        outcome.reject(row, exc, f"order {order_no}: ", orders.name)
        return None


def _is_later(items: Table) -> bool:
    keys = {cells.header_key(h) for h in items.headers}
    return MAIN_ORDER_NO in keys and ORDER_NO not in keys


def _created_at(row: Row, timezone: ZoneInfo) -> datetime:
    created = row.first((CREATED, CREATED_NEW), lambda v: cells.local_datetime(v, timezone), None)
    if created is None:
        raise RowError(CREATED, "", "order creation time is empty")
    return created


def _order_row(row: Row, timezone: ZoneInfo) -> ImportedOrder:
    """One row of the 订单报表: the order without its lines."""
    status, word = map_status(row, STATUS, STATUS_WORDS, "淘宝/天猫")
    paid = row.read(PAID, cells.required_amount)
    amounts = order_amounts(paid, row.read(SHIPPING_PAYABLE, cells.amount_or_zero),
                            row.read(GOODS_PAYABLE, cells.amount))
    refund = row.read(REFUND, cells.amount_or_zero)
    if status == "closed" and refund >= paid > ZERO:
        status = "refunded"  # 交易关闭 after a full refund
    buyer = row.read(BUYER, cells.optional_text)
    phone = row.first((MOBILE, PHONE), cells.identifier, "") or None
    return ImportedOrder(
        channel_order_no=row.read(ORDER_NO, cells.identifier),
        status=status,
        platform_status=word,
        created_at=_created_at(row, timezone),
        paid_at=row.first((PAID_AT, PAID_AT_NEW), lambda v: cells.local_datetime(v, timezone),
                          None),
        list_amount=amounts.list_amount,
        discount_amount=amounts.discount_amount,
        goods_amount=amounts.goods_amount,
        shipping_fee=amounts.shipping_fee,
        paid_amount=amounts.paid_amount,
        refund_amount=refund,
        lines=(),
        source_rows=(row.number,),
        buyer_id=buyer,
        buyer_masked=cells.is_masked(buyer),
        buyer_phone=phone,
        phone_masked=cells.is_masked(phone),
        tracking_no=row.first((TRACKING_NO, TRACKING_NO_NEW), cells.identifier, "") or None,
        carrier=row.read(CARRIER, cells.optional_text),
    )


def _single_order(order_no: str, rows: list[tuple[int, ImportedOrder]]) -> ImportedOrder:
    return one_row_per_order(order_no, rows, ORDER_NO, " of the 订单报表")


def _item_row(row: Row) -> _ItemRow:
    sku = row.first((SKU_CODE, OUTER_ID), cells.identifier, "")
    if not sku:
        raise RowError(SKU_CODE, "", "no SKU code (商家编码 and 外部系统编号 are empty)")
    return _ItemRow(
        sub_order_no=row.read(SUB_ORDER_NO, cells.identifier) or None,
        sku_code=sku,
        title=row.read(TITLE, cells.text),
        quantity=row.read(QUANTITY, cells.quantity),
        unit_price=row.read(PRICE, cells.required_amount),
        paid=row.read(PAID, cells.amount),
        refund=row.read(REFUND, cells.amount),
    )


def _with_lines(head: ImportedOrder, rows: list[tuple[int, _ItemRow]]) -> ImportedOrder:
    items = [item for _, item in rows]
    own_paid = [item.paid for item in items]
    weights = ([p for p in own_paid if p is not None] if None not in own_paid
               else [item.unit_price * item.quantity for item in items])
    paid_parts = allocate(head.goods_amount, weights)
    own_refund = [item.refund for item in items]
    refund_parts = ([r or ZERO for r in own_refund] if any(r is not None for r in own_refund)
                    else allocate(head.refund_amount, paid_parts))
    lines = tuple(
        ImportedLine(sub_order_no=item.sub_order_no, sku_code=item.sku_code, title=item.title,
                     quantity=item.quantity, unit_price=item.unit_price, paid_amount=paid,
                     refund_amount=min(refund, paid), source_row=number)
        for (number, item), paid, refund in zip(rows, paid_parts, refund_parts, strict=True)
    )
    order = replace(head, lines=lines)  # lines keep their own 宝贝报表 row numbers
    check_amounts(order)
    return order
