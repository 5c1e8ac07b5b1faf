"""拼多多 订单导出: one row per order (one product), amounts in headers marked ``(元)``.

售后状态 ``无售后或售后取消`` means no after-sale; ``退款成功`` turns the order refunded.
省/市/区 may be masked (``****``); they are not needed for the order book.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from shopops.orders.importers import cells
from shopops.orders.importers.cells import CellError
from shopops.orders.importers.common import (
    Columns,
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
from shopops.orders.importers.files import SourceRow, Table
from shopops.orders.importers.records import (
    CENT,
    ZERO,
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
    readers: dict[int, Callable[[Row], ImportedOrder]] = {}

    def read(row: Row) -> ImportedOrder:
        reader = readers.get(id(row.columns))
        if reader is None:
            reader = readers[id(row.columns)] = _compiled(row.columns, timezone)
        return reader(row)

    groups = group_rows(table, LAYOUT, ORDER_NO, read, outcome)
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
        refund = paid if refund_status == "refunded" else ZERO
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


SKU_COLUMNS = (SKU_CODE_SKU, SKU_CODE_SPEC, SKU_CODE_GOODS, SPEC_ID, STYLE_ID, GOODS_ID)


def _compiled(columns: Columns, timezone: ZoneInfo) -> Callable[[Row], ImportedOrder]:
    """``_order`` for one header row, column positions resolved once: the usual row is read
    straight from its cells; any row it cannot read plainly (a bad cell, a short row, an
    unknown word) goes through ``_order``, which says why (same order, same messages)."""
    def at(name: str) -> int:
        position = columns.position(name)
        return -1 if position is None else position  # -1: the "" appended to every row

    (i_order, i_status, i_after, i_deal, i_created, i_paid_at, i_shipped, i_received, i_title,
     i_spec, i_quantity, i_goods, i_shipping, i_paid, i_refund, i_tracking, i_carrier) = map(
        at, (ORDER_NO, STATUS, AFTER_SALE, DEAL_AT, CREATED, PAID_AT, SHIPPED_AT, RECEIVED_AT,
             TITLE, SPEC, QUANTITY, GOODS_TOTAL, SHIPPING, BUYER_PAID, REFUND, TRACKING_NO,
             CARRIER))
    sku_positions = tuple(p for p in map(at, SKU_COLUMNS) if p >= 0)
    width = max(p for p in (columns.position(n) for n in LAYOUT.known) if p is not None) + 1
    text, identifier, amount, key = cells.text, cells.identifier, cells.amount, cells.header_key
    required_amount, amount_or_zero = cells.required_amount, cells.amount_or_zero
    local_datetime, is_empty = cells.local_datetime, cells.is_empty
    decimals: dict[str, Decimal] = {}

    def when(value: str) -> datetime:
        if len(value) == 19 and value[4] == "-" and value[10] == " ":
            return datetime.fromisoformat(value).replace(tzinfo=timezone)
        return cells.required_datetime(value, timezone)

    def read(row: Row) -> ImportedOrder:
        if len(row.cells) < width:
            return _order(row, timezone)
        c = (*row.cells, "")
        try:
            word = text(c[i_status])
            status = STATUS_WORDS.get(key(word))
            sale_word: str | None = text(c[i_after])
            refund_status = None
            if is_empty(sale_word or ""):
                sale_word = None
            elif key(sale_word or "") not in NO_AFTER_SALE:
                refund_status = AFTER_SALE_WORDS.get(key(sale_word or ""))
                if refund_status is None:
                    return _order(row, timezone)
            sku = next((c[p] for p in sku_positions if text(c[p])), None)
            if status is None or sku is None:
                return _order(row, timezone)
            deal_at = when(c[i_deal])
            # the same cell text is the same Decimal (immutable): shared, not parsed again
            paid = decimals.get(c[i_paid]) or required_amount(c[i_paid])
            shipping = decimals.get(c[i_shipping]) or amount_or_zero(c[i_shipping])
            listed = decimals.get(c[i_goods]) or required_amount(c[i_goods])
            if len(decimals) < 100_000:
                decimals[c[i_paid]], decimals[c[i_shipping]], decimals[c[i_goods]] = \
                    paid, shipping, listed
            goods = paid - shipping
            if goods < ZERO:
                return _order(row, timezone)
            if goods > listed:  # as max(listed, goods)
                listed = goods
            refund = amount(c[i_refund])
            if refund is None:
                refund = paid if refund_status == "refunded" else ZERO
            quantity = cells.quantity(c[i_quantity])
            line = ImportedLine(
                sub_order_no=None, sku_code=identifier(sku),
                title=" ".join(filter(None, (text(c[i_title]), text(c[i_spec])))),
                quantity=quantity,
                unit_price=(listed / quantity).quantize(CENT, rounding=ROUND_HALF_UP),
                paid_amount=goods, refund_amount=min(refund, goods), source_row=row.number)
            created = when(c[i_created]) if text(c[i_created]) else deal_at
            order = ImportedOrder(
                channel_order_no=identifier(c[i_order]), status=refund_status or status,
                platform_status=word, created_at=created,
                paid_at=(when(c[i_paid_at]) if text(c[i_paid_at]) else deal_at)
                if status != "created" else None,
                shipped_at=local_datetime(c[i_shipped], timezone),
                completed_at=local_datetime(c[i_received], timezone),
                list_amount=listed, discount_amount=listed - goods, goods_amount=goods,
                shipping_fee=shipping, paid_amount=paid, refund_amount=refund, lines=(line,),
                source_rows=(row.number,), after_sale_status=sale_word,
                tracking_no=identifier(c[i_tracking]) or None,
                carrier=cells.optional_text(c[i_carrier]))
            if refund > paid:  # check_amounts: goods ≥ 0 above, one line paying the goods
                return _order(row, timezone)
        except (CellError, RowError, ValueError):
            return _order(row, timezone)
        return order

    return read


class PlainOrder(NamedTuple):
    """A usual PDD row read for a new order, nothing more than the order book stores: times as
    the export's local ``YYYY-MM-DD HH:MM:SS`` text (checked), amounts as ``PlainAmounts``
    (shared between rows with the same amount cells)."""

    row: int
    channel_order_no: str
    status: str
    platform_status: str
    created: str
    paid: str | None
    shipped: str | None
    completed: str | None
    sku_code: str
    amounts: PlainAmounts


class PlainAmounts(NamedTuple):
    """An order's money as ``_order`` makes it (``order_amounts``, refund, one line)."""

    list_amount: Decimal
    discount_amount: Decimal
    goods_amount: Decimal
    shipping_fee: Decimal
    paid_amount: Decimal
    refund_amount: Decimal
    quantity: int
    unit_price: Decimal
    line_refund: Decimal


def plain_reader(table: Table, timezone: ZoneInfo) -> Callable[[SourceRow], PlainOrder | None]:
    """The usual row of ``table`` as a ``PlainOrder``, or None for any row that is not plain
    (the caller parses those with ``parse_pdd``: same order, or the problem). A plain row is
    one ``_compiled`` reads without falling back, with times in the usual form and no
    after-sale refusal; the values are exactly those of the ``ImportedOrder`` it would build."""
    columns = Columns(table.headers, LAYOUT)

    def at(name: str) -> int:
        position = columns.position(name)
        return -1 if position is None else position

    (i_order, i_status, i_after, i_deal, i_created, i_paid_at, i_shipped, i_received,
     i_quantity, i_goods, i_shipping, i_paid, i_refund) = map(
        at, (ORDER_NO, STATUS, AFTER_SALE, DEAL_AT, CREATED, PAID_AT, SHIPPED_AT, RECEIVED_AT,
             QUANTITY, GOODS_TOTAL, SHIPPING, BUYER_PAID, REFUND))
    sku_positions = tuple(p for p in map(at, SKU_COLUMNS) if p >= 0)
    width = max(p for p in (columns.position(n) for n in LAYOUT.known) if p is not None) + 1
    text, identifier, key, is_empty = cells.text, cells.identifier, cells.header_key, \
        cells.is_empty
    parse_time = datetime.fromisoformat
    money: dict[tuple[str, str, str, str, str, bool], PlainAmounts | None] = {}

    def usual_time(value: str) -> bool:
        """``YYYY-MM-DD HH:MM:SS``, a real time (what ``when`` reads without cleaning)."""
        if len(value) != 19 or value[4] != "-" or value[10] != " " or value[13] != ":" \
                or value[16] != ":" or not value.isascii():
            return False
        try:
            parse_time(value)
        except ValueError:
            return False
        return True

    def amounts(key: tuple[str, str, str, str, str, bool]) -> PlainAmounts | None:
        paid_text, shipping_text, goods_text, refund_text, quantity_text, refunded = key
        try:
            paid = cells.required_amount(paid_text)
            shipping = cells.amount_or_zero(shipping_text)
            listed = cells.required_amount(goods_text)
            refund = cells.amount(refund_text)
            quantity = cells.quantity(quantity_text)
        except CellError:
            return None
        goods = paid - shipping
        if goods < ZERO:
            return None
        if goods > listed:
            listed = goods
        if refund is None:
            refund = paid if refunded else ZERO
        if refund > paid:
            return None
        return PlainAmounts(listed, listed - goods, goods, shipping, paid, refund, quantity,
                            (listed / quantity).quantize(CENT, rounding=ROUND_HALF_UP),
                            min(refund, goods))

    def read(source: SourceRow) -> PlainOrder | None:
        c = source.cells
        if len(c) < width:
            return None
        c = (*c, "")
        word = text(c[i_status])
        status = STATUS_WORDS.get(key(word))
        sale_word = text(c[i_after])
        refund_status = None
        if not is_empty(sale_word) and key(sale_word) not in NO_AFTER_SALE:
            refund_status = AFTER_SALE_WORDS.get(key(sale_word))
            if refund_status is None:
                return None
        sku = next((c[p] for p in sku_positions if text(c[p])), None)
        deal = c[i_deal]
        if status is None or sku is None or not usual_time(deal):
            return None
        created = c[i_created]
        if text(created):
            if not usual_time(created):
                return None
        else:
            created = deal
        paid: str | None = None
        if status != "created":
            paid = c[i_paid_at]
            if text(paid):
                if not usual_time(paid):
                    return None
            else:
                paid = deal
        shipped, received = c[i_shipped], c[i_received]
        if (shipped and not usual_time(shipped)) or (received and not usual_time(received)):
            return None
        money_key = (c[i_paid], c[i_shipping], c[i_goods], c[i_refund], c[i_quantity],
                     refund_status == "refunded")
        if money_key in money:
            found = money[money_key]
        else:
            if len(money) >= 50_000:
                money.clear()
            found = money[money_key] = amounts(money_key)
        number = identifier(c[i_order])
        if found is None or not number or "e" in number or "E" in number:
            return None  # no order number, or maybe one Excel rounded (order_number says)
        return PlainOrder(source.number, number, refund_status or status, word,
                          created, paid, shipped or None, received or None, identifier(sku), found)

    return read
