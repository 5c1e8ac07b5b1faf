from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import Cents

TRAFFIC_SOURCES = ("search", "category", "paid", "content", "activity", "external")


class TrafficDaily(Base):
    """Daily traffic (流量) per store × SKU × source, in the store's business day."""

    __tablename__ = "traffic_daily"
    __table_args__ = (
        CheckConstraint(f"source IN {TRAFFIC_SOURCES!r}", name="source_known"),
        CheckConstraint(
            "uv >= 0 AND pv >= uv AND add_to_cart >= 0 AND favourites >= 0", name="counts_sane"
        ),
        Index("ix_traffic_day_store", "day", "store_id", "uv", "pv"),
    )

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    uv: Mapped[int] = mapped_column(default=0)  # 访客数
    pv: Mapped[int] = mapped_column(default=0)  # 浏览量
    add_to_cart: Mapped[int] = mapped_column(default=0)  # 加购
    favourites: Mapped[int] = mapped_column(default=0)  # 收藏


class AdCampaign(Base):
    """A paid placement campaign (直通车 / 京东快车 / 巨量千川 …)."""

    __tablename__ = "ad_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(32))  # ztc / jd_kuaiche / qianchuan / duoduo


class AdSpendDaily(Base):
    """Daily spend and results of one campaign."""

    __tablename__ = "ad_spend_daily"
    __table_args__ = (
        CheckConstraint("spend >= 0 AND impressions >= 0 AND clicks >= 0", name="not_negative"),
        Index("ix_ad_spend_day_store", "day", "store_id", "spend", "attributed_gmv"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("ad_campaigns.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    spend: Mapped[Decimal] = mapped_column(Cents())  # 花费
    impressions: Mapped[int] = mapped_column(default=0)  # 展现
    clicks: Mapped[int] = mapped_column(default=0)  # 点击
    attributed_gmv: Mapped[Decimal] = mapped_column(Cents(), default=Decimal("0"))  # 成交额
