"""需求预测 demand forecasting rules (pure: a sales history in, forecasts out; no database, no
clock — the caller says where the history ends). Wraps Nixtla statsforecast.

Input: a long frame `unique_id, ds, y` (one row per series and day with sales; missing days are
zero sales). Each series starts at its first sale (a SKU launched later is not "zero" before).

Per series:
1. Big-promotion days (the promotion calendar: 年货节, 3·8, 618, 818, 双11, 双12 with their
   预热/爆发/尾声 phases) are replaced in the history by a baseline — the mean of the ordinary
   days in the 56 days before — so a 双11 spike does not inflate ordinary days.
2. The series is classified by ADI (average days between sales) and CV² of the non-zero sales
   (Syntetos–Boylan): ADI ≥ 1.32 is intermittent/lumpy.
3. A model is chosen on a holdout of the last `h` days (smallest MAE on the cleaned series):
   seasonal naive (7), AutoETS (additive weekly season), Theta (season 7) for regular sellers;
   Croston (SBA), ADIDA, IMAPA for slow, intermittent sellers. The chosen model is refit
   on the whole history and forecasts the horizon.
4. An uplift factor per (campaign, phase) is learned from history (Σ actual ÷ Σ baseline on
   those days, per series shrunk towards the pooled factor by a week of baseline) and put back
   on the forecast's promotion days: next year's 双11 is anticipated.

Accuracy (`backtest`): rolling origin, `folds` windows of `h` days ending at the last day; per
series and overall WAPE = Σ|F−A| ÷ ΣA, bias = Σ(F−A) ÷ ΣA (positive = over-forecast), MASE =
MAE ÷ in-sample MAE of the seasonal naive (7) step; the same for plain seasonal naive on the raw
history (no promotion treatment) as the yardstick. Overall MASE = mean over series×folds.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from shopops.pricing.calendar import phase_on

SEASON = 7
ADI_INTERMITTENT = 1.32  # Syntetos–Boylan cut-off on the average demand interval
CV2_LUMPY = 0.49
BASELINE_WINDOW = 56  # days of ordinary sales that make a promotion day's baseline
MIN_HISTORY = 2 * SEASON  # shorter series get the recent mean ("window_average")
SEASONAL_NAIVE = "seasonal_naive"
Calendar = Callable[[date], tuple[str, str] | None]

os.environ.setdefault("NIXTLA_ID_AS_COL", "1")


@dataclass(frozen=True)
class Forecast:
    """Forecasts of each series over the horizon (wide frames: rows = days, columns = series)."""

    base: pd.DataFrame  # the model's forecast of ordinary demand
    uplift: pd.DataFrame  # extra (or fewer) units on promotion days, learned from history
    model: pd.Series  # chosen model per series
    demand_class: pd.Series  # smooth / erratic / intermittent / lumpy
    sigma: pd.Series  # std of the daily error of the chosen model on the holdout

    @property
    def total(self) -> pd.DataFrame:
        return (self.base + self.uplift).clip(lower=0.0)


def to_wide(history: pd.DataFrame, end: date | None = None) -> pd.DataFrame:
    """Daily matrix (days × series) from a long `unique_id, ds, y` frame: missing days are 0,
    days before a series' first sale are NaN (not yet on sale)."""
    if history.empty:
        return pd.DataFrame(dtype=float)
    frame = history.assign(ds=pd.to_datetime(history["ds"]))
    wide = frame.pivot_table(index="ds", columns="unique_id", values="y", aggfunc="sum")
    last = pd.Timestamp(end) if end is not None else wide.index.max()
    days = pd.date_range(wide.index.min(), last, freq="D")
    wide = wide.reindex(days).fillna(0.0).astype(float)
    started = (wide > 0).cumsum() > 0
    return wide.where(started)


def promotion_labels(days: pd.DatetimeIndex, calendar: Calendar | None = phase_on) -> pd.Series:
    """'campaign:phase' for each day on the promotion calendar, '' for ordinary days."""
    if calendar is None:
        return pd.Series("", index=days)
    labels = []
    for day in days:
        found = calendar(day.date())
        labels.append(f"{found[0]}:{found[1]}" if found else "")
    return pd.Series(labels, index=days)


def classify(wide: pd.DataFrame) -> pd.Series:
    """smooth / erratic / intermittent / lumpy per series (ADI and CV² of non-zero sales)."""
    values = wide.to_numpy()
    sold = values > 0
    active = ~np.isnan(values)
    n_sold = sold.sum(axis=0)
    adi = np.where(n_sold > 0, active.sum(axis=0) / np.maximum(n_sold, 1), np.inf)
    nz = np.where(sold, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = nz.sum(axis=0) / n_sold  # NaN for a series without sales: not lumpy
        var = (np.where(sold, values - mean, 0.0) ** 2).sum(axis=0) / n_sold
        cv2 = var / mean**2
    intermittent = adi >= ADI_INTERMITTENT
    lumpy = np.nan_to_num(cv2) >= CV2_LUMPY
    names = np.where(intermittent, np.where(lumpy, "lumpy", "intermittent"),
                     np.where(lumpy, "erratic", "smooth"))
    return pd.Series(names, index=wide.columns)


def clean_promotions(wide: pd.DataFrame, labels: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cleaned history, baseline): promotion days replaced by the trailing mean of ordinary
    days, so the model sees ordinary demand only."""
    promo = np.broadcast_to((labels == "").to_numpy()[:, None], wide.shape)
    ordinary = wide.where(promo)
    baseline = ordinary.rolling(BASELINE_WINDOW, min_periods=SEASON).mean().ffill()
    baseline = baseline.fillna(ordinary.mean()).fillna(0.0).where(wide.notna())
    cleaned = wide.where(promo, baseline)
    return cleaned, baseline


def uplift_factors(wide: pd.DataFrame, baseline: pd.DataFrame,
                   labels: pd.Series) -> pd.DataFrame:
    """Factor per (label × series): actual ÷ baseline on that campaign phase's days, shrunk
    towards the pooled factor of all series by one week of the series' baseline."""
    promo = labels != ""
    if not promo.any():
        return pd.DataFrame(columns=wide.columns, dtype=float)
    actual = wide[promo.to_numpy()].groupby(labels[promo].to_numpy()).sum(min_count=1)
    base = baseline[promo.to_numpy()].groupby(labels[promo].to_numpy()).sum(min_count=1)
    pooled = actual.sum(axis=1) / base.sum(axis=1).replace(0.0, np.nan)
    prior = SEASON * baseline.mean()  # a week of ordinary demand
    num = actual.fillna(0.0) + np.outer(pooled.fillna(1.0), prior.fillna(0.0))
    den = base.fillna(0.0) + np.outer(np.ones(len(base)), prior.fillna(0.0))
    factor = (num / den.replace(0.0, np.nan)).fillna(1.0)
    return factor.clip(lower=0.0)


def _models(kind: str) -> list[Any]:
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        AutoETS,
        CrostonSBA,
        SeasonalNaive,
        Theta,
    )

    if kind == "regular":
        return [SeasonalNaive(SEASON, alias=SEASONAL_NAIVE),
                AutoETS(season_length=SEASON, model="ANA", alias="auto_ets"),
                Theta(season_length=SEASON, alias="theta")]
    return [CrostonSBA(alias="croston_sba"), ADIDA(alias="adida"), IMAPA(alias="imapa")]


def _by_name(name: str) -> Any:
    for kind in ("regular", "intermittent"):
        for model in _models(kind):
            if model.alias == name:
                return model
    raise KeyError(name)


def _long(wide: pd.DataFrame) -> pd.DataFrame:
    frame = wide.stack(future_stack=True).dropna().reset_index()
    frame.columns = ["ds", "unique_id", "y"]
    return frame[["unique_id", "ds", "y"]]


def _run(models: list[Any], wide: pd.DataFrame, h: int, n_jobs: int = 1) -> pd.DataFrame:
    """statsforecast over the columns of `wide`; returns rows = h days, columns MultiIndex
    (model, series)."""
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    sf = StatsForecast(models=models, freq="D", n_jobs=n_jobs, fallback_model=Naive())
    with warnings.catch_warnings():  # Theta's seasonality test divides by a constant series'
        warnings.simplefilter("ignore", RuntimeWarning)  # zero variance; the fit is fine
        out = sf.forecast(df=_long(wide), h=h)
    names = [m.alias for m in models]
    wide_out: pd.DataFrame = out.pivot(index="ds", columns="unique_id", values=names)
    return wide_out.reindex(columns=pd.MultiIndex.from_product([names, wide.columns]))


def _window_average(wide: pd.DataFrame, h: int) -> pd.DataFrame:
    mean = wide.tail(4 * SEASON).mean().fillna(0.0)
    days = pd.date_range(wide.index[-1] + pd.Timedelta(days=1), periods=h, freq="D")
    return pd.DataFrame(np.tile(mean.to_numpy(), (h, 1)), index=days, columns=wide.columns)


def forecast(history: pd.DataFrame | None = None, *, horizon: int, end: date | None = None,
             calendar: Calendar | None = phase_on, train_days: int = 364,
             wide: pd.DataFrame | None = None, n_jobs: int = 1) -> Forecast:
    """Choose a model per series on a holdout, refit it and forecast `horizon` days after `end`
    (default: the history's last day)."""
    if horizon < 1:
        raise ValueError("horizon must be ≥ 1")
    raw = wide if wide is not None else to_wide(history if history is not None
                                                 else pd.DataFrame(), end)
    if raw.empty:
        empty = pd.DataFrame(dtype=float)
        return Forecast(empty, empty, pd.Series(dtype=str), pd.Series(dtype=str),
                        pd.Series(dtype=float))
    labels = promotion_labels(pd.DatetimeIndex(raw.index), calendar)
    cleaned, baseline = clean_promotions(raw, labels)
    factors = uplift_factors(raw, baseline, labels)
    cleaned = cleaned.tail(train_days)
    hold = min(max(horizon, SEASON), 28)
    length = cleaned.notna().sum()
    classes = classify(cleaned)
    future = pd.date_range(raw.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")

    chosen = pd.Series("window_average", index=raw.columns, dtype=object)
    sigma = cleaned.tail(4 * SEASON).std().fillna(0.0)
    base = _window_average(cleaned, horizon)
    enough = length >= hold + MIN_HISTORY
    for kind, members in (("regular", enough & classes.isin(["smooth", "erratic"])),
                          ("intermittent", enough & classes.isin(["intermittent", "lumpy"]))):
        cols = members[members].index
        if len(cols) == 0:
            continue
        models = _models(kind)
        train, test = cleaned[cols].iloc[:-hold], cleaned[cols].iloc[-hold:]
        trial = _run(models, train, hold, n_jobs)
        errors = {m.alias: (trial[m.alias].to_numpy() - test.to_numpy()) for m in models}
        mae = pd.DataFrame({name: np.nanmean(np.abs(e), axis=0) for name, e in errors.items()},
                           index=cols)
        best = mae.fillna(np.inf).idxmin(axis=1)
        chosen.loc[cols] = best.to_numpy()
        for name in best.unique():
            picked = best[best == name].index
            err = pd.DataFrame(errors[name], columns=cols)[picked]
            sigma[picked] = err.std(ddof=1 if hold > 1 else 0).fillna(0.0)
            refit = _run([_by_name(name)], cleaned[picked], horizon, n_jobs)[name]
            base.loc[:, picked] = refit.to_numpy()
    base = base.clip(lower=0.0)
    future_labels = promotion_labels(future, calendar)
    uplift = pd.DataFrame(0.0, index=future, columns=raw.columns)
    for label in set(future_labels[future_labels != ""]):
        if label in factors.index:
            rows = (future_labels == label).to_numpy()
            uplift.loc[rows] = base.loc[rows] * (factors.loc[label] - 1.0)
    return Forecast(base, uplift, chosen, classes, sigma.clip(lower=0.0))


def seasonal_naive(wide: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """The yardstick (what a spreadsheet does): repeat the last week."""
    last = wide.tail(SEASON).fillna(0.0).to_numpy()
    reps = -(-horizon // SEASON)
    values = np.tile(last, (reps, 1))[:horizon] if len(last) == SEASON else np.zeros(
        (horizon, wide.shape[1]))
    days = pd.date_range(wide.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    return pd.DataFrame(values, index=days, columns=wide.columns)


def mase_scale(wide: pd.DataFrame) -> pd.Series:
    """In-sample mean |y_t − y_{t−7}| per series (the seasonal-naive step error)."""
    return (wide - wide.shift(SEASON)).abs().mean()


def accuracy(errors: pd.DataFrame) -> dict[str, float | None]:
    """Overall WAPE / MASE / bias from per series×fold rows
    (abs_error, error, actual, mae, scale)."""
    actual = float(errors["actual"].sum())
    scaled = errors["mae"] / errors["scale"].where(errors["scale"] > 0)
    return {
        "wape": round(float(errors["abs_error"].sum()) / actual, 4) if actual else None,
        "mase": round(float(scaled.mean()), 4) if scaled.notna().any() else None,
        "bias": round(float(errors["error"].sum()) / actual, 4) if actual else None,
    }


def _fold_errors(pred: pd.DataFrame, actual: pd.DataFrame, scale: pd.Series) -> pd.DataFrame:
    diff = pred.to_numpy() - actual.to_numpy()
    return pd.DataFrame({"abs_error": np.nansum(np.abs(diff), axis=0),
                         "error": np.nansum(diff, axis=0),
                         "actual": np.nansum(actual.to_numpy(), axis=0),
                         "mae": np.nanmean(np.abs(diff), axis=0),
                         "scale": scale.to_numpy()}, index=actual.columns)


@dataclass(frozen=True)
class Backtest:
    model: dict[str, float | None]
    seasonal_naive: dict[str, float | None]
    series: int
    folds: int
    horizon: int
    per_series: pd.DataFrame  # per series: model, class, wape/mase/bias and sn_* columns

    def as_json(self) -> dict[str, Any]:
        return {"model": self.model, "seasonal_naive": self.seasonal_naive,
                "series": self.series, "folds": self.folds, "horizon": self.horizon,
                "models_chosen": {str(k): int(v) for k, v in
                                  self.per_series["model"].value_counts().items()}}


def backtest(wide: pd.DataFrame, *, horizon: int, folds: int = 3,
             calendar: Calendar | None = phase_on, train_days: int = 364) -> Backtest:
    """Rolling-origin holdout: `folds` consecutive windows of `horizon` days at the end of the
    history; each forecast only sees the days before its window."""
    if horizon < 1 or folds < 1:
        raise ValueError("horizon and folds must be ≥ 1")
    ours, naive, chosen = [], [], {}
    classes = classify(wide)
    for fold in range(folds, 0, -1):
        cut = len(wide) - fold * horizon
        past, actual = wide.iloc[:cut], wide.iloc[cut:cut + horizon]
        keep = past.columns[past.notna().sum() >= 2 * SEASON]
        if len(keep) == 0:
            continue
        past, actual = past[keep], actual[keep].fillna(0.0)
        scale = mase_scale(past)
        result = forecast(wide=past, horizon=horizon, calendar=calendar, train_days=train_days)
        ours.append(_fold_errors(result.total[keep], actual, scale))
        naive.append(_fold_errors(seasonal_naive(past, horizon), actual, scale))
        chosen.update(result.model.to_dict())
    if not ours:
        raise ValueError("no series has enough history before the first holdout window")
    mine, yard = pd.concat(ours), pd.concat(naive)
    per = _per_series(mine, yard)
    per["model"] = pd.Series(chosen, dtype=object)
    per["class"] = classes
    return Backtest(accuracy(mine), accuracy(yard), int(per.shape[0]), folds, horizon, per)


def _per_series(mine: pd.DataFrame, yard: pd.DataFrame) -> pd.DataFrame:
    def summary(rows: pd.DataFrame, prefix: str) -> pd.DataFrame:
        g = rows.groupby(level=0)
        total = g[["abs_error", "error", "actual"]].sum()
        scaled = (rows["mae"] / rows["scale"].where(rows["scale"] > 0)).groupby(level=0).mean()
        den = total["actual"].replace(0.0, np.nan)
        return pd.DataFrame({f"{prefix}wape": total["abs_error"] / den,
                             f"{prefix}mase": scaled, f"{prefix}bias": total["error"] / den,
                             f"{prefix}actual": total["actual"]})

    per = summary(mine, "").join(summary(yard, "sn_").drop(columns="sn_actual"))
    return per

