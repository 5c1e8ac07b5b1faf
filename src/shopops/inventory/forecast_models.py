"""Stored forecast runs (预测记录): the last run is what the console's accuracy page and the
replenishment suggestions show, with the numbers of the holdout that chose each model."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import UtcDateTime


class ForecastRun(Base):
    """One forecast of the shop's SKUs (one store or all), with overall accuracy on a rolling
    holdout against seasonal naive (WAPE, MASE, bias; None when not measurable)."""

    __tablename__ = "forecast_runs"
    __table_args__ = (Index("ix_forecast_runs_store_created", "store_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"))
    as_of: Mapped[date] = mapped_column(Date)  # last day of history used
    horizon_days: Mapped[int]
    folds: Mapped[int]
    series: Mapped[int]
    wape: Mapped[float | None] = mapped_column(Float)
    mase: Mapped[float | None] = mapped_column(Float)
    bias: Mapped[float | None] = mapped_column(Float)
    sn_wape: Mapped[float | None] = mapped_column(Float)
    sn_mase: Mapped[float | None] = mapped_column(Float)
    sn_bias: Mapped[float | None] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ForecastSeries(Base):
    """One SKU's forecast in a run: the chosen model, demand per day over the horizon
    (`daily` = {"base": [...], "uplift": [...]}, units), and its holdout accuracy."""

    __tablename__ = "forecast_series"
    __table_args__ = (
        Index("ix_forecast_series_run_sku", "run_id", "sku_id"),
        Index("ix_forecast_series_sku", "sku_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id", ondelete="CASCADE"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    model: Mapped[str] = mapped_column(String(32))
    demand_class: Mapped[str] = mapped_column(String(16))
    daily_mean: Mapped[float] = mapped_column(Float)
    daily_sigma: Mapped[float] = mapped_column(Float)
    daily: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actual_units: Mapped[float | None] = mapped_column(Float)  # in the holdout windows
    wape: Mapped[float | None] = mapped_column(Float)
    mase: Mapped[float | None] = mapped_column(Float)
    bias: Mapped[float | None] = mapped_column(Float)
    sn_wape: Mapped[float | None] = mapped_column(Float)
    sn_mase: Mapped[float | None] = mapped_column(Float)
    sn_bias: Mapped[float | None] = mapped_column(Float)
