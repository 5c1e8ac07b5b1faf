"""Forecast + replenishment at M5 scale (issue 5): N SKU series of two years of daily sales,
generated M5-like (most series slow and intermittent, the rest regular with a weekly rhythm,
every series reacting to the promotion calendar — 双11 the strongest), then

- ShopOps: `forecasting.forecast` (model per series on a holdout, promotion days treated
  explicitly) → `replenishment.suggest` per series (safety stock at 95%, reorder point,
  order-up-to with the promotion build-up),
- baseline (what a spreadsheet does): seasonal naive (repeat last week) + fixed min/max
  (min = last week's daily average × (lead time + 7 days), max = min + 30 days of it),

both on the same series in one run. Accuracy: WAPE of the daily forecast over the 28 days after
the history. Replenishment: the 28 days are played day by day for both policies from the same
opening stock (demand served from stock, orders arrive after the lead time, whole case packs):
fill rate (units served ÷ demanded) and average stock. Wall time and peak memory
(benchmarks/measure.py) of the ShopOps route are printed, and its CPU time (the machine is
shared: wall time depends on what else runs).

    .venv/bin/python benchmarks/replenish.py --series 500
    .venv/bin/python benchmarks/replenish.py            # 30,000 series (target ≤ 10 min)

Measured 2026-11-30 on the shared 2-core VM (load average 8–9 from other work, so the process
got about a quarter of a core): 30,000 series, history to 2026-10-31 (holdout holds 双11):
ShopOps WAPE 0.401 vs baseline 0.680, fill rate 0.946 vs 0.944 with average stock 34.1 vs
67.0 units; CPU 296 s, wall 1,250 s, peak 1,344 MB. 3,000 series to 2026-09-30: WAPE 0.435 vs
0.586, fill rate 0.947 vs 0.964 with average stock 25.9 vs 40.0; CPU 27 s.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import peak_rss_mb

from shopops.inventory import forecasting
from shopops.inventory.replenishment import ReorderInput, suggest

PROMO_EFFECT = {"warm_up": 0.15, "peak": 1.0, "tail": 0.4}  # × the series' promo intensity
CAMPAIGN_SIZE = {"double11": 5.0, "mid618": 3.0, "double12": 2.0}  # others: 1.0


def generate(n: int, days: pd.DatetimeIndex, seed: int) -> np.ndarray:
    """Daily units (days × series): lognormal levels (median ≈ 0.7/day: mostly slow sellers),
    weekly rhythm, mild yearly wave and drift, promotion uplift, launches in the first year."""
    rng = np.random.default_rng(seed)
    t = np.arange(len(days))[:, None]
    level = rng.lognormal(np.log(0.7), 1.3, n)
    weekly = 1 + rng.uniform(0, 0.5, n) * np.where(days.day_of_week >= 5, 1.0, -0.3)[:, None]
    yearly = 1 + rng.uniform(0, 0.2, n) * np.sin(2 * np.pi * (t / 365.25 + rng.random(n)))
    drift = np.exp(rng.normal(0, 0.0006, n) * t)
    intensity = rng.uniform(0.3, 1.5, n)
    promo = np.ones((len(days), 1))
    for i, day in enumerate(days):
        found = forecasting.phase_on(day.date())
        if found:
            promo[i] = 1 + PROMO_EFFECT[found[1]] * CAMPAIGN_SIZE.get(found[0], 1.0)
    uplift = 1 + (promo - 1) * intensity
    rate = level * weekly * yearly * drift * uplift
    units = rng.poisson(rate).astype(float)
    launch = np.where(rng.random(n) < 0.2, rng.integers(0, 365, n), 0)
    units[t < launch] = np.nan
    return units


def wape(pred: np.ndarray, actual: np.ndarray) -> float:
    return float(np.abs(pred - actual).sum() / actual.sum())


def simulate(actual: np.ndarray, opening: np.ndarray, lead: np.ndarray, trigger: np.ndarray,
             target: np.ndarray, case: np.ndarray) -> tuple[float, float]:
    """(fill rate, average stock) of an (s, S) policy reviewed daily over the holdout."""
    horizon, n = actual.shape
    stock = opening.astype(float).copy()
    arrivals = np.zeros((horizon + int(lead.max()) + 1, n))
    pipeline = np.zeros(n)
    served_total, stock_total = 0.0, 0.0
    cols = np.arange(n)
    for day in range(horizon):
        stock += arrivals[day]
        pipeline -= arrivals[day]
        served = np.minimum(stock, actual[day])
        stock -= served
        served_total += served.sum()
        position = stock + pipeline
        need = np.where(position <= trigger, target - position, 0.0)
        qty = np.ceil(np.maximum(need, 0) / case) * case
        arrivals[day + lead, cols] += qty
        pipeline += qty
        stock_total += stock.sum()
    return served_total / actual.sum(), stock_total / horizon / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=30_000)
    parser.add_argument("--history-days", type=int, default=730)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--end", default="2026-10-31", help="last day of history (the 28 days "
                        "after 2026-10-31 hold 双11)")
    parser.add_argument("--train-days", type=int, default=182,
                        help="most recent days each model is fitted on")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1, help="statsforecast processes")
    args = parser.parse_args()

    end = date.fromisoformat(args.end)
    days = pd.date_range(end - timedelta(days=args.history_days - 1),
                         end + timedelta(days=args.horizon), freq="D")
    units = generate(args.series, days, args.seed)
    hist = args.history_days
    history = pd.DataFrame(units[:hist], index=days[:hist])
    actual = np.nan_to_num(units[hist:])
    rng = np.random.default_rng(args.seed + 1)
    lead = rng.integers(3, 21, args.series)
    case = rng.choice([1, 6, 12], args.series)
    recent = np.nan_to_num(units[hist - 28:hist]).mean(axis=0)
    opening = np.ceil(recent * rng.uniform(10, 40, args.series))
    print(f"{args.series:,} series × {hist} days to {end}, horizon {args.horizon} days; "
          f"{int(np.isnan(units[:hist]).all(axis=0).sum())} never sold")

    started, cpu = time.perf_counter(), time.process_time()
    result = forecasting.forecast(wide=history, horizon=args.horizon, train_days=args.train_days,
                                  n_jobs=args.jobs)
    forecast_s = time.perf_counter() - started
    total = result.total.to_numpy()
    base_mean = result.base.mean().to_numpy()
    sigma = result.sigma.to_numpy()
    step = time.perf_counter()
    trigger, target = np.zeros(args.series), np.zeros(args.series)
    for i, col in enumerate(history.columns):
        uplift = result.uplift[col]
        extra = {d.date(): float(v) for d, v in uplift[uplift != 0].items()}
        s = suggest(ReorderInput(
            sku=str(col), warehouse="WH", daily_mean=float(base_mean[i]),
            daily_sigma=float(sigma[i]), lead_time_days=float(lead[i]),
            lead_time_sigma=0.0, review_days=7, service_level=0.95,
            on_hand=int(opening[i]), incoming=0, reserved=0, case_pack=int(case[i]),
            promo_uplift=extra), end)
        trigger[i], target[i] = s.reorder_point + s.promo_build_up, s.order_up_to
    replenish_s = time.perf_counter() - step
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_mb()

    step = time.perf_counter()
    naive = forecasting.seasonal_naive(history, args.horizon).to_numpy()
    level = np.nan_to_num(history.tail(7).mean().to_numpy())
    low, high = level * (lead + 7), level * (lead + 37)
    naive_s = time.perf_counter() - step
    ours_fill, ours_stock = simulate(actual, opening, lead, trigger, target, case)
    base_fill, base_stock = simulate(actual, opening, lead, low, high, case)
    promo = np.array([forecasting.phase_on(d.date()) is not None for d in days[hist:]])

    print(f"forecast {forecast_s:.1f} s · replenishment rule {replenish_s:.1f} s · "
          f"models chosen {result.model.value_counts().to_dict()}")
    print()
    print("| route | wall s | CPU s | peak MB | WAPE | WAPE promo days | WAPE other days "
          "| fill rate | avg stock |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, pred, fill, stock, secs, used, mem in (
            ("ShopOps forecast + reorder rule", total, ours_fill, ours_stock, wall, cpu, peak),
            ("seasonal naive + fixed min/max", naive, base_fill, base_stock, naive_s, naive_s,
             math.nan)):
        print(f"| {name} | {secs:.1f} | {used:.1f} | {mem:.0f} | {wape(pred, actual):.3f} | "
              f"{wape(pred[promo], actual[promo]):.3f} | {wape(pred[~promo], actual[~promo]):.3f}"
              f" | {fill:.3f} | {stock:.1f} |")
    print(f"\ntarget ≤ 600 s: {'met' if wall <= 600 else 'NOT met'}; better WAPE than baseline: "
          f"{'yes' if wape(total, actual) < wape(naive, actual) else 'NO'}")


if __name__ == "__main__":
    main()
