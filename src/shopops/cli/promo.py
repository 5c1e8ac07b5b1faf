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


def _read_json(path: Path, name: str) -> Any:
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
    request = _read_json(cart, "cart")
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

    items = _read_json(file, "file")
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
