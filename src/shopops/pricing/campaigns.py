"""Campaigns (大促活动) on the promotion calendar, pure: which calendar event a campaign is on,
its span, and whether a promotion's window fits it (and which phase it runs in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shopops.pricing.calendar import PHASES, CalendarCampaign, campaigns_for_year
from shopops.pricing.promotions import InvalidPromotion, money

PHASE_ZH = {"warm_up": "预热", "peak": "爆发", "tail": "尾声"}


@dataclass(frozen=True, slots=True)
class Targets:
    """复盘目标: GMV, paid orders, new customers (any may be left out)."""

    gmv: Decimal | None = None
    orders: int | None = None
    new_customers: int | None = None


def event_for(code: str, year: object) -> CalendarCampaign:
    """The calendar event ``code`` (double11, mid618 …) in ``year``, or an error naming it."""
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidPromotion(f"year: give a year such as 2026, got {year!r}", field="year")
    events = campaigns_for_year(year)
    for event in events:
        if event.code == code:
            return event
    raise InvalidPromotion(f"event: {code!r} is not one of "
                           f"{', '.join(e.code for e in events)}", field="event")


def check_phase(phase: object) -> str | None:
    if phase is None:
        return None
    if phase not in PHASES:
        raise InvalidPromotion(f"phase: one of {', '.join(PHASES)}", field="phase")
    return str(phase)


def parse_targets(data: dict[str, object]) -> Targets:
    def count(name: str) -> int | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidPromotion(f"targets.{name}: must be an integer ≥ 0",
                                   field=f"targets.{name}")
        return value

    gmv = data.get("gmv")
    return Targets(None if gmv is None else money(gmv, "targets.gmv"), count("orders"),
                   count("new_customers"))


def fits(event: CalendarCampaign, starts: datetime | None, ends: datetime | None) -> bool:
    """A promotion belongs to a campaign when its window overlaps the event's span (预热 start
    to 尾声 end, the shop's days); an open-ended promotion always does."""
    start_day = starts.date() if starts else date.min
    end_day = ends.date() if ends else date.max
    return start_day <= event.tail_end and end_day >= event.warm_up_start
