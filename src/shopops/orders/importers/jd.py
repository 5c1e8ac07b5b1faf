"""京东 POP 结算/对账 detail export: one row per fee, summed per order into fees.

Each row is a fee (货款, 佣金, 交易服务费, 京豆 …) with 收支方向 收入 (+) or 支出 (−); 应结金额 is
read as a size (a minus sign some files write for 支出 is not counted twice). 货款 rows also
give the order's lines (商品编号, 商品数量).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from shopops.orders.importers import cells
from shopops.orders.importers.common import (
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
    ImportedSettlement,
    RowError,
)
from shopops.orders.importers.report import Note

ORDER_NO = "订单编号"
STATUS = "订单状态"
GOODS_NO = "商品编号"  # JD SKU id
GOODS_NAME = "商品名称"
QUANTITY = "商品数量"
AMOUNT = "应结金额"  # amount to settle for this fee
FEE_NAME = "费用名称"  # 货款 / 佣金 / 交易服务费 / 广告联合活动降扣佣金 / 京豆
DIRECTION = "收支方向"  # 收入 / 支出
AFTER_SALE_NO = "售后服务单号"
COMMISSION_RATE = "佣金比例"
GOODS_FEE = "货款"

SETTLEMENT = Layout(
    "jd", "jd_settlement", "京东 结算明细",
    required=(ORDER_NO, FEE_NAME, DIRECTION, AMOUNT),
    optional=(STATUS, GOODS_NO, GOODS_NAME, QUANTITY, AFTER_SALE_NO, COMMISSION_RATE),
)
LAYOUTS = (SETTLEMENT,)

DIRECTION_SIGN = {"收入": Decimal(1), "支出": Decimal(-1)}
STATUS_WORDS = status_words({
    "等待付款": "created",
    "等待出库": "paid",
    "等待确认收货": "shipped",
    "完成": "completed",
    "已完成": "completed",
    "取消": "cancelled",
    "已取消": "cancelled",
})


@dataclass(frozen=True, slots=True)
class _FeeRow:
    fee: str
    signed: Decimal
    status_word: str
    goods_no: str
    goods_name: str
    quantity: int | None
    after_sale_no: str | None


def parse_jd_settlement(table: Table, timezone: ZoneInfo, outcome: Outcome,
                        ) -> list[ImportedSettlement]:
    """Fees per order; ``timezone`` is unused (the file has no times) but kept for symmetry."""
    del timezone
    groups = group_rows(table, SETTLEMENT, ORDER_NO, _fee_row, outcome)
    settlements = build_each(groups, _settlement, outcome, table.name)
    for settlement in settlements:
        if settlement.platform_status and settlement.status is None:
            outcome.notes.append(Note(settlement.source_rows[0],
                                      f"order {settlement.channel_order_no}: 京东 status "
                                      f"{settlement.platform_status!r} not mapped"))
    return settlements


def _fee_row(row: Row) -> _FeeRow:
    direction = row.read(DIRECTION, cells.text)
    if direction not in DIRECTION_SIGN:
        raise RowError(DIRECTION, direction, "收支方向 must be 收入 or 支出")
    fee = row.read(FEE_NAME, cells.text)
    if not fee:
        raise RowError(FEE_NAME, "", "fee name is empty")
    quantity_text = cells.text(row.raw(QUANTITY))
    return _FeeRow(
        fee=fee,
        signed=DIRECTION_SIGN[direction] * row.read(AMOUNT, cells.signed_amount),
        status_word=row.read(STATUS, cells.text),
        goods_no=row.read(GOODS_NO, cells.identifier),
        goods_name=row.read(GOODS_NAME, cells.text),
        quantity=row.read(QUANTITY, cells.quantity) if quantity_text else None,
        after_sale_no=row.read(AFTER_SALE_NO, cells.identifier) or None,
    )


def _settlement(order_no: str, rows: list[tuple[int, _FeeRow]]) -> ImportedSettlement:
    fees: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for _, part in rows:
        fees[part.fee] += part.signed
    word = next((part.status_word for _, part in rows if part.status_word), "")
    return ImportedSettlement(
        channel_order_no=order_no,
        status=STATUS_WORDS.get(cells.header_key(word)) if word else None,
        platform_status=word,
        fees=dict(fees),
        net_amount=sum(fees.values(), ZERO),
        lines=_goods_lines(rows),
        after_sale_nos=tuple(sorted({p.after_sale_no for _, p in rows if p.after_sale_no})),
        source_rows=tuple(n for n, _ in rows),
    )


def _goods_lines(rows: list[tuple[int, _FeeRow]]) -> tuple[ImportedLine, ...]:
    """One line per 商品编号 from the 货款 rows (the goods income of that SKU)."""
    by_goods: dict[str, list[tuple[int, _FeeRow]]] = defaultdict(list)
    for number, part in rows:
        if part.fee == GOODS_FEE and part.goods_no:
            by_goods[part.goods_no].append((number, part))
    lines = []
    for goods_no, parts in by_goods.items():
        paid = sum((p.signed for _, p in parts), ZERO)
        quantity = max((p.quantity or 0 for _, p in parts), default=0)
        if paid <= ZERO or quantity <= 0:
            continue  # a reversed or quantity-less 货款 is a fee movement, not a line
        lines.append(ImportedLine(
            sub_order_no=None, sku_code=goods_no, title=parts[0][1].goods_name,
            quantity=quantity, unit_price=(paid / quantity).quantize(CENT, ROUND_HALF_UP),
            paid_amount=paid, source_row=parts[0][0],
        ))
    return tuple(lines)
