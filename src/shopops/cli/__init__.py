"""The `shopops` command (Typer). Thin: parse, call a service, print. Errors carry their
stable code and exit status from core.errors."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from shopops.bootstrap import get_app
from shopops.core.errors import ShopOpsError, ValidationError

app = typer.Typer(
    help="ShopOps 电商运营系统 — operations for Tmall/Taobao, JD, PDD, Douyin and own stores.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

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


def safe_url() -> str:
    """The database URL without its password, for messages."""
    return get_app().engine.url.render_as_string(hide_password=True)


def check_format(fmt: str, allowed: tuple[str, ...] = ("table", "json")) -> None:
    """--format must be one of `allowed`; the error names the option."""
    if fmt not in allowed:
        raise ValidationError(
            f"--format {fmt!r} is not one of {', '.join(allowed)}", field="format"
        )


# the command groups register themselves on `app` (they look up cli.get_app at call time,
# so tests can point every command at their own database)
from shopops.cli import (  # noqa: E402
    admin,
    aftersales,
    cockpit,
    forecast,
    imports,
    promo,
    replenish,
    stock,
)
from shopops.cli import flash as flash_cli  # noqa: E402,F401  (adds promo flash-* commands)
from shopops.cli import fulfillment as fulfillment_cli  # noqa: E402
from shopops.cli import orders as orders_cli  # noqa: E402

app.add_typer(admin.db_app, name="db")
app.add_typer(admin.users_app, name="users")
app.add_typer(admin.tokens_app, name="tokens")
app.add_typer(admin.stores_app, name="stores")
app.add_typer(imports.import_app, name="import")
app.add_typer(promo.promo_app, name="promo")
app.add_typer(orders_cli.orders_app, name="orders")
app.add_typer(stock.stock_app, name="stock")
app.add_typer(aftersales.aftersales_app, name="aftersales")
app.add_typer(forecast.forecast_app, name="forecast")
app.add_typer(fulfillment_cli.fulfil_app, name="fulfil")
app.command("replenish")(replenish.replenish_cmd)
app.add_typer(replenish.suppliers_app, name="suppliers")
app.add_typer(replenish.po_app, name="po")

__all__ = [
    "ShopOpsError",
    "admin",
    "aftersales",
    "app",
    "check_format",
    "cockpit",
    "forecast",
    "get_app",
    "imports",
    "main",
    "promo",
    "replenish",
    "stock",
]
