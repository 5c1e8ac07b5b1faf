"""售后单 (after-sales request): one order line, one kind (return and refund / exchange /
refund only), one reason, with the time of every step. Refunded goods money flows into the
order line's refund_amount (orders service); the shipping refund stays here, so the order's
refund_amount remains Σ lines' refunds and net GMV stays goods-only on both sides."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import BigId, Cents, UtcDateTime

KINDS = ("return_refund", "exchange", "refund_only")
STATUSES = ("requested", "approved", "rejected", "received", "refunded", "exchanged", "closed")


class AfterSale(Base):
    __tablename__ = "after_sales"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("amount >= 0 AND shipping_refund >= 0", name="amounts_not_negative"),
        Index("ix_after_sales_status_requested", "status", "requested_at"),
        Index("ix_after_sales_order_line", "order_line_id", "status"),
        Index("ix_after_sales_sku_requested", "sku_id", "requested_at"),
        Index("ix_after_sales_store_requested", "store_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    kind: Mapped[str] = mapped_column(String(16))  # 退货退款 / 换货 / 仅退款
    reason: Mapped[str] = mapped_column(String(32))  # reason code (service.reasons)
    reason_category: Mapped[str] = mapped_column(String(16))  # quality/size/description/…
    quantity: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Cents())  # 商品退款 goods refund (agreed/paid)
    shipping_refund: Mapped[Decimal] = mapped_column(Cents())  # 运费退款
    apology: Mapped[bool] = mapped_column(default=False)  # 需致歉 (quality: say sorry)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)  # buyer's words / why rejected
    restock: Mapped[bool | None]  # goods back: True sellable, False 待检区
    return_warehouse: Mapped[str | None] = mapped_column(String(32))  # where they went
    replacement_sku_id: Mapped[int | None] = mapped_column(ForeignKey("skus.id"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rejected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    exchanged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
