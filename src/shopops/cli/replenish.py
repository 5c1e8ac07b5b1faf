"""`shopops replenish` (补货建议, optionally as draft purchase orders), `shopops suppliers …`
and `shopops po …` (采购单: list, send, receive, cancel)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import check_format, out
from shopops.core.errors import ValidationError

FormatOpt = Annotated[str, typer.Option("--format", help="table|json|xlsx")]
OutputOpt = Annotated[Path | None, typer.Option(help="xlsx file to write")]


def _print_table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    table = Table(*headers, title=title)
    for row in rows:
        table.add_row(*("—" if v is None else str(v) for v in row))
    out.print(table)


def _xlsx(path: Path, sheets: dict[str, Any]) -> None:
    from shopops.web.excel import write_workbook

    path.write_bytes(write_workbook(sheets))
    out.print(f"wrote {path}")


def _json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# ---------------------------------------------------------------- shopops replenish


def replenish_cmd(
    fmt: FormatOpt = "table",
    store: Annotated[str | None, typer.Option(help="only this store's demand (store code)")] = None,
    on: Annotated[str | None, typer.Option("--date", help="as of this day, YYYY-MM-DD "
                                                          "(default: the shop's today)")] = None,
    demand: Annotated[str, typer.Option(help="forecast (statsforecast outlook) | recent "
                                             "(recent average)")] = "forecast",
    show_all: Annotated[bool, typer.Option("--all", help="also positions that need no "
                                                         "order")] = False,
    create_pos: Annotated[bool, typer.Option("--create-pos", help="turn the suggestions into "
                                                                  "draft purchase orders, one "
                                                                  "per supplier")] = False,
    output: OutputOpt = None,
) -> None:
    """补货建议 per SKU × warehouse with its explanation (forecast over the lead time, safety
    stock, on hand, incoming, reserved → suggested quantity); --create-pos makes the draft
    purchase orders (grouped by supplier) in the same run."""
    from shopops.analytics.periods import parse_date
    from shopops.inventory.replenishment_service import (
        HEADERS,
        create_purchase_orders,
        replenishment_plan,
    )

    check_format(fmt, ("table", "json", "xlsx"))
    day = parse_date(on, field="date") if on else None
    core = cli.get_app()
    orders: list[dict[str, Any]] = []
    if create_pos:
        with core.uow() as uow:
            result = create_purchase_orders(uow, as_of=day, store=store, demand=demand)
        items, orders = result["suggestions"], result["purchase_orders"]
        rows = None
    else:
        with core.reader() as uow:
            plan = replenishment_plan(uow, as_of=day, store=store, demand=demand)
        lines = plan.lines if show_all else plan.to_order()
        items, rows = [ln.as_json() for ln in lines], [ln.row() for ln in lines]
    if fmt == "json":
        _json(items)
        return
    if rows is None:
        rows = [[i["sku"], i["name"], i["warehouse"], i["abc"], i["supplier"],
                 i["suggested_qty"], i["forecast_lead_time"], i["safety_stock"],
                 i["reorder_point"], i["review_demand"], i["promo_build_up"], i["order_up_to"],
                 i["on_hand"], i["incoming"], i["reserved"], i["position"],
                 i["net_requirement"], i["moq"], i["case_pack"], i["rounding"], i["daily_mean"],
                 i["daily_sigma"], i["lead_time_days"], i["service_level"], i["unit_price"],
                 i["amount"], i["overdue_incoming"], i["cover_days_after"], i["explanation"]]
                for i in items]
    if fmt == "xlsx":
        _xlsx(output or Path("replenishment.xlsx"), {"补货建议": (HEADERS, rows)})
    else:
        keep = [HEADERS.index(h) for h in ("SKU", "仓库", "ABC", "供应商", "建议采购",
                                           "提前期需求", "安全库存", "再订货点", "在库", "在途",
                                           "占用")]
        _print_table("补货建议 replenishment", [HEADERS[i] for i in keep],
                     [[row[i] for i in keep] for row in rows])
    for order in orders:
        out.print(f"草稿采购单 {order['code']} → {order['supplier']}: "
                  f"{len(order['lines'])} 行, {order['quantity']} 件, ¥{order['amount']}")


# ---------------------------------------------------------------- shopops suppliers

suppliers_app: typer.Typer = typer.Typer(
    help="Suppliers (供应商): list with scorecard, add, per-SKU terms.", no_args_is_help=True)
SUPPLIER_HEADERS = ["代码", "名称", "交期(天)", "交期标准差", "起订量", "箱规", "SKU数",
                    "未完成采购单", "到货次数", "准时率", "满足率", "次品率", "价格指数",
                    "退货政策"]


def supplier_rows(suppliers: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for s in suppliers:
        c = s["scorecard"]
        rows.append([s["code"], s["name"], s["lead_time_days"], s["lead_time_sigma_days"],
                     s["moq"], s["case_pack"], s["skus"], s["open_purchase_orders"],
                     c["deliveries"], c["on_time_rate"], c["fill_rate"], c["defect_rate"],
                     c["price_index"], s["return_policy"]])
    return rows


@suppliers_app.command("list")
def suppliers_list(fmt: FormatOpt = "table", output: OutputOpt = None) -> None:
    """供应商 with terms and scorecard (on-time, fill, defect rate, price index)."""
    from shopops.inventory.purchasing_service import list_suppliers

    check_format(fmt, ("table", "json", "xlsx"))
    with cli.get_app().reader() as uow:
        suppliers = list_suppliers(uow)
    if fmt == "json":
        _json(suppliers)
    elif fmt == "xlsx":
        _xlsx(output or Path("suppliers.xlsx"), {"供应商": (SUPPLIER_HEADERS,
                                                            supplier_rows(suppliers))})
    else:
        _print_table("供应商 suppliers", SUPPLIER_HEADERS, supplier_rows(suppliers))


@suppliers_app.command("add")
def suppliers_add(
    code: str,
    name: Annotated[str, typer.Option(help="供应商名称")],
    lead_time: Annotated[int, typer.Option(help="交期 lead time in days")],
    lead_time_sigma: Annotated[str, typer.Option(help="交期标准差 (days)")] = "0",
    moq: Annotated[int, typer.Option(help="起订量")] = 1,
    case_pack: Annotated[int, typer.Option(help="箱规")] = 1,
    return_policy: Annotated[str | None, typer.Option(help="退货政策")] = None,
    contact: Annotated[str | None, typer.Option(help="联系人")] = None,
) -> None:
    """新增供应商 with its default terms."""
    from shopops.inventory.purchasing_service import add_supplier

    with cli.get_app().uow() as uow:
        added = add_supplier(uow, code, name, lead_time_days=lead_time,
                             lead_time_sigma_days=lead_time_sigma, moq=moq, case_pack=case_pack,
                             return_policy=return_policy, contact=contact)
    _json(added)


@suppliers_app.command("terms")
def suppliers_terms(
    supplier: str, sku: str,
    price: Annotated[str, typer.Option(help="单价 unit price (yuan)")],
    moq: Annotated[int | None, typer.Option(help="起订量 (default: the supplier's)")] = None,
    case_pack: Annotated[int | None, typer.Option(help="箱规 (default: the supplier's)")] = None,
    lead_time: Annotated[int | None, typer.Option(help="交期 days (default: supplier's)")] = None,
    priority: Annotated[int, typer.Option(help="1 首选 preferred, 2+ 备选 backup")] = 1,
) -> None:
    """供货条款 of a supplier for one SKU."""
    from shopops.inventory.purchasing_service import set_supplier_term

    with cli.get_app().uow() as uow:
        set_supplier_term(uow, supplier, sku, unit_price=price, moq=moq, case_pack=case_pack,
                          lead_time_days=lead_time, priority=priority)
    out.print(f"{supplier} → {sku}: ¥{price} (priority {priority})")


# ---------------------------------------------------------------- shopops po

po_app: typer.Typer = typer.Typer(
    help="Purchase orders (采购单): list, send, receive, cancel.", no_args_is_help=True)
PO_HEADERS = ["采购单号", "供应商", "状态", "行数", "数量", "未到", "金额", "预计到货", "下单时间"]


def po_rows(orders: list[dict[str, Any]]) -> list[list[Any]]:
    return [[o["code"], o["supplier"], o["status_zh"], len(o["lines"]), o["quantity"],
             o["remaining"], o["amount"], o["expected_on"], o["sent_at"]] for o in orders]


@po_app.command("list")
def po_list(
    status: Annotated[str | None, typer.Option(help="draft|sent|partially_received|received|"
                                                    "cancelled")] = None,
    supplier: Annotated[str | None, typer.Option(help="supplier code")] = None,
    limit: Annotated[int, typer.Option(help="at most this many, newest first")] = 100,
    fmt: FormatOpt = "table", output: OutputOpt = None,
) -> None:
    """采购单 newest first, with their lines (json/xlsx)."""
    from shopops.inventory.purchasing_service import list_purchase_orders

    check_format(fmt, ("table", "json", "xlsx"))
    with cli.get_app().reader() as uow:
        orders, _ = list_purchase_orders(uow, status=status, supplier=supplier, limit=limit)
    if fmt == "json":
        _json(orders)
    elif fmt == "xlsx":
        lines = [[o["code"], o["supplier"], o["status_zh"], ln["sku"], ln["name"],
                  ln["warehouse"], ln["quantity"], ln["unit_price"], ln["received_qty"],
                  ln["defective_qty"], ln["remaining"]] for o in orders for ln in o["lines"]]
        _xlsx(output or Path("purchase-orders.xlsx"), {
            "采购单": (PO_HEADERS, po_rows(orders)),
            "采购明细": (["采购单号", "供应商", "状态", "SKU", "名称", "仓库", "数量", "单价",
                      "已到货", "次品", "未到"], lines)})
    else:
        _print_table("采购单 purchase orders", PO_HEADERS, po_rows(orders))


@po_app.command("send")
def po_send(code: str) -> None:
    """下单 a draft purchase order (expected delivery from the supplier's lead time)."""
    from shopops.inventory.purchasing_service import send_purchase_order

    with cli.get_app().uow() as uow:
        order = send_purchase_order(uow, code)
    out.print(f"{order['code']} 已下单, 预计到货 {order['expected_on']}")


def _delivery(specs: list[str]) -> list[dict[str, Any]]:
    """SKU[@WAREHOUSE]=ACCEPTED[/DEFECTIVE] → receive lines."""
    lines = []
    for spec in specs:
        target, _, qty = spec.partition("=")
        sku, _, warehouse = target.partition("@")
        accepted, _, defective = qty.partition("/")
        if not sku or not accepted.strip().isdigit() or (defective and not defective.isdigit()):
            raise ValidationError(f"--line {spec!r} is not SKU[@WAREHOUSE]=ACCEPTED[/DEFECTIVE]",
                                  field="line")
        lines.append({"sku": sku, "warehouse": warehouse or None, "accepted": int(accepted),
                      "defective": int(defective or 0)})
    return lines


@po_app.command("receive")
def po_receive(
    code: str,
    line: Annotated[list[str] | None, typer.Option(
        "--line", help="SKU[@WAREHOUSE]=ACCEPTED[/DEFECTIVE], repeatable; none: receive "
                       "everything still to come")] = None,
) -> None:
    """到货入库: accepted units post stock receipts; defective ones are refused."""
    from shopops.inventory.purchasing_service import receive_purchase_order

    with cli.get_app().uow() as uow:
        order = receive_purchase_order(uow, code, _delivery(line) if line else None)
    out.print(f"{order['code']} {order['status_zh']}, 未到 {order['remaining']} 件")


@po_app.command("cancel")
def po_cancel(code: str) -> None:
    """取消 a draft, or close a sent order short."""
    from shopops.inventory.purchasing_service import cancel_purchase_order

    with cli.get_app().uow() as uow:
        order = cancel_purchase_order(uow, code)
    out.print(f"{order['code']} {order['status_zh']}")
