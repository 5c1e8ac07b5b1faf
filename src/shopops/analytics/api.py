"""Analytics API: the KPI report (`GET /metrics`, the same object as `shopops kpi --format
json`) and the cockpit (`GET /cockpit`). Thin: parse → analytics.service → shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from shopops.analytics.breakdowns import ChannelRow, SkuRow
from shopops.analytics.periods import GRANULARITIES, Period, parse_granularity
from shopops.analytics.service import Cockpit, Filters, cockpit, kpi_report, period_from, range_from
from shopops.core.errors import InvalidPeriod, ValidationError
from shopops.stores.models import PLATFORMS
from shopops.web.deps import CoreDep, ReaderDep

router = APIRouter(tags=["analytics 数据分析"])

_DATE = {"format": "date"}


def report_period(
    period: Annotated[
        str | None,
        Query(
            description="周期 day | week | month (with `date`)",
            json_schema_extra={"enum": list(GRANULARITIES)},
        ),
    ] = None,
    day: Annotated[
        str | None,
        Query(
            alias="date",
            description="日期 YYYY-MM-DD: the period containing it",
            json_schema_extra=_DATE,
        ),
    ] = None,
    start: Annotated[
        str | None,
        Query(
            description="自定义开始日 YYYY-MM-DD (instead of period/date)", json_schema_extra=_DATE
        ),
    ] = None,
    end: Annotated[
        str | None, Query(description="自定义结束日 YYYY-MM-DD, inclusive", json_schema_extra=_DATE)
    ] = None,
) -> Period:
    """Either `period` + `date`, or a custom `start` + `end` — exactly one of the two."""
    by_period = period is not None or day is not None
    by_range = start is not None or end is not None
    if by_period and by_range:
        raise InvalidPeriod("give either period + date or start + end, not both", field="start")
    if by_range:
        return range_from(start, end)
    if not by_period:
        raise InvalidPeriod("give period (day, week, month) + date, or start + end", field="period")
    return period_from(period, day)


def report_filters(
    store: Annotated[str | None, Query(description="店铺代码 store code")] = None,
    platform: Annotated[
        str | None, Query(description="平台 platform", json_schema_extra={"enum": list(PLATFORMS)})
    ] = None,
    category: Annotated[
        str | None, Query(description="类目代码 category code (with its sub-categories)")
    ] = None,
    sku: Annotated[str | None, Query(description="SKU 代码 SKU code")] = None,
) -> Filters:
    return Filters(
        store=store or None, platform=platform or None, category=category or None, sku=sku or None
    )


PeriodDep = Annotated[Period, Depends(report_period)]
FiltersDep = Annotated[Filters, Depends(report_filters)]


class KpiReport(BaseModel):
    """The KPI object (documentation only: the route returns kpi_report() unchanged)."""

    model_config = ConfigDict(extra="allow")

    period: str
    label: str
    start: str
    end: str
    store: str | None
    platform: str | None
    category: str | None
    sku: str | None
    currency: str
    gmv: str
    net_gmv: str
    paid_orders: int
    buyers: int
    uv: int
    conversion_rate: str | None
    aov: str | None
    refund_rate: str | None
    refund_amount: str
    has_data: bool
    pop: dict[str, Any]
    yoy: dict[str, Any]
    standards: dict[str, Any]


@router.get(
    "/metrics",
    response_model=None,
    responses={200: {"model": KpiReport, "description": "KPI report"}},
)
def get_metrics(uow: ReaderDep, period: PeriodDep, filters: FiltersDep) -> dict[str, Any]:
    """核心指标 KPI report: GMV, net GMV, orders, buyers, UV, conversion, AOV, refund rate,
    repurchase, ROI, with 环比 (pop) and 同比 (yoy) and on-track judgements. Amounts are
    yuan decimal strings, rates 4-dp fraction strings; a period without data gives zeros and
    `has_data: false`. The same object as `shopops kpi --format json`."""
    return kpi_report(uow, period, filters)


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.4f}"


def channel_json(row: ChannelRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "platform": row.platform,
        "gmv": _amount(row.gmv),
        "paid_orders": row.paid_orders,
        "buyers": row.buyers,
        "uv": row.uv,
        "ad_spend": _amount(row.ad_spend),
        "refund_amount": _amount(row.refund_amount),
        "conversion_rate": _rate(row.conversion_rate),
        "aov": _amount(row.aov),
        "roi": _amount(row.roi),
    }


def sku_row_json(row: SkuRow) -> dict[str, Any]:
    cover = row.days_of_cover
    return {
        "sku": row.sku,
        "name": row.name,
        "category": row.category,
        "units": row.units,
        "gmv": _amount(row.gmv),
        "paid_orders": row.paid_orders,
        "uv": row.uv,
        "available": row.available,
        "days": row.days,
        "conversion_rate": _rate(row.conversion_rate),
        "days_of_cover": None if cover is None else f"{cover:.1f}",
    }


def cockpit_json(result: Cockpit) -> dict[str, Any]:
    return {
        "report": result.report,
        "trend_granularity": result.trend_granularity,
        "trend": result.trend,
        "breakdown": [channel_json(r) for r in result.breakdown],
        "top_skus": [sku_row_json(r) for r in result.top_skus],
        "slow_skus": [sku_row_json(r) for r in result.slow_skus],
    }


class CockpitOut(BaseModel):
    """The cockpit (documentation only)."""

    report: KpiReport
    trend_granularity: str
    trend: list[dict[str, Any]]
    breakdown: list[dict[str, Any]]
    top_skus: list[dict[str, Any]]
    slow_skus: list[dict[str, Any]]


@router.get(
    "/cockpit",
    response_model=None,
    responses={200: {"model": CockpitOut, "description": "cockpit"}},
)
def get_cockpit(
    uow: ReaderDep,
    core: CoreDep,
    period: PeriodDep,
    filters: FiltersDep,
    trend: Annotated[
        str,
        Query(
            description="趋势粒度 trend bucket: day | week | month",
            json_schema_extra={"enum": list(GRANULARITIES)},
        ),
    ] = "day",
    trend_days: Annotated[
        int, Query(ge=1, le=1096, description="趋势天数 days of trend ending with the period")
    ] = 365,
    breakdown: Annotated[
        str,
        Query(
            description="渠道拆分 by store | platform",
            json_schema_extra={"enum": ["store", "platform"]},
        ),
    ] = "store",
    top: Annotated[int, Query(ge=1, le=100, description="Top/滞销 SKU 条数")] = 10,
) -> dict[str, Any]:
    """运营驾驶舱 cockpit: the KPI report plus a GMV/orders/UV trend, a breakdown by store or
    platform, the top SKUs by GMV and the slow movers (滞销)."""
    if breakdown not in {"store", "platform"}:
        raise ValidationError("breakdown must be store or platform", field="breakdown")
    granularity = parse_granularity(trend, field="trend")
    result = cockpit(
        uow,
        period,
        filters,
        trend_granularity=granularity,
        trend_days=trend_days,
        breakdown_by=breakdown,
        top=top,
        readers=core.reader,
    )
    return cockpit_json(result)
