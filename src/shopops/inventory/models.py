from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import BigId, UtcDateTime

MOVE_KINDS = (
    "receipt",
    "reservation",
    "release",
    "shipment",
    "return",
    "adjustment",
    "transfer_out",
    "transfer_in",
)


class Warehouse(Base):
    """仓库, with the region it ships from (nearest-warehouse allocation). A quarantine
    location (待检区, code `<warehouse>-QC`) is a warehouse of its own with sellable=False:
    returned goods waiting for inspection stay in the ledger without ever being 可用."""

    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(64))  # e.g. 华东 / 华南 / 华北
    # False for a quarantine store (待检区): stock there is on hand but never 可用
    sellable: Mapped[bool] = mapped_column(default=True, server_default=true())


class StockBalance(Base):
    """库存余额: the fast current view, changed only together with a stock move by a
    conditional update, so it can never go negative."""

    __tablename__ = "stock_balances"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"), primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)  # 在库
    reserved: Mapped[int] = mapped_column(default=0)  # 占用
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def available(self) -> int:  # 可用
        return self.on_hand - self.reserved


class StockMove(Base):
    """库存流水: never edited. `quantity` is signed for on-hand changes (receipt +, shipment −);
    reservations and releases change `reserved` only."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint(f"kind IN {MOVE_KINDS!r}", name="kind_known"),
        Index("ix_stock_moves_sku_wh_at", "sku_id", "warehouse_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reference: Mapped[str | None] = mapped_column(String(100))  # order / PO / stocktake id
    reason: Mapped[str | None] = mapped_column(String(200))


RESERVATION_STATUSES = ("active", "released", "fulfilled", "expired")
TRANSFER_STATUSES = ("in_transit", "received")


class Reservation(Base):
    """占用: stock held for an order line in one warehouse until `reserved_until`. Only
    active, unexpired reservations count; the sweep job turns expired ones into `expired`
    and gives their stock back. `stock_balances.reserved` = Σ active reservations."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(f"status IN {RESERVATION_STATUSES!r}", name="status_known"),
        Index("ix_reservations_status_until", "status", "reserved_until"),
        Index("ix_reservations_sku_wh_status", "sku_id", "warehouse_id", "status"),
        Index("ix_reservations_reference", "reference"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    quantity: Mapped[int]
    reference: Mapped[str] = mapped_column(String(100))  # order id / channel order no
    reserved_until: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class StockTransfer(Base):
    """调拨: units that left `from_warehouse` (a transfer_out move) and are 在途 until they
    arrive at `to_warehouse` (a transfer_in move). In-transit stock is the sum of open
    transfers, not a balance column: it is on hand in neither warehouse."""

    __tablename__ = "stock_transfers"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("from_warehouse_id <> to_warehouse_id", name="between_two_warehouses"),
        CheckConstraint(f"status IN {TRANSFER_STATUSES!r}", name="status_known"),
        Index("ix_stock_transfers_status_sku", "status", "sku_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    quantity: Mapped[int]
    reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="in_transit")
    shipped_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
