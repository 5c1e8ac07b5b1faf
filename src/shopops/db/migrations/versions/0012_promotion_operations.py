"""promotion operations: floor overrides, promotion uses (caps), coupon claims, group buy
(deals, groups, members), presales, campaigns and their promotions

Revision ID: 0012
Revises: 0006
Create Date: 2026-11-30 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "promotion_floor_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("breaches", sa.JSON(), nullable=False),
        _time("created_at"),
        _fk("promotion_floor_overrides", "promotion_id", "promotions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_floor_overrides")),
    )
    op.create_index("ix_promotion_floor_overrides_promotion_id", "promotion_floor_overrides",
                    ["promotion_id"])
    op.create_table(
        "promotion_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=64), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        _time("used_at"),
        _fk("promotion_uses", "promotion_id", "promotions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_uses")),
    )
    op.create_index("ix_promotion_uses_promotion_customer", "promotion_uses",
                    ["promotion_id", "customer"])
    op.create_table(
        "coupon_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=64), nullable=False),
        _time("claimed_at"),
        _time("redeemed_at", nullable=True),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        _fk("coupon_claims", "promotion_id", "promotions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_claims")),
    )
    op.create_index("ix_coupon_claims_promotion_customer", "coupon_claims",
                    ["promotion_id", "customer"])
    op.create_table(
        "group_buy_deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("normal_price", sa.BigInteger(), nullable=False),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("window_hours", sa.Integer(), nullable=False),
        _time("starts_at", nullable=True),
        _time("ends_at", nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("created_at"),
        _fk("group_buy_deals", "store_id", "stores"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_buy_deals")),
        sa.UniqueConstraint("code", name=op.f("uq_group_buy_deals_code")),
    )
    op.create_table(
        "group_buy_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("leader", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("joined", sa.Integer(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        _time("opened_at"),
        _time("closes_at"),
        sa.Column("status", sa.String(length=16), nullable=False),
        _time("closed_at", nullable=True),
        _fk("group_buy_groups", "deal_id", "group_buy_deals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_buy_groups")),
    )
    op.create_index("ix_group_buy_groups_deal_id", "group_buy_groups", ["deal_id"])
    op.create_index("ix_group_buy_groups_status_closes", "group_buy_groups",
                    ["status", "closes_at"])
    op.create_table(
        "group_buy_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=64), nullable=False),
        sa.Column("paid", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _time("joined_at"),
        _time("refunded_at", nullable=True),
        _fk("group_buy_members", "group_id", "group_buy_groups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_buy_members")),
        sa.UniqueConstraint("group_id", "customer", name="uq_group_buy_members_group_customer"),
    )
    op.create_table(
        "presales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("deposit", sa.BigInteger(), nullable=False),
        sa.Column("deposit_multiplier", sa.Integer(), nullable=False),
        _time("deposit_starts_at"),
        _time("deposit_ends_at"),
        _time("balance_starts_at"),
        _time("balance_ends_at"),
        sa.Column("refundable", sa.Boolean(), nullable=False),
        _time("created_at"),
        _fk("presales", "store_id", "stores"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presales")),
        sa.UniqueConstraint("code", name=op.f("uq_presales_code")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("target_gmv", sa.BigInteger(), nullable=True),
        sa.Column("target_orders", sa.Integer(), nullable=True),
        sa.Column("target_new_customers", sa.Integer(), nullable=True),
        _time("created_at"),
        _fk("campaigns", "store_id", "stores"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("code", name=op.f("uq_campaigns_code")),
    )
    op.create_table(
        "campaign_promotions",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=True),
        _fk("campaign_promotions", "campaign_id", "campaigns"),
        _fk("campaign_promotions", "promotion_id", "promotions"),
        sa.PrimaryKeyConstraint("campaign_id", "promotion_id",
                                name=op.f("pk_campaign_promotions")),
    )


def downgrade() -> None:
    op.drop_table("campaign_promotions")
    op.drop_table("campaigns")
    op.drop_table("presales")
    op.drop_table("group_buy_members")
    op.drop_index("ix_group_buy_groups_status_closes", table_name="group_buy_groups")
    op.drop_index("ix_group_buy_groups_deal_id", table_name="group_buy_groups")
    op.drop_table("group_buy_groups")
    op.drop_table("group_buy_deals")
    op.drop_index("ix_coupon_claims_promotion_customer", table_name="coupon_claims")
    op.drop_table("coupon_claims")
    op.drop_index("ix_promotion_uses_promotion_customer", table_name="promotion_uses")
    op.drop_table("promotion_uses")
    op.drop_index("ix_promotion_floor_overrides_promotion_id",
                  table_name="promotion_floor_overrides")
    op.drop_table("promotion_floor_overrides")
