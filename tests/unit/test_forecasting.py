"""Demand forecasting rules (inventory/forecasting.py) and the sales CSV reader of the
`forecast backtest` Contract: a 双11 spike neither inflates ordinary days nor is missed the
next year; slow sellers get intermittent-demand models; accuracy adds up; bad CSVs are named."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from shopops.core.errors import ValidationError
from shopops.inventory import forecasting as fc
from shopops.inventory.forecast_service import read_sales_csv


def long_frame(series: dict[str, np.ndarray], start: date) -> pd.DataFrame:
    days = pd.date_range(start, periods=len(next(iter(series.values()))), freq="D")
    return pd.concat(pd.DataFrame({"unique_id": uid, "ds": days, "y": y.astype(float)})
                     for uid, y in series.items())


def double11_series(start: date, end: date, rng: np.random.Generator) -> np.ndarray:
    """~20 units a day with a weekly rhythm; 双11 peak day ×8, its warm-up ×1.3, tail ×1.5."""
    days = pd.date_range(start, end, freq="D")
    weekly = np.array([1.0, 0.9, 0.9, 1.0, 1.1, 1.3, 1.2])[days.day_of_week]
    y = rng.poisson(20 * weekly).astype(float)
    for i, day in enumerate(days):
        found = fc.phase_on(day.date())
        if found and found[0] == "double11":
            y[i] *= {"warm_up": 1.3, "peak": 8.0, "tail": 1.5}[found[1]]
    return np.round(y)


def test_double11_spike_neither_inflates_ordinary_days_nor_is_missed() -> None:
    rng = np.random.default_rng(7)
    start, end = date(2024, 1, 1), date(2025, 10, 31)
    frame = long_frame({"tea": double11_series(start, end, rng)}, start)
    result = fc.forecast(frame, horizon=21)  # 2025-11-01 .. 11-21: peak day 11-11 inside

    total = result.total["tea"]
    ordinary = [d for d in total.index if fc.phase_on(d.date()) is None]
    peak = total[pd.Timestamp(2025, 11, 11)]
    # ordinary days stay near the true 20/day level (a naive mean over the history would not)
    assert 16 <= total[ordinary].mean() <= 25
    # the peak is anticipated: several times an ordinary day, close to the true ×8
    assert peak >= 5 * total[ordinary].mean()
    assert result.uplift["tea"][pd.Timestamp(2025, 11, 11)] > 0
    assert result.uplift["tea"][ordinary].abs().sum() == 0


def test_without_the_calendar_the_spike_is_missed() -> None:
    rng = np.random.default_rng(7)
    start, end = date(2024, 1, 1), date(2025, 10, 31)
    frame = long_frame({"tea": double11_series(start, end, rng)}, start)
    plain = fc.forecast(frame, horizon=21, calendar=None)
    treated = fc.forecast(frame, horizon=21)
    day = pd.Timestamp(2025, 11, 11)
    assert plain.total["tea"][day] < 0.5 * treated.total["tea"][day]


def test_promotion_days_are_replaced_by_the_baseline_of_ordinary_days() -> None:
    days = pd.date_range("2025-09-01", "2025-11-15", freq="D")
    wide = pd.DataFrame({"a": np.where(days == pd.Timestamp(2025, 11, 11), 500.0, 10.0)},
                        index=days)
    labels = fc.promotion_labels(days)
    cleaned, baseline = fc.clean_promotions(wide, labels)
    assert cleaned["a"].max() == pytest.approx(10.0)
    factors = fc.uplift_factors(wide, baseline, labels)
    # one peak day, shrunk towards the pooled factor (the same series): 500 / 10 = 50
    assert factors.loc["double11:peak", "a"] == pytest.approx(50.0)
    assert factors.loc["double11:warm_up", "a"] == pytest.approx(1.0)


def test_slow_sellers_get_intermittent_models_and_regular_ones_seasonal_models() -> None:
    rng = np.random.default_rng(1)
    n = 400
    slow = rng.binomial(1, 0.15, n) * rng.integers(1, 4, n)
    busy = rng.poisson(30 * (1 + 0.5 * (np.arange(n) % 7 >= 5)))
    frame = long_frame({"slow": slow, "busy": busy}, date(2023, 1, 2))
    result = fc.forecast(frame, horizon=14, calendar=None)
    assert result.demand_class["slow"] in {"intermittent", "lumpy"}
    assert result.model["slow"] in {"croston_sba", "adida", "imapa"}
    assert result.demand_class["busy"] == "smooth"
    assert result.model["busy"] in {"seasonal_naive", "auto_ets", "theta"}
    # the weekend peak is in the forecast of the regular seller
    week = result.base["busy"].iloc[:7]
    assert week[week.index.day_of_week >= 5].mean() > 1.3 * week[week.index.day_of_week < 5].mean()
    assert (result.sigma > 0).all()


def test_series_start_at_their_first_sale_and_missing_days_are_zero() -> None:
    frame = pd.DataFrame({"unique_id": ["a", "a", "b"],
                          "ds": ["2025-01-01", "2025-01-04", "2025-01-03"], "y": [2.0, 1.0, 5.0]})
    wide = fc.to_wide(frame, end=date(2025, 1, 5))
    assert wide["a"].tolist() == [2.0, 0.0, 0.0, 1.0, 0.0]
    assert wide["b"].isna().tolist() == [True, True, False, False, False]


def test_backtest_measures_wape_mase_bias_against_seasonal_naive() -> None:
    rng = np.random.default_rng(3)
    n = 300
    frame = long_frame({f"s{i}": rng.poisson(5 + i, n) for i in range(4)}, date(2024, 1, 1))
    wide = fc.to_wide(frame)
    bt = fc.backtest(wide, horizon=14, folds=2, calendar=None)
    assert bt.series == 4 and bt.folds == 2
    # Poisson noise around a flat level: a smoothed forecast beats repeating last week
    assert bt.model["wape"] is not None and bt.seasonal_naive["wape"] is not None
    assert bt.model["wape"] < bt.seasonal_naive["wape"]
    assert bt.model["mase"] is not None and bt.model["mase"] < bt.seasonal_naive["mase"]  # type: ignore[operator]
    # overall WAPE is Σ|error| ÷ Σ actual over the per-series rows
    per = bt.per_series
    assert per["actual"].sum() == pytest.approx(wide.iloc[-28:].sum().sum())
    weighted = (per["wape"] * per["actual"]).sum() / per["actual"].sum()
    assert bt.model["wape"] == pytest.approx(weighted, abs=1e-4)


def test_accuracy_of_a_known_error() -> None:
    rows = pd.DataFrame({"abs_error": [10.0, 5.0], "error": [10.0, -5.0],
                         "actual": [50.0, 50.0], "mae": [1.0, 0.5], "scale": [2.0, 0.0]})
    assert fc.accuracy(rows) == {"wape": 0.15, "mase": 0.5, "bias": 0.05}


def test_seasonal_naive_repeats_the_last_week() -> None:
    days = pd.date_range("2025-01-01", periods=14, freq="D")
    wide = pd.DataFrame({"a": np.arange(14, dtype=float)}, index=days)
    assert fc.seasonal_naive(wide, 10)["a"].tolist() == [7, 8, 9, 10, 11, 12, 13, 7, 8, 9]


# ---------------------------------------------------------------- the CSV of the Contract


def test_csv_with_warehouse_gb18030_and_sums_repeated_days() -> None:
    text = ("SKU,Date,Qty,Warehouse\n茶叶,2025-01-01,2,上海\n茶叶,2025-01-01,3,上海\n"
            "茶叶,2025/1/2,1,\n")
    frame = read_sales_csv(text.encode("gb18030"))
    assert sorted(frame["unique_id"].unique()) == ["茶叶", "茶叶@上海"]
    wide = fc.to_wide(frame)
    assert wide["茶叶@上海"].iloc[0] == 5.0


@pytest.mark.parametrize(("content", "field", "words"), [
    (b"", "input", "empty"),
    (b"sku,day,qty\na,2025-01-01,1\n", "date", "missing column"),
    (b"sku,date,qty\na,2025-01-01,1\na,yesterday,2\n", "date", "row 3"),
    (b"sku,date,qty\na,2025-01-01,x\n", "qty", "row 2"),
    (b"sku,date,qty\na,2025-01-01,-1\n", "qty", "negative"),
    (b"sku,date,qty\n,2025-01-01,1\n", "sku", "empty SKU"),
    (b"sku,date,qty\n", "input", "no data rows"),
    (b"\x81\x30\xff\xfe\x00\xa0", "input", "GB18030"),
])
def test_bad_csv_is_refused_with_the_row_and_column(content: bytes, field: str,
                                                    words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_sales_csv(content, "sales.csv")
    assert caught.value.field == field
    assert caught.value.code == "forecast.bad_input"
    assert words in caught.value.message


def test_history_runs_to_the_given_end_day() -> None:
    frame = pd.DataFrame({"unique_id": ["a"], "ds": ["2025-01-01"], "y": [1.0]})
    wide = fc.to_wide(frame, end=date(2025, 1, 1) + timedelta(days=3))
    assert len(wide) == 4
