"""The cockpit page's view model: query parameters → period and filters, the analytics
`Cockpit` → KPI cards and table rows, and the same tables as Excel sheets. No metric is
computed here: every figure comes from `shopops.analytics.service.cockpit`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from shopops.analytics.periods import Granularity, Period, parse_granularity
from shopops.analytics.service import Cockpit, Filters, period_from, range_from
from shopops.core.uow import UnitOfWork
from shopops.orders.models import Order
from shopops.web.excel import Percent, Sheets
from shopops.web.i18n import Translator

TREND_DAYS = 365
_Date = date  # CockpitQuery has a field named `date`
TOP_N = 10


@dataclass(frozen=True)
class CockpitQuery:
    """The filter bar, as typed (strings), so a bad value can be shown back to the user."""

    granularity: str = "day"
    date: str = ""
    start: str = ""
    end: str = ""
    store: str = ""
    platform: str = ""
    trend: str = "day"
    breakdown: str = "store"

    @classmethod
    def from_params(cls, params: Any) -> CockpitQuery:
        def get(name: str, default: str = "") -> str:
            return str(params.get(name) or default).strip()

        return cls(
            granularity=get("granularity", "day").lower(),
            date=get("date"),
            start=get("start"),
            end=get("end"),
            store=get("store"),
            platform=get("platform"),
            trend=get("trend", "day").lower(),
            breakdown=get("breakdown", "store").lower(),
        )

    @property
    def is_custom(self) -> bool:
        return self.granularity == "custom"

    def with_date(self, default: _Date) -> CockpitQuery:
        """Fill the date the page opens on (the latest business day with data)."""
        if self.date or self.is_custom:
            return self
        return CockpitQuery(**{**self.params(), "date": default.isoformat()})

    def period(self) -> Period:
        if self.is_custom:
            return range_from(self.start or None, self.end or None)
        return period_from(self.granularity, self.date or None)

    def trend_granularity(self) -> Granularity:
        return parse_granularity(self.trend, field="trend")

    def filters(self) -> Filters:
        return Filters(store=self.store or None, platform=self.platform or None)

    def params(self) -> dict[str, str]:
        return {
            "granularity": self.granularity,
            "date": self.date,
            "start": self.start,
            "end": self.end,
            "store": self.store,
            "platform": self.platform,
            "trend": self.trend,
            "breakdown": self.breakdown,
        }

    def query_string_params(self) -> dict[str, str]:
        """Only the non-empty parameters (for links: export, language switch)."""
        return {k: v for k, v in self.params().items() if v}


def latest_business_day(uow: UnitOfWork) -> date | None:
    """The newest business day with a paid order: the day the cockpit opens on."""
    value = uow.session.scalar(select(func.max(Order.paid_date)))
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# ---------------------------------------------------------------- KPI cards

CARDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("metric.gmv", ("gmv",)),
    ("metric.net_gmv", ("net_gmv",)),
    ("metric.paid_orders", ("paid_orders",)),
    ("metric.buyers", ("buyers",)),
    ("metric.uv", ("uv",)),
    ("metric.pv", ("pv",)),
    ("metric.conversion_rate", ("conversion_rate",)),
    ("metric.aov", ("aov",)),
    ("metric.refund_rate", ("refund_rate",)),
    ("metric.repurchase_rate_30d", ("repurchase_rate_30d",)),
    ("metric.new_returning", ("new_buyers", "returning_buyers")),
    ("metric.ad_spend", ("ad_spend",)),
    ("metric.roi", ("roi",)),
)
KPI_METRICS: tuple[str, ...] = tuple(m for _, metrics in CARDS for m in metrics)


@dataclass(frozen=True)
class KpiPart:
    metric: str
    value: Any  # the API's raw value (decimal string, int or None)
    pop: str | None  # relative change as the API gives it
    yoy: str | None


@dataclass(frozen=True)
class Standard:
    on_track: bool | None
    note: str
    target: str

    @property
    def state(self) -> str:
        return {True: "on_track", False: "off_track", None: "unknown"}[self.on_track]


@dataclass(frozen=True)
class KpiCard:
    label_key: str
    parts: list[KpiPart]
    standard: Standard | None = None


def _standard(report: dict[str, Any], metric: str, lang: str) -> Standard | None:
    std = report.get("standards", {}).get(metric)
    if std is None:
        return None
    note = std.get("note_en" if lang == "en" else "note_zh") or ""
    return Standard(std.get("on_track"), note, str(std.get("target", "")))


def kpi_cards(report: dict[str, Any], lang: str) -> list[KpiCard]:
    pop, yoy = report["pop"]["change"], report["yoy"]["change"]
    cards = []
    for label_key, metrics in CARDS:
        parts = [KpiPart(m, report.get(m), pop.get(m), yoy.get(m)) for m in metrics]
        standard = _standard(report, metrics[0], lang) if len(metrics) == 1 else None
        cards.append(KpiCard(label_key, parts, standard))
    return cards


# ---------------------------------------------------------------- Excel sheets


@dataclass
class SheetBuilder:
    t: Translator
    sheets: Sheets = field(default_factory=dict)

    def cols(self, *keys: str) -> list[str]:
        return [self.t(f"col.{k}") for k in keys]


def _num(metric: str, value: Any) -> object:
    """The API's raw value as an Excel number of the right kind."""
    if value is None or value == "":
        return None
    if metric in {"conversion_rate", "refund_rate", "repurchase_rate_30d"}:
        return Percent(str(value))
    if isinstance(value, int):
        return value
    return Decimal(str(value))


def _standard_text(t: Translator, std: Standard | None) -> tuple[str, str]:
    if std is None:
        return "", ""
    return std.note, t(f"standard.{std.state}")


def kpi_sheet(
    t: Translator, report: dict[str, Any], lang: str
) -> tuple[list[str], list[list[object]]]:
    headers = [
        t("col.metric"),
        t("col.code"),
        t("col.value"),
        t("compare.pop"),
        t("compare.yoy"),
        t("standard.label"),
        t("col.on_track"),
    ]
    rows: list[list[object]] = []
    for metric in KPI_METRICS:
        std_note, std_state = _standard_text(t, _standard(report, metric, lang))
        rows.append(
            [
                t(f"metric.{metric}"),
                metric,
                _num(metric, report.get(metric)),
                Percent(report["pop"]["change"].get(metric)),
                Percent(report["yoy"]["change"].get(metric)),
                std_note,
                std_state,
            ]
        )
    return headers, rows


def channel_name(t: Translator, row: Any, by: str) -> str:
    return row.name if by == "store" else t(f"platform.{row.platform}")


def cockpit_sheets(t: Translator, ck: Cockpit, by: str) -> Sheets:
    """KPI, 趋势, 渠道, 热销SKU, 滞销SKU — every table of the page, one workbook."""
    b = SheetBuilder(t)
    b.sheets["KPI"] = kpi_sheet(t, ck.report, t.lang)
    b.sheets["趋势"] = (
        b.cols("bucket", "gmv", "paid_orders", "uv"),
        [
            [date.fromisoformat(r["bucket"]), _num("gmv", r["gmv"]), r["paid_orders"], r["uv"]]
            for r in ck.trend
        ],
    )
    b.sheets["渠道"] = (
        b.cols(
            "key",
            "store" if by == "store" else "platform",
            "gmv",
            "paid_orders",
            "buyers",
            "uv",
            "conversion_rate",
            "aov",
            "ad_spend",
            "roi",
            "refund_amount",
        ),
        [
            [
                r.key,
                channel_name(t, r, by),
                r.gmv,
                r.paid_orders,
                r.buyers,
                r.uv,
                Percent(r.conversion_rate),
                r.aov,
                r.ad_spend,
                r.roi,
                r.refund_amount,
            ]
            for r in ck.breakdown
        ],
    )
    sku_cols = b.cols(
        "sku",
        "name",
        "category",
        "units",
        "gmv",
        "paid_orders",
        "uv",
        "conversion_rate",
        "available",
        "days_of_cover",
    )
    for title, skus in (("热销SKU", ck.top_skus), ("滞销SKU", ck.slow_skus)):
        b.sheets[title] = (
            sku_cols,
            [
                [
                    r.sku,
                    r.name,
                    r.category,
                    r.units,
                    r.gmv,
                    r.paid_orders,
                    r.uv,
                    Percent(r.conversion_rate),
                    r.available,
                    r.days_of_cover,
                ]
                for r in skus
            ],
        )
    return b.sheets
