from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import UtcDateTime


class Customer(Base):
    """客户."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(64))  # 省份
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CustomerIdentity(Base):
    """The buyer id a store knows a customer by (买家会员名 / 京东用户 / 拼多多用户 …)."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("store_id", "buyer_id", name="uq_identity_store_buyer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    buyer_id: Mapped[str] = mapped_column(String(100))
