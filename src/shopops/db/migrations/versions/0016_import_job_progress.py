"""import job progress: each order import's state and progress in the database

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 07:00:00

``import_jobs``: one row per import (console upload or CLI), written in short transactions of
its own while the import's single transaction runs, so the CLI, the API and another worker can
read how far it got, its summary, what the follow-ups did (allocation, shipments) or its error.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("done", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("store", sa.String(length=32), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("import_id", sa.BigInteger(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("followups", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index("ix_import_jobs_started_at", "import_jobs", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_import_jobs_started_at", table_name="import_jobs")
    op.drop_table("import_jobs")
