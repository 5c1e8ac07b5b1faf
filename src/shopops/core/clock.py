"""The clock is passed in, never read inside rules: tests and the demo pin it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"  # the shop's business day unless a store says otherwise


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def business_date(at: datetime, timezone: str) -> date:
    """The shop's business day of an instant: 23:30 in Shanghai is that Shanghai day."""
    if at.tzinfo is None:
        raise ValueError("business_date needs an aware datetime")
    return at.astimezone(ZoneInfo(timezone)).date()
