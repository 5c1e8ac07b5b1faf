"""`shopops forecast`: demand forecasts (需求预测) — run and store, accuracy, backtest a CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import check_format, out

forecast_app: typer.Typer = typer.Typer(
    help="Demand forecasts (需求预测): run, accuracy, backtest on a CSV.", no_args_is_help=True
)
HorizonOpt = Annotated[int, typer.Option("--horizon", help="days to forecast / per holdout fold")]
FoldsOpt = Annotated[int, typer.Option("--folds", help="rolling-origin holdout windows")]
StoreOpt = Annotated[str | None, typer.Option("--store", help="store code (default: all)")]


def _metrics_table(title: str, data: dict[str, Any]) -> None:
    table = Table("", "WAPE", "MASE", "bias", title=title)
    for label, key in (("ShopOps 预测", "model"), ("季节朴素 seasonal naive", "seasonal_naive")):
        m = data.get(key) or {}
        table.add_row(label, *("—" if m.get(k) is None else f"{m[k]:.3f}"
                               for k in ("wape", "mase", "bias")))
    out.print(table)


def _store_id(uow: Any, code: str | None) -> int | None:
    from shopops.stores.service import get_store

    return None if code is None else get_store(uow, code).id


@forecast_app.command("backtest")
def forecast_backtest(
    input: Annotated[Path, typer.Option("--input", help="CSV: sku,date,qty[,warehouse]")],
    horizon: HorizonOpt = 28,
    folds: FoldsOpt = 3,
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    promotions: Annotated[bool, typer.Option(
        "--promotions/--no-promotions",
        help="treat the promotion calendar's days (双11 …) explicitly")] = True,
) -> None:
    """Backtest the forecaster against seasonal naive on any daily sales history."""
    from shopops.inventory.forecast_service import backtest_csv

    check_format(fmt)
    result = backtest_csv(input, horizon=horizon, folds=folds, promotions=promotions)
    if fmt == "json":
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return
    _metrics_table(f"回测 backtest: {result.series} series, {folds} × {horizon} days",
                   result.as_json())


@forecast_app.command("run")
def forecast_run(
    horizon: HorizonOpt = 28,
    folds: FoldsOpt = 3,
    store: StoreOpt = None,
    on: Annotated[str | None, typer.Option(
        "--date", help="last day of history, YYYY-MM-DD (default: last complete day)")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """Forecast every SKU from paid order lines, measure accuracy, store the run."""
    from shopops.analytics.periods import parse_date
    from shopops.inventory.forecast_service import default_as_of, run_forecast

    check_format(fmt)
    core = cli.get_app()
    with core.uow() as uow:
        day = (parse_date(on, field="date") if on
               else default_as_of(uow, core.settings.default_timezone))
        summary = run_forecast(uow, as_of=day, horizon_days=horizon, folds=folds,
                               store_id=_store_id(uow, store))
    if fmt == "json":
        print(json.dumps(summary.as_json(), ensure_ascii=False))
        return
    _metrics_table(f"预测 run #{summary.run_id}: {summary.series} SKUs to {summary.as_of}, "
                   f"{summary.seconds:.1f} s", summary.as_json())


@forecast_app.command("accuracy")
def forecast_accuracy(
    store: StoreOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json|xlsx")] = "table",
    output: Annotated[Path | None, typer.Option(help="xlsx file to write")] = None,
) -> None:
    """预测准确度 of the last stored run: per SKU and overall vs seasonal naive."""
    from shopops.core.errors import NotFound
    from shopops.inventory.forecast_service import ACCURACY_HEADERS, accuracy_rows, last_run

    check_format(fmt, ("table", "json", "xlsx"))
    with cli.get_app().reader() as uow:
        run = last_run(uow, _store_id(uow, store))
    if run is None:
        raise NotFound("no stored forecast run yet: run `shopops forecast run` first",
                       field="store" if store else None)
    if fmt == "json":
        print(json.dumps(run, ensure_ascii=False, indent=2))
        return
    if fmt == "xlsx":
        from shopops.web.excel import write_workbook

        path = output or Path(f"forecast-accuracy-{run['as_of']}.xlsx")
        overall = [["ShopOps", *run["model"].values()],
                   ["季节朴素", *run["seasonal_naive"].values()]]
        path.write_bytes(write_workbook({"总体": (["", "WAPE", "MASE", "偏差"], overall),
                                         "按SKU": (ACCURACY_HEADERS, accuracy_rows(run))}))
        out.print(f"wrote {path}")
        return
    _metrics_table(f"预测准确度 run #{run['run_id']} ({run['as_of']}, {run['folds']} × "
                   f"{run['horizon']} days)", run)
    table = Table(*ACCURACY_HEADERS[:1], *ACCURACY_HEADERS[2:])
    for row in accuracy_rows(run)[:30]:
        table.add_row(*("—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
                        for i, v in enumerate(row) if i != 1))
    out.print(table)
