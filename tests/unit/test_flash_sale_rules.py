"""Flash sale (秒杀) pure rules: the terms from a payload (errors name the field), when a buy may
start, when a hold lapses, the pool's status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shopops.core.errors import ShopOpsError
from shopops.pricing.flash_sale import (
    LimitReached,
    NotRunning,
    check_buy,
    hold_until,
    parse_terms,
    status_json,
)

SALE = {"type": "flash_sale", "store": "tm-1", "sku": "A", "price": "59.90", "units": 50,
        "per_customer": 1}
NOW = datetime(2026, 11, 11, 0, 0, tzinfo=UTC)


def test_terms_with_defaults_and_store_time() -> None:
    terms = parse_terms({**SALE, "starts_at": "2026-11-11T00:00:00"}, "Asia/Shanghai")
    assert (terms.price, terms.units, terms.per_customer, terms.hold_minutes) == (
        Decimal("59.90"), 50, 1, 15)
    assert terms.starts_at == datetime(2026, 11, 10, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai


@pytest.mark.parametrize(("change", "field"), [
    ({"price": "0"}, "price"), ({"price": 59.9}, "price"), ({"price": "1.234"}, "price"),
    ({"units": 0}, "units"), ({"units": "50"}, "units"), ({"units": True}, "units"),
    ({"per_customer": 0}, "per_customer"), ({"hold_minutes": 0}, "hold_minutes"),
    ({"sku": ""}, "sku"), ({"store": None}, "store"), ({"colour": "red"}, "colour"),
    ({"level": "store_level"}, "level"), ({"starts_at": "tomorrow"}, "starts_at"),
    ({"starts_at": "2026-11-12T00:00:00+08:00", "ends_at": "2026-11-11T00:00:00+08:00"},
     "ends_at"),
])
def test_bad_terms_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ShopOpsError) as caught:
        parse_terms({**SALE, **change}, "Asia/Shanghai")
    assert caught.value.field == field


def test_a_buy_only_inside_the_window_and_within_the_limit() -> None:
    start, end = NOW, NOW + timedelta(hours=1)
    assert check_buy(" u1 ", 1, 1, NOW, start, end) == ("u1", 1)
    with pytest.raises(NotRunning):
        check_buy("u1", 1, 1, NOW - timedelta(seconds=1), start, end)
    with pytest.raises(NotRunning):
        check_buy("u1", 1, 1, end, start, end)  # the end is exclusive
    with pytest.raises(LimitReached):
        check_buy("u1", 3, 2, NOW, None, None)
    with pytest.raises(ShopOpsError) as caught:
        check_buy("u1", 0, 2, NOW, None, None)
    assert caught.value.field == "qty"


def test_hold_lapses_after_its_minutes_and_status_adds_up() -> None:
    assert hold_until(NOW, 15) == NOW + timedelta(minutes=15)
    assert status_json(50, 10, 15, 25) == {"units": 50, "sold": 25, "held": 15, "remaining": 10,
                                           "oversold": 0}
    assert status_json(50, 0, 10, 45)["oversold"] == 5  # what a broken pool would show
