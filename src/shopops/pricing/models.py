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
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import Cents, Rate, UtcDateTime


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


class PromotionVersion(Base):
    """促销版本戳: one row whose ``token`` changes (a new random value) whenever any row of
    ``promotions`` is inserted, updated or deleted — set by database triggers (migration 0019),
    so every write path bumps it, ORM or not. A process may keep the promotions it parsed while
    the token it read them under is unchanged (:mod:`shopops.pricing.promotion_cache`); a token
    from a rolled-back write is never seen again. No row (a wiped table): nothing is cached."""

    __tablename__ = "promotion_version"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    token: Mapped[str] = mapped_column(String(32))


# -- migration 0012: floors overridden, caps used, coupons claimed, 拼团, 预售, campaigns -------
# Buyers are named by a customer ref (the customers domain's code / the platform buyer id), not a
# foreign key: pricing reaches other domains only through their services.

class FloorOverride(Base):
    """低于底线的放行记录: who allowed a promotion to sell below the floor, when and why."""

    __tablename__ = "promotion_floor_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(100))
    breaches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # sku/price/floor
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PromotionUse(Base):
    """One use of a promotion by an order: counts against its budget, cap and per-buyer limit."""

    __tablename__ = "promotion_uses"
    __table_args__ = (Index("ix_promotion_uses_promotion_customer", "promotion_id", "customer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"))
    customer: Mapped[str] = mapped_column(String(64))
    order_ref: Mapped[str] = mapped_column(String(64))
    units: Mapped[int] = mapped_column()
    discount: Mapped[Decimal] = mapped_column(Cents())
    used_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CouponClaim(Base):
    """领券: one coupon (a ``coupon`` promotion) held by one buyer; redeemed once (核销)."""

    __tablename__ = "coupon_claims"
    __table_args__ = (Index("ix_coupon_claims_promotion_customer", "promotion_id", "customer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"))
    customer: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    order_ref: Mapped[str | None] = mapped_column(String(64))


class GroupBuyDeal(Base):
    """拼团活动: one SKU, tiered prices by group size (``tiers`` [{size, price}]), the window."""

    __tablename__ = "group_buy_deals"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    sku: Mapped[str] = mapped_column(String(64))
    normal_price: Mapped[Decimal] = mapped_column(Cents())
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    window_hours: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class GroupBuyGroup(Base):
    """一个团: opened by its leader (团长) for a size; open → succeeded (full) or failed."""

    __tablename__ = "group_buy_groups"
    __table_args__ = (Index("ix_group_buy_groups_status_closes", "status", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("group_buy_deals.id"), index=True)
    leader: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    joined: Mapped[int] = mapped_column()  # members in the group now; a join is conditional on it
    price: Mapped[Decimal] = mapped_column(Cents())
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class GroupBuyMember(Base):
    """团员: paid the group price on joining; left or refunded members keep their row."""

    __tablename__ = "group_buy_members"
    __table_args__ = (UniqueConstraint("group_id", "customer",
                                       name="uq_group_buy_members_group_customer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group_buy_groups.id"))
    customer: Mapped[str] = mapped_column(String(64))
    paid: Mapped[Decimal] = mapped_column(Cents())
    status: Mapped[str] = mapped_column(String(16))  # joined / left / refunded
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Presale(Base):
    """预售 定金膨胀: presale price, deposit × deposit_multiplier, deposit and balance windows."""

    __tablename__ = "presales"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    sku: Mapped[str] = mapped_column(String(64))
    price: Mapped[Decimal] = mapped_column(Cents())
    deposit: Mapped[Decimal] = mapped_column(Cents())
    deposit_multiplier: Mapped[Decimal] = mapped_column(Rate())
    deposit_starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    deposit_ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    balance_starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    balance_ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    refundable: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Campaign(Base):
    """大促活动: promotions grouped on a calendar event (双11 2026 …) with their targets."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(32))  # calendar code: double11, mid618 …
    year: Mapped[int] = mapped_column()
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    target_gmv: Mapped[Decimal | None] = mapped_column(Cents())
    target_orders: Mapped[int | None] = mapped_column()
    target_new_customers: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CampaignPromotion(Base):
    """A promotion in a campaign, optionally for one phase (预热 / 爆发 / 尾声)."""

    __tablename__ = "campaign_promotions"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    phase: Mapped[str | None] = mapped_column(String(16))
