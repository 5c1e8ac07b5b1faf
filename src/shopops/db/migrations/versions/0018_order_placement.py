"""order placement: promotion use counters (caps enforced by conditional upserts)

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-30 06:40:00

``promotion_counters`` (uses and discount given per promotion) and
``promotion_customer_counters`` (uses per promotion and buyer) are the rows an order's
conditional upsert locks and checks against a cap, in the order's own transaction
(orders.placement, pricing.usage_service). They are filled from the uses already recorded,
so caps keep counting what came before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotion_counters",
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("uses >= 0 AND discount >= 0",
                           name=op.f("ck_promotion_counters_not_negative")),
        sa.ForeignKeyConstraint(["promotion_id"], ["promotions.id"],
                                name=op.f("fk_promotion_counters_promotion_id_promotions")),
        sa.PrimaryKeyConstraint("promotion_id", name=op.f("pk_promotion_counters")),
    )
    op.create_table(
        "promotion_customer_counters",
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=64), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.CheckConstraint("uses >= 0", name=op.f("ck_promotion_customer_counters_not_negative")),
        sa.ForeignKeyConstraint(
            ["promotion_id"], ["promotions.id"],
            name=op.f("fk_promotion_customer_counters_promotion_id_promotions")),
        sa.PrimaryKeyConstraint("promotion_id", "customer",
                                name=op.f("pk_promotion_customer_counters")),
    )
    op.execute(
        "INSERT INTO promotion_counters (promotion_id, uses, discount) "
        "SELECT promotion_id, COUNT(*), SUM(discount) FROM promotion_uses GROUP BY promotion_id")
    op.execute(
        "INSERT INTO promotion_customer_counters (promotion_id, customer, uses) "
        "SELECT promotion_id, customer, COUNT(*) FROM promotion_uses "
        "GROUP BY promotion_id, customer")


def downgrade() -> None:
    op.drop_table("promotion_customer_counters")
    op.drop_table("promotion_counters")
