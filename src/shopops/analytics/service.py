"""Analytics use cases: the KPI report (shared by the cockpit, `GET /api/v1/metrics` and
`shopops kpi`) and the full cockpit. One code path, so every interface agrees."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopops.analytics import breakdowns
from shopops.analytics.metrics import (
    AMOUNT_METRICS,
    METRICS,
    RATE_METRICS,
    Kpis,
    Scope,
    compute_kpis,
    daily_sales,
    daily_traffic,
    relative_change,
)
from shopops.analytics.models import MetricStandard
from shopops.analytics.periods import (
    Granularity,
    Period,
    bucket_start,
    custom_period,
    parse_date,
    parse_granularity,
    period_containing,
    previous_period,
    same_period_last_year,
)
from shopops.analytics.standards import AppliesTo, Direction, Standard, judge, merge_overrides
from shopops.catalog.models import Product, Sku
from shopops.catalog.service import category_tree
from shopops.core.clock import DEFAULT_TIMEZONE, business_date
from shopops.core.errors import NotFound, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.inventory.monitoring_service import thresholds as stock_thresholds
from shopops.stores.models import PLATFORMS, Store
from shopops.stores.service import get_store


@dataclass(frozen=True)
class Filters:
    """The cockpit/API/CLI filters, as the user typed them."""

    store: str | None = None
    platform: str | None = None
    category: str | None = None
    sku: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {
            "store": self.store,
            "platform": self.platform,
            "category": self.category,
            "sku": self.sku,
        }


def resolve_scope(uow: UnitOfWork, filters: Filters) -> Scope:
    """Turn codes into ids, naming the parameter that is wrong."""
    session = uow.session
    store_ids: tuple[int, ...] | None = None
    if filters.store:
        store_ids = (get_store(uow, filters.store).id,)
    if filters.platform:
        if filters.platform not in PLATFORMS:
            raise ValidationError(
                f"platform {filters.platform!r} is not one of {', '.join(PLATFORMS)}",
                field="platform",
            )
        ids = tuple(session.scalars(select(Store.id).where(Store.platform == filters.platform)))
        store_ids = ids if store_ids is None else tuple(set(store_ids) & set(ids))
    sku_ids: tuple[int, ...] | None = None
    if filters.category:
        categories = category_tree(uow, filters.category)
        sku_ids = tuple(
            session.scalars(select(Sku.id).join(Product).where(Product.category_id.in_(categories)))
        )
    if filters.sku:
        sku_id = session.scalar(select(Sku.id).where(Sku.code == filters.sku))
        if sku_id is None:
            raise NotFound(f"unknown SKU {filters.sku!r}", field="sku")
        sku_ids = (sku_id,) if sku_ids is None else tuple(set(sku_ids) & {sku_id})
    return Scope(store_ids=store_ids, sku_ids=sku_ids)


def load_standards(uow: UnitOfWork) -> dict[str, Standard]:
    overrides = {
        row.metric: Standard(
            row.metric,
            row.target,
            cast(Direction, row.direction),
            cast(AppliesTo, row.applies_to),
        )
        for row in uow.session.scalars(select(MetricStandard))
    }
    return merge_overrides(overrides)


def format_metric(metric: str, value: Decimal | int | None) -> str | int | None:
    """Amounts as yuan strings with 2 decimals, rates as fractions with 4, counts as ints."""
    if value is None:
        return None
    if metric in RATE_METRICS:
        return f"{Decimal(value):.4f}"
    if metric in AMOUNT_METRICS or metric == "roi":
        return f"{Decimal(value):.2f}"
    return int(value)


def _values(kpis: Kpis) -> dict[str, str | int | None]:
    return {m: format_metric(m, kpis.value(m)) for m in METRICS}


def _changes(current: Kpis, base: Kpis) -> dict[str, str | None]:
    out = {}
    for metric in METRICS:
        change = relative_change(current.value(metric), base.value(metric))
        out[metric] = None if change is None else f"{change:.4f}"
    return out


def period_from(granularity: str | None, day: str | date | None) -> Period:
    return period_containing(parse_granularity(granularity), parse_date(day))


def range_from(start: str | date | None, end: str | date | None) -> Period:
    return custom_period(parse_date(start, field="start"), parse_date(end, field="end"))


def kpi_report(uow: UnitOfWork, period: Period, filters: Filters = Filters()) -> dict[str, Any]:
    """The KPI object: values, 环比/同比 comparisons and on-track judgements."""
    scope = resolve_scope(uow, filters)
    current, pop, yoy = (compute_kpis(uow.session, scope, p) for p in compared_periods(period))
    return assemble_report(period, filters, current, pop, yoy, load_standards(uow))


def compared_periods(period: Period) -> tuple[Period, Period, Period]:
    """The period, its 环比 base and its 同比 base."""
    return period, previous_period(period), same_period_last_year(period)


def assemble_report(
    period: Period,
    filters: Filters,
    current: Kpis,
    pop: Kpis,
    yoy: Kpis,
    standards: dict[str, Standard],
) -> dict[str, Any]:
    pop_change, yoy_change = _changes(current, pop), _changes(current, yoy)
    return {
        "period": period.granularity,
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        **filters.as_json(),
        "currency": "CNY",
        **_values(current),
        "refund_amount": f"{current.refund_amount:.2f}",
        "has_data": bool(current.paid_orders or current.uv),
        "pop": _comparison(pop, pop_change),
        "yoy": _comparison(yoy, yoy_change),
        "standards": _judgements(standards, current, pop_change, yoy_change),
    }


def _comparison(base: Kpis, change: dict[str, str | None]) -> dict[str, Any]:
    return {
        "start": base.period.start.isoformat(),
        "end": base.period.end.isoformat(),
        "values": _values(base),
        "change": change,
    }


def _judgements(
    standards: dict[str, Standard],
    current: Kpis,
    pop: dict[str, str | None],
    yoy: dict[str, str | None],
) -> dict[str, Any]:
    out = {}
    for metric, std in standards.items():
        value = current.value(metric)
        changes = {"pop": pop.get(metric), "yoy": yoy.get(metric), "value": None}
        change = changes[std.applies_to]
        on_track = judge(
            std,
            None if value is None else Decimal(value),
            None if change is None else Decimal(change),
        )
        out[metric] = {
            "target": str(std.target),
            "direction": std.direction,
            "applies_to": std.applies_to,
            "on_track": on_track,
            "note_zh": std.note_zh,
            "note_en": std.note_en,
        }
    return out


@dataclass
class Cockpit:
    report: dict[str, Any]
    trend_granularity: Granularity
    trend: list[dict[str, Any]] = field(default_factory=list)
    breakdown: list[breakdowns.ChannelRow] = field(default_factory=list)
    top_skus: list[breakdowns.SkuRow] = field(default_factory=list)
    slow_skus: list[breakdowns.SkuRow] = field(default_factory=list)


def trend_buckets(
    sales: dict[date, tuple[Decimal, int]],
    traffic: dict[date, int],
    start: date,
    end: date,
    granularity: Granularity,
) -> list[dict[str, Any]]:
    buckets: dict[date, list[Any]] = {}
    day = start
    while day <= end:
        bucket = buckets.setdefault(bucket_start(granularity, day), [Decimal(0), 0, 0])
        gmv, orders = sales.get(day, (Decimal(0), 0))
        bucket[0] += gmv
        bucket[1] += orders
        bucket[2] += traffic.get(day, 0)
        day += timedelta(days=1)
    return [
        {"bucket": b.isoformat(), "gmv": f"{g:.2f}", "paid_orders": n, "uv": uv}
        for b, (g, n, uv) in sorted(buckets.items())
    ]


Readers = Callable[[], UnitOfWork]
Job = Callable[[Session], Any]


def run_jobs(uow: UnitOfWork, jobs: dict[str, Job], readers: Readers | None) -> dict[str, Any]:
    """Run independent read queries; with `readers`, each on its own read-only connection in a
    small thread pool (the drivers release the GIL while the database works)."""
    if readers is None:
        return {name: job(uow.session) for name, job in jobs.items()}
    factory: Readers = readers

    def run(job: Job) -> Any:
        with factory() as reader:
            return job(reader.session)

    with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) + 1)) as pool:
        futures = {name: pool.submit(run, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def cockpit(
    uow: UnitOfWork,
    period: Period,
    filters: Filters = Filters(),
    *,
    trend_granularity: Granularity = "day",
    trend_days: int = 365,
    breakdown_by: str = "store",
    top: int = 10,
    readers: Readers | None = None,
) -> Cockpit:
    """运营驾驶舱: KPI cards + trend + channel breakdown + top and slow SKUs. Pass `readers`
    (e.g. `app.reader`) to run the independent queries in parallel."""
    if breakdown_by not in {"store", "platform"}:
        raise ValidationError("breakdown must be store or platform", field="breakdown")
    scope = resolve_scope(uow, filters)
    standards = load_standards(uow)
    slow_cover = stock_thresholds(uow).slow_mover_cover_days  # the shop's 滞销 line (spec: 60)
    # the trend stops at today: days still to come are not a collapse in sales
    trend_end = max(period.start, min(period.end, business_date(uow.now(), DEFAULT_TIMEZONE)))
    trend_start = trend_end - timedelta(days=trend_days - 1)
    current, pop, yoy = compared_periods(period)
    jobs: dict[str, Job] = {
        "current": lambda s: compute_kpis(s, scope, current),
        "pop": lambda s: compute_kpis(s, scope, pop),
        "yoy": lambda s: compute_kpis(s, scope, yoy),
        "traffic": lambda s: daily_traffic(s, scope, trend_start, trend_end),
        "sales": lambda s: daily_sales(s, scope, trend_start, trend_end),
        "skus": lambda s: breakdowns.sku_performance(s, scope, period),
        "channels": lambda s: breakdowns.channel_breakdown(s, scope, period, breakdown_by),
    }
    done = run_jobs(uow, jobs, readers)
    return Cockpit(
        report=assemble_report(
            period, filters, done["current"], done["pop"], done["yoy"], standards
        ),
        trend_granularity=trend_granularity,
        trend=trend_buckets(
            done["sales"], done["traffic"], trend_start, trend_end, trend_granularity
        ),
        breakdown=done["channels"],
        top_skus=breakdowns.top_skus(done["skus"], top),
        slow_skus=breakdowns.slow_skus(done["skus"], top, cover_days=slow_cover),
    )
