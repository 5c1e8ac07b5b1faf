"""需求预测 use cases: forecast the shop's SKUs from paid order lines (`demand_outlook`, what
replenishment reads), run and store a forecast with its accuracy (`run_forecast`), show the
last run (`last_run`), and backtest any sales history CSV (`backtest_csv`, the Contract of
`shopops forecast backtest`). The models and the accuracy rules are in `forecasting.py`.

Demand is units of paid order lines by the store's paid day (付款日), per SKU over all
warehouses (order lines carry no warehouse), so outlooks are keyed (sku_id, None).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, select

from shopops.catalog import service as catalog
from shopops.core.errors import ValidationError
from shopops.core.uow import UnitOfWork
from shopops.inventory import forecasting
from shopops.inventory.forecast_models import ForecastRun, ForecastSeries
from shopops.orders.models import Order, OrderLine
from shopops.pricing.calendar import phase_on

HISTORY_DAYS = 730  # two years of daily sales feed a forecast
DEFAULT_HORIZON = 28
DEFAULT_FOLDS = 3
KEEP_RUNS = 20  # older stored runs of the same store are dropped


class ForecastInputError(ValidationError):
    code = "forecast.bad_input"


@dataclass(frozen=True)
class DemandOutlook:
    """Expected demand of one SKU (× warehouse; None = all warehouses) over the horizon.
    `daily_mean` is ordinary demand (units/day); promotion days add `promo_uplift[day]` units
    on top (negative in a warm-up lull), so expected units = daily_mean × horizon_days +
    Σ promo_uplift. `daily_sigma` is the std of the daily error on the holdout."""

    sku_id: int
    warehouse_id: int | None
    daily_mean: float
    daily_sigma: float
    horizon_days: int
    model: str
    promo_uplift: dict[date, float] = field(default_factory=dict)

    @property
    def expected_units(self) -> float:
        return self.daily_mean * self.horizon_days + sum(self.promo_uplift.values())


# ---------------------------------------------------------------- loading


def daily_sales(uow: UnitOfWork, *, first: date, last: date,
                store_id: int | None = None) -> pd.DataFrame:
    """Long frame unique_id (sku id), ds, y: units of paid order lines per SKU per paid day."""
    query = (select(OrderLine.sku_id, Order.paid_date, func.sum(OrderLine.quantity))
             .join(Order, Order.id == OrderLine.order_id)
             .where(Order.paid_date.is_not(None), Order.paid_date >= first,
                    Order.paid_date <= last)
             .group_by(OrderLine.sku_id, Order.paid_date))
    if store_id is not None:
        query = query.where(Order.store_id == store_id)
    rows = uow.session.execute(query).all()
    return pd.DataFrame([(int(s), d, float(q)) for s, d, q in rows],
                        columns=["unique_id", "ds", "y"])


def _history(uow: UnitOfWork, as_of: date, store_id: int | None) -> pd.DataFrame:
    first = as_of - timedelta(days=HISTORY_DAYS - 1)
    sales = daily_sales(uow, first=first, last=as_of, store_id=store_id)
    return forecasting.to_wide(sales, end=as_of)


def _outlooks(result: forecasting.Forecast, horizon: int) -> dict[tuple[int, int | None],
                                                                    DemandOutlook]:
    found: dict[tuple[int, int | None], DemandOutlook] = {}
    means = result.base.mean()
    for sku_id in result.base.columns:
        uplift = result.uplift[sku_id]
        days = pd.DatetimeIndex(uplift.index).date
        extra = {day: round(float(v), 3) for day, v in zip(days, uplift.to_numpy(), strict=True)
                 if v != 0.0}
        found[(int(sku_id), None)] = DemandOutlook(
            int(sku_id), None, round(float(means[sku_id]), 4),
            round(float(result.sigma[sku_id]), 4), horizon, str(result.model[sku_id]), extra)
    return found


def demand_outlook(uow: UnitOfWork, *, as_of: date, horizon_days: int,
                   store_id: int | None = None) -> dict[tuple[int, int | None], DemandOutlook]:
    """Demand over the `horizon_days` after `as_of` for every SKU sold in the two years up to
    `as_of`, keyed (sku_id, None). Reuses a stored run of the same day, store and horizon."""
    if horizon_days < 1:
        raise ValidationError("horizon_days must be ≥ 1", field="horizon_days")
    stored = _stored_outlooks(uow, as_of, horizon_days, store_id)
    if stored is not None:
        return stored
    wide = _history(uow, as_of, store_id)
    result = forecasting.forecast(wide=wide, horizon=horizon_days)
    return _outlooks(result, horizon_days)


def _stored_outlooks(uow: UnitOfWork, as_of: date, horizon: int, store_id: int | None
                     ) -> dict[tuple[int, int | None], DemandOutlook] | None:
    run_id = uow.session.scalar(
        select(ForecastRun.id).where(ForecastRun.as_of == as_of,
                                     ForecastRun.horizon_days == horizon,
                                     ForecastRun.store_id.is_(None) if store_id is None
                                     else ForecastRun.store_id == store_id)
        .order_by(ForecastRun.created_at.desc(), ForecastRun.id.desc()).limit(1))
    if run_id is None:
        return None
    found: dict[tuple[int, int | None], DemandOutlook] = {}
    start = as_of + timedelta(days=1)
    for s in uow.session.scalars(select(ForecastSeries).where(ForecastSeries.run_id == run_id)):
        uplift = s.daily.get("uplift", [])
        extra = {start + timedelta(days=i): float(v) for i, v in enumerate(uplift) if v}
        found[(s.sku_id, s.warehouse_id)] = DemandOutlook(
            s.sku_id, s.warehouse_id, s.daily_mean, s.daily_sigma, horizon, s.model, extra)
    return found


# ---------------------------------------------------------------- stored runs


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    as_of: date
    horizon_days: int
    folds: int
    series: int
    model: dict[str, float | None]
    seasonal_naive: dict[str, float | None]
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "as_of": self.as_of.isoformat(),
                "horizon": self.horizon_days, "folds": self.folds, "series": self.series,
                "model": self.model, "seasonal_naive": self.seasonal_naive,
                "seconds": round(self.seconds, 2)}


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def run_forecast(uow: UnitOfWork, *, as_of: date, horizon_days: int = DEFAULT_HORIZON,
                 folds: int = DEFAULT_FOLDS, store_id: int | None = None) -> RunSummary:
    """Forecast every SKU sold in the last two years, measure accuracy on a rolling holdout
    and store the run (one transaction)."""
    if horizon_days < 1 or folds < 1:
        raise ValidationError("horizon and folds must be ≥ 1",
                              field="horizon" if horizon_days < 1 else "folds")
    started = time.perf_counter()
    wide = _history(uow, as_of, store_id)
    result = forecasting.forecast(wide=wide, horizon=horizon_days)
    per = pd.DataFrame()
    overall: tuple[dict[str, float | None], dict[str, float | None]] = ({}, {})
    if len(wide) > folds * horizon_days + 2 * forecasting.SEASON and not wide.empty:
        bt = forecasting.backtest(wide, horizon=horizon_days, folds=folds)
        per, overall = bt.per_series, (bt.model, bt.seasonal_naive)
    seconds = time.perf_counter() - started
    names = ("wape", "mase", "bias")
    run = ForecastRun(store_id=store_id, as_of=as_of, horizon_days=horizon_days, folds=folds,
                      series=int(wide.shape[1]), seconds=seconds, created_at=uow.now(),
                      **{n: overall[0].get(n) for n in names},
                      **{f"sn_{n}": overall[1].get(n) for n in names})
    uow.session.add(run)
    uow.session.flush()
    means = result.base.mean()
    for sku_id in result.base.columns:
        acc = per.loc[sku_id] if sku_id in per.index else None
        uow.session.add(ForecastSeries(
            run_id=run.id, sku_id=int(sku_id), warehouse_id=None,
            model=str(result.model[sku_id]), demand_class=str(result.demand_class[sku_id]),
            daily_mean=round(float(means[sku_id]), 4),
            daily_sigma=round(float(result.sigma[sku_id]), 4),
            daily={"base": [round(float(v), 3) for v in result.base[sku_id]],
                   "uplift": [round(float(v), 3) for v in result.uplift[sku_id]]},
            actual_units=None if acc is None else _num(acc["actual"]),
            **{k: None if acc is None else _num(acc[k])
               for k in ("wape", "mase", "bias", "sn_wape", "sn_mase", "sn_bias")}))
    _prune(uow, store_id)
    return RunSummary(run.id, as_of, horizon_days, folds, run.series, overall[0], overall[1],
                      seconds)


def _prune(uow: UnitOfWork, store_id: int | None) -> None:
    same = (ForecastRun.store_id.is_(None) if store_id is None
            else ForecastRun.store_id == store_id)
    old = list(uow.session.scalars(select(ForecastRun.id).where(same)
                                   .order_by(ForecastRun.id.desc()).offset(KEEP_RUNS)))
    if old:
        uow.session.execute(delete(ForecastSeries).where(ForecastSeries.run_id.in_(old)))
        uow.session.execute(delete(ForecastRun).where(ForecastRun.id.in_(old)))


ACCURACY_HEADERS = ["SKU", "名称", "模型", "需求类型", "日均预测", "日误差σ", "实际销量",
                    "WAPE", "MASE", "偏差", "季节朴素 WAPE", "季节朴素 MASE", "季节朴素 偏差"]


def last_run(uow: UnitOfWork, store_id: int | None = None) -> dict[str, Any] | None:
    """The latest stored run (of one store, or of the whole shop) with its per-SKU rows."""
    same = (ForecastRun.store_id.is_(None) if store_id is None
            else ForecastRun.store_id == store_id)
    run = uow.session.scalar(select(ForecastRun).where(same)
                             .order_by(ForecastRun.id.desc()).limit(1))
    if run is None:
        return None
    series = list(uow.session.scalars(select(ForecastSeries)
                                      .where(ForecastSeries.run_id == run.id)))
    names = catalog.sku_codes(uow, [s.sku_id for s in series])
    rows = [{"sku": names[s.sku_id][0], "sku_id": s.sku_id, "name": names[s.sku_id][1],
             "model": s.model, "demand_class": s.demand_class, "daily_mean": s.daily_mean,
             "daily_sigma": s.daily_sigma, "actual_units": s.actual_units,
             "wape": s.wape, "mase": s.mase, "bias": s.bias,
             "sn_wape": s.sn_wape, "sn_mase": s.sn_mase, "sn_bias": s.sn_bias}
            for s in series]
    rows.sort(key=lambda r: -float(r["actual_units"] or 0.0))
    return {"run_id": run.id, "as_of": run.as_of.isoformat(), "horizon": run.horizon_days,
            "folds": run.folds, "series": run.series, "seconds": round(run.seconds, 2),
            "created_at": run.created_at.isoformat(),
            "model": {"wape": run.wape, "mase": run.mase, "bias": run.bias},
            "seasonal_naive": {"wape": run.sn_wape, "mase": run.sn_mase, "bias": run.sn_bias},
            "skus": rows}


def accuracy_rows(run: dict[str, Any]) -> list[list[Any]]:
    keys = ("sku", "name", "model", "demand_class", "daily_mean", "daily_sigma", "actual_units",
            "wape", "mase", "bias", "sn_wape", "sn_mase", "sn_bias")
    return [[r[k] for k in keys] for r in run["skus"]]


def sku_forecast(uow: UnitOfWork, sku_id: int) -> dict[str, Any] | None:
    """The SKU's forecast in the latest run that has it: days and units (base + uplift)."""
    found = uow.session.execute(
        select(ForecastSeries, ForecastRun.as_of)
        .join(ForecastRun, ForecastRun.id == ForecastSeries.run_id)
        .where(ForecastSeries.sku_id == sku_id)
        .order_by(ForecastRun.id.desc()).limit(1)).first()
    if found is None:
        return None
    s, as_of = found
    base, uplift = s.daily.get("base", []), s.daily.get("uplift", [])
    days = [(as_of + timedelta(days=i + 1)).isoformat() for i in range(len(base))]
    return {"model": s.model, "days": days,
            "units": [round(max(b + u, 0.0), 2) for b, u in zip(base, uplift, strict=False)],
            "wape": s.wape, "sn_wape": s.sn_wape}


# ---------------------------------------------------------------- CSV backtest (Contract)


def _decode(raw: bytes, name: str) -> str:
    if not raw.strip():
        raise ForecastInputError(f"{name} is empty", field="input")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ForecastInputError(f"{name}: not UTF-8, UTF-16 or GB18030 text", field="input")


def read_sales_csv(raw: bytes, name: str = "input") -> pd.DataFrame:
    """CSV `sku,date,qty` (optional `warehouse`) → long unique_id, ds, y. Errors name the
    row (1 = the header) and the column."""
    text = _decode(raw, name)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ForecastInputError(f"{name}: not a readable CSV ({exc})", field="input") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("sku", "date", "qty") if c not in frame.columns]
    if missing:
        raise ForecastInputError(f"{name}: missing column(s) {', '.join(missing)} (have: "
                                 f"{', '.join(frame.columns)})", field=missing[0])
    if frame.empty:
        raise ForecastInputError(f"{name}: no data rows", field="input")
    sku = frame["sku"].str.strip()
    days = pd.to_datetime(frame["date"].str.strip(), errors="coerce", format="mixed")
    qty = pd.to_numeric(frame["qty"].str.strip(), errors="coerce")
    for column, bad, why in (("sku", sku == "", "empty SKU"),
                             ("date", days.isna(), "not a date"),
                             ("qty", qty.isna() | ~np.isfinite(qty), "not a number"),
                             ("qty", qty < 0, "negative quantity")):
        if bad.any():
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise ForecastInputError(
                f"{name} row {first + 2}, column {column}: {why} "
                f"({frame[column].iloc[first]!r}); {int(bad.sum())} such row(s)", field=column)
    uid = sku
    if "warehouse" in frame.columns:
        wh = frame["warehouse"].str.strip()
        uid = sku.where(wh == "", sku + "@" + wh)
    return pd.DataFrame({"unique_id": uid, "ds": days.dt.normalize(), "y": qty.astype(float)})


def backtest_csv(path: Path, *, horizon: int, folds: int = DEFAULT_FOLDS,
                 promotions: bool = True) -> forecasting.Backtest:
    """Rolling-origin backtest of the forecaster vs seasonal naive on a sales CSV."""
    if horizon < 1:
        raise ValidationError("--horizon must be ≥ 1", field="horizon")
    if folds < 1:
        raise ValidationError("--folds must be ≥ 1", field="folds")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ForecastInputError(f"cannot read {path}: {exc.strerror}", field="input") from exc
    wide = forecasting.to_wide(read_sales_csv(raw, path.name))
    needed = folds * horizon + 2 * forecasting.SEASON
    if len(wide) < needed:
        raise ForecastInputError(
            f"{path.name}: {len(wide)} days of history; {folds} fold(s) of {horizon} days need "
            f"at least {needed}", field="horizon")
    try:
        return forecasting.backtest(wide, horizon=horizon, folds=folds,
                                    calendar=phase_on if promotions else None)
    except ValueError as exc:
        raise ForecastInputError(str(exc), field="input") from exc


def default_as_of(uow: UnitOfWork, timezone: str) -> date:
    """The last complete business day with sales (yesterday at the latest): today is partial."""
    from shopops.core.clock import business_date

    yesterday = business_date(uow.now(), timezone) - timedelta(days=1)
    latest = uow.session.scalar(select(func.max(Order.paid_date))
                                .where(Order.paid_date <= yesterday))
    return latest or yesterday
