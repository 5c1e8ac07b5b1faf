"""`shopops promo`: promotions (促销) and the 到手价 cart quote (issue 6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import check_format, out

# -- promo: promotions and the 到手价 quote (issue 6) ----------------------------------------
promo_app: typer.Typer = typer.Typer(
    help="Promotions (促销) and cart quotes (到手价).", no_args_is_help=True
)
FormatOpt = Annotated[str, typer.Option("--format", help="table|json")]


def read_json(path: Path, name: str) -> Any:
    from shopops.core.errors import ValidationError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"{name}: cannot read {path}: {exc.strerror}", field=name) from None
    except ValueError as exc:
        raise ValidationError(f"{name}: {path} is not JSON: {exc}", field=name) from None


@promo_app.command("quote")
def promo_quote(
    cart: Annotated[Path, typer.Option("--cart", help="cart JSON file")], fmt: FormatOpt = "table"
) -> None:
    """到手价: price a cart (the same JSON as POST /api/v1/pricing/quote)."""
    from shopops.pricing.service import quote_cart

    check_format(fmt)
    request = read_json(cart, "cart")
    with cli.get_app().reader() as uow:
        result = quote_cart(uow, request, uow.now())
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    table = Table("sku", "qty", "list", "item offer", "final", "到手价/件", "offers")
    for line in result["lines"]:
        table.add_row(
            line["sku"],
            str(line["qty"]),
            line["list_amount"],
            line["item_offer"] or "",
            line["final_amount"],
            line["final_price"],
            ", ".join(f"{o['promotion']} −{o['amount']}" for o in line["offers"]),
        )
    out.print(table)
    for text in result["explanation"]:
        out.print(text, highlight=False)


@promo_app.command("import")
def promo_import(file: Annotated[Path, typer.Argument(help="JSON list of promotions")]) -> None:
    """Import promotions: all or nothing (a bad item names its [index].field)."""
    from shopops.pricing.service import import_promotions

    items = read_json(file, "file")
    with cli.get_app().uow() as uow:
        created = import_promotions(uow, items)
    out.print(f"imported {len(created)} promotions: {', '.join(v.code for v in created)}")


@promo_app.command("list")
def promo_list(
    fmt: FormatOpt = "table", store: Annotated[str | None, typer.Option(help="store code")] = None
) -> None:
    """List promotions (a store's and the platform's with --store)."""
    from shopops.pricing.service import list_promotions

    check_format(fmt)
    with cli.get_app().reader() as uow:
        views, _ = list_promotions(uow, store=store)
    items = [v.as_json() for v in views]
    if fmt == "json":
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return
    table = Table("code", "type", "store", "level", "name", "starts_at", "ends_at", "active")
    for p in items:
        table.add_row(
            *(
                str(p[k] if p[k] is not None else "")
                for k in (
                    "code",
                    "type",
                    "store",
                    "level",
                    "name",
                    "starts_at",
                    "ends_at",
                    "active",
                )
            )
        )
    out.print(table)


# -- floors, simulation, coupons, 拼团, 预售, campaigns (issue 6, second increment) -------------
XlsxFormatOpt = Annotated[str, typer.Option("--format", help="table|json|xlsx")]
OutputOpt = Annotated[Path | None, typer.Option(help="xlsx file to write")]
FLOOR_COLUMNS = [("promotion", "促销"), ("name", "名称"), ("store", "店铺"), ("sku", "SKU"),
                 ("units", "件数"), ("final_price", "到手价/件"), ("floor", "底线"),
                 ("shortfall", "差额"), ("status", "状态"), ("override_reason", "放行原因"),
                 ("override_by", "放行人")]


def _emit(fmt: str, data: Any, title: str, columns: list[tuple[str, str]],
          items: list[dict[str, Any]], output: Path | None, default_name: str) -> None:
    """One table as json, xlsx (Chinese headers) or a Rich table."""
    if fmt == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    rows = [[item.get(key) for key, _ in columns] for item in items]
    if fmt == "xlsx":
        from shopops.web.excel import write_workbook

        path = output or Path(default_name)
        path.write_bytes(write_workbook({title: ([label for _, label in columns], rows)}))
        out.print(f"wrote {path}")
        return
    table = Table(*(label for _, label in columns), title=title)
    for row in rows:
        table.add_row(*("—" if v is None else str(v) for v in row))
    out.print(table)


@promo_app.command("check-floors")
def promo_check_floors(
    store: Annotated[str | None, typer.Option(help="store code")] = None,
    fmt: XlsxFormatOpt = "table", output: OutputOpt = None,
) -> None:
    """低于底线检查: active promotions × SKUs whose worst-case 到手价 is below the floor."""
    from shopops.pricing.planning_service import check_floors

    check_format(fmt, ("table", "json", "xlsx"))
    with cli.get_app().reader() as uow:
        items = [r.as_json() for r in check_floors(uow, uow.now(), store)]
    _emit(fmt, items, "低于底线", FLOOR_COLUMNS, items, output, "check-floors.xlsx")


@promo_app.command("simulate")
def promo_simulate(
    promotion: Annotated[str, typer.Argument(help="promotion code, or a JSON file of a planned "
                                                  "promotion payload")],
    store: Annotated[str | None, typer.Option(help="store code")] = None,
    uplift: Annotated[str | None, typer.Option(help="expected uplift, 0.5 = +50%; default: "
                                                    "from the last calendar event")] = None,
    days: Annotated[int, typer.Option(help="days the promotion runs")] = 7,
    fmt: XlsxFormatOpt = "table", output: OutputOpt = None,
) -> None:
    """促销测算: units, revenue, discount cost and margin with vs without the promotion."""
    from shopops.pricing.planning_service import simulate_promotion

    check_format(fmt, ("table", "json", "xlsx"))
    target: Any = (read_json(Path(promotion), "promotion") if promotion.endswith(".json")
                   else promotion)
    request = {"promotion": target, "store": store, "uplift": uplift, "days": days}
    with cli.get_app().reader() as uow:
        result = simulate_promotion(uow, request, uow.now())
    columns = [("sku", "SKU"), ("base_units", "无促销件数"), ("promo_units", "促销件数"),
               ("base_revenue", "无促销收入"), ("promo_revenue", "促销收入"),
               ("discount_cost", "让利"), ("base_margin", "无促销毛利"),
               ("promo_margin", "促销毛利"), ("margin_delta", "毛利差")]
    totals = {"sku": "合计", **result["totals"]}
    _emit(fmt, result, f"促销测算 {result['name']}", columns, [*result["skus"], totals],
          output, "simulate.xlsx")
    if fmt == "table":
        out.print(f"uplift {result['uplift']} ({result['uplift_source']}), 盈亏平衡 uplift "
                  f"{result['breakeven_uplift']}", highlight=False)


coupon_app: typer.Typer = typer.Typer(help="Coupons (优惠券): claim and redeem.",
                                      no_args_is_help=True)
promo_app.add_typer(coupon_app, name="coupon")


@coupon_app.command("claim")
def coupon_claim(code: str, customer: str) -> None:
    """领券: give CODE to CUSTOMER (limits per customer / in all, validity)."""
    from shopops.pricing.coupon_service import claim_coupon

    with cli.get_app().uow() as uow:
        claim = claim_coupon(uow, code, customer)
    print(json.dumps(claim.as_json(), ensure_ascii=False))


@coupon_app.command("redeem")
def coupon_redeem(code: str, customer: str, order_ref: str) -> None:
    """核销: CUSTOMER uses a claimed CODE on ORDER_REF (once)."""
    from shopops.pricing.coupon_service import redeem_coupon

    with cli.get_app().uow() as uow:
        claim = redeem_coupon(uow, code, customer, order_ref)
    print(json.dumps(claim.as_json(), ensure_ascii=False))


group_app: typer.Typer = typer.Typer(help="Group buy (拼团).", no_args_is_help=True)
promo_app.add_typer(group_app, name="group-buy")


@group_app.command("create")
def group_create(file: Annotated[Path, typer.Argument(help="JSON {store, sku, tiers, "
                                                           "window_hours}")]) -> None:
    """创建拼团 from a JSON file (tiers [{size, price}], 2–5 people, 24–48 h, ≥ 20% off)."""
    from shopops.pricing.group_buy_service import create_deal

    with cli.get_app().uow() as uow:
        deal = create_deal(uow, read_json(file, "file"))
    print(json.dumps(deal, ensure_ascii=False, indent=2))


@group_app.command("open")
def group_open(deal: str, leader: str, size: int) -> None:
    """开团: LEADER opens a group of SIZE on DEAL."""
    from shopops.pricing.group_buy_service import open_group

    with cli.get_app().uow() as uow:
        print(json.dumps(open_group(uow, deal, leader, size).as_json(), ensure_ascii=False))


@group_app.command("join")
def group_join(group: int, customer: str) -> None:
    """参团: CUSTOMER joins GROUP (the join that fills it makes it succeed)."""
    from shopops.pricing.group_buy_service import join_group

    with cli.get_app().uow() as uow:
        print(json.dumps(join_group(uow, group, customer).as_json(), ensure_ascii=False))


@group_app.command("leave")
def group_leave(group: int, customer: str) -> None:
    """退团: CUSTOMER (not the leader) leaves GROUP and is refunded."""
    from shopops.pricing.group_buy_service import leave_group

    with cli.get_app().uow() as uow:
        print(json.dumps(leave_group(uow, group, customer).as_json(), ensure_ascii=False))


@group_app.command("sweep")
def group_sweep() -> None:
    """拼团失败处理: fail and refund every group whose window ended short (a job; idempotent)."""
    from shopops.pricing.group_buy_service import sweep_groups

    with cli.get_app().uow() as uow:
        print(json.dumps(sweep_groups(uow, uow.now()), ensure_ascii=False))


@promo_app.command("presale-balance")
def presale_balance_cmd(code: str, qty: Annotated[int, typer.Option()] = 1) -> None:
    """尾款 of presale CODE now: max(0, 预售价 after offers − 定金 × 膨胀倍数)."""
    from shopops.pricing.presale_service import presale_balance

    with cli.get_app().reader() as uow:
        result = presale_balance(uow, code, {"qty": qty}, uow.now())
    print(json.dumps(result, ensure_ascii=False, indent=2))


campaign_app: typer.Typer = typer.Typer(help="Campaigns (大促) on the promotion calendar.",
                                        no_args_is_help=True)
promo_app.add_typer(campaign_app, name="campaign")


@campaign_app.command("create")
def campaign_create(
    event: str, year: int, code: Annotated[str | None, typer.Option()] = None,
    store: Annotated[str | None, typer.Option()] = None,
    gmv: Annotated[str | None, typer.Option(help="GMV target (yuan)")] = None,
    orders: Annotated[int | None, typer.Option(help="paid orders target")] = None,
    new_customers: Annotated[int | None, typer.Option(help="new customers target")] = None,
) -> None:
    """创建大促 on calendar EVENT (nianhuo, queen38, mid618, summer818, double11, double12)."""
    from shopops.pricing.campaign_service import create_campaign

    payload = {"code": code, "event": event, "year": year, "store": store,
               "targets": {"gmv": gmv, "orders": orders, "new_customers": new_customers}}
    with cli.get_app().uow() as uow:
        print(json.dumps(create_campaign(uow, payload), ensure_ascii=False, indent=2))


@campaign_app.command("add")
def campaign_add(campaign: str, promotion: str,
                 phase: Annotated[str | None, typer.Option(help="warm_up|peak|tail")] = None
                 ) -> None:
    """把促销放进大促 (its window must overlap the event)."""
    from shopops.pricing.campaign_service import add_promotion

    with cli.get_app().uow() as uow:
        print(json.dumps(add_promotion(uow, campaign, promotion, phase), ensure_ascii=False,
                         indent=2))


@campaign_app.command("list")
def campaign_list(year: Annotated[int | None, typer.Option()] = None,
                  fmt: XlsxFormatOpt = "table", output: OutputOpt = None) -> None:
    """大促列表 with targets and promotions."""
    from shopops.pricing.campaign_service import list_campaigns

    check_format(fmt, ("table", "json", "xlsx"))
    with cli.get_app().reader() as uow:
        items = list_campaigns(uow, year)
    rows = [{**c, "gmv": c["targets"]["gmv"], "orders": c["targets"]["orders"],
             "new_customers": c["targets"]["new_customers"],
             "promotions": ", ".join(p["code"] for p in c["promotions"])} for c in items]
    columns = [("code", "代码"), ("name", "名称"), ("event_name", "节点"), ("year", "年份"),
               ("store", "店铺"), ("gmv", "GMV目标"), ("orders", "订单目标"),
               ("new_customers", "新客目标"), ("promotions", "促销")]
    _emit(fmt, items, "大促", columns, rows, output, "campaigns.xlsx")
