"""The Chinese e-commerce promotion calendar (活动日历, SPEC §5): which big promotion (大促) a day
belongs to and in which phase — 预热 warm-up, 爆发 peak, 尾声 tail.

Plain data, no database: the demo generator shapes its sales curve with it, the pricing and
campaign modules plan stock and promotions with it. Dates are the usual fixed ones; a shop that
runs different dates will override them later (per-shop calendar).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Phase = Literal["warm_up", "peak", "tail"]
PHASES: tuple[Phase, ...] = ("warm_up", "peak", "tail")


@dataclass(frozen=True, slots=True)
class CalendarCampaign:
    """One big promotion in one year; every bound is inclusive."""

    code: str
    name_zh: str
    warm_up_start: date  # 预热开始
    peak_start: date  # 爆发开始
    peak_end: date  # 爆发结束
    tail_end: date  # 尾声结束

    def phase_on(self, day: date) -> Phase | None:
        if self.warm_up_start <= day < self.peak_start:
            return "warm_up"
        if self.peak_start <= day <= self.peak_end:
            return "peak"
        if self.peak_end < day <= self.tail_end:
            return "tail"
        return None


# (code, 中文名, warm-up start, peak start, peak end, tail end) as (month, day) pairs
_YEARLY: tuple[tuple[str, str, tuple[int, int], tuple[int, int], tuple[int, int],
                     tuple[int, int]], ...] = (
    ("nianhuo", "年货节", (1, 2), (1, 8), (1, 10), (1, 14)),
    ("queen38", "3·8 女王节", (3, 1), (3, 7), (3, 8), (3, 10)),
    ("mid618", "618 年中大促", (5, 25), (6, 16), (6, 18), (6, 20)),
    ("summer818", "818 发烧节", (8, 10), (8, 18), (8, 18), (8, 20)),
    ("double11", "双11 全球狂欢节", (10, 20), (11, 11), (11, 11), (11, 13)),
    ("double12", "双12 年终盛典", (12, 8), (12, 12), (12, 12), (12, 14)),
)


def campaigns_for_year(year: int) -> list[CalendarCampaign]:
    """The year's big promotions in date order."""
    return [CalendarCampaign(code, name, date(year, *warm), date(year, *peak_start),
                             date(year, *peak_end), date(year, *tail))
            for code, name, warm, peak_start, peak_end, tail in _YEARLY]


def phase_on(day: date) -> tuple[str, Phase] | None:
    """(campaign code, phase) of a day, or None for an ordinary day (日常)."""
    for campaign in campaigns_for_year(day.year):
        phase = campaign.phase_on(day)
        if phase is not None:
            return campaign.code, phase
    return None
