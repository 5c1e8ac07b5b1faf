"""orders.promised_at: the delivery date promised to the buyer when the order was placed

Revision ID: 0014
Revises: 0006
Create Date: 2026-11-30 04:05:00

The platform's promise at order time (Olist's estimated delivery date, 预计送达): with
``delivered_at`` it gives the late-delivery share (orders.delivery). Nullable: most platform
exports do not carry it. Fulfillment's per-parcel ``shipments.promised_by`` is the carrier
promise made at shipping, a different thing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("promised_at")
