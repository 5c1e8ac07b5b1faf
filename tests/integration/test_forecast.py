"""Demand forecasting as a use case, on SQLite and PostgreSQL: outlooks from paid order lines,
stored runs with their accuracy, the `shopops forecast` commands; and the Contract's backtest
on real retail sales (the M5 Walmart subset in ../shared/data) beating seasonal naive."""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from shopops import cli
from shopops.bootstrap import App
from shopops.core.errors import ShopOpsError
from shopops.inventory.forecast_service import demand_outlook, last_run, run_forecast
from shopops.stores.service import add_store
from tests.conftest import SHARED_DATA, require
from tests.factories import Line, add_category, add_order, add_product, add_sku, shanghai

AS_OF = date(2026, 9, 30)
DAYS = 140
M5 = SHARED_DATA / "m5_walmart_subset"


def daily_units(seed: int = 11) -> list[tuple[date, int, int]]:
    """(day, busy units, slow units): the busy SKU sells Poisson(5) a day, Poisson(10) on
    weekends; the slow one sells 1 unit on about one day in four."""
    rng = np.random.default_rng(seed)
    days = [AS_OF - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    return [(day, int(rng.poisson(10 if day.weekday() >= 5 else 5)), int(rng.random() < 0.25))
            for day in days]


@pytest.fixture
def shop(app: App) -> dict[str, int]:
    """A regular seller with a weekend rhythm and a slow, intermittent one."""
    with app.uow() as uow:
        store = add_store(uow, "tm1", "tmall", name="天猫旗舰店")
        product = add_product(uow, "P1", add_category(uow, "tea", "茶叶"))
        busy = add_sku(uow, "TEA-1", product, price="50", cost="20", name="龙井 250g")
        slow = add_sku(uow, "TEA-2", product, price="500", cost="200", name="大红袍礼盒")
        add_sku(uow, "TEA-3", product, price="10", cost="5", name="never sold")
        for i, (day, many, few) in enumerate(daily_units()):
            lines = [Line(busy, many, str(50 * many))] if many else []
            lines += [Line(slow, 1, "500")] if few else []
            if not lines:
                continue
            add_order(uow, store.id, f"T{i}", lines,
                      paid_at=shanghai(day.year, day.month, day.day, 20))
        return {"store": store.id, "busy": busy.id, "slow": slow.id}


def run_cli(app: App, monkeypatch: pytest.MonkeyPatch, *args: str, code: int = 0) -> str:
    monkeypatch.setattr(cli, "get_app", lambda: app)
    result = CliRunner().invoke(cli.app, list(args))
    if code:  # `shopops` maps a ShopOpsError to its exit code (cli.main)
        assert isinstance(result.exception, ShopOpsError), result.output
        assert result.exception.exit_code == code
        return result.exception.message
    assert result.exit_code == 0, result.output
    return result.output


def test_outlook_per_sku_from_paid_order_lines(app: App, shop: dict[str, int]) -> None:
    with app.reader() as uow:
        outlook = demand_outlook(uow, as_of=AS_OF, horizon_days=14)
    assert set(outlook) == {(shop["busy"], None), (shop["slow"], None)}
    busy, slow = outlook[(shop["busy"], None)], outlook[(shop["slow"], None)]
    assert busy.daily_mean == pytest.approx((5 * 5 + 2 * 10) / 7, rel=0.15)
    assert busy.model in {"seasonal_naive", "auto_ets", "theta"}
    assert 0.1 <= slow.daily_mean <= 0.5  # about one unit in four days
    assert slow.model in {"croston_sba", "adida", "imapa"}
    assert busy.horizon_days == 14 and busy.daily_sigma >= 0
    # no 双11 in the history yet: nothing learned, nothing added (Oct warm-up is in the horizon)
    assert busy.promo_uplift == {}
    assert busy.expected_units == pytest.approx(busy.daily_mean * 14)


def test_a_stored_run_has_accuracy_and_serves_the_outlook(app: App,
                                                          shop: dict[str, int]) -> None:
    with app.uow() as uow:
        summary = run_forecast(uow, as_of=AS_OF, horizon_days=14, folds=2)
    assert summary.series == 2
    # noisy demand around a weekly rhythm: repeating last week copies the noise
    assert summary.model["wape"] is not None and summary.seasonal_naive["wape"] is not None
    assert summary.model["wape"] < summary.seasonal_naive["wape"]
    with app.reader() as uow:
        run = last_run(uow)
        stored = demand_outlook(uow, as_of=AS_OF, horizon_days=14)
        other_store = last_run(uow, shop["store"])
    assert run is not None and other_store is None
    assert [r["sku"] for r in run["skus"]] == ["TEA-1", "TEA-2"]  # by units sold
    busy = run["skus"][0]
    assert busy["actual_units"] == sum(many for _, many, _ in daily_units()[-28:])
    assert stored[(shop["busy"], None)].daily_mean == busy["daily_mean"]


def test_forecast_commands(app: App, shop: dict[str, int], monkeypatch: pytest.MonkeyPatch,
                           tmp_path: Path) -> None:
    output = run_cli(app, monkeypatch, "forecast", "accuracy", code=3)
    assert "shopops forecast run" in output
    ran = json.loads(run_cli(app, monkeypatch, "forecast", "run", "--date", AS_OF.isoformat(),
                             "--horizon", "7", "--folds", "1", "--store", "tm1",
                             "--format", "json"))
    assert ran["series"] == 2 and ran["as_of"] == AS_OF.isoformat()
    shown = json.loads(run_cli(app, monkeypatch, "forecast", "accuracy", "--store", "tm1",
                               "--format", "json"))
    assert shown["run_id"] == ran["run_id"] and shown["model"] == ran["model"]
    target = tmp_path / "acc.xlsx"
    run_cli(app, monkeypatch, "forecast", "accuracy", "--store", "tm1", "--format", "xlsx",
            "--output", str(target))
    book = load_workbook(BytesIO(target.read_bytes()))
    assert book["按SKU"].max_row == 3
    run_cli(app, monkeypatch, "forecast", "run", "--store", "nope", code=3)


def test_backtest_command_refuses_a_bad_csv(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,date,qty\nA,2025-01-01,2\nA,2025-13-01,1\n", encoding="utf-8")
    monkeypatch.setattr(cli, "get_app", lambda: None)
    result = CliRunner().invoke(cli.app, ["forecast", "backtest", "--input", str(bad),
                                          "--horizon", "7"])
    assert isinstance(result.exception, ShopOpsError)
    assert result.exception.exit_code == 2 and result.exception.field == "date"
    assert "row 3, column date" in result.exception.message


def m5_csv(target: Path) -> Path:
    """The M5 subset as the Contract's CSV: sku,warehouse,date,qty (zero days left out)."""
    with gzip.open(M5 / "sales_train_validation_10series.csv.gz") as f:
        sales = pd.read_csv(f)
    with gzip.open(M5 / "calendar.csv.gz") as f:
        calendar = pd.read_csv(f)[["d", "date"]]
    days = [c for c in sales.columns if c.startswith("d_")]
    long = sales.melt(id_vars=["item_id", "store_id"], value_vars=days, var_name="d",
                      value_name="qty").merge(calendar, on="d")
    long = long[long["qty"] > 0].rename(columns={"item_id": "sku", "store_id": "warehouse"})
    long[["sku", "warehouse", "date", "qty"]].to_csv(target, index=False)
    return target


def test_backtest_on_real_retail_sales_beats_seasonal_naive(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require(M5.is_dir(), f"real sales data set not found at {M5} (see ../shared/data)")
    path = m5_csv(tmp_path / "m5.csv")
    monkeypatch.setattr(cli, "get_app", lambda: None)
    result = CliRunner().invoke(cli.app, ["forecast", "backtest", "--input", str(path),
                                          "--horizon", "28", "--folds", "3",
                                          "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["series"] == 10
    assert set(data["model"]) >= {"wape", "mase", "bias"}
    assert data["model"]["wape"] < data["seasonal_naive"]["wape"]
    assert data["model"]["mase"] < data["seasonal_naive"]["mase"]
