"""The promotion calendar (活动日历): phases and dates of the big promotions."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from shopops.pricing.calendar import campaigns_for_year, phase_on


@pytest.mark.parametrize("year", [2025, 2026])
def test_double_eleven_phases(year: int) -> None:
    assert phase_on(date(year, 11, 11)) == ("double11", "peak")
    assert phase_on(date(year, 11, 10)) == ("double11", "warm_up")
    assert phase_on(date(year, 10, 20)) == ("double11", "warm_up")
    assert phase_on(date(year, 11, 12)) == ("double11", "tail")
    assert phase_on(date(year, 10, 19)) is None
    assert phase_on(date(year, 11, 14)) is None


@pytest.mark.parametrize("year", [2025, 2026])
def test_618_and_double_twelve(year: int) -> None:
    assert phase_on(date(year, 5, 25)) == ("mid618", "warm_up")
    assert phase_on(date(year, 6, 18)) == ("mid618", "peak")
    assert phase_on(date(year, 6, 19)) == ("mid618", "tail")
    assert phase_on(date(year, 12, 12)) == ("double12", "peak")
    assert phase_on(date(year, 3, 8)) == ("queen38", "peak")


@pytest.mark.parametrize("day", [date(2025, 4, 15), date(2026, 7, 1), date(2026, 9, 30),
                                 date(2025, 2, 20)])
def test_ordinary_days_have_no_phase(day: date) -> None:
    assert phase_on(day) is None


def test_campaigns_are_ordered_and_well_formed() -> None:
    campaigns = campaigns_for_year(2026)
    assert [c.code for c in campaigns] == ["nianhuo", "queen38", "mid618", "summer818",
                                           "double11", "double12"]
    for c in campaigns:
        assert c.warm_up_start < c.peak_start <= c.peak_end < c.tail_end
        assert c.peak_start.year == 2026
    for earlier, later in itertools.pairwise(campaigns):
        assert earlier.tail_end < later.warm_up_start


def test_every_day_of_a_campaign_has_exactly_its_phase() -> None:
    for c in campaigns_for_year(2025):
        day = c.warm_up_start
        while day <= c.tail_end:
            found = phase_on(day)
            assert found is not None and found[0] == c.code
            day += timedelta(days=1)
