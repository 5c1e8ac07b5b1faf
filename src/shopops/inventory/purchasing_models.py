"""供应商与采购单 tables: suppliers, their per-SKU terms, purchase orders, their lines and the
deliveries received against them (the stock moves themselves live in the stock ledger)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import BigId, Cents, Rate, UtcDateTime
from shopops.inventory.purchasing import PO_STATUSES


class Supplier(Base):
    """供应商 with its default terms: lead time 交期 (days) and its std, minimum order quantity
    起订量, case pack 箱规, return policy 退货政策. A SKU's own terms override them."""

    __tablename__ = "suppliers"
    __table_args__ = (
        CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
        CheckConstraint("moq >= 1 AND case_pack >= 1", name="terms_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(100))
    lead_time_days: Mapped[int]
    # std of the lead time in days, an exact decimal (stored as parts per million)
    lead_time_sigma_days: Mapped[Decimal] = mapped_column(Rate())
    moq: Mapped[int] = mapped_column(default=1)
    case_pack: Mapped[int] = mapped_column(default=1)
    return_policy: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SupplierTerm(Base):
    """供货条款 of one supplier for one SKU: unit price, MOQ, case pack, lead time (None: the
    supplier's), and its rank — 1 the preferred supplier 首选, 2+ backups 备选."""

    __tablename__ = "supplier_terms"
    __table_args__ = (
        UniqueConstraint("supplier_id", "sku_id", name="uq_supplier_terms_supplier_sku"),
        CheckConstraint("moq >= 1 AND case_pack >= 1", name="terms_positive"),
        CheckConstraint("priority >= 1", name="priority_positive"),
        Index("ix_supplier_terms_sku_priority", "sku_id", "priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    unit_price: Mapped[Decimal] = mapped_column(Cents())
    moq: Mapped[int]
    case_pack: Mapped[int]
    lead_time_days: Mapped[int | None]
    priority: Mapped[int] = mapped_column(default=1)


class PurchaseOrder(Base):
    """采购单 to one supplier; its lines name the warehouse each SKU is delivered to."""

    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint(f"status IN {PO_STATUSES!r}", name="status_known"),
        Index("ix_purchase_orders_supplier_status", "supplier_id", "status"),
        Index("ix_purchase_orders_status", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expected_on: Mapped[date | None] = mapped_column(Date())  # 预计到货日 (shop's day)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(String(200))


class PurchaseOrderLine(Base):
    """One SKU × warehouse of a purchase order: ordered, accepted into stock and refused as
    defective; what remains is incoming (在途采购) while the order is open."""

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "sku_id", "warehouse_id",
                         name="uq_purchase_order_lines_po_sku_wh"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("received_qty >= 0 AND defective_qty >= 0", name="received_not_negative"),
        CheckConstraint("received_qty + defective_qty <= quantity", name="within_ordered"),
        Index("ix_purchase_order_lines_sku_wh", "sku_id", "warehouse_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Cents())
    received_qty: Mapped[int] = mapped_column(default=0)
    defective_qty: Mapped[int] = mapped_column(default=0)


class PurchaseReceipt(Base):
    """到货 one delivery of one line: accepted units (posted as a stock receipt) and refused
    defective ones; the scorecard reads these."""

    __tablename__ = "purchase_receipts"
    __table_args__ = (
        CheckConstraint("accepted >= 0 AND defective >= 0 AND accepted + defective > 0",
                        name="units_positive"),
        Index("ix_purchase_receipts_po", "purchase_order_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"))
    line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"))
    accepted: Mapped[int]
    defective: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_on: Mapped[date] = mapped_column(Date())  # the shop's business day
