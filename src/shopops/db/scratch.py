"""Throw-away PostgreSQL databases for the test suite and the benchmarks: one place that
creates a database beside the admin database, gives its URL and drops it (WITH (FORCE), so
connections left open do not keep it alive)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    """The server's admin database: SHOPOPS_TEST_PG_URL, else the local default."""
    return os.environ.get("SHOPOPS_TEST_PG_URL", DEFAULT_ADMIN_URL)


def database_url(admin: str, name: str) -> str:
    """The URL of database `name` on the server of `admin`."""
    return admin.rsplit("/", 1)[0] + f"/{name}"


def _run(admin: str, *statements: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def drop_database(admin: str, name: str) -> None:
    _run(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recreate_database(admin: str, name: str) -> str:
    """Database `name`, empty (dropped first if it was there); returns its URL."""
    _run(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return database_url(admin, name)


@contextmanager
def scratch_database(admin: str, name: str, *, replace: bool = False) -> Iterator[str]:
    """A new, empty database `name` for the duration of the block, dropped afterwards.
    Raises (and leaves nothing) when the server cannot be reached or, unless `replace`
    (drop one left behind first), when the name is taken."""
    if replace:
        recreate_database(admin, name)
    else:
        _run(admin, f'CREATE DATABASE "{name}"')
    try:
        yield database_url(admin, name)
    finally:
        drop_database(admin, name)
