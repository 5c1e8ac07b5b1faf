"""`shopops import`: platform order exports into the order book (issue 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import check_format, err, out

import_app: typer.Typer = typer.Typer(
    help="Import platform order exports (订单导入).", no_args_is_help=True
)


IMPORT_COUNTS = ("read", "new", "updated", "unchanged", "rejected")


@import_app.command("orders")
def import_orders_command(
    files: Annotated[
        list[Path], typer.Argument(help="export file(s); 淘宝/天猫: 订单报表 + 宝贝报表")
    ],
    platform: Annotated[
        str | None, typer.Option(help="taobao|tmall|jd|pdd|douyin|generic (default: detect)")
    ] = None,
    store: Annotated[str | None, typer.Option(help="store code (needed unless only one)")] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="column mapping JSON for the generic importer")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """Import order export file(s) into a store: new orders, forward status moves, a report."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TimeElapsedColumn

    from shopops.orders.importers import ColumnMapping, ImportFileError
    from shopops.orders.imports import import_orders

    check_format(fmt)
    column_mapping = ColumnMapping.from_json(_read_text(mapping)) if mapping else None
    sources = [(path.name, _read_bytes(path)) for path in files]
    if not sources:
        raise ImportFileError("no file given", field="file")
    with Progress(
        SpinnerColumn(),
        "[progress.description]{task.description}",
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=fmt == "json",
    ) as bar:
        task = bar.add_task("读取 reading", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            label = "读取 reading" if stage == "read" else "写入 writing orders"
            bar.update(task, description=label, completed=done, total=total)

        with cli.get_app().uow() as uow:
            summary = import_orders(
                uow, sources, store, platform=platform, mapping=column_mapping, progress=progress
            )
    if fmt == "json":
        print(json.dumps(summary.as_json(), ensure_ascii=False))
        return
    table = Table(
        "platform",
        "encoding",
        *IMPORT_COUNTS,
        "import_id",
        title=f"导入 import {', '.join(p.name for p in files)}",
    )
    table.add_row(
        summary.platform,
        summary.encoding or "—",
        *(str(getattr(summary, k)) for k in IMPORT_COUNTS),
        str(summary.import_id),
    )
    out.print(table)
    if summary.rejected:
        out.print(f"rejected rows: `shopops import report {summary.import_id}`")


def _read_bytes(path: Path) -> bytes:
    from shopops.orders.importers import ImportFileError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}", field="file") from None


def _read_text(path: Path) -> str:
    from shopops.orders.importers import ImportFileError

    try:
        return _read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"{path} is not UTF-8 text", field="mapping") from None


IMPORT_REPORT_COLUMNS = ("row", "column", "value", "reason", "file")


@import_app.command("report")
def import_report_command(
    import_id: Annotated[int, typer.Argument(help="the import_id an import printed")],
    fmt: Annotated[str, typer.Option("--format", help="table|json|xlsx")] = "table",
    output: Annotated[Path | None, typer.Option(help="xlsx file to write")] = None,
) -> None:
    """The rows an import rejected: row number, column, value and reason."""
    from shopops.orders.imports import import_report

    check_format(fmt, ("table", "json", "xlsx"))
    with cli.get_app().reader() as uow:
        report = import_report(uow, import_id)
    problems: list[dict[str, Any]] = report["problems"]
    if fmt == "json":
        print(json.dumps(problems, ensure_ascii=False, indent=2))
    elif fmt == "xlsx":
        from shopops.web.excel import write_workbook

        path = output or Path(f"import-{import_id}-report.xlsx")
        rows = [[p[k] for k in IMPORT_REPORT_COLUMNS] for p in problems]
        path.write_bytes(
            write_workbook(
                {
                    "导入问题": (
                        ["行 row", "列 column", "值 value", "原因 reason", "文件 file"],
                        rows,
                    )
                }
            )
        )
        out.print(f"wrote {path}")
    else:
        table = Table(
            *IMPORT_REPORT_COLUMNS,
            title=f"导入 import {import_id}: {report['file_name']} — "
            f"{report['rejected']} rejected of {report['read']}",
        )
        for p in problems:
            table.add_row(*("" if p[k] is None else str(p[k]) for k in IMPORT_REPORT_COLUMNS))
        out.print(table)
