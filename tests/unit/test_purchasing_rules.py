"""Purchase-order state machine and supplier scorecard rules (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shopops.core.errors import ValidationError
from shopops.inventory.purchasing import (
    Delivery,
    FinishedLine,
    LineState,
    PurchaseOrderStateError,
    check_action,
    check_delivery,
    price_indexes,
    scorecards,
    status_after_delivery,
)


@pytest.mark.parametrize(("status", "action", "allowed"), [
    ("draft", "send", True), ("draft", "receive", False), ("draft", "cancel", True),
    ("sent", "send", False), ("sent", "receive", True), ("sent", "cancel", True),
    ("partially_received", "receive", True), ("partially_received", "cancel", True),
    ("received", "receive", False), ("received", "cancel", False),
    ("cancelled", "send", False), ("cancelled", "receive", False),
])
def test_state_machine(status: str, action: str, allowed: bool) -> None:
    if allowed:
        check_action(status, action, "PO1")
    else:
        with pytest.raises(PurchaseOrderStateError) as exc:
            check_action(status, action, "PO1")
        assert exc.value.code == "purchasing.invalid_transition" and status in exc.value.message


def test_deliveries_are_checked_against_what_remains() -> None:
    lines = {"A": LineState("A", 100, 60, 10), "B": LineState("B", 20)}
    assert lines["A"].remaining == 30
    check_delivery(lines, {"A": (25, 5)}, "PO1")
    for delivered, field in (({"A": (31, 0)}, "quantity"), ({"A": (-1, 2)}, "quantity"),
                             ({"C": (1, 0)}, "lines"), ({}, "lines"), ({"A": (0, 0)}, "lines")):
        with pytest.raises(ValidationError) as exc:
            check_delivery(lines, delivered, "PO1")
        assert exc.value.field == field
    assert status_after_delivery([LineState("A", 10, 9, 1), LineState("B", 5, 5)]) == "received"
    assert status_after_delivery([LineState("A", 10, 9), LineState("B", 5, 5)]) == (
        "partially_received")


def test_price_index_compares_each_sku_with_its_other_suppliers() -> None:
    prices = {("S1", "A"): Decimal("10"), ("S2", "A"): Decimal("12"), ("S3", "A"): Decimal("8"),
              ("S1", "B"): Decimal("5"), ("S2", "B"): Decimal("5"), ("S4", "C"): Decimal("1")}
    index = price_indexes(prices)
    assert index["S1"] == Decimal("1.0000")  # A: 10/10, B: 5/5
    assert index["S2"] == Decimal("1.1000")  # A: 12/10 = 1.2, B: 1.0 → 1.1
    assert index["S3"] == Decimal("0.8000")
    assert index["S4"] is None  # nobody else sells C


def test_scorecard_rates() -> None:
    d = date(2026, 11, 1)
    deliveries = [
        Delivery("S1", date(2026, 11, 10), d, date(2026, 11, 9), 95, 5),  # on time
        Delivery("S1", date(2026, 11, 10), d, date(2026, 11, 10), 50, 0),  # on the day
        Delivery("S1", date(2026, 11, 10), d, date(2026, 11, 13), 40, 10),  # late
        Delivery("S1", None, None, date(2026, 11, 13), 10, 0),  # never sent: not timed
    ]
    finished = [FinishedLine("S1", 100, 100), FinishedLine("S1", 120, 100)]
    card, empty = scorecards(["S1", "S2"], deliveries, finished, {})
    assert card.deliveries == 4 and card.on_time_rate == Decimal("0.6667")
    assert card.fill_rate == Decimal("0.9091")  # 200 / 220
    assert card.defect_rate == Decimal("0.0714")  # 15 / 210
    assert card.lead_time_mean_days == 9.67 and card.units_delivered == 210  # 8, 9, 12 days
    assert empty.deliveries == 0 and empty.on_time_rate is None and empty.fill_rate is None
    assert card.as_json()["fill_rate"] == "0.9091"
