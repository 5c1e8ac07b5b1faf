"""The late-delivery rule: a promise is a day in the store's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from shopops.orders.delivery import LateDeliveryShare, is_late, late_delivery_share

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_delivered_on_the_promised_day_is_on_time() -> None:
    promised = local(SAO_PAULO, 2018, 3, 10)
    assert not is_late(local(SAO_PAULO, 2018, 3, 10, 23, 59), promised, SAO_PAULO)
    assert not is_late(local(SAO_PAULO, 2018, 3, 2, 9), promised, SAO_PAULO)
    assert is_late(local(SAO_PAULO, 2018, 3, 11, 0, 1), promised, SAO_PAULO)


def test_the_day_is_the_stores_day_not_utc() -> None:
    promised = local(SHANGHAI, 2026, 11, 20)
    # 2026-11-20 20:00 UTC is already the 21st in Shanghai
    assert is_late(datetime(2026, 11, 20, 20, tzinfo=UTC), promised, SHANGHAI)
    assert not is_late(datetime(2026, 11, 20, 15, tzinfo=UTC), promised, SHANGHAI)


def test_share() -> None:
    promised = local(SHANGHAI, 2026, 11, 20)
    pairs = [(local(SHANGHAI, 2026, 11, d), promised, SHANGHAI) for d in (18, 20, 21, 25)]
    result = late_delivery_share(pairs)
    assert result == LateDeliveryShare(delivered=4, late=2)
    assert result.share == Decimal("0.5000")
    assert result.as_json() == {"delivered": 4, "late": 2, "late_share": "0.5000"}
    assert late_delivery_share([]).share is None


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=50))
def test_share_counts_each_late_order_once(days: list[tuple[int, int]]) -> None:
    base = datetime(2026, 1, 1, 12, tzinfo=SHANGHAI)
    pairs = [(base + timedelta(days=d), base + timedelta(days=p), SHANGHAI) for d, p in days]
    result = late_delivery_share(pairs)
    assert result.delivered == len(days)
    assert result.late == sum(1 for d, p in days if d > p)
