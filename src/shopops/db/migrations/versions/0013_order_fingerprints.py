"""order fingerprints: a digest of each imported order's source rows (fast no-change re-import)

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-30 04:00:00

One row per imported order, in its own table so the order book's ``orders`` table (read by the
cockpit's covering indexes) does not grow a column only the importer reads.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "order_fingerprints",
        sa.Column("order_id", BIG_ID, nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"],
            name=op.f("fk_order_fingerprints_order_id_orders"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_fingerprints")),
    )


def downgrade() -> None:
    op.drop_table("order_fingerprints")
