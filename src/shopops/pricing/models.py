"""Promotions as stored data (促销即数据).

One ``promotions`` table for every kind (满减, 满件折, 优惠券, 限时折扣, 会员价, 包邮, 满赠): the
columns every kind shares (code, type, store, level, schedule, active) are real columns, so the
quote can select "active for this store at this instant" in SQL; what differs per kind (tiers,
rates, SKU lists, coupon threshold …) lives in ``spec``, a JSON object in the same shape as the
API's payload with every amount and rate as a decimal string (never a float). One table keeps a
new kind a code change, not a migration, and lets a list or an import read every kind at once;
the spec is always re-validated by the pure engine classes when loaded
(:mod:`shopops.pricing.service`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import UtcDateTime


class Promotion(Base):
    """促销活动: one promotion of any kind; ``store_id`` NULL means a platform-level (跨店) one."""

    __tablename__ = "promotions"
    __table_args__ = (Index("ix_promotions_store_active", "store_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # the engine's promotion id; 券码
    type: Mapped[str] = mapped_column(String(32))  # full_reduction, coupon, … (GLOSSARY)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    level: Mapped[str] = mapped_column(String(16))  # item_level / store_level / platform_level
    name: Mapped[str] = mapped_column(String(200))  # 活动名称 shown in the explanation
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
