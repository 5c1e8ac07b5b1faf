"""suppliers, per-SKU supplier terms, purchase orders, their lines and deliveries (issue 5)

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-30 04:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=True),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("lead_time_sigma_days", sa.Integer(), nullable=False),
        sa.Column("moq", sa.Integer(), nullable=False),
        sa.Column("case_pack", sa.Integer(), nullable=False),
        sa.Column("return_policy", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("lead_time_days >= 0", name=op.f("ck_suppliers_lead_time_not_negative")),
        sa.CheckConstraint("moq >= 1 AND case_pack >= 1", name=op.f("ck_suppliers_terms_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
    )

    op.create_table(
        "supplier_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("moq", sa.Integer(), nullable=False),
        sa.Column("case_pack", sa.Integer(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.CheckConstraint("moq >= 1 AND case_pack >= 1", name=op.f("ck_supplier_terms_terms_positive")),
        sa.CheckConstraint("priority >= 1", name=op.f("ck_supplier_terms_priority_positive")),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_supplier_terms_sku_id_skus")),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_supplier_terms_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_terms")),
        sa.UniqueConstraint("supplier_id", "sku_id", name="uq_supplier_terms_supplier_sku"),
    )
    with op.batch_alter_table("supplier_terms", schema=None) as batch_op:
        batch_op.create_index("ix_supplier_terms_sku_priority", ["sku_id", "priority"], unique=False)

    op.create_table(
        "purchase_orders",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expected_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'partially_received', 'received', 'cancelled')",
            name=op.f("ck_purchase_orders_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_orders_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("code", name=op.f("uq_purchase_orders_code")),
    )
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_orders_status", ["status"], unique=False)
        batch_op.create_index(
            "ix_purchase_orders_supplier_status", ["supplier_id", "status"], unique=False
        )

    op.create_table(
        "purchase_order_lines",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("purchase_order_id", BIG_ID, nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("received_qty", sa.Integer(), nullable=False),
        sa.Column("defective_qty", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_order_lines_quantity_positive")),
        sa.CheckConstraint(
            "received_qty >= 0 AND defective_qty >= 0",
            name=op.f("ck_purchase_order_lines_received_not_negative"),
        ),
        sa.CheckConstraint(
            "received_qty + defective_qty <= quantity",
            name=op.f("ck_purchase_order_lines_within_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"], ["purchase_orders.id"],
            name=op.f("fk_purchase_order_lines_purchase_order_id_purchase_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_purchase_order_lines_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"],
            name=op.f("fk_purchase_order_lines_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint(
            "purchase_order_id", "sku_id", "warehouse_id", name="uq_purchase_order_lines_po_sku_wh"
        ),
    )
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_purchase_order_lines_sku_wh", ["sku_id", "warehouse_id"], unique=False
        )

    op.create_table(
        "purchase_receipts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("purchase_order_id", BIG_ID, nullable=False),
        sa.Column("line_id", BIG_ID, nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("defective", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "accepted >= 0 AND defective >= 0 AND accepted + defective > 0",
            name=op.f("ck_purchase_receipts_units_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["purchase_order_lines.id"],
            name=op.f("fk_purchase_receipts_line_id_purchase_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"], ["purchase_orders.id"],
            name=op.f("fk_purchase_receipts_purchase_order_id_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_receipts")),
    )
    with op.batch_alter_table("purchase_receipts", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_receipts_po", ["purchase_order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("purchase_receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_receipts_po")
    op.drop_table("purchase_receipts")
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_order_lines_sku_wh")
    op.drop_table("purchase_order_lines")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_orders_supplier_status")
        batch_op.drop_index("ix_purchase_orders_status")
    op.drop_table("purchase_orders")
    with op.batch_alter_table("supplier_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_supplier_terms_sku_priority")
    op.drop_table("supplier_terms")
    op.drop_table("suppliers")
