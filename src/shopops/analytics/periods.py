"""Reporting periods (pure): a day / week / month containing a date, the previous period
(环比 pop) and the same period last year (同比 yoy). All dates are shop business days."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, cast

from shopops.core.errors import InvalidDate, InvalidPeriod

Granularity = Literal["day", "week", "month", "custom"]
GRANULARITIES: tuple[str, ...] = ("day", "week", "month")


@dataclass(frozen=True, slots=True)
class Period:
    granularity: Granularity
    start: date  # inclusive
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.granularity == "day":
            return self.start.isoformat()
        if self.granularity == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.granularity == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start.isoformat()}~{self.end.isoformat()}"


def parse_date(value: str | date | None, *, field: str = "date") -> date:
    if isinstance(value, date):
        return value
    if not value:
        raise InvalidDate(f"{field} is required (YYYY-MM-DD)", field=field)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidDate(
            f"{field}: {value!r} is not a date (expected YYYY-MM-DD)", field=field
        ) from None


def parse_granularity(value: str | None, *, field: str = "period") -> Granularity:
    value = (value or "").strip().lower()
    if value not in GRANULARITIES:
        raise InvalidPeriod(f"{field}: {value!r} is not one of day, week, month", field=field)
    return cast(Granularity, value)


def period_containing(granularity: Granularity, day: date) -> Period:
    if granularity == "day":
        return Period("day", day, day)
    if granularity == "week":  # ISO weeks start on Monday
        start = day - timedelta(days=day.weekday())
        return Period("week", start, start + timedelta(days=6))
    if granularity == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return Period("month", day.replace(day=1), day.replace(day=last))
    raise InvalidPeriod(f"period: {granularity!r} is not one of day, week, month", field="period")


def custom_period(start: date, end: date) -> Period:
    if end < start:
        raise InvalidPeriod(f"end {end} is before start {start}", field="end")
    if (end - start).days > 3 * 366:
        raise InvalidPeriod("a date range may span at most three years", field="end")
    return Period("custom", start, end)


def previous_period(p: Period) -> Period:
    """环比: the period just before, of the same kind and length."""
    if p.granularity == "month":
        return period_containing("month", p.start - timedelta(days=1))
    return Period(p.granularity, p.start - timedelta(days=p.days), p.start - timedelta(days=1))


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February → 28 February
        return d.replace(year=d.year - 1, day=28)


def same_period_last_year(p: Period) -> Period:
    """同比: a day → the same date; a week → the week 52 weeks earlier (same weekdays);
    a month → the same month; a custom range → the same dates."""
    if p.granularity == "week":
        return Period("week", p.start - timedelta(weeks=52), p.end - timedelta(weeks=52))
    if p.granularity == "month":
        return period_containing("month", _minus_year(p.start))
    return Period(p.granularity, _minus_year(p.start), _minus_year(p.end))


def bucket_start(granularity: Granularity, day: date) -> date:
    """The first day of the trend bucket a day falls in."""
    return period_containing(granularity, day).start if granularity != "custom" else day
