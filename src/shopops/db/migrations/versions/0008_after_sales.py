"""after-sales requests (售后单): returns, exchanges and refunds per order line

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-30 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "after_sales",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("order_id", BIG_ID, nullable=False),
        sa.Column("order_line_id", BIG_ID, nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("reason_category", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("shipping_refund", sa.BigInteger(), nullable=False),
        sa.Column("apology", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("restock", sa.Boolean(), nullable=True),
        sa.Column("return_warehouse", sa.String(length=32), nullable=True),
        sa.Column("replacement_sku_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("approved_at", WHEN, nullable=True),
        sa.Column("rejected_at", WHEN, nullable=True),
        sa.Column("received_at", WHEN, nullable=True),
        sa.Column("refunded_at", WHEN, nullable=True),
        sa.Column("exchanged_at", WHEN, nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.CheckConstraint(
            "kind IN ('return_refund', 'exchange', 'refund_only')",
            name=op.f("ck_after_sales_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'rejected', 'received', 'refunded', "
            "'exchanged', 'closed')",
            name=op.f("ck_after_sales_status_known"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_after_sales_quantity_positive")),
        sa.CheckConstraint(
            "amount >= 0 AND shipping_refund >= 0", name=op.f("ck_after_sales_amounts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_after_sales_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_after_sales_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"],
            name=op.f("fk_after_sales_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_after_sales_sku_id_skus")),
        sa.ForeignKeyConstraint(
            ["replacement_sku_id"], ["skus.id"],
            name=op.f("fk_after_sales_replacement_sku_id_skus"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_after_sales")),
    )
    with op.batch_alter_table("after_sales", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_after_sales_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            "ix_after_sales_status_requested", ["status", "requested_at"], unique=False
        )
        batch_op.create_index(
            "ix_after_sales_order_line", ["order_line_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_after_sales_sku_requested", ["sku_id", "requested_at"], unique=False
        )
        batch_op.create_index(
            "ix_after_sales_store_requested", ["store_id", "requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("after_sales", schema=None) as batch_op:
        batch_op.drop_index("ix_after_sales_store_requested")
        batch_op.drop_index("ix_after_sales_sku_requested")
        batch_op.drop_index("ix_after_sales_order_line")
        batch_op.drop_index("ix_after_sales_status_requested")
        batch_op.drop_index(batch_op.f("ix_after_sales_order_id"))
    op.drop_table("after_sales")
