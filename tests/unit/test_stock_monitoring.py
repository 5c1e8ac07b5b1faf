"""Stock monitoring rules (pure): cover, turnover, 动销比, ABC boundaries, XYZ, stock age,
alerts honouring the shop's thresholds, clearance arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shopops.core.errors import ValidationError
from shopops.inventory.monitoring import (
    Position,
    Thresholds,
    abc_classes,
    build_board,
    clearance,
    days_of_cover,
    demand_cv,
    fifo_oldest,
    sell_through_ratio,
    turnover_days,
    xyz_class,
)

TODAY = date(2026, 11, 20)
D = Decimal


@pytest.mark.parametrize(("available", "rate", "cover"), [
    (30, 10.0, 3.0), (0, 2.0, 0.0), (5, 0.0, None), (7, 0.5, 14.0)])
def test_days_of_cover(available: int, rate: float, cover: float | None) -> None:
    assert days_of_cover(available, rate) == cover


@pytest.mark.parametrize(("opening", "closing", "rate", "days"), [
    (100, 20, 5.0, 12.0), (0, 0, 1.0, 0.0), (10, 30, 0.0, None), (45, 45, 3.0, 15.0)])
def test_turnover_is_average_stock_over_daily_sales(opening: int, closing: int, rate: float,
                                                     days: float | None) -> None:
    assert turnover_days(opening, closing, rate) == days


def test_sell_through_counts_sold_skus_over_skus_in_stock() -> None:
    assert sell_through_ratio(["a", "b", "c", "d"], ["a", "b", "c"]) == D("0.75")
    # a SKU sold out during the window was in stock when it sold
    assert sell_through_ratio(["a", "b"], ["a", "z"]) == D("0.6667")
    assert sell_through_ratio([], []) is None


@pytest.mark.parametrize(("amounts", "expected"), [
    # shares 50, 30 (share before it 50% < 80% → A), 15 (before 80% → B), 5 (before 95% → C)
    ({"a": D(50), "b": D(30), "c": D(15), "d": D(5)}, {"a": "A", "b": "A", "c": "B", "d": "C"}),
    # the top seller is always A even when it alone is over 80%
    ({"a": D(90), "b": D(6), "c": D(4)}, {"a": "A", "b": "B", "c": "C"}),
    # exactly at a boundary: before-share 0.80 is no longer A; 0.95 no longer B
    ({"a": D(80), "b": D(15), "c": D(5)}, {"a": "A", "b": "B", "c": "C"}),
    ({"a": D(79), "b": D(21), "z": D(0)}, {"a": "A", "b": "A", "z": "C"}),
    ({}, {}),
])
def test_abc_by_cumulative_sales_share(amounts: dict[str, Decimal],
                                       expected: dict[str, str]) -> None:
    assert abc_classes(amounts, D("0.80"), D("0.95")) == expected


def test_abc_ties_are_broken_by_sku_code() -> None:
    assert abc_classes({"b": D(1), "a": D(1)}, D("0.5"), D("0.9")) == {"a": "A", "b": "B"}


@pytest.mark.parametrize(("daily", "klass"), [
    ([5] * 10, "X"),  # cv 0
    ([4, 6] * 5, "X"),  # cv 0.2
    ([2, 0, 2, 0, 2, 0, 1, 1, 1, 1], "Y"),  # cv ≈ 0.63
    ([1, 0, 1, 0], "Z"),  # cv exactly 1.0
    ([10, 0, 0, 0, 0, 0, 0, 0, 0, 0], "Z"),  # cv 3
    ([0, 0, 0], None),
])
def test_xyz_by_coefficient_of_variation(daily: list[int], klass: str | None) -> None:
    assert xyz_class(demand_cv(daily)) == klass


def test_xyz_boundaries() -> None:
    assert [xyz_class(cv) for cv in (0.4999, 0.5, 0.999, 1.0)] == ["X", "Y", "Y", "Z"]


def test_fifo_stock_age_walks_incoming_moves_newest_first() -> None:
    moves = [(date(2026, 11, 10), 5), (date(2026, 10, 1), 10), (date(2026, 8, 1), 50)]
    assert fifo_oldest(4, moves) == date(2026, 11, 10)
    assert fifo_oldest(15, moves) == date(2026, 10, 1)
    assert fifo_oldest(16, moves) == date(2026, 8, 1)
    assert fifo_oldest(500, moves) == date(2026, 8, 1)  # lower bound: oldest seen
    assert fifo_oldest(0, moves) is None
    assert fifo_oldest(3, []) is None


@pytest.mark.parametrize(("available", "rate", "units", "markdown"), [
    (80, 1.0, 50, "0.10"),  # keep 30 days = 30; cover 80 ≤ 1.5 × 60 → 10%
    (90, 1.0, 60, "0.10"),  # cover exactly 90 days is still the first step
    (100, 1.0, 70, "0.20"),  # cover 100 ≤ 3 × 60 → 20%
    (180, 1.0, 150, "0.20"),
    (200, 1.0, 170, "0.30"),  # beyond 180 days → 30%
    (40, 0.0, 40, "0.30"),  # no sales: clear it all at the deepest step
    (10, 0.25, 2, "0.10"),  # keep ⌈0.25 × 30⌉ = 8 units; cover 40 days
])
def test_clearance_suggestion(available: int, rate: float, units: int, markdown: str) -> None:
    plan = clearance(available, rate, Thresholds())
    assert (plan.units_to_sell, plan.target_cover_days, plan.markdown) == (units, 30, D(markdown))


def test_clearance_follows_the_settings() -> None:
    t = Thresholds.from_settings({"inventory.clearance_target_cover_days": 10,
                                  "inventory.slow_mover_cover_days": 20})
    plan = clearance(100, 1.0, t)  # keep 10; cover 100 > 3 × 20
    assert (plan.units_to_sell, plan.markdown) == (90, D("0.30"))


def test_settings_are_parsed_and_bad_ones_name_their_key() -> None:
    t = Thresholds.from_settings({"inventory.best_seller_cover_days": "5",
                                  "inventory.abc_a_share": 0.7})
    assert t.best_seller_cover_days == 5 and t.abc_a_share == D("0.7")
    assert t.slow_mover_cover_days == 60 and t.sales_window_days == 30
    with pytest.raises(ValidationError) as bad:
        Thresholds.from_settings({"inventory.sell_through_healthy": "lots"})
    assert bad.value.field == "inventory.sell_through_healthy"
    with pytest.raises(ValidationError):  # B share below A share
        Thresholds.from_settings({"inventory.abc_b_share": "0.5"})


def _pos(sku: str, wh: str, on_hand: int, opening: int, shipped: int) -> Position:
    return Position(sku, wh, on_hand, on_hand, opening, shipped, date(2026, 10, 1))


def _board(t: Thresholds) -> tuple[dict[str, list[str]], dict[str, object]]:
    window = t.sales_window_days
    positions = [_pos("HOT", "SH", 20, 100, 80), _pos("HOT", "BJ", 5, 40, 20),  # 25 left
                 _pos("MID", "SH", 60, 60, 30),
                 _pos("DEAD", "SH", 40, 40, 0),
                 _pos("SLOW", "SH", 50, 55, 5),
                 _pos("GONE", "SH", 0, 0, 0)]
    daily = {"HOT": [10] * window, "MID": [1] * window, "SLOW": [1 if i % 6 == 0 else 0
                                                                    for i in range(window)],
             "SOLDOUT": [2] * window}
    amounts = {"HOT": D(3000), "MID": D(300), "SLOW": D(50), "SOLDOUT": D(600)}
    board = build_board(TODAY, t, positions, daily, amounts, {"HOT": "爆款"})
    kinds: dict[str, list[str]] = {}
    for a in board.alerts:
        kinds.setdefault(a.kind, []).append(a.sku)
    return kinds, board.summary


def test_alerts_with_the_spec_thresholds() -> None:
    kinds, summary = _board(Thresholds())
    # A class: HOT (share before 0%) and SOLDOUT (before 76%); MID (before 91%) is B.
    # HOT: 25 available, 10 a day → 2.5 days < 3; SOLDOUT has no stock left → 0 days
    assert kinds["best_seller_low_cover"] == ["HOT", "SOLDOUT"]
    # DEAD has no sales; SLOW: 50 / (5/30) = 300 days; MID: 60 days is not > 60
    assert kinds["slow_mover_high_cover"] == ["DEAD", "SLOW"]
    # in stock: HOT, MID, DEAD, SLOW + SOLDOUT (sold in the window); sold: HOT, MID, SLOW, SOLDOUT
    assert summary["sell_through_ratio"] == D("0.8")
    assert summary["alerts"] == {"best_seller_low_cover": 2, "slow_mover_high_cover": 2}


def test_alerts_honour_overridden_settings() -> None:
    t = Thresholds.from_settings({"inventory.best_seller_cover_days": 2,
                                  "inventory.slow_mover_cover_days": 59})
    kinds, _ = _board(t)
    assert kinds["best_seller_low_cover"] == ["SOLDOUT"]  # 2.5 days is no longer short
    assert kinds["slow_mover_high_cover"] == ["DEAD", "MID", "SLOW"]  # 60 > 59


def test_board_rows_add_up() -> None:
    t = Thresholds()
    positions = [_pos("HOT", "SH", 20, 100, 80), _pos("HOT", "BJ", 5, 40, 20)]
    board = build_board(TODAY, t, positions, {"HOT": [10] * 30}, {"HOT": D(3000)}, {})
    (row,) = board.rows
    assert (row.on_hand, row.units_sold, row.avg_daily_sales) == (25, 300, 10.0)
    assert row.days_of_cover == 2.5
    assert row.turnover_days == pytest.approx((140 + 25) / 2 / 10)
    assert row.stock_age_days == (TODAY - date(2026, 10, 1)).days
    sh = row.warehouses[1]
    assert (sh.warehouse, sh.avg_daily_sales, sh.days_of_cover) == ("SH", 2.667, 7.5)
    assert board.summary["turnover_days"] == pytest.approx(8.25)
    assert board.window_start == date(2026, 10, 22)
    alert = board.alerts[0]
    assert alert.warehouse is None and alert.action == "补货" and "补货" in alert.message


@pytest.mark.parametrize(("price", "floor", "markdown", "clearance_price", "limited"), [
    ("100.00", "60.00", "0.30", "70.00", False),  # 30% off keeps ¥70 ≥ ¥60
    ("100.00", "75.50", "0.24", "76.00", True),  # the floor leaves room for 24% only
    ("100.00", "100.00", "0", "100.00", True),  # no room at all: no markdown
    ("80.00", "95.00", "0", "80.00", True),  # listed below its floor already
])
def test_clearance_markdown_never_goes_below_the_price_floor(
        price: str, floor: str, markdown: str, clearance_price: str, limited: bool) -> None:
    plan = clearance(500, 1.0, Thresholds(), Decimal(price), Decimal(floor))  # step: 30%
    assert plan.markdown == Decimal(markdown)
    assert plan.markdown_price == Decimal(clearance_price)
    assert plan.floor_limited is limited
    assert plan.markdown_price >= min(Decimal(floor), Decimal(price))
