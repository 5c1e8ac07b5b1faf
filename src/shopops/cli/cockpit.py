"""`shopops kpi|serve|demo`: the KPI report, the web server and the demo shop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import check_format, out
from shopops.core.errors import ShopOpsError


@cli.app.command()
def kpi(
    period: Annotated[str, typer.Option(help="day|week|month")] = "day",
    on: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="a date in the period, YYYY-MM-DD (default: today in the shop's time zone)",
        ),
    ] = None,
    store: Annotated[str | None, typer.Option(help="store code")] = None,
    platform: Annotated[str | None, typer.Option(help="tmall|taobao|jd|pdd|douyin|own")] = None,
    category: Annotated[str | None, typer.Option(help="category code")] = None,
    sku: Annotated[str | None, typer.Option(help="SKU code")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|json|xlsx")] = "table",
    output: Annotated[Path | None, typer.Option(help="xlsx file to write")] = None,
) -> None:
    """KPIs of a day / week / month with 环比 and 同比 — the same numbers as the cockpit."""
    from shopops.analytics.service import Filters, kpi_report, period_from
    from shopops.core.clock import business_date

    core = cli.get_app()
    check_format(fmt, ("table", "json", "xlsx"))
    day = on or business_date(core.clock.now(), core.settings.default_timezone).isoformat()
    with core.reader() as uow:
        report = kpi_report(
            uow,
            period_from(period, day),
            Filters(store=store, platform=platform, category=category, sku=sku),
        )
    if fmt == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    elif fmt == "xlsx":
        path = output or Path(f"kpi-{report['label']}.xlsx")
        path.write_bytes(kpi_workbook(report))
        out.print(f"wrote {path}")
    else:
        out.print(kpi_table(report))


KPI_LABELS = {
    "gmv": "成交额 GMV",
    "net_gmv": "净成交额 net GMV",
    "paid_orders": "支付订单数 orders",
    "buyers": "支付买家数 buyers",
    "new_buyers": "新客 new",
    "returning_buyers": "老客 returning",
    "uv": "访客数 UV",
    "pv": "浏览量 PV",
    "conversion_rate": "转化率 conversion",
    "aov": "客单价 AOV",
    "refund_rate": "退款率 refund rate",
    "repurchase_rate_30d": "30天复购率 repurchase",
    "ad_spend": "广告花费 ad spend",
    "roi": "投产比 ROI",
}


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:+.1f}%"


def _standard(report: dict[str, Any], metric: str) -> str:
    judged = report["standards"].get(metric)
    if judged is None or judged["on_track"] is None:
        return ""
    return "达标 ✓" if judged["on_track"] else "未达标 ✗"


def kpi_rows(report: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            KPI_LABELS[m],
            report[m],
            report["pop"]["change"][m],
            report["yoy"]["change"][m],
            _standard(report, m),
        ]
        for m in KPI_LABELS
    ]


def kpi_table(report: dict[str, Any]) -> Table:
    scope = (
        ", ".join(
            f"{k}={report[k]}" for k in ("store", "platform", "category", "sku") if report.get(k)
        )
        or "全部店铺 all stores"
    )
    table = Table(
        "指标 metric",
        "值 value",
        "环比 pop",
        "同比 yoy",
        "标准 standard",
        title=f"KPI {report['label']} ({report['start']} – {report['end']}) · {scope}",
    )
    for label, value, pop, yoy, std in kpi_rows(report):
        table.add_row(label, "—" if value is None else str(value), _pct(pop), _pct(yoy), std)
    if not report["has_data"]:
        table.caption = "暂无数据 no data in this period"
    return table


def kpi_workbook(report: dict[str, Any]) -> bytes:
    from shopops.web.excel import write_workbook

    rows = [
        [label, _number(value), _number(pop), _number(yoy), std]
        for label, value, pop, yoy, std in kpi_rows(report)
    ]
    workbook: bytes = write_workbook({"KPI": (["指标", "值", "环比", "同比", "标准"], rows)})
    return workbook


def _number(value: Any) -> Any:
    from decimal import Decimal

    return Decimal(value) if isinstance(value, str) else value


@cli.app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, help="worker processes (each with its own database pool); more than one "
        "uses more cores, e.g. for a 秒杀 peak")] = 1,
) -> None:
    """Serve the console and the API."""
    import os
    import secrets

    import uvicorn

    from shopops.web.app import create_app

    _require_schema()
    out.print(f"ShopOps console: http://{host}:{port}/   API docs: http://{host}:{port}/api/docs")
    if workers == 1:
        uvicorn.run(create_app(cli.get_app()), host=host, port=port, log_level="info")
        return
    # every worker builds its app from the environment: the same database, and the same key
    # so that a console session signed by one worker is good in the others
    os.environ.setdefault("SHOPOPS_DATABASE_URL", cli.get_app().settings.database_url)
    os.environ.setdefault("SHOPOPS_SECRET_KEY", cli.get_app().settings.secret_key
                          or secrets.token_urlsafe(32))
    uvicorn.run("shopops.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="info")


def _require_schema() -> None:
    from shopops.db.migrate import current_revision

    if current_revision(cli.get_app().engine) is None:
        raise ShopOpsError("the database is empty: run `shopops db upgrade` or `shopops demo`")


@cli.app.command()
def demo(
    seed: Annotated[int, typer.Option(help="random seed: same seed, same shop")] = 42,
    orders: Annotated[int, typer.Option(help="number of orders to generate")] = 20_000,
    days: Annotated[int, typer.Option(help="days of history (two years for 同比)")] = 730,
    end_date: Annotated[
        str | None, typer.Option(help="last day of history (default today)")
    ] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="build and exit")] = False,
    host: str = "127.0.0.1",
    port: int = 8000,
    export_files: Annotated[
        Path | None,
        typer.Option("--export-files", help="also write the orders as platform export files "
                     "(天猫/拼多多/抖店/京东/generic) into this folder, to try `import orders`"),
    ] = None,
) -> None:
    """Build the demo shop (replacing an earlier demo), create an admin, serve the console."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

    from shopops.accounts.passwords import new_password
    from shopops.accounts.service import create_user
    from shopops.analytics.periods import parse_date
    from shopops.db.migrate import upgrade
    from shopops.demo.service import build_demo_shop

    core = cli.get_app()
    upgrade(core.engine)
    if _holds_real_data():
        from shopops.core.errors import Conflict

        raise Conflict(
            f"{cli.safe_url()} already holds a shop that is not a demo; point "
            "SHOPOPS_DATABASE_URL at another database for the demo"
        )
    last_day = parse_date(end_date, field="end-date") if end_date else None
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=out,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        summary = build_demo_shop(
            core,
            seed=seed,
            orders=orders,
            end_date=last_day,
            days=days,
            progress=progress,
            reset=True,
        )
    password = new_password()
    with core.uow() as uow:
        create_user(uow, "admin", password, display_name="管理员")
    out.print(
        f"demo shop ready in {summary.seconds:.1f}s: {summary.stores} stores, "
        f"{summary.skus} SKUs, {summary.orders:,} orders, {summary.customers:,} customers "
        f"({summary.start_date} – {summary.end_date})"
    )
    for situation, skus in summary.planted.items():
        out.print(f"  planted {situation}: {skus}")
    if export_files is not None:
        _export_files(export_files)
    out.print(f"login: [bold]admin[/] / [bold]{password}[/]")
    if not no_serve:
        out.print(f"open http://{host}:{port}/ in your browser (Ctrl+C to stop)")
        serve(host=host, port=port)


def _export_files(folder: Path) -> None:
    from shopops.demo.export_files import export_demo_files

    steps = export_demo_files(cli.get_app(), folder)
    table = Table("店铺 store", "平台 platform", "文件 files", "订单 orders", "未导出 left out",
                  title=f"平台导出文件 export files in {folder}")
    for step in steps:
        table.add_row(step.store, step.platform, "\n".join(step.files), str(step.orders),
                      str(sum(step.left_out.values())))
    out.print(table)
    for step in steps:
        for why, n in step.left_out.items():
            out.print(f"  {step.store} ({step.platform}) left out {n}: {why}")
    out.print(f"import commands, in order: {folder / 'README.txt'}")


def _holds_real_data() -> bool:
    """True when the database has stores but was not built by `shopops demo` (never wipe it)."""
    from sqlalchemy import select

    from shopops.db.facts import Fact
    from shopops.stores.models import Store

    with cli.get_app().reader() as uow:
        has_stores = uow.session.scalar(select(Store.id).limit(1)) is not None
        built_by_demo = (
            uow.session.scalar(select(Fact.id).where(Fact.kind == "demo.built").limit(1))
            is not None
        )
    return has_stores and not built_by_demo
