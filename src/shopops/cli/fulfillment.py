"""`shopops fulfil`: allocate paid orders, ship, import carrier tracking files, the
logistics exception queue and the fulfillment board (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import check_format, out

fulfil_app: typer.Typer = typer.Typer(
    help="Fulfillment (履约): allocation, shipping, tracking, logistics exceptions.",
    no_args_is_help=True,
)
FormatOpt = Annotated[str, typer.Option("--format", help="table|json|xlsx")]
OutputOpt = Annotated[Path | None, typer.Option(help="xlsx file to write")]
StoreOpt = Annotated[str | None, typer.Option("--store", help="store code 店铺代码")]
FORMATS = ("table", "json", "xlsx")


def _emit(fmt: str, data: Any, sheets: dict[str, tuple[list[str], list[list[Any]]]],
          output: Path | None, default_name: str) -> None:
    if fmt == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "xlsx":
        from shopops.web.excel import write_workbook

        path = output or Path(default_name)
        path.write_bytes(write_workbook(sheets))
        out.print(f"wrote {path}")
    else:
        for title, (headers, rows) in sheets.items():
            table = Table(*headers, title=title)
            for row in rows:
                table.add_row(*("—" if v is None or v == "" else str(v) for v in row))
            out.print(table)


@fulfil_app.command("allocate")
def allocate_cmd(
    order: Annotated[int | None, typer.Option("--order", help="order id; default: every "
                                                              "paid order")] = None,
    province: Annotated[str | None, typer.Option(help="收货省份 (with --order)")] = None,
    store: StoreOpt = None,
    limit: Annotated[int | None, typer.Option(
        help="at most this many orders (default: every paid order)")] = None,
    fmt: FormatOpt = "table", output: OutputOpt = None,
) -> None:
    """分仓: reserve stock for one paid order, or for every paid order (oldest first)."""
    from shopops.orders.allocation_service import allocate_order, allocate_paid_orders

    check_format(fmt, FORMATS)
    with cli.get_app().uow() as uow:
        if order is not None:
            done, failed = [allocate_order(uow, order, province)], []
        else:
            batch = allocate_paid_orders(uow, store=store, limit=limit)
            done, failed = batch.allocated, batch.failed
    rows = [[r.order_id, p.warehouse, "、".join(f"{s}×{q}" for s, q in p.lines),
             r.region or ""] for r in done for p in r.parcels]
    _emit(fmt, {"allocated": [r.as_json() for r in done], "failed": failed},
          {"分仓结果": (["订单", "仓库", "商品", "买家地区"], rows),
           "未能分仓": (["订单", "订单号", "原因"],
                        [[f["order_id"], f["channel_order_no"], f["message"]]
                         for f in failed])}, output, "allocation.xlsx")


@fulfil_app.command("ship")
def ship_cmd(
    order: Annotated[int, typer.Option("--order", help="order id")],
    carrier: Annotated[str, typer.Option(help="SF, ZTO, YTO, YUNDA, JD, EMS … or 顺丰 …")],
    tracking_no: Annotated[str, typer.Option("--tracking-no", help="运单号")],
    warehouse: Annotated[str | None, typer.Option(help="the parcel's warehouse (split "
                                                       "orders)")] = None,
    service: Annotated[str, typer.Option(help="standard | express")] = "standard",
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """发货: one parcel leaves (stock reserved → shipped; the last parcel ships the order)."""
    from shopops.fulfillment.service import ship_order

    check_format(fmt)
    with cli.get_app().uow() as uow:
        view = ship_order(uow, order, carrier, tracking_no, warehouse=warehouse,
                          service=service)
    data = view.as_json()
    if fmt == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        out.print(f"已发货 shipment {view.id}: order {view.channel_order_no} "
                  f"{view.carrier_name} {view.tracking_no} from {view.warehouse}, "
                  f"promised by {data['promised_by']}")


@fulfil_app.command("track-import")
def track_import_cmd(
    file: Annotated[Path, typer.Argument(help="carrier tracking file (CSV or XLSX)",
                                         exists=True, dir_okay=False)],
    fmt: FormatOpt = "table", output: OutputOpt = None,
) -> None:
    """导入物流轨迹: every good row stored, every bad one reported (row, column, reason)."""
    from shopops.fulfillment.service import import_tracking_file

    check_format(fmt, FORMATS)
    with cli.get_app().uow() as uow:
        report = import_tracking_file(uow, file.read_bytes(), file.name)
    data = report.as_json()
    summary = [[k, data[k]] for k in ("read", "added", "duplicates", "rejected")]
    summary.append(["delivered_orders", len(report.delivered_orders)])
    _emit(fmt, data, {"导入结果": (["项目", "数量"], summary),
                      "问题行": (["行", "列", "值", "原因"],
                                 [[p.row, p.column, p.value, p.reason]
                                  for p in report.problems])}, output, "tracking-import.xlsx")


@fulfil_app.command("exceptions")
def exceptions_cmd(
    kind: Annotated[str | None, typer.Option(help="not_shipped | no_first_scan | stalled | "
                                                  "late_delivery")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table", output: OutputOpt = None,
) -> None:
    """物流异常: the work queue, oldest first, with counts per type."""
    from shopops.fulfillment.board import EXCEPTION_HEADERS, exception_rows
    from shopops.fulfillment.service import exception_queue

    check_format(fmt, FORMATS)
    with cli.get_app().reader() as uow:
        queue = exception_queue(uow, kind=kind, store=store)
    _emit(fmt, queue.as_json(), {
        "物流异常": (EXCEPTION_HEADERS, exception_rows(queue)),
        "按类型": (["类型", "数量"], [[k, n] for k, n in queue.counts.items()])},
        output, "logistics-exceptions.xlsx")


@fulfil_app.command("handle")
def handle_cmd(
    key: Annotated[str, typer.Argument(help="the exception's key from `fulfil exceptions "
                                            "--format json`")],
    state: Annotated[str, typer.Option(help="acknowledged | resolved")] = "resolved",
    note: Annotated[str | None, typer.Option(help="处理说明")] = None,
) -> None:
    """处理物流异常: acknowledge (stays, marked) or resolve (leaves the queue)."""
    from shopops.fulfillment.service import handle_exception

    with cli.get_app().uow() as uow:
        done = handle_exception(uow, key, state, note, user="cli")
    out.print(f"{done['key']}: {done['state']}")


@fulfil_app.command("board")
def board_cmd(store: StoreOpt = None, fmt: FormatOpt = "table",
              output: OutputOpt = None) -> None:
    """履约看板: orders to ship by urgency (overdue first), exceptions and counts."""
    from shopops.fulfillment.board import board_sheets, fulfillment_board

    check_format(fmt, FORMATS)
    with cli.get_app().reader() as uow:
        board = fulfillment_board(uow, store=store)
    sheets = board_sheets(board)
    if fmt == "table":  # keep the terminal readable: the 50 most urgent
        headers, rows = sheets["待发货"]
        sheets["待发货"] = (headers, rows[:50])
    _emit(fmt, board.as_json(), sheets, output, "fulfillment-board.xlsx")
