from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopops.db.base import Base
from shopops.db.types import Cents, UtcDateTime


class Category(Base):
    """类目. `kind` groups categories the spec gives conversion references for
    (apparel / digital / food …)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    kind: Mapped[str] = mapped_column(String(32), default="general")


class Product(Base):
    """商品 (SPU)."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    skus: Mapped[list[Sku]] = relationship(back_populates="product")


class Sku(Base):
    """规格 (SKU): the sellable variant, with its cost and list price."""

    __tablename__ = "skus"
    __table_args__ = (
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # 颜色/尺码 …
    cost: Mapped[Decimal] = mapped_column(Cents())
    price: Mapped[Decimal] = mapped_column(Cents())  # list price 标价
    listed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # 上架时间
    active: Mapped[bool] = mapped_column(default=True)

    product: Mapped[Product] = relationship(back_populates="skus")
