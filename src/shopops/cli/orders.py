"""`shopops orders`: place an order from a cart (下单, issue 6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import check_format, out

orders_app: typer.Typer = typer.Typer(help="Orders (订单): place an order from a cart.",
                                      no_args_is_help=True)


@orders_app.command("place")
def orders_place(
    cart: Annotated[Path, typer.Option("--cart", help="cart JSON file (as promo quote, with "
                                                       "customer.id; optional order_no, "
                                                       "expected_total)")],
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """下单: price the cart now, count the promotions' caps, redeem the coupons used and write
    the paid order, all in one transaction (the same JSON as POST /api/v1/orders)."""
    from shopops.cli.promo import read_json
    from shopops.orders.placement import place_order

    check_format(fmt)
    request = read_json(cart, "cart")
    with cli.get_app().uow() as uow:
        placed = place_order(uow, request)
    if fmt == "json":
        print(json.dumps(placed, ensure_ascii=False, indent=2))
        return
    table = Table("sku", "qty", "单价", "优惠分摊", "实付", "offers")
    for line in placed["lines"]:
        table.add_row(line["sku"], str(line["qty"]), line["list_price"],
                      line["discount_amount"], line["paid_amount"],
                      ", ".join(f"{o['promotion']} −{o['amount']}" for o in line["offers"]))
    out.print(f"订单 {placed['order_no']} (id {placed['id']}) {placed['store']} "
              f"买家 {placed['customer']}: 实付 ¥{placed['paid_amount']}", highlight=False)
    out.print(table)
    for text in placed.get("explanation", []):
        out.print(text, highlight=False)
