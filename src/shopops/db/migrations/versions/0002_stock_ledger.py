"""stock ledger: reservations, transfers (在途), sellable flag for quarantine locations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sellable", sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    op.create_table(
        "reservations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("reserved_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservations_quantity_positive")),
        sa.CheckConstraint(
            "status IN ('active', 'released', 'fulfilled', 'expired')",
            name=op.f("ck_reservations_status_known"),
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["skus.id"], name=op.f("fk_reservations_sku_id_skus")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_reservations_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index("ix_reservations_reference", ["reference"], unique=False)
        batch_op.create_index(
            "ix_reservations_sku_wh_status", ["sku_id", "warehouse_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_reservations_status_until", ["status", "reserved_until"], unique=False
        )

    op.create_table(
        "stock_transfers",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("from_warehouse_id", sa.Integer(), nullable=False),
        sa.Column("to_warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_transfers_quantity_positive")),
        sa.CheckConstraint(
            "from_warehouse_id <> to_warehouse_id",
            name=op.f("ck_stock_transfers_between_two_warehouses"),
        ),
        sa.CheckConstraint(
            "status IN ('in_transit', 'received')", name=op.f("ck_stock_transfers_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_stock_transfers_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["from_warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_stock_transfers_from_warehouse_id_warehouses"),
        ),
        sa.ForeignKeyConstraint(
            ["to_warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_stock_transfers_to_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_transfers")),
    )
    with op.batch_alter_table("stock_transfers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_transfers_status_sku", ["status", "sku_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_transfers_status_sku")
    op.drop_table("stock_transfers")
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_index("ix_reservations_status_until")
        batch_op.drop_index("ix_reservations_sku_wh_status")
        batch_op.drop_index("ix_reservations_reference")
    op.drop_table("reservations")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite ≥ 3.35 drops the column in place; a batch copy would DROP TABLE warehouses,
        # which foreign keys from stock rows refuse
        op.execute("ALTER TABLE warehouses DROP COLUMN sellable")
    else:
        op.drop_column("warehouses", "sellable")
