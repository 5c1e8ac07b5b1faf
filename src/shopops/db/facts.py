"""Append-only facts (事实流水): one row per business event, written in the same transaction
as the change that caused it. Analytics and later copies read them by id watermark."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import BigId, UtcDateTime


class Fact(Base):
    __tablename__ = "facts"
    __table_args__ = (Index("ix_facts_kind_occurred", "kind", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))  # e.g. order.paid, stock.moved
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), index=True)
    entity: Mapped[str] = mapped_column(String(32))  # order, sku, store …
    entity_id: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
