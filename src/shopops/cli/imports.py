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

    from shopops.orders.import_jobs import import_now
    from shopops.orders.importers import ColumnMapping, ImportFileError

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
            label = {"read": "读取 reading", "orders": "写入 writing orders"}.get(
                stage, "分仓/运单 allocating, shipments")
            bar.update(task, description=label, completed=done, total=total)

        # as a job: its progress, summary and follow-ups are in import_jobs for any process
        job = import_now(cli.get_app().uow, sources, store, platform, column_mapping, progress)
    summary = job.summary or {}
    if fmt == "json":
        print(json.dumps(summary, ensure_ascii=False))
        return
    table = Table(
        "platform",
        "encoding",
        *IMPORT_COUNTS,
        "import_id",
        title=f"导入 import {', '.join(p.name for p in files)}",
    )
    table.add_row(
        summary["platform"],
        summary["encoding"] or "—",
        *(str(summary[k]) for k in IMPORT_COUNTS),
        str(summary["import_id"]),
    )
    out.print(table)
    if summary["rejected"]:
        out.print(f"rejected rows: `shopops import report {summary['import_id']}`")
    _print_followups(job.followups or {})


def _print_followups(done: dict[str, Any]) -> None:
    """One line each: what the import's follow-ups did (分仓占用, 运单)."""
    if done.get("allocation") == "off":
        out.print("分仓 allocation on import: off (setting orders.allocate_on_import)")
    elif done.get("allocated") or done.get("allocation_failed") or done.get("allocation_waiting"):
        out.print(f"分仓 allocated {done['allocated']}, failed {len(done['allocation_failed'])}"
                  f", waiting for `shopops fulfil allocate` {done['allocation_waiting']}")
    if done.get("shipments") or done.get("shipment_problems"):
        out.print(f"运单 shipments recorded {done['shipments']}, not recorded "
                  f"{len(done['shipment_problems'])}")
    if done.get("error"):
        out.print(f"follow-ups: {done['error']}")
    for item in done.get("allocation_failed", [])[:10]:
        out.print(f"  order id {item['order_id']}: {item['message']}")


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


@import_app.command("follow-up")
def import_follow_up_command(
    import_id: Annotated[int, typer.Argument(help="the import_id an import printed")],
    platform: Annotated[str | None, typer.Option(help="as the import had it")] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="the generic import's column mapping JSON")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """Run an import's follow-ups again (allocate its paid orders, record its shipments):
    for an import whose process died after the commit. Idempotent."""
    from shopops.orders.import_followups import follow_up
    from shopops.orders.importers import ColumnMapping

    check_format(fmt)
    column_mapping = ColumnMapping.from_json(_read_text(mapping)) if mapping else None
    with cli.get_app().uow() as uow:
        done = follow_up(uow, import_id, platform=platform, mapping=column_mapping)
    if fmt == "json":
        print(json.dumps(done.as_json(), ensure_ascii=False))
        return
    _print_followups(done.as_json())


JOB_COLUMNS = ("id", "state", "stage", "percent", "files", "import_id")


@import_app.command("jobs")
def import_jobs_command(
    job_id: Annotated[str | None, typer.Argument(help="one job (default: the latest)")] = None,
    limit: Annotated[int, typer.Option(help="how many recent jobs")] = 20,
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """Import jobs and their progress, as any process (console, CLI, worker) wrote them."""
    from shopops.orders.import_jobs import job_view, recent_jobs

    check_format(fmt)
    with cli.get_app().reader() as uow:
        jobs = [job_view(uow, job_id)] if job_id else recent_jobs(uow, limit)
    if fmt == "json":
        items = [j.as_json() for j in jobs]
        print(json.dumps(items[0] if job_id else items, ensure_ascii=False, indent=2))
        return
    table = Table(*JOB_COLUMNS, title="导入任务 import jobs")
    for j in jobs:
        state = "中断 interrupted" if j.state == "interrupted" else j.state
        table.add_row(j.id, state, j.stage, f"{j.percent}%", " + ".join(j.files),
                      str((j.summary or {}).get("import_id", "—")))
    out.print(table)
    for j in jobs:
        if j.state == "interrupted" and j.error is not None:  # its process died: say what to do
            out.print(f"中断 {j.id}: {j.error.message}")


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
