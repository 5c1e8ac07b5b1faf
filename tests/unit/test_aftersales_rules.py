"""售后 pure rules as tables: the 7-day window's exact edges, refund caps, the 24 h refund SLA,
the status machine per kind, reason handling and the return-rate arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shopops.core.errors import ShopOpsError
from shopops.service import analysis, returns
from shopops.service.reasons import REASONS, reason

SH = ZoneInfo("Asia/Shanghai")


def sh(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SH)


@pytest.mark.parametrize(("delivered", "requested", "eligible"), [
    (sh(1, 15), sh(8, 23, 59, 59), True),  # signed for on the 1st: days 2..8 count
    (sh(1, 15), sh(9, 0, 0, 0), False),  # 7 × 24 h after 00:00 of the 2nd: too late
    (sh(1, 0, 0, 1), sh(8, 23, 59, 59), True),  # early delivery gains nothing, loses nothing
    (sh(1, 23, 59, 59), sh(9, 0, 0, 0), False),
    (sh(1, 15), sh(1, 16), True),  # the same day
    # 23:30 UTC on the 1st is 07:30 on the 2nd in Shanghai: the window is the shop's days
    (datetime(2026, 11, 1, 23, 30, tzinfo=UTC), sh(9, 23, 59), True),
    (datetime(2026, 11, 1, 23, 30, tzinfo=UTC), sh(10, 0, 0), False),
])
def test_no_reason_window_edges(delivered: datetime, requested: datetime,
                                eligible: bool) -> None:
    got = returns.eligibility("no_reason", "delivered", delivered, requested, "Asia/Shanghai")
    assert got.eligible is eligible


def test_window_length_is_a_setting_and_other_reasons_ignore_it() -> None:
    assert returns.no_reason_deadline(sh(1, 15), "Asia/Shanghai", 15) == sh(17)
    late = sh(30)
    assert returns.eligibility("quality", "completed", sh(1), late, "Asia/Shanghai").eligible
    assert returns.eligibility("no_reason", "shipped", None, late, "Asia/Shanghai").eligible
    for status in ("created", "cancelled", "closed"):
        assert not returns.eligibility("quality", status, None, late, "Asia/Shanghai").eligible


@pytest.mark.parametrize(("paid", "refunded", "claimed", "room"), [
    ("600", "0", "0", "600"), ("600", "300", "0", "300"), ("600", "300", "300", "0"),
    ("600", "600", "0", "0"), ("600", "500", "200", "0"),  # never negative
])
def test_refundable_room(paid: str, refunded: str, claimed: str, room: str) -> None:
    assert returns.refundable(Decimal(paid), Decimal(refunded), Decimal(claimed)) == \
        Decimal(room)


@pytest.mark.parametrize(("amount", "room", "code"), [
    ("300.00", "300.00", None), ("300.01", "300.00", "service.over_refund"),
    ("0", "0", None), ("-1", "10", "request.invalid"), ("1.005", "10", "request.invalid"),
])
def test_refund_cap(amount: str, room: str, code: str | None) -> None:
    if code is None:
        assert returns.check_amount(Decimal(amount), Decimal(room)) == Decimal(amount)
        return
    with pytest.raises(ShopOpsError) as refused:
        returns.check_amount(Decimal(amount), Decimal(room))
    assert (refused.value.code, refused.value.field) == (code, "amount")


@pytest.mark.parametrize(("paid", "qty", "units", "room", "share"), [
    ("100.00", 3, 1, "100.00", "33.33"), ("100.00", 3, 2, "100.00", "66.67"),
    ("100.00", 3, 3, "100.00", "100.00"),  # the last units take the whole line: no lost cent
    ("100.00", 3, 3, "40.00", "40.00"),  # capped by what is left
])
def test_default_amount_pro_rata(paid: str, qty: int, units: int, room: str,
                                 share: str) -> None:
    assert returns.default_amount(Decimal(paid), qty, units, Decimal(room)) == Decimal(share)


def test_quantity_cap_names_the_field() -> None:
    assert returns.check_quantity(1, 2, 1) == 1
    with pytest.raises(ShopOpsError) as refused:
        returns.check_quantity(2, 2, 1)
    assert refused.value.field == "quantity"


T0 = sh(10, 9)


@pytest.mark.parametrize(("kind", "status", "received", "refunded", "now", "hours",
                          "within", "overdue"), [
    ("return_refund", "received", T0, None, T0 + timedelta(hours=24), "24.0", True, False),
    ("return_refund", "received", T0, None, T0 + timedelta(hours=24, seconds=1), "24.0",
     False, True),
    ("return_refund", "refunded", T0, T0 + timedelta(hours=30), T0 + timedelta(days=9),
     "30.0", False, False),  # late but done: counted against the target, not overdue
    ("return_refund", "approved", None, None, T0 + timedelta(days=9), None, None, False),
    ("refund_only", "requested", None, None, T0 + timedelta(hours=25), "25.0", False, True),
    ("exchange", "received", T0, None, T0 + timedelta(days=9), None, None, False),
])
def test_refund_sla(kind: str, status: str, received: datetime | None,
                    refunded: datetime | None, now: datetime, hours: str | None,
                    within: bool | None, overdue: bool) -> None:
    got = returns.refund_timing(kind, status, T0, received, refunded, now, 24)
    assert (str(got.hours) if got.hours is not None else None, got.within_target,
            got.overdue) == (hours, within, overdue)


@pytest.mark.parametrize(("kind", "path"), [
    ("return_refund", ["approved", "received", "refunded", "closed"]),
    ("exchange", ["approved", "received", "exchanged", "closed"]),
    ("refund_only", ["approved", "refunded", "closed"]),
])
def test_each_kind_walks_its_own_path(kind: str, path: list[str]) -> None:
    status = "requested"
    for to in path:
        returns.check_step(kind, status, to)
        status = to
    assert not returns.can_step(kind, "requested", "refunded")
    assert returns.can_step(kind, "requested", "rejected")
    with pytest.raises(ShopOpsError) as illegal:
        returns.check_step(kind, "closed", "approved")
    assert illegal.value.code == "service.illegal_transition"
    assert not returns.can_step("refund_only", "approved", "received")


def test_reason_handling_follows_the_spec() -> None:
    quality, size = reason("quality"), reason("size")
    assert (quality.kind, quality.refund_shipping, quality.apology) == ("return_refund",
                                                                        True, True)
    assert (size.kind, size.category) == ("exchange", "size")
    assert {r.category for r in REASONS.values()} == {"quality", "size", "description",
                                                      "logistics", "no_reason"}
    with pytest.raises(ShopOpsError) as unknown:
        reason("colour")
    assert unknown.value.field == "reason"


def test_return_rates_add_up_and_flag_against_reference_plus_two_points() -> None:
    sold = [analysis.Sold("tm1", "A", "women", 100, Decimal("10000")),
            analysis.Sold("jd1", "A", "women", 100, Decimal("10000")),
            analysis.Sold("tm1", "B", "digital", 10, Decimal("5000"))]
    back = [analysis.Returned("tm1", "A", "women", "size", 5, Decimal("500")),
            analysis.Returned("jd1", "A", "women", "quality", 3, Decimal("300")),
            analysis.Returned("tm1", "B", "digital", "quality", 1, Decimal("500")),
            analysis.Returned("tm1", "B", "digital", "no_reason", 0, Decimal("0"))]
    by_sku = {r.key: r for r in analysis.rates(sold, back, "sku")}
    assert (by_sku["A"].return_rate, by_sku["A"].alert) == (Decimal("0.04"), True)  # > 3.8%
    assert (by_sku["B"].return_rate, by_sku["B"].alert) == (Decimal("0.1"), False)  # 10 units
    by_store = {r.key: r.return_rate for r in analysis.rates(sold, back, "store")}
    assert by_store == {"tm1": Decimal("0.0545"), "jd1": Decimal("0.03")}
    reasons = analysis.rates(sold, back, "reason")
    total = analysis.overall(sold, back)
    assert total.return_rate == Decimal("0.0429")  # 9 / 210
    assert sum((r.returned_units for r in reasons), 0) == total.returned_units
    assert total.refund_ratio == Decimal("0.052")  # 1300 / 25000
    strict = analysis.Thresholds(Decimal("0.018"), Decimal("0.02"), 300)
    assert not analysis.overall(sold, back, strict).alert
