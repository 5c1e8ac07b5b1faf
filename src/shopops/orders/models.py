from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopops.db.base import Base
from shopops.db.types import BigId, Cents, UtcDateTime

ORDER_STATUSES = (
    "created",
    "paid",
    "allocated",
    "shipped",
    "delivered",
    "completed",
    "cancelled",
    "closed",
    "refunding",
    "refunded",
)


class Order(Base):
    """订单, keyed by (store, channel order number). Amounts in yuan (stored as cents):
    paid_amount = goods_amount + shipping_fee, goods_amount = Σ lines' paid_amount."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("store_id", "channel_order_no", name="uq_orders_store_channel_no"),
        CheckConstraint(f"status IN {ORDER_STATUSES!r}", name="status_known"),
        CheckConstraint(
            "paid_amount >= 0 AND refund_amount >= 0 AND shipping_fee >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint("refund_amount <= paid_amount", name="refund_within_paid"),
        # the cockpit's hot path: one index serves every day/store aggregate (covering)
        Index(
            "ix_orders_paid_day_store",
            "paid_date",
            "store_id",
            "goods_amount",
            "refund_amount",
            "customer_id",
            "paid_at",
        ),
        # repurchase (earlier order within 30 days) and new-vs-returning (any order before)
        Index("ix_orders_customer_paid", "customer_id", "paid_at", "store_id"),
        Index("ix_orders_customer_day", "customer_id", "paid_date", "store_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    channel_order_no: Mapped[str] = mapped_column(String(64))  # 平台订单号
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(16), default="created")
    list_amount: Mapped[Decimal] = mapped_column(Cents(), default=Decimal("0"))  # 标价合计
    discount_amount: Mapped[Decimal] = mapped_column(Cents(), default=Decimal("0"))  # 优惠
    goods_amount: Mapped[Decimal] = mapped_column(Cents(), default=Decimal("0"))  # 商品实付
    shipping_fee: Mapped[Decimal] = mapped_column(Cents(), default=Decimal("0"))  # 运费
    paid_amount: Mapped[Decimal] = mapped_column(Cents(), default=Decimal("0"))  # 实付金额
    refund_amount: Mapped[Decimal] = mapped_column(Cents(), default=Decimal("0"))  # 退款金额
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # the business day of payment in the store's time zone (付款日, 店铺时区)
    paid_date: Mapped[date | None] = mapped_column(Date)
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # the delivery promised to the buyer at order time (预计送达; migration 0014), if known
    promised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan"
    )


class OrderLine(Base):
    """子订单: one SKU of an order."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("paid_amount >= 0 AND refund_amount >= 0", name="amounts_not_negative"),
        Index("ix_order_lines_order", "order_id", "sku_id", "paid_amount", "quantity"),
        Index("ix_order_lines_sku", "sku_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    quantity: Mapped[int]
    list_price: Mapped[Decimal] = mapped_column(Cents())  # unit list price 单价
    discount_amount: Mapped[Decimal] = mapped_column(Cents(), default=Decimal("0"))
    paid_amount: Mapped[Decimal] = mapped_column(Cents())  # what the buyer paid for this line
    refund_amount: Mapped[Decimal] = mapped_column(Cents(), default=Decimal("0"))

    order: Mapped[Order] = relationship(back_populates="lines")


class ImportBatch(Base):
    """导入批次: one `shopops import orders` run (one or two files), committed all-or-nothing,
    so a batch row exists only for a finished import. Counts are orders; `rejected_count` is
    the rows (orders) kept in import_problems."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint("status IN ('completed')", name="status_known"),
        Index("ix_import_batches_store_started", "store_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    platform: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    file_name: Mapped[str] = mapped_column(String(500))  # the files' names, joined by " + "
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of the files' checksums in order
    size: Mapped[int] = mapped_column(BigInteger)  # bytes, all files
    read_count: Mapped[int]
    new_count: Mapped[int]
    updated_count: Mapped[int]
    unchanged_count: Mapped[int]
    rejected_count: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ImportFile(Base):
    """The archived file itself (bytes in the database, so the archive commits or rolls back
    with the batch and travels with backups), with its sha256 checksum."""

    __tablename__ = "import_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class ImportProblem(Base):
    """导入问题: a row that could not be imported — row number (header = 1), column, value,
    reason and file — the import report an operator downloads."""

    __tablename__ = "import_problems"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    row: Mapped[int | None]
    column_name: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(String(255))
