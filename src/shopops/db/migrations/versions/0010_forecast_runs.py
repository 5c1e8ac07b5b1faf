"""forecast runs: stored demand forecasts per SKU with their holdout accuracy

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-30 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCURACY = ("wape", "mase", "bias", "sn_wape", "sn_mase", "sn_bias")


def upgrade() -> None:
    op.create_table(
        "forecast_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("folds", sa.Integer(), nullable=False),
        sa.Column("series", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in ACCURACY),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_forecast_runs_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_runs")),
    )
    op.create_index("ix_forecast_runs_store_created", "forecast_runs", ["store_id", "created_at"])
    op.create_table(
        "forecast_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("demand_class", sa.String(length=16), nullable=False),
        sa.Column("daily_mean", sa.Float(), nullable=False),
        sa.Column("daily_sigma", sa.Float(), nullable=False),
        sa.Column("daily", sa.JSON(), nullable=False),
        sa.Column("actual_units", sa.Float(), nullable=True),
        *(sa.Column(name, sa.Float(), nullable=True) for name in ACCURACY),
        sa.ForeignKeyConstraint(
            ["run_id"], ["forecast_runs.id"],
            name=op.f("fk_forecast_series_run_id_forecast_runs"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sku_id"], ["skus.id"], name=op.f("fk_forecast_series_sku_id_skus")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"],
            name=op.f("fk_forecast_series_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_series")),
    )
    op.create_index("ix_forecast_series_run_sku", "forecast_series", ["run_id", "sku_id"])
    op.create_index("ix_forecast_series_sku", "forecast_series", ["sku_id"])


def downgrade() -> None:
    op.drop_index("ix_forecast_series_sku", table_name="forecast_series")
    op.drop_index("ix_forecast_series_run_sku", table_name="forecast_series")
    op.drop_table("forecast_series")
    op.drop_index("ix_forecast_runs_store_created", table_name="forecast_runs")
    op.drop_table("forecast_runs")
