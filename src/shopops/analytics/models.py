from __future__ import annotations

from decimal import Decimal

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import Rate


class MetricStandard(Base):
    """A per-shop reference standard for a KPI (e.g. conversion ≥ 3%, ROI ≥ 3); rows override
    the spec defaults in analytics.standards."""

    __tablename__ = "metric_standards"

    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    target: Mapped[Decimal] = mapped_column(Rate())
    direction: Mapped[str] = mapped_column(String(8))  # "min": value ≥ target; "max": ≤
    applies_to: Mapped[str] = mapped_column(String(8), default="value")  # value | pop | yoy
