"""`shopops db|users|tokens|stores`: schema, console users, API tokens and stores."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from shopops import cli
from shopops.cli import out

db_app: typer.Typer = typer.Typer(
    help="Database schema (Alembic migrations).", no_args_is_help=True
)
users_app: typer.Typer = typer.Typer(help="Console users.", no_args_is_help=True)
tokens_app: typer.Typer = typer.Typer(help="API tokens.", no_args_is_help=True)
stores_app: typer.Typer = typer.Typer(help="Stores (店铺 / 渠道 accounts).", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from shopops.db.migrate import current_revision, upgrade

    core = cli.get_app()
    upgrade(core.engine, revision)
    out.print(f"database at revision {current_revision(core.engine)}: {cli.safe_url()}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    from shopops.db.migrate import current_revision

    out.print(current_revision(cli.get_app().engine) or "empty (run `shopops db upgrade`)")


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
    with cli.get_app().uow() as uow:
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

    with cli.get_app().uow() as uow:
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

    with cli.get_app().uow() as uow:
        store = add_store(uow, code, platform, name=name, timezone=timezone, commission=commission)
    out.print(f"added store {store.code} ({store.platform}, {store.name})")


@stores_app.command("list")
def stores_list(fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table") -> None:
    """List the stores."""
    from shopops.stores.service import list_stores

    with cli.get_app().reader() as uow:
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
