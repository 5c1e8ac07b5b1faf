"""Reporting periods (pure): day / ISO week / month boundaries, 环比 (previous period),
同比 (same period last year, 29 February included) and parse errors that name the field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shopops.analytics.periods import (
    Period,
    bucket_start,
    custom_period,
    parse_date,
    parse_granularity,
    period_containing,
    previous_period,
    same_period_last_year,
)
from shopops.core.errors import InvalidDate, InvalidPeriod, ValidationError

D = date.fromisoformat


@pytest.mark.parametrize(("granularity", "day", "start", "end", "label", "days"), [
    ("day", "2026-11-20", "2026-11-20", "2026-11-20", "2026-11-20", 1),
    ("week", "2026-11-20", "2026-11-16", "2026-11-22", "2026-W47", 7),  # Friday → Mon..Sun
    ("week", "2026-11-16", "2026-11-16", "2026-11-22", "2026-W47", 7),  # Monday
    ("week", "2026-11-22", "2026-11-16", "2026-11-22", "2026-W47", 7),  # Sunday
    ("week", "2027-01-01", "2026-12-28", "2027-01-03", "2026-W53", 7),  # ISO year ≠ year
    ("month", "2026-11-20", "2026-11-01", "2026-11-30", "2026-11", 30),
    ("month", "2026-12-31", "2026-12-01", "2026-12-31", "2026-12", 31),
    ("month", "2028-02-10", "2028-02-01", "2028-02-29", "2028-02", 29),  # leap year
    ("month", "2026-02-28", "2026-02-01", "2026-02-28", "2026-02", 28),
])
def test_period_containing_a_day(granularity: str, day: str, start: str, end: str,
                                 label: str, days: int) -> None:
    period = period_containing(parse_granularity(granularity), D(day))
    assert (period.start, period.end) == (D(start), D(end))
    assert (period.label, period.days, period.granularity) == (label, days, granularity)


@pytest.mark.parametrize(("granularity", "day", "start", "end"), [
    ("day", "2026-03-01", "2026-02-28", "2026-02-28"),
    ("day", "2026-01-01", "2025-12-31", "2025-12-31"),
    ("week", "2026-11-20", "2026-11-09", "2026-11-15"),
    ("week", "2026-01-01", "2025-12-22", "2025-12-28"),
    ("month", "2026-03-31", "2026-02-01", "2026-02-28"),  # shorter month before
    ("month", "2026-01-15", "2025-12-01", "2025-12-31"),  # across the year
    ("month", "2028-03-05", "2028-02-01", "2028-02-29"),
])
def test_previous_period(granularity: str, day: str, start: str, end: str) -> None:
    period = period_containing(parse_granularity(granularity), D(day))
    previous = previous_period(period)
    assert (previous.start, previous.end, previous.granularity) == (D(start), D(end),
                                                                    granularity)


def test_previous_custom_range_has_the_same_length_just_before() -> None:
    previous = previous_period(custom_period(D("2026-11-11"), D("2026-11-20")))
    assert (previous.start, previous.end, previous.days) == (D("2026-11-01"),
                                                             D("2026-11-10"), 10)
    assert previous.label == "2026-11-01~2026-11-10"


@pytest.mark.parametrize(("granularity", "day", "start", "end"), [
    ("day", "2026-11-11", "2025-11-11", "2025-11-11"),
    ("day", "2028-02-29", "2027-02-28", "2027-02-28"),  # 29 Feb → 28 Feb
    ("week", "2026-11-20", "2025-11-17", "2025-11-23"),  # 52 weeks back: same weekdays
    ("month", "2026-11-20", "2025-11-01", "2025-11-30"),
    ("month", "2028-02-29", "2027-02-01", "2027-02-28"),
    ("month", "2029-02-15", "2028-02-01", "2028-02-29"),
])
def test_same_period_last_year(granularity: str, day: str, start: str, end: str) -> None:
    period = period_containing(parse_granularity(granularity), D(day))
    last_year = same_period_last_year(period)
    assert (last_year.start, last_year.end) == (D(start), D(end))
    if granularity == "week":
        assert last_year.start.weekday() == 0 and last_year.days == 7


def test_same_custom_range_last_year_handles_29_february() -> None:
    period = custom_period(D("2028-02-20"), D("2028-02-29"))
    last_year = same_period_last_year(period)
    assert (last_year.start, last_year.end, last_year.granularity) == (
        D("2027-02-20"), D("2027-02-28"), "custom")


def test_custom_period_bounds() -> None:
    assert custom_period(D("2026-11-20"), D("2026-11-20")).days == 1
    assert custom_period(D("2026-01-01"), D("2028-12-31")).days == 1096
    with pytest.raises(InvalidPeriod) as before:
        custom_period(D("2026-11-21"), D("2026-11-20"))
    assert before.value.field == "end"
    with pytest.raises(InvalidPeriod) as too_long:
        custom_period(D("2020-01-01"), D("2026-01-01"))
    assert too_long.value.field == "end"


def test_parse_date() -> None:
    assert parse_date("2026-11-20") == D("2026-11-20")
    assert parse_date(" 2026-11-20 ") == D("2026-11-20")
    assert parse_date(D("2026-11-20")) == D("2026-11-20")


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "20-11-2026", "tomorrow", "",
                                   None])
@pytest.mark.parametrize("field", ["date", "start", "paid_from"])
def test_parse_date_errors_name_the_field(value: str | None, field: str) -> None:
    with pytest.raises(InvalidDate) as error:
        parse_date(value, field=field)
    assert error.value.field == field
    assert error.value.code == "request.invalid_date"
    assert error.value.http_status == 422
    assert isinstance(error.value, ValidationError)
    assert field in error.value.message


@pytest.mark.parametrize("value", ["Day", " week ", "MONTH"])
def test_parse_granularity_is_forgiving_about_case_and_spaces(value: str) -> None:
    assert parse_granularity(value) == value.strip().lower()


@pytest.mark.parametrize("value", ["year", "custom", "", None, "quarter"])
def test_parse_granularity_errors_name_the_field(value: str | None) -> None:
    with pytest.raises(InvalidPeriod) as error:
        parse_granularity(value)
    assert (error.value.field, error.value.code) == ("period", "request.invalid_period")
    with pytest.raises(InvalidPeriod) as named:
        parse_granularity(value, field="trend")
    assert named.value.field == "trend"


def test_bucket_start() -> None:
    friday = D("2026-11-20")
    assert bucket_start("day", friday) == friday
    assert bucket_start("week", friday) == D("2026-11-16")
    assert bucket_start("month", friday) == D("2026-11-01")
    assert bucket_start("custom", friday) == friday


def test_every_day_of_a_year_lies_in_its_week_and_month() -> None:
    day = D("2028-01-01")
    while day.year == 2028:
        for granularity in ("day", "week", "month"):
            period = period_containing(parse_granularity(granularity), day)
            assert period.start <= day <= period.end
            assert previous_period(period).end == period.start - timedelta(days=1)
        day += timedelta(days=1)


def test_period_is_a_value() -> None:
    assert Period("day", D("2026-11-20"), D("2026-11-20")) == period_containing(
        "day", D("2026-11-20"))
