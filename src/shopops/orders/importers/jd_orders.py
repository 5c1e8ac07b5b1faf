"""京东 POP 订单导出 (商家后台 订单管理 → 订单导出, CSV in GB18030): one row per SKU of an order.

Where the header comes from (no JD page documents it; these are public programs that read the
real file):

- a Java order importer of a cross-border seller (Play framework controller, 2015) that splits
  the exported CSV and lists every column with a sample row: 订单号 · 商品ID · 商品名称 ·
  订购数量 · 支付方式 · 下单时间 · 京东价 · 订单金额 · 结算金额 · 余额支付 · 应付金额 · 订单状态 ·
  订单类型 · 下单帐号 · 客户姓名 · 客户地址 · 联系电话 · 订单备注 · 发票类型 · 发票抬头 · 发票内容 ·
  商家备注 · 商家备注等级（等级1-5为由高到低） · 运费金额 · 付款确认时间 · 增值税发票 · 货号 ·
  订单完成时间 · 订单来源 · 订单渠道. It reads 京东价 as the unit price, 订单金额 − 应付金额 as the
  order's discount, and spreads it over the lines by 京东价 × 订购数量;
- a Django bookkeeping app's ``Jdorder.Import`` that reads ``jd.csv`` as GB18030 by the column
  names 订单号, 订单状态, 商品ID, 商品名称, 下单时间 (``%Y-%m-%d %H:%M:%S``), 应付金额, 商家备注,
  订购数量, 仓库名称, with the statuses 等待出库 · 等待确认收货 · 完成 · 锁定 · (删除)锁定 ·
  (删除)等待出库 · (删除)等待确认收货;
- a PHP shop connector mapping the export's words 延迟付款确认 · 等待付款确认 · 等待出库 ·
  等待发货 · 等待确认收货 · 完成 · 暂停 · 锁定 · (删除)暂停 · (删除)锁定;
- a 京麦 order-list collector whose CSV keeps "the headers accepted by the JD ETL" (订单号,
  商品ID, 商品名称, 订购数量, 下单时间, 京东价, 订单金额, 商家应收, 订单状态, 下单帐号, 客户姓名,
  客户地址, 联系电话) and the newer list words 待付款 · 待出库 · 已发货 · 已完成 · 已取消 ·
  暂停订单 · 锁定订单 · 等待境外出库 · 等待境内发货.

The headers this parser relies on are in ``tests/importers/jd_order_fixtures.py``.

Money: the order's amounts repeat on each of its rows. The buyer paid 应付金额 + 余额支付 (the
part paid from the JD account balance; without 应付金额, as in the collector's file, 订单金额);
运费金额 is the shipping; the list amount is Σ 京东价 × 订购数量 and each line's share of the
goods is allocated by that weight, to the cent. The SKU is the seller's code where the file has
one (商家SKUID, 货号), else 商品ID. A "(删除)…" status is an order JD deleted: cancelled.
The export has no carrier or tracking number column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from shopops.orders.importers import cells
from shopops.orders.importers.common import (
    Columns,
    Layout,
    Outcome,
    Row,
    build_each,
    group_rows,
    status_words,
)
from shopops.orders.importers.files import Table
from shopops.orders.importers.records import (
    CENT,
    ZERO,
    ImportedLine,
    ImportedOrder,
    RowError,
    allocate,
    check_amounts,
    order_amounts,
)
from shopops.orders.importers.report import MissingColumnsError

ORDER_NO = "订单号"
GOODS_ID = "商品ID"  # JD's own SKU id
TITLE = "商品名称"
QUANTITY = "订购数量"
ORDERED_AT = "下单时间"
UNIT_PRICE = "京东价"
ORDER_AMOUNT = "订单金额"
SETTLED = "结算金额"
BALANCE_PAID = "余额支付"
PAYABLE = "应付金额"
STATUS = "订单状态"
BUYER = "下单帐号"
PHONE = "联系电话"
SHIPPING = "运费金额"
PAID_AT = "付款确认时间"
ITEM_NO = "货号"
SELLER_SKU = "商家SKUID"
COMPLETED_AT = "订单完成时间"
DELETED = "(删除)"

LAYOUT = Layout(
    "jd", "jd_orders", "京东 订单导出",
    required=(ORDER_NO, GOODS_ID, QUANTITY, ORDERED_AT, UNIT_PRICE, STATUS),
    optional=(TITLE, "支付方式", ORDER_AMOUNT, SETTLED, BALANCE_PAID, PAYABLE, "订单类型", BUYER,
              "客户姓名", "客户地址", PHONE, "订单备注", "发票类型", "发票抬头", "发票内容",
              "商家备注", "商家备注等级（等级1-5为由高到低）", SHIPPING, PAID_AT, "增值税发票",
              ITEM_NO, COMPLETED_AT, "订单来源", "订单渠道", "商家应收", "仓库名称", SELLER_SKU),
)
LAYOUTS = (LAYOUT,)

STATUS_WORDS = status_words({
    "等待付款": "created",
    "待付款": "created",
    "等待付款确认": "created",
    "延迟付款确认": "created",
    "等待出库": "paid",
    "待出库": "paid",
    "等待发货": "paid",
    "等待境外出库": "paid",
    "等待境内发货": "paid",
    "暂停": "paid",  # paid, held by the seller
    "暂停订单": "paid",
    "锁定": "paid",  # paid, held by JD (e.g. a cancellation under review)
    "锁定订单": "paid",
    "等待确认收货": "shipped",
    "已发货": "shipped",
    "完成": "completed",
    "已完成": "completed",
    "取消": "cancelled",
    "已取消": "cancelled",
})


@dataclass(frozen=True, slots=True)
class _LineRow:
    sku_code: str
    title: str
    quantity: int
    unit_price: Decimal
    status: str
    word: str
    paid: Decimal
    shipping: Decimal
    created_at: datetime
    paid_at: datetime | None
    completed_at: datetime | None
    buyer: str | None
    phone: str | None


def parse_jd_orders(table: Table, timezone: ZoneInfo, outcome: Outcome) -> list[ImportedOrder]:
    columns = Columns(table.headers, LAYOUT)
    if not (columns.has(PAYABLE) or columns.has(ORDER_AMOUNT)):
        raise MissingColumnsError(LAYOUT.title, [PAYABLE], layout=LAYOUT.name, file=table.name)
    groups = group_rows(table, LAYOUT, ORDER_NO, lambda r: _line_row(r, timezone), outcome)
    return build_each(groups, _order, outcome, table.name)


def order_status(word: str) -> str | None:
    """ShopOps status of a 京东 订单状态 word; "(删除)…" is a deleted order; unknown → None."""
    key = cells.header_key(word)
    if key.startswith(cells.header_key(DELETED)):
        return "cancelled"
    return STATUS_WORDS.get(key)


def _line_row(row: Row, timezone: ZoneInfo) -> _LineRow:
    word = row.read(STATUS, cells.text)
    status = order_status(word)
    if status is None:
        raise RowError(STATUS, word, f"unknown 京东 status {word!r}")
    paid = row.first((PAYABLE, ORDER_AMOUNT), cells.required_amount, None)
    if paid is None:
        raise RowError(PAYABLE, "", "amount is empty (应付金额)")
    sku = row.first((SELLER_SKU, ITEM_NO, GOODS_ID), cells.identifier, "")
    if not sku:
        raise RowError(GOODS_ID, "", "no SKU code (商家SKUID, 货号 and 商品ID are empty)")
    phone = row.read(PHONE, cells.identifier) or None
    return _LineRow(
        sku_code=sku,
        title=row.read(TITLE, cells.text),
        quantity=row.read(QUANTITY, cells.quantity),
        unit_price=row.read(UNIT_PRICE, cells.required_amount),
        status=status,
        word=word,
        paid=paid + row.read(BALANCE_PAID, cells.amount_or_zero),
        shipping=row.read(SHIPPING, cells.amount_or_zero),
        created_at=row.read(ORDERED_AT, lambda v: cells.required_datetime(v, timezone)),
        paid_at=row.read(PAID_AT, lambda v: cells.local_datetime(v, timezone)),
        completed_at=row.read(COMPLETED_AT, lambda v: cells.local_datetime(v, timezone)),
        buyer=row.read(BUYER, cells.optional_text),
        phone=phone,
    )


def _same(order_no: str, rows: list[tuple[int, _LineRow]], name: str, column: str) -> None:
    """Order-level cells repeat on every row of the order; rows that disagree reject it."""
    values = {getattr(part, name) for _, part in rows}
    if len(values) > 1:
        shown = ", ".join(sorted(str(v) for v in values))
        raise RowError(column, shown, f"the rows of order {order_no} disagree on {column} "
                       f"({shown})")


def _order(order_no: str, rows: list[tuple[int, _LineRow]]) -> ImportedOrder:
    for name, column in (("paid", PAYABLE), ("shipping", SHIPPING), ("status", STATUS),
                         ("created_at", ORDERED_AT)):
        _same(order_no, rows, name, column)
    first = rows[0][1]
    weights = [part.unit_price * part.quantity for _, part in rows]
    amounts = order_amounts(first.paid, first.shipping, sum(weights, ZERO))
    shares = allocate(amounts.goods_amount, weights)
    lines = tuple(ImportedLine(
        sub_order_no=None, sku_code=part.sku_code, title=part.title, quantity=part.quantity,
        unit_price=part.unit_price.quantize(CENT, ROUND_HALF_UP), paid_amount=share,
        source_row=number) for (number, part), share in zip(rows, shares, strict=True))
    paid_at = first.paid_at
    if paid_at is None and first.status not in ("created", "cancelled"):
        paid_at = first.created_at  # a paid order whose 付款确认时间 is empty: paid when placed
    order = ImportedOrder(
        channel_order_no=order_no,
        status=first.status,
        platform_status=first.word,
        created_at=first.created_at,
        paid_at=paid_at,
        completed_at=first.completed_at,
        list_amount=amounts.list_amount,
        discount_amount=amounts.discount_amount,
        goods_amount=amounts.goods_amount,
        shipping_fee=amounts.shipping_fee,
        paid_amount=amounts.paid_amount,
        refund_amount=ZERO,
        lines=lines,
        source_rows=tuple(n for n, _ in rows),
        buyer_id=first.buyer,
        buyer_masked=cells.is_masked(first.buyer),
        buyer_phone=first.phone,
        phone_masked=cells.is_masked(first.phone),
    )
    check_amounts(order)
    return order


def sku_column(headers: Sequence[str]) -> str:
    """The column an order export's SKU codes come from (the seller's code where the file has
    one): where an unknown SKU is reported."""
    present = set(headers)
    return next((c for c in (SELLER_SKU, ITEM_NO) if c in present), GOODS_ID)
