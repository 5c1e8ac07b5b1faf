"""Tables of warehouse allocation (分仓): one row per parcel (order × warehouse) holding the
stock ledger reservations it made, and its lines. Kept apart from orders/models.py so the
allocation work is one module; registered in db/registry.py like any models module."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopops.db.base import Base
from shopops.db.facts import Fact
from shopops.db.types import BigId, UtcDateTime
from shopops.orders.models import Order

ALLOCATION_STATUSES = ("reserved", "shipped", "released")

# the order timeline reads an order's facts; without this index that is a full scan of facts
FACTS_ENTITY_INDEX = Index("ix_facts_entity_occurred", Fact.entity, Fact.entity_id,
                           Fact.occurred_at)
# allocation and the fulfillment board read the open (paid / allocated) orders by status
ORDERS_STATUS_INDEX = Index("ix_orders_status_paid", Order.status, Order.paid_at)


class OrderAllocation(Base):
    """包裹分仓: the units of an order one warehouse ships, reserved in the stock ledger
    (`reservation_ids`) until the parcel ships (reserved → shipped) or is released."""

    __tablename__ = "order_allocations"
    __table_args__ = (
        UniqueConstraint("order_id", "warehouse_id", name="uq_order_allocations_order_wh"),
        CheckConstraint(f"status IN {ALLOCATION_STATUSES!r}", name="status_known"),
        Index("ix_order_allocations_status_wh", "status", "warehouse_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(16), default="reserved")
    province: Mapped[str | None] = mapped_column(String(64))  # 收货省份 as used for routing
    region: Mapped[str | None] = mapped_column(String(16))  # the buyer's region (华东 …)
    reservation_ids: Mapped[list[int]] = mapped_column(JSON)
    allocated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    lines: Mapped[list[OrderAllocationLine]] = relationship(
        back_populates="allocation", cascade="all, delete-orphan")


class OrderAllocationLine(Base):
    __tablename__ = "order_allocation_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        ForeignKey("order_allocations.id", ondelete="CASCADE"), index=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    quantity: Mapped[int]

    allocation: Mapped[OrderAllocation] = relationship(back_populates="lines")
