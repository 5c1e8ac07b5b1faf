"""The reorder rule from worked examples (safety stock, reorder point, MOQ and case-pack
rounding, promotion build-up) and the property that every explanation adds up."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopops.core.errors import ValidationError
from shopops.inventory.replenishment import (
    ReorderInput,
    Suggestion,
    promo_build_up,
    round_to_terms,
    split_by_share,
    suggest,
    z_value,
)

TODAY = date(2026, 10, 25)


def item(**changes: object) -> ReorderInput:
    base: dict[str, object] = dict(
        sku="A", warehouse="WH-SH", daily_mean=10.0, daily_sigma=3.0, lead_time_days=9.0,
        lead_time_sigma=2.0, review_days=7, service_level=0.95, on_hand=100, incoming=20,
        reserved=10, moq=50, case_pack=12)
    base.update(changes)
    return ReorderInput(**base)  # type: ignore[arg-type]


# d, σ_d, LT, σ_LT, service level → forecast over LT, safety stock, reorder point
# SS = z × √(LT σ_d² + d² σ_LT²): √(9·9 + 100·4) = √481 = 21.93; z95 = 1.645 → 36.07 → 37
@pytest.mark.parametrize(("d", "sd", "lt", "slt", "level", "flt", "ss", "rop"), [
    (10, 3, 9, 2, 0.95, 90, 37, 127),
    (10, 3, 9, 2, 0.98, 90, 46, 136),  # A item: z98 = 2.054 → 45.04 → 46
    (10, 3, 9, 0, 0.95, 90, 15, 105),  # √(9·9) = 9 × 1.645 = 14.8 → 15
    (10, 0, 9, 2, 0.95, 90, 33, 123),  # √(100·4) = 20 × 1.645 = 32.9 → 33
    (5, 0, 10, 0, 0.95, 50, 0, 50),  # no variability, no safety stock
    (0.4, 0.9, 14, 3, 0.95, 6, 6, 12),  # slow seller: √(14·0.81 + 0.16·9) = 3.57 → 5.87 → 6
    (0, 0, 14, 3, 0.95, 0, 0, 0),  # no demand, nothing to keep
])
def test_safety_stock_and_reorder_point(d: float, sd: float, lt: float, slt: float,
                                        level: float, flt: int, ss: int, rop: int) -> None:
    s = suggest(item(daily_mean=d, daily_sigma=sd, lead_time_days=lt, lead_time_sigma=slt,
                     service_level=level), TODAY)
    assert (s.forecast_lead_time, s.safety_stock, s.reorder_point) == (flt, ss, rop)


def test_worked_example_orders_up_to_and_rounds_to_whole_cases() -> None:
    s = suggest(item(), TODAY)
    # position 100 + 20 − 10 = 110 ≤ ROP 127; up to 127 + 7 × 10 = 197; net 87;
    # MOQ 50 is met, 87 → 8 cases of 12 = 96
    assert (s.position, s.order_up_to, s.net_requirement) == (110, 197, 87)
    assert (s.suggested_qty, s.rounding) == (96, 9)
    assert "建议采购 96 件" in s.explanation and "箱规 12" in s.explanation


@pytest.mark.parametrize(("net", "moq", "case", "qty"), [
    (87, 50, 12, 96),  # case pack rounds up
    (20, 50, 12, 60),  # MOQ first (50), then whole cases (5 × 12)
    (48, 1, 12, 48),  # already whole cases
    (1, 1, 1, 1),
    (0, 50, 12, 0),  # nothing needed, nothing ordered (MOQ does not force an order)
    (-5, 50, 12, 0),
    (101, 100, 50, 150),
])
def test_moq_and_case_pack_rounding(net: int, moq: int, case: int, qty: int) -> None:
    assert round_to_terms(net, moq, case) == qty


def test_position_at_the_reorder_point_orders_and_one_above_does_not() -> None:
    at = suggest(item(daily_sigma=0, lead_time_sigma=0, on_hand=90, incoming=0, reserved=0,
                      moq=1, case_pack=1), TODAY)
    assert at.reorder_point == 90 and at.suggested_qty == 70  # up to 90 + 70 = 160
    above = suggest(item(daily_sigma=0, lead_time_sigma=0, on_hand=91, incoming=0, reserved=0,
                         moq=1, case_pack=1), TODAY)
    assert above.suggested_qty == 0 and above.net_requirement == 0 and above.rounding == 0
    assert "暂不补货" in above.explanation


def test_reserved_units_lower_the_position_and_incoming_raises_it() -> None:
    base = dict(daily_sigma=0, lead_time_sigma=0, on_hand=200, moq=1, case_pack=1)
    assert suggest(item(**base, incoming=0, reserved=0), TODAY).suggested_qty == 0
    assert suggest(item(**base, incoming=0, reserved=150), TODAY).suggested_qty == 110
    assert suggest(item(**base, incoming=40, reserved=150), TODAY).suggested_qty == 70


def test_promotion_within_lead_time_and_review_adds_a_build_up() -> None:
    # today 10-25, LT 9 + R 7 = 16 days → through 11-10; 双11 itself (11-11) is outside
    uplift = {date(2026, 11, 10): 50.0, date(2026, 11, 11): 200.0, date(2026, 10, 25): 99.0}
    s = suggest(item(daily_sigma=0, lead_time_sigma=0, on_hand=150, incoming=0, reserved=0,
                     moq=1, case_pack=1, promo_uplift=uplift, promo_name="双11"), TODAY)
    assert s.promo_build_up == 50  # today's own uplift is not ahead of us either
    # ROP 90; line 90 + 50 = 140 < position 150: no order yet
    assert s.suggested_qty == 0
    longer = suggest(item(daily_sigma=0, lead_time_sigma=0, lead_time_days=10, on_hand=150,
                          incoming=0, reserved=0, moq=1, case_pack=1, promo_uplift=uplift,
                          promo_name="双11"), TODAY)
    # LT 10 reaches 11-11: build-up 250, ROP 100, line 350 ≥ 150 → up to 100 + 70 + 250 = 420
    assert (longer.promo_build_up, longer.order_up_to, longer.suggested_qty) == (250, 420, 270)
    assert "双11 备货 250 件" in longer.explanation


def test_overdue_incoming_is_flagged_with_the_backup_supplier() -> None:
    s = suggest(item(incoming=20, overdue_incoming=20, backup_supplier="SUP-B"), TODAY)
    assert s.overdue_incoming == 20 and s.suggested_qty == 96
    assert "20 件已逾期未到" in s.explanation and "SUP-B" in s.explanation
    assert s.cover_days_after == 20.6  # (110 + 96) / 10 a day
    quiet = suggest(item(daily_mean=0, daily_sigma=0, on_hand=0, incoming=0, reserved=0),
                    TODAY)
    assert quiet.suggested_qty == 0 and "无预期需求" in quiet.explanation
    assert quiet.cover_days_after is None


def test_promo_build_up_counts_only_days_ahead() -> None:
    uplift = {TODAY + timedelta(days=i): 10.4 for i in range(-3, 10)}
    assert promo_build_up(uplift, TODAY, 5) == 52  # days 1..5
    assert promo_build_up(uplift, TODAY, 4.2) == 52  # a part day counts as a day
    assert promo_build_up({}, TODAY, 30) == 0


def test_z_values_and_bad_inputs_name_their_field() -> None:
    assert z_value(0.95) == pytest.approx(1.6449, abs=1e-4)
    assert z_value(0.98) == pytest.approx(2.0537, abs=1e-4)
    with pytest.raises(ValidationError) as exc:
        z_value(1.0)
    assert exc.value.field == "service_level"
    for field, value in (("case_pack", 0), ("moq", 0), ("daily_mean", -1.0),
                         ("lead_time_days", float("nan")), ("on_hand", -1)):
        with pytest.raises(ValidationError) as bad:
            suggest(item(**{field: value}), TODAY)
        assert bad.value.field == field


def test_split_by_share() -> None:
    assert split_by_share(12.0, {"A": 3, "B": 1}) == {"A": 9.0, "B": 3.0}
    assert split_by_share(10.0, {"A": 0, "B": 0}) == {"A": 5.0, "B": 5.0}
    assert split_by_share(10.0, {}) == {}


def adds_up(s: Suggestion) -> None:
    assert s.reorder_point == s.forecast_lead_time + s.safety_stock
    assert s.order_up_to == s.reorder_point + s.review_demand + s.promo_build_up
    assert s.position == s.on_hand + s.incoming - s.reserved
    if s.suggested_qty:
        assert s.position <= s.reorder_point + s.promo_build_up
        assert s.net_requirement == s.order_up_to - s.position > 0
        assert s.suggested_qty == s.net_requirement + s.rounding
        assert s.suggested_qty >= s.moq and s.suggested_qty % s.case_pack == 0
        assert 0 <= s.rounding < max(s.moq, s.net_requirement) - s.net_requirement + s.case_pack
        assert s.position + s.suggested_qty >= s.order_up_to
    else:
        # above the line, or nothing to fill (no demand and nothing in stock)
        assert s.position > s.reorder_point + s.promo_build_up or s.order_up_to <= s.position
        assert s.net_requirement == 0 and s.rounding == 0
    for number in (s.forecast_lead_time, s.safety_stock, s.on_hand, s.incoming, s.reserved,
                   s.suggested_qty):
        assert str(number) in s.explanation


@settings(max_examples=300, deadline=None)
@given(
    d=st.floats(0, 500), sd=st.floats(0, 200), lt=st.floats(0, 60), slt=st.floats(0, 15),
    review=st.integers(0, 30), level=st.sampled_from([0.5, 0.9, 0.95, 0.98, 0.995]),
    on_hand=st.integers(0, 10_000), incoming=st.integers(0, 5_000),
    reserved_share=st.floats(0, 1), moq=st.integers(1, 500), case=st.integers(1, 48),
    promo=st.dictionaries(st.integers(-5, 80), st.floats(0, 1_000), max_size=6),
)
def test_every_explanation_adds_up(d: float, sd: float, lt: float, slt: float, review: int,
                                   level: float, on_hand: int, incoming: int,
                                   reserved_share: float, moq: int, case: int,
                                   promo: dict[int, float]) -> None:
    s = suggest(ReorderInput(
        sku="S", warehouse="W", daily_mean=d, daily_sigma=sd, lead_time_days=lt,
        lead_time_sigma=slt, review_days=review, service_level=level, on_hand=on_hand,
        incoming=incoming, reserved=int(on_hand * reserved_share), moq=moq, case_pack=case,
        promo_uplift={TODAY + timedelta(days=k): v for k, v in promo.items()}), TODAY)
    adds_up(s)
