"""flash sales (秒杀): the sale with its own stock pool, per-customer counts, order holds

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-30 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
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
        "flash_sales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("per_customer", sa.Integer(), nullable=False),
        sa.Column("hold_minutes", sa.Integer(), nullable=False),
        _time("starts_at", nullable=True),
        _time("ends_at", nullable=True),
        _time("created_at"),
        sa.CheckConstraint("remaining >= 0 AND held >= 0 AND sold >= 0",
                           name=op.f("ck_flash_sales_pool_not_negative")),
        sa.CheckConstraint("remaining + held + sold = units",
                           name=op.f("ck_flash_sales_pool_adds_up")),
        sa.CheckConstraint("per_customer >= 1 AND hold_minutes >= 1",
                           name=op.f("ck_flash_sales_limits_positive")),
        _fk("flash_sales", "store_id", "stores"),
        _fk("flash_sales", "sku_id", "skus"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flash_sales")),
        sa.UniqueConstraint("code", name=op.f("uq_flash_sales_code")),
    )
    op.create_index("ix_flash_sales_store_sku", "flash_sales", ["store_id", "sku_id"])
    op.create_table(
        "flash_sale_buyers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flash_sale_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=64), nullable=False),
        sa.Column("bought", sa.Integer(), nullable=False),
        sa.CheckConstraint("bought >= 0", name=op.f("ck_flash_sale_buyers_bought_not_negative")),
        _fk("flash_sale_buyers", "flash_sale_id", "flash_sales"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flash_sale_buyers")),
        sa.UniqueConstraint("flash_sale_id", "customer",
                            name="uq_flash_sale_buyers_sale_customer"),
    )
    op.create_table(
        "flash_sale_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flash_sale_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _time("created_at"),
        _time("hold_until"),
        _time("paid_at", nullable=True),
        _time("released_at", nullable=True),
        sa.CheckConstraint("qty >= 1", name=op.f("ck_flash_sale_holds_qty_positive")),
        sa.CheckConstraint("status IN ('held', 'paid', 'released')",
                           name=op.f("ck_flash_sale_holds_status_known")),
        _fk("flash_sale_holds", "flash_sale_id", "flash_sales"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flash_sale_holds")),
    )
    op.create_index("ix_flash_sale_holds_status_until", "flash_sale_holds",
                    ["status", "hold_until"])
    op.create_index("ix_flash_sale_holds_sale_customer", "flash_sale_holds",
                    ["flash_sale_id", "customer"])


def downgrade() -> None:
    op.drop_index("ix_flash_sale_holds_sale_customer", table_name="flash_sale_holds")
    op.drop_index("ix_flash_sale_holds_status_until", table_name="flash_sale_holds")
    op.drop_table("flash_sale_holds")
    op.drop_table("flash_sale_buyers")
    op.drop_index("ix_flash_sales_store_sku", table_name="flash_sales")
    op.drop_table("flash_sales")
