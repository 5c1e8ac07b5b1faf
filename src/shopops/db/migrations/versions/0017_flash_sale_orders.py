"""flash sale orders: each hold links the order it created; a sale keeps its list price

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-30 06:50:00

A 秒杀 buy now writes a real order (``orders`` + one ``order_lines`` row, status created) in
the same transaction as the pool's conditional update. ``flash_sale_holds.order_id`` is that
order (unique: one hold, one order; NULL for holds written before this revision).
``flash_sales.list_price`` is the SKU's list price (标价) when the sale was created — the
crossed-out price beside the 秒杀价 and the orders' list price, so a buy reads one row; filled
from the SKUs for existing sales.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("flash_sales", schema=None) as batch_op:
        batch_op.add_column(sa.Column("list_price", sa.BigInteger(), nullable=True))
    op.execute("UPDATE flash_sales SET list_price = "
               "(SELECT skus.price FROM skus WHERE skus.id = flash_sales.sku_id)")
    with op.batch_alter_table("flash_sales", schema=None) as batch_op:
        batch_op.alter_column("list_price", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("flash_sale_holds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_id", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_flash_sale_holds_order_id_orders"), "orders",
                                    ["order_id"], ["id"])
        batch_op.create_unique_constraint("uq_flash_sale_holds_order", ["order_id"])


def downgrade() -> None:
    with op.batch_alter_table("flash_sale_holds", schema=None) as batch_op:
        batch_op.drop_constraint("uq_flash_sale_holds_order", type_="unique")
        batch_op.drop_constraint(op.f("fk_flash_sale_holds_order_id_orders"),
                                 type_="foreignkey")
        batch_op.drop_column("order_id")
    with op.batch_alter_table("flash_sales", schema=None) as batch_op:
        batch_op.drop_column("list_price")
