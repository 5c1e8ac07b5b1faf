from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import Rate, UtcDateTime

PLATFORMS = ("tmall", "taobao", "jd", "pdd", "douyin", "own")


class Store(Base):
    """店铺: one channel account (Tmall flagship, JD POP shop, PDD shop, Douyin shop, own store)."""

    __tablename__ = "stores"
    __table_args__ = (
        CheckConstraint(f"platform IN {PLATFORMS!r}", name="platform_known"),
        CheckConstraint(
            "commission_rate >= 0 AND commission_rate <= 1000000", name="commission_fraction"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    commission_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal("0"))  # 平台佣金
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
