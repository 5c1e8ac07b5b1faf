from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
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
    """仓库, with the region it ships from (nearest-warehouse allocation)."""

    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(64))  # e.g. 华东 / 华南 / 华北


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
