"""`shopops promo flash-sweep|flash-status|flash-reconcile`: the flash sale (秒杀) jobs (issue 6).

Registered on the `promo` group; the commands are the same use cases as the API."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from shopops import cli
from shopops.cli import out
from shopops.cli.promo import promo_app


@promo_app.command("flash-sweep")
def flash_sweep(
    fmt: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """释放超时未付款的秒杀订单: units go back to the pool (idempotent; schedule it)."""
    from shopops.pricing.flash_service import sweep

    cli.check_format(fmt)
    with cli.get_app().uow() as uow:
        released = sweep(uow)
    if fmt == "json":
        print(json.dumps({"released": [h.as_json() for h in released]}, ensure_ascii=False))
        return
    out.print(f"released {len(released)} unpaid holds "
              f"({sum(h.qty for h in released)} units back to their pools)")


@promo_app.command("flash-status")
def flash_status(sale: Annotated[int, typer.Argument(help="flash sale id")]) -> None:
    """秒杀状态: units, sold, held, remaining (JSON)."""
    from shopops.pricing.flash_service import status

    with cli.get_app().reader() as uow:
        print(json.dumps(status(uow, sale).as_json(), ensure_ascii=False, indent=2))


@promo_app.command("flash-reconcile")
def flash_reconcile(sale: Annotated[int, typer.Argument(help="flash sale id")]) -> None:
    """Repair the Redis gate's counts from the database ledger (needs SHOPOPS_REDIS_URL)."""
    from shopops.core.errors import ValidationError
    from shopops.pricing.flash_redis import RedisGate, reconcile, redis_url

    url = redis_url()
    if url is None:
        raise ValidationError("SHOPOPS_REDIS_URL: not set, nothing to reconcile",
                              field="SHOPOPS_REDIS_URL")
    with cli.get_app().reader() as uow:
        print(json.dumps(reconcile(uow, RedisGate(url), sale), ensure_ascii=False))
