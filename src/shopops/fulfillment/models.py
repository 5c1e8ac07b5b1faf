"""Fulfillment tables: shipments (包裹/运单), their tracking events (物流轨迹) and what the
operators did about logistics exceptions (异常处理). The exceptions themselves are not
stored: they are computed from these rows and `now` (fulfillment/exceptions.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import BigId, UtcDateTime

SHIPMENT_STATUSES = ("shipped", "in_transit", "delivered", "returned")
EVENT_STATUSES = ("collected", "in_transit", "out_for_delivery", "delivered", "exception",
                  "returned")
HANDLING_STATES = ("acknowledged", "resolved")


class Shipment(Base):
    """包裹: one parcel with its carrier and tracking number (运单号)."""

    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("carrier_code", "tracking_no", name="uq_shipments_carrier_tracking"),
        CheckConstraint(f"status IN {SHIPMENT_STATUSES!r}", name="status_known"),
        Index("ix_shipments_order", "order_id"),
        Index("ix_shipments_tracking_no", "tracking_no"),
        Index("ix_shipments_status_shipped", "status", "shipped_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    allocation_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_allocations.id", ondelete="SET NULL"))
    warehouse_code: Mapped[str | None] = mapped_column(String(32))
    carrier_code: Mapped[str] = mapped_column(String(16))
    carrier_name: Mapped[str] = mapped_column(String(32))
    tracking_no: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(16), default="standard")  # standard | express
    status: Mapped[str] = mapped_column(String(16), default="shipped")
    shipped_at: Mapped[datetime] = mapped_column(UtcDateTime())
    promised_by: Mapped[datetime] = mapped_column(UtcDateTime())  # 承诺送达
    first_event_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # 揽收
    last_event_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # 签收


class TrackingEvent(Base):
    """物流轨迹节点: one scan of a parcel; the same (time, status) twice is one event."""

    __tablename__ = "tracking_events"
    __table_args__ = (
        UniqueConstraint("shipment_id", "occurred_at", "status",
                         name="uq_tracking_events_shipment_at_status"),
        CheckConstraint(f"status IN {EVENT_STATUSES!r}", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))  # file | api | demo
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ExceptionHandling(Base):
    """异常处理记录: an operator acknowledged (已知悉, stays in the queue, marked) or resolved
    (已处理, leaves the queue) one occurrence of a logistics exception (its `key`)."""

    __tablename__ = "logistics_exception_handling"
    __table_args__ = (
        UniqueConstraint("exception_key", name="uq_logistics_exception_handling_key"),
        CheckConstraint(f"state IN {HANDLING_STATES!r}", name="state_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    exception_key: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime())
