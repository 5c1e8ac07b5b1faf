"""`shopops stock`: levels, the monitoring board, alerts and jobs (issue 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import check_format, out

# ---------------------------------------------------------------- shopops stock (库存)

stock_app: typer.Typer = typer.Typer(
    help="Stock (库存): levels, monitoring board, alerts, jobs.", no_args_is_help=True
)
StockFormatOpt = Annotated[str, typer.Option("--format", help="table|json|xlsx")]
StockDateOpt = Annotated[
    str | None,
    typer.Option(
        "--date", help="as of the close of this day, YYYY-MM-DD (default: the shop's today)"
    ),
]
StockOutputOpt = Annotated[Path | None, typer.Option(help="xlsx file to write")]


def _stock_board(on: str | None) -> Any:
    from shopops.analytics.periods import parse_date
    from shopops.inventory.monitoring_service import stock_board

    core = cli.get_app()
    day = parse_date(on, field="date") if on else None
    with core.reader() as uow:
        return stock_board(uow, day, core.settings.default_timezone)


def _stock_xlsx(path: Path, sheets: dict[str, Any]) -> None:
    from shopops.web.excel import write_workbook

    path.write_bytes(write_workbook(sheets))
    out.print(f"wrote {path}")


def _stock_table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    table = Table(*headers, title=title)
    for row in rows:
        table.add_row(*("—" if v is None else str(v) for v in row))
    out.print(table)


@stock_app.command("levels")
def stock_levels_cmd(
    sku: Annotated[str | None, typer.Option(help="SKU code")] = None,
    warehouse: Annotated[str | None, typer.Option(help="warehouse code")] = None,
    fmt: StockFormatOpt = "table",
    output: StockOutputOpt = None,
) -> None:
    """在库 / 占用 / 可用 / 在途 per SKU × warehouse."""
    from dataclasses import asdict

    from shopops.inventory.service import stock_levels

    check_format(fmt, ("table", "json", "xlsx"))
    with cli.get_app().reader() as uow:
        levels = [asdict(lv) for lv in stock_levels(uow, sku=sku, warehouse=warehouse)]
    headers = ["sku", "warehouse", "on_hand", "reserved", "available", "in_transit", "sellable"]
    rows = [[lv[h] for h in headers] for lv in levels]
    if fmt == "json":
        print(json.dumps(levels, ensure_ascii=False, indent=2))
    elif fmt == "xlsx":
        _stock_xlsx(output or Path("stock-levels.xlsx"), {"库存": (headers, rows)})
    else:
        _stock_table("库存 stock levels", headers, rows)


@stock_app.command("board")
def stock_board_cmd(
    fmt: StockFormatOpt = "table", on: StockDateOpt = None, output: StockOutputOpt = None
) -> None:
    """库存监控: per SKU 日均销量, 可售天数, 周转天数, ABC/XYZ, 库龄, with 动销比 and alerts."""
    from shopops.inventory.monitoring_service import (
        ALERT_HEADERS,
        BOARD_HEADERS,
        alert_rows,
        board_rows,
    )

    check_format(fmt, ("table", "json", "xlsx"))
    board = _stock_board(on)
    if fmt == "json":
        print(json.dumps(board.as_json(), ensure_ascii=False, indent=2))
    elif fmt == "xlsx":
        _stock_xlsx(
            output or Path(f"stock-board-{board.as_of}.xlsx"),
            {
                "库存监控": (BOARD_HEADERS, board_rows(board)),
                "库存预警": (ALERT_HEADERS, alert_rows(board)),
            },
        )
    else:
        s = board.summary
        keep = [i for i, h in enumerate(BOARD_HEADERS) if h not in {"名称", "销售额", "CV"}]
        _stock_table(
            f"库存监控 {board.window_start} – {board.as_of}",
            [BOARD_HEADERS[i] for i in keep],
            [[row[i] for i in keep] for row in board_rows(board)],
        )
        out.print(
            f"动销比 sell-through {s['sell_through_ratio']} (healthy ≥ "
            f"{s['sell_through_healthy']}) · 周转天数 turnover {s['turnover_days']} "
            f"(reference {s['turnover_reference_days']:g}) · alerts {s['alerts']}"
        )


@stock_app.command("alerts")
def stock_alerts_cmd(
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    on: StockDateOpt = None,
) -> None:
    """库存预警: best sellers under the cover line (补货), slow movers over it (清仓促销)."""
    from shopops.inventory.monitoring_service import ALERT_HEADERS, alert_rows, alerts_json

    check_format(fmt, ("table", "json"))
    board = _stock_board(on)
    if fmt == "json":
        print(json.dumps(alerts_json(board), ensure_ascii=False, indent=2))
    else:  # the numbers are in the message; every column is in the json and the xlsx
        keep = [ALERT_HEADERS.index(h) for h in ("建议", "SKU", "可售天数", "说明")]
        _stock_table(
            f"库存预警 {board.as_of}",
            [ALERT_HEADERS[i] for i in keep],
            [[row[i] for i in keep] for row in alert_rows(board)],
        )


@stock_app.command("sweep")
def stock_sweep_cmd() -> None:
    """Job: expire reservations past reserved_until and give their stock back."""
    from shopops.inventory.service import sweep_expired_reservations

    with cli.get_app().uow() as uow:
        expired = sweep_expired_reservations(uow)
    out.print(f"expired {expired} reservations")
