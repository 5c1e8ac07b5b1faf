"""The `shopops` command (Typer). Thin: parse, call a service, print. Errors carry their
stable code and exit status from core.errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from shopops.bootstrap import get_app
from shopops.core.errors import ShopOpsError

app = typer.Typer(
    help="ShopOps 电商运营系统 — operations for Tmall/Taobao, JD, PDD, Douyin and own stores.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
users_app = typer.Typer(help="Console users.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
stores_app = typer.Typer(help="Stores (店铺 / 渠道 accounts).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(stores_app, name="stores")
import_app = typer.Typer(help="Import platform order exports (订单导入).", no_args_is_help=True)
app.add_typer(import_app, name="import")

out = Console()
err = Console(stderr=True)


def main() -> None:
    try:
        app()
    except ShopOpsError as exc:
        where = f" ({exc.field})" if exc.field else ""
        err.print(
            f"[bold red]错误 error[/] [{exc.code}]{where}: {exc.message}",
            markup=True,
            highlight=False,
        )
        sys.exit(exc.exit_code)


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from shopops.db.migrate import current_revision, upgrade

    core = get_app()
    upgrade(core.engine, revision)
    out.print(f"database at revision {current_revision(core.engine)}: {_safe_url()}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    from shopops.db.migrate import current_revision

    out.print(current_revision(get_app().engine) or "empty (run `shopops db upgrade`)")


def _safe_url() -> str:
    return get_app().engine.url.render_as_string(hide_password=True)


@users_app.command("create")
def users_create(
    username: str,
    password: Annotated[str | None, typer.Option(help="omit to generate one")] = None,
    display_name: str = "",
    role: str = "admin",
) -> None:
    """Create a console user (password stored as an Argon2id hash)."""
    from shopops.accounts.passwords import new_password
    from shopops.accounts.service import create_user

    secret = password or new_password()
    with get_app().uow() as uow:
        user = create_user(uow, username, secret, display_name=display_name, role=role)
    out.print(f"created user {user.username} ({user.role})")
    if password is None:
        out.print(f"password: {secret}")


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option("--user", help="the user the token acts as")],
    name: str = "",
) -> None:
    """Print a new API token for USER (shown once; use as `Authorization: Bearer …`)."""
    from shopops.accounts.service import create_token

    with get_app().uow() as uow:
        token = create_token(uow, user, name)
    print(token)


@stores_app.command("add")
def stores_add(
    code: str,
    platform: Annotated[str, typer.Option(help="tmall|taobao|jd|pdd|douyin|own")],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    timezone: str = "Asia/Shanghai",
    commission: Annotated[str | None, typer.Option(help="fraction, e.g. 0.05")] = None,
) -> None:
    """Add a store (a channel account)."""
    from shopops.stores.service import add_store

    with get_app().uow() as uow:
        store = add_store(uow, code, platform, name=name, timezone=timezone, commission=commission)
    out.print(f"added store {store.code} ({store.platform}, {store.name})")


@stores_app.command("list")
def stores_list(fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table") -> None:
    """List the stores."""
    from shopops.stores.service import list_stores

    with get_app().reader() as uow:
        stores = [s.as_json() for s in list_stores(uow)]
    if fmt == "json":
        print(json.dumps(stores, ensure_ascii=False, indent=2))
        return
    table = Table("code", "platform", "name", "timezone", "commission")
    for s in stores:
        table.add_row(
            *(str(s[k]) for k in ("code", "platform", "name", "timezone", "commission_rate"))
        )
    out.print(table)


# -- promo: promotions and the 到手价 quote (issue 6) ----------------------------------------
promo_app = typer.Typer(help="Promotions (促销) and cart quotes (到手价).", no_args_is_help=True)
app.add_typer(promo_app, name="promo")
FormatOpt = Annotated[str, typer.Option("--format", help="table|json")]


def _read_json(path: Path, name: str) -> Any:
    from shopops.core.errors import ValidationError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"{name}: cannot read {path}: {exc.strerror}", field=name) from None
    except ValueError as exc:
        raise ValidationError(f"{name}: {path} is not JSON: {exc}", field=name) from None


def _check_format(fmt: str) -> None:
    from shopops.core.errors import ValidationError

    if fmt not in ("table", "json"):
        raise ValidationError(f"format: {fmt!r} is not table or json", field="format")


@promo_app.command("quote")
def promo_quote(cart: Annotated[Path, typer.Option("--cart", help="cart JSON file")],
                fmt: FormatOpt = "table") -> None:
    """到手价: price a cart (the same JSON as POST /api/v1/pricing/quote)."""
    from shopops.pricing.service import quote_cart

    _check_format(fmt)
    request = _read_json(cart, "cart")
    with get_app().reader() as uow:
        result = quote_cart(uow, request, uow.now())
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    table = Table("sku", "qty", "list", "item offer", "final", "到手价/件", "offers")
    for line in result["lines"]:
        table.add_row(line["sku"], str(line["qty"]), line["list_amount"],
                      line["item_offer"] or "", line["final_amount"], line["final_price"],
                      ", ".join(f"{o['promotion']} −{o['amount']}" for o in line["offers"]))
    out.print(table)
    for text in result["explanation"]:
        out.print(text, highlight=False)


@promo_app.command("import")
def promo_import(file: Annotated[Path, typer.Argument(help="JSON list of promotions")]) -> None:
    """Import promotions: all or nothing (a bad item names its [index].field)."""
    from shopops.pricing.service import import_promotions

    items = _read_json(file, "file")
    with get_app().uow() as uow:
        created = import_promotions(uow, items)
    out.print(f"imported {len(created)} promotions: {', '.join(v.code for v in created)}")


@promo_app.command("list")
def promo_list(fmt: FormatOpt = "table",
               store: Annotated[str | None, typer.Option(help="store code")] = None) -> None:
    """List promotions (a store's and the platform's with --store)."""
    from shopops.pricing.service import list_promotions

    _check_format(fmt)
    with get_app().reader() as uow:
        views, _ = list_promotions(uow, store=store)
    items = [v.as_json() for v in views]
    if fmt == "json":
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return
    table = Table("code", "type", "store", "level", "name", "starts_at", "ends_at", "active")
    for p in items:
        table.add_row(*(str(p[k] if p[k] is not None else "") for k in
                        ("code", "type", "store", "level", "name", "starts_at", "ends_at",
                         "active")))
    out.print(table)


@app.command()
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
    from shopops.core.errors import ValidationError

    core = get_app()
    if fmt not in {"table", "json", "xlsx"}:
        raise ValidationError(f"--format {fmt!r} is not one of table, json, xlsx", field="format")
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
) -> None:
    """Serve the console and the API."""
    import uvicorn

    from shopops.web.app import create_app

    _require_schema()
    out.print(f"ShopOps console: http://{host}:{port}/   API docs: http://{host}:{port}/api/docs")
    uvicorn.run(create_app(get_app()), host=host, port=port, log_level="info")


def _require_schema() -> None:
    from shopops.db.migrate import current_revision

    if current_revision(get_app().engine) is None:
        raise ShopOpsError("the database is empty: run `shopops db upgrade` or `shopops demo`")


@app.command()
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
) -> None:
    """Build the demo shop (replacing an earlier demo), create an admin, serve the console."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

    from shopops.accounts.passwords import new_password
    from shopops.accounts.service import create_user
    from shopops.analytics.periods import parse_date
    from shopops.db.migrate import upgrade
    from shopops.demo.service import build_demo_shop

    core = get_app()
    upgrade(core.engine)
    if _holds_real_data():
        from shopops.core.errors import Conflict

        raise Conflict(
            f"{_safe_url()} already holds a shop that is not a demo; point "
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
    out.print(f"login: [bold]admin[/] / [bold]{password}[/]")
    if not no_serve:
        out.print(f"open http://{host}:{port}/ in your browser (Ctrl+C to stop)")
        serve(host=host, port=port)


def _holds_real_data() -> bool:
    """True when the database has stores but was not built by `shopops demo` (never wipe it)."""
    from sqlalchemy import select

    from shopops.db.facts import Fact
    from shopops.stores.models import Store

    with get_app().reader() as uow:
        has_stores = uow.session.scalar(select(Store.id).limit(1)) is not None
        built_by_demo = (
            uow.session.scalar(select(Fact.id).where(Fact.kind == "demo.built").limit(1))
            is not None
        )
    return has_stores and not built_by_demo


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

    from shopops.core.errors import ValidationError
    from shopops.orders.importers import ColumnMapping, ImportFileError
    from shopops.orders.imports import import_orders

    if fmt not in {"table", "json"}:
        raise ValidationError(f"--format {fmt!r} is not one of table, json", field="format")
    column_mapping = ColumnMapping.from_json(_read_text(mapping)) if mapping else None
    sources = [(path.name, _read_bytes(path)) for path in files]
    if not sources:
        raise ImportFileError("no file given", field="file")
    with Progress(SpinnerColumn(), "[progress.description]{task.description}", BarColumn(),
                  TimeElapsedColumn(), console=err, transient=True,
                  disable=fmt == "json") as bar:
        task = bar.add_task("读取 reading", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            label = "读取 reading" if stage == "read" else "写入 writing orders"
            bar.update(task, description=label, completed=done, total=total)

        with get_app().uow() as uow:
            summary = import_orders(uow, sources, store, platform=platform,
                                    mapping=column_mapping, progress=progress)
    if fmt == "json":
        print(json.dumps(summary.as_json(), ensure_ascii=False))
        return
    table = Table("platform", "encoding", *IMPORT_COUNTS, "import_id",
                  title=f"导入 import {', '.join(p.name for p in files)}")
    table.add_row(summary.platform, summary.encoding or "—",
                  *(str(getattr(summary, k)) for k in IMPORT_COUNTS), str(summary.import_id))
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
    from shopops.core.errors import ValidationError
    from shopops.orders.imports import import_report

    if fmt not in {"table", "json", "xlsx"}:
        raise ValidationError(f"--format {fmt!r} is not one of table, json, xlsx", field="format")
    with get_app().reader() as uow:
        report = import_report(uow, import_id)
    problems: list[dict[str, Any]] = report["problems"]
    if fmt == "json":
        print(json.dumps(problems, ensure_ascii=False, indent=2))
    elif fmt == "xlsx":
        from shopops.web.excel import write_workbook

        path = output or Path(f"import-{import_id}-report.xlsx")
        rows = [[p[k] for k in IMPORT_REPORT_COLUMNS] for p in problems]
        path.write_bytes(write_workbook({"导入问题": (
            ["行 row", "列 column", "值 value", "原因 reason", "文件 file"], rows)}))
        out.print(f"wrote {path}")
    else:
        table = Table(*IMPORT_REPORT_COLUMNS,
                      title=f"导入 import {import_id}: {report['file_name']} — "
                            f"{report['rejected']} rejected of {report['read']}")
        for p in problems:
            table.add_row(*("" if p[k] is None else str(p[k]) for k in IMPORT_REPORT_COLUMNS))
        out.print(table)


# ---------------------------------------------------------------- shopops stock (库存)

stock_app = typer.Typer(help="Stock (库存): levels, monitoring board, alerts, jobs.",
                        no_args_is_help=True)
app.add_typer(stock_app, name="stock")
StockFormatOpt = Annotated[str, typer.Option("--format", help="table|json|xlsx")]
StockDateOpt = Annotated[str | None, typer.Option(
    "--date", help="as of the close of this day, YYYY-MM-DD (default: the shop's today)")]
StockOutputOpt = Annotated[Path | None, typer.Option(help="xlsx file to write")]


def _stock_format(fmt: str, allowed: tuple[str, ...]) -> None:
    from shopops.core.errors import ValidationError

    if fmt not in allowed:
        raise ValidationError(f"--format {fmt!r} is not one of {', '.join(allowed)}",
                              field="format")


def _stock_board(on: str | None) -> Any:
    from shopops.analytics.periods import parse_date
    from shopops.inventory.monitoring_service import stock_board

    core = get_app()
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
    fmt: StockFormatOpt = "table", output: StockOutputOpt = None,
) -> None:
    """在库 / 占用 / 可用 / 在途 per SKU × warehouse."""
    from dataclasses import asdict

    from shopops.inventory.service import stock_levels

    _stock_format(fmt, ("table", "json", "xlsx"))
    with get_app().reader() as uow:
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
def stock_board_cmd(fmt: StockFormatOpt = "table", on: StockDateOpt = None,
                    output: StockOutputOpt = None) -> None:
    """库存监控: per SKU 日均销量, 可售天数, 周转天数, ABC/XYZ, 库龄, with 动销比 and alerts."""
    from shopops.inventory.monitoring_service import (
        ALERT_HEADERS,
        BOARD_HEADERS,
        alert_rows,
        board_rows,
    )

    _stock_format(fmt, ("table", "json", "xlsx"))
    board = _stock_board(on)
    if fmt == "json":
        print(json.dumps(board.as_json(), ensure_ascii=False, indent=2))
    elif fmt == "xlsx":
        _stock_xlsx(output or Path(f"stock-board-{board.as_of}.xlsx"),
                    {"库存监控": (BOARD_HEADERS, board_rows(board)),
                     "库存预警": (ALERT_HEADERS, alert_rows(board))})
    else:
        s = board.summary
        keep = [i for i, h in enumerate(BOARD_HEADERS) if h not in {"名称", "销售额", "CV"}]
        _stock_table(f"库存监控 {board.window_start} – {board.as_of}",
                     [BOARD_HEADERS[i] for i in keep],
                     [[row[i] for i in keep] for row in board_rows(board)])
        out.print(f"动销比 sell-through {s['sell_through_ratio']} (healthy ≥ "
                  f"{s['sell_through_healthy']}) · 周转天数 turnover {s['turnover_days']} "
                  f"(reference {s['turnover_reference_days']:g}) · alerts {s['alerts']}")


@stock_app.command("alerts")
def stock_alerts_cmd(fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
                     on: StockDateOpt = None) -> None:
    """库存预警: best sellers under the cover line (补货), slow movers over it (清仓促销)."""
    from shopops.inventory.monitoring_service import ALERT_HEADERS, alert_rows, alerts_json

    _stock_format(fmt, ("table", "json"))
    board = _stock_board(on)
    if fmt == "json":
        print(json.dumps(alerts_json(board), ensure_ascii=False, indent=2))
    else:  # the numbers are in the message; every column is in the json and the xlsx
        keep = [ALERT_HEADERS.index(h) for h in ("建议", "SKU", "可售天数", "说明")]
        _stock_table(f"库存预警 {board.as_of}", [ALERT_HEADERS[i] for i in keep],
                     [[row[i] for i in keep] for row in alert_rows(board)])


@stock_app.command("sweep")
def stock_sweep_cmd() -> None:
    """Job: expire reservations past reserved_until and give their stock back."""
    from shopops.inventory.service import sweep_expired_reservations

    with get_app().uow() as uow:
        expired = sweep_expired_reservations(uow)
    out.print(f"expired {expired} reservations")
