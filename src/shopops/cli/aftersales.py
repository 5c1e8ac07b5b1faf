"""`shopops aftersales`: after-sales requests (售后) — list, create, the actions, analysis."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import check_format, out

aftersales_app: typer.Typer = typer.Typer(
    help="After-sales (售后): returns, exchanges, refunds and return-rate analysis.",
    no_args_is_help=True,
)
FormatOpt = Annotated[str, typer.Option("--format", help="table|json|xlsx")]
OutputOpt = Annotated[Path | None, typer.Option(help="xlsx file to write")]
IdArg = Annotated[int, typer.Argument(help="after-sales request id")]

LIST_COLUMNS = [("id", "单号"), ("store", "店铺"), ("order_id", "订单"), ("sku", "SKU"),
                ("kind", "类型"), ("reason_name", "原因"), ("quantity", "数量"),
                ("amount", "退款"), ("shipping_refund", "运费退款"), ("status", "状态"),
                ("requested_at", "申请时间"), ("refund_hours", "退款时长(h)"),
                ("overdue", "超时")]
RATE_COLUMNS = [("key", "维度"), ("sold_units", "销量"), ("returned_units", "退货件数"),
                ("return_rate", "退货率"), ("gmv", "成交额"), ("refunded", "退款额"),
                ("refund_ratio", "退款占比"), ("requests", "售后单"), ("alert", "预警")]
DIM_TITLES = {"sku": "按SKU", "category": "按类目", "store": "按店铺", "reason": "按原因"}


def _emit(fmt: str, data: Any, sheets: dict[str, tuple[list[str], list[list[Any]]]],
          output: Path | None, default_name: str) -> None:
    if fmt == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if fmt == "xlsx":
        from shopops.web.excel import write_workbook

        path = output or Path(default_name)
        path.write_bytes(write_workbook(sheets))
        out.print(f"wrote {path}")
        return
    for title, (headers, rows) in sheets.items():
        table = Table(*headers, title=title)
        for row in rows:
            table.add_row(*("—" if v is None else str(v) for v in row))
        out.print(table)


def _request_sheet(items: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    return ([label for _, label in LIST_COLUMNS],
            [[item[key] for key, _ in LIST_COLUMNS] for item in items])


def _show(request_id: int, fmt: str) -> None:
    from shopops.service.queries import get_request

    check_format(fmt)
    with cli.get_app().reader() as uow:
        got = get_request(uow, request_id)
    _emit(fmt, got, {"售后单": _request_sheet([got])}, None, "")


@aftersales_app.command("list")
def list_cmd(
    status: Annotated[str | None, typer.Option(help="requested|approved|rejected|received|"
                                                    "refunded|exchanged|closed")] = None,
    kind: Annotated[str | None, typer.Option(help="return_refund|exchange|refund_only")] = None,
    reason: Annotated[str | None, typer.Option(help="reason code")] = None,
    store: Annotated[str | None, typer.Option(help="store code")] = None,
    sku: Annotated[str | None, typer.Option(help="SKU code")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only refunds past the target")
                       ] = False,
    limit: Annotated[int, typer.Option(help="at most this many")] = 200,
    fmt: FormatOpt = "table", output: OutputOpt = None,
) -> None:
    """售后列表: open work first, overdue refunds marked."""
    from shopops.service.queries import RequestFilters, list_requests

    check_format(fmt, ("table", "json", "xlsx"))
    filters = RequestFilters(status=status, kind=kind, reason=reason, store=store, sku=sku,
                             overdue=overdue)
    with cli.get_app().reader() as uow:
        page = list_requests(uow, filters, 1, max(1, min(limit, 500)))
    _emit(fmt, page, {"售后单": _request_sheet(page["items"])}, output, "aftersales.xlsx")


@aftersales_app.command("create")
def create_cmd(
    order: Annotated[int, typer.Option("--order", help="order id")],
    reason: Annotated[str, typer.Option(help="quality|size|not_as_described|no_reason|"
                                             "wrong_item|damaged|changed_mind")],
    sku: Annotated[str | None, typer.Option(help="the line's SKU code")] = None,
    line: Annotated[int | None, typer.Option("--line", help="order line id")] = None,
    kind: Annotated[str | None, typer.Option(help="default: the reason's handling")] = None,
    qty: Annotated[int, typer.Option("--qty", help="units")] = 1,
    amount: Annotated[str | None, typer.Option(help="goods refund, yuan")] = None,
    note: Annotated[str | None, typer.Option(help="buyer's words")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """售后申请 for one order line."""
    from shopops.service.service import NewRequest, create_request

    check_format(fmt)
    with cli.get_app().uow() as uow:
        request_id = create_request(uow, NewRequest(
            order_id=order, reason=reason, sku=sku, order_line_id=line, kind=kind,
            quantity=qty, amount=amount, note=note))
    _show(request_id, fmt)


def _act(action: str, request_id: int, fmt: str, *args: Any) -> None:
    from shopops.service import service

    check_format(fmt)
    with cli.get_app().uow() as uow:
        getattr(service, action)(uow, request_id, *args)
    _show(request_id, fmt)


ActFormat = Annotated[str, typer.Option("--format", help="table|json")]


@aftersales_app.command("approve")
def approve_cmd(request_id: IdArg, fmt: ActFormat = "table") -> None:
    """同意."""
    _act("approve", request_id, fmt)


@aftersales_app.command("reject")
def reject_cmd(request_id: IdArg, note: Annotated[str, typer.Option(help="why")],
               fmt: ActFormat = "table") -> None:
    """拒绝, saying why."""
    _act("reject", request_id, fmt, note)


@aftersales_app.command("receive")
def receive_cmd(
    request_id: IdArg,
    warehouse: Annotated[str, typer.Option(help="warehouse code the parcel came back to")],
    restock: Annotated[bool | None, typer.Option(
        "--restock/--quarantine", help="sellable, or 待检区 (default by reason)")] = None,
    fmt: ActFormat = "table",
) -> None:
    """收到退货: back on the stock ledger (restock or quarantine)."""
    _act("receive", request_id, fmt, warehouse, restock)


@aftersales_app.command("refund")
def refund_cmd(request_id: IdArg,
               amount: Annotated[str | None, typer.Option(help="default: agreed amount")] = None,
               fmt: ActFormat = "table") -> None:
    """退款 into the order (net GMV and the refund rate follow)."""
    _act("refund", request_id, fmt, amount)


@aftersales_app.command("exchange")
def exchange_cmd(
    request_id: IdArg,
    warehouse: Annotated[str | None, typer.Option(help="ship the replacement from")] = None,
    replacement: Annotated[str | None, typer.Option(help="replacement SKU")] = None,
    fmt: ActFormat = "table",
) -> None:
    """换货: the replacement leaves through the stock ledger."""
    _act("exchange", request_id, fmt, warehouse, replacement)


@aftersales_app.command("close")
def close_cmd(request_id: IdArg, fmt: ActFormat = "table") -> None:
    """关闭 a finished request."""
    _act("close", request_id, fmt)


def rate_sheets(report: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The analysis as sheets: overall, then one per dimension (shared with the console)."""
    headers = [label for _, label in RATE_COLUMNS]
    sheets = {"总体": (headers, [[report["overall"][k] for k, _ in RATE_COLUMNS]])}
    for dim, rows in report["by"].items():
        sheets[DIM_TITLES.get(dim, dim)] = (headers, [[r[k] for k, _ in RATE_COLUMNS]
                                                      for r in rows])
    return sheets


@aftersales_app.command("analysis")
def analysis_cmd(
    date_from: Annotated[str | None, typer.Option("--from", help="付款日 from (default: "
                                                  "30 days before --to)")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="付款日 to (default: today)")
                       ] = None,
    store: Annotated[str | None, typer.Option(help="store code")] = None,
    by: Annotated[str, typer.Option(help="comma list: sku,category,store,reason")
                  ] = "sku,category,store,reason",
    fmt: FormatOpt = "table", output: OutputOpt = None,
) -> None:
    """退货率分析 by SKU / category / store / reason against the reference (1.8%, +2 pts)."""
    from shopops.analytics.periods import parse_date
    from shopops.core.clock import business_date
    from shopops.service.queries import return_analysis

    check_format(fmt, ("table", "json", "xlsx"))
    core = cli.get_app()
    end = (parse_date(date_to, field="to") if date_to
           else business_date(core.clock.now(), core.settings.default_timezone))
    start = parse_date(date_from, field="from") if date_from else end - timedelta(days=29)
    dims = tuple(d.strip() for d in by.split(",") if d.strip())
    with core.reader() as uow:
        report = return_analysis(uow, start, end, dims, store)
    if fmt == "table":
        out.print(f"退货率 {report['from']} – {report['to']} · 参考 {report['reference']} · "
                  f"预警线 > {report['alert_above']} (至少 {report['min_units']} 件)")
    _emit(fmt, report, rate_sheets(report), output,
          f"return-rate-{report['from']}-{report['to']}.xlsx")
