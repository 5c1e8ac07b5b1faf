"""Shared by the benchmark scripts: the databases they measure on and the little catalogue
they seed (imported from the script's own folder, like measure.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from shopops.db.scratch import admin_url, database_url, recreate_database, scratch_database

PG_ADMIN_URL = admin_url()


@contextmanager
def optional_pg_database(prefix: str) -> Iterator[str | None]:
    """A throw-away PostgreSQL database named `prefix`_<random>, or None (said on stdout)
    when no server is reachable: the table then shows SQLite only."""
    with ExitStack() as stack:
        try:
            url: str | None = stack.enter_context(
                scratch_database(PG_ADMIN_URL, f"{prefix}_{uuid.uuid4().hex[:8]}"))
        except Exception as exc:  # no server here: the table says so
            print(f"PostgreSQL not reachable ({type(exc).__name__}); SQLite only")
            url = None
        yield url


def pg_url(name: str) -> str:
    """The URL of the benchmark database `name` on the test server."""
    return database_url(PG_ADMIN_URL, name)


def fresh_database(url: str) -> None:
    """Empty the benchmark database at `url` before a run: a PostgreSQL one is dropped and
    created again, a SQLite file removed (created again on first connect)."""
    if url.startswith("postgresql"):
        recreate_database(PG_ADMIN_URL, url.rsplit("/", 1)[1])
    else:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def add_catalog(uow: Any, product: tuple[str, str],
                skus: Sequence[tuple[str, str, str, str]]) -> None:
    """Category c (服饰), one product (code, name) and its SKUs (code, name, price, cost),
    active and listed now."""
    from shopops.catalog.models import Category, Product, Sku

    category = Category(code="c", name="服饰", kind="general")
    uow.session.add(category)
    uow.session.flush()
    code, name = product
    row = Product(code=code, name=name, category_id=category.id, created_at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    for sku, sku_name, price, cost in skus:
        uow.session.add(Sku(code=sku, product_id=row.id, name=sku_name, attributes={},
                            price=Decimal(price), cost=Decimal(cost), listed_at=uow.now(),
                            active=True))
    uow.session.flush()
