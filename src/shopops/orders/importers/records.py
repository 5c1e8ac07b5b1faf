"""Normalised records read from a platform export, shaped 1:1 like ``orders.models``.

Amounts obey the order book's identities: ``paid_amount = goods_amount + shipping_fee``,
``goods_amount = Σ lines' paid_amount = list_amount - discount_amount``, refunds within paid.
Times are aware (the store's time zone). Masked buyer data (``138****1234``) is kept as is and
flagged, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")

# lifecycle order of the statuses an export can show; refunds and closures come after
STATUS_RANK = {
    "created": 0,
    "paid": 1,
    "allocated": 2,
    "shipped": 3,
    "delivered": 4,
    "completed": 5,
    "refunding": 6,
    "refunded": 7,
    "cancelled": 8,
    "closed": 9,
}
ENDED_WITHOUT_SALE = frozenset({"cancelled", "closed"})


class RowError(Exception):
    """One row (or one order) cannot be imported: which column, which value and why."""

    def __init__(self, column: str | None, value: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.value = value
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedLine:
    """子订单: one SKU of an order."""

    sub_order_no: str | None
    sku_code: str
    title: str
    quantity: int
    unit_price: Decimal
    paid_amount: Decimal
    refund_amount: Decimal = ZERO
    source_row: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedOrder:
    """订单 as the platform exported it, keyed by ``channel_order_no`` (平台订单号)."""

    channel_order_no: str
    status: str
    platform_status: str
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None = None
    completed_at: datetime | None = None
    delivered_at: datetime | None = None  # 签收 (generic mapping only, so far)
    promised_at: datetime | None = None  # delivery promised at order time (预计送达)
    list_amount: Decimal
    discount_amount: Decimal
    goods_amount: Decimal
    shipping_fee: Decimal
    paid_amount: Decimal
    refund_amount: Decimal
    lines: tuple[ImportedLine, ...]
    source_rows: tuple[int, ...]
    buyer_id: str | None = None
    buyer_masked: bool = False
    buyer_phone: str | None = None
    phone_masked: bool = False
    after_sale_status: str | None = None
    tracking_no: str | None = None
    carrier: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedSettlement:
    """京东 结算: the fee rows of one order summed per fee name (收入 +, 支出 −)."""

    channel_order_no: str
    status: str | None
    platform_status: str
    fees: dict[str, Decimal]
    net_amount: Decimal
    lines: tuple[ImportedLine, ...]
    after_sale_nos: tuple[str, ...] = ()
    source_rows: tuple[int, ...] = field(default_factory=tuple)


def combined_status(statuses: list[str]) -> str:
    """An order's status from its lines': the least advanced line that is still a sale."""
    selling = [s for s in statuses if s not in ENDED_WITHOUT_SALE]
    if not selling:
        return min(statuses, key=STATUS_RANK.__getitem__)
    return min(selling, key=STATUS_RANK.__getitem__)


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` yuan over ``weights`` in cents; the parts add up to ``total`` exactly."""
    if not weights:
        return []
    base = sum(weights, ZERO)
    if base == ZERO:
        weights, base = [Decimal(1)] * len(weights), Decimal(len(weights))
    parts = [(total * w / base).quantize(CENT, rounding=ROUND_DOWN) for w in weights]
    parts[-1] += total - sum(parts, ZERO)
    return parts


def check_amounts(order: ImportedOrder) -> None:
    """Refuse an order whose amounts break the order book's identities."""
    if order.refund_amount > order.paid_amount:
        raise RowError(
            None,
            str(order.refund_amount),
            f"refund {order.refund_amount} exceeds paid amount {order.paid_amount}",
        )
    if order.goods_amount < ZERO:
        raise RowError(
            None,
            str(order.paid_amount),
            f"paid amount {order.paid_amount} is less than the shipping fee {order.shipping_fee}",
        )
    lines_paid = sum((line.paid_amount for line in order.lines), ZERO)
    if lines_paid != order.goods_amount:
        raise RowError(
            None, str(lines_paid), f"lines add up to {lines_paid}, goods amount is "
            f"{order.goods_amount}"
        )


@dataclass(frozen=True, slots=True)
class OrderAmounts:
    """An order's money, made to satisfy the order book's identities."""

    list_amount: Decimal  # 标价合计 (before discounts)
    discount_amount: Decimal  # 优惠
    goods_amount: Decimal  # 商品实付 = paid - shipping
    shipping_fee: Decimal  # 运费
    paid_amount: Decimal  # 实付金额


def order_amounts(paid: Decimal, shipping: Decimal, list_amount: Decimal | None) -> OrderAmounts:
    """Split what the buyer paid into goods and shipping; the discount is what the list lost."""
    goods = paid - shipping
    if goods < ZERO:
        raise RowError(None, str(paid), f"paid amount {paid} is less than the shipping fee "
                       f"{shipping}")
    listed = goods if list_amount is None else max(list_amount, goods)
    return OrderAmounts(listed, listed - goods, goods, shipping, paid)
