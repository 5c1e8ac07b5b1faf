"""Shared fixtures: every integration test runs on SQLite and on PostgreSQL.

PostgreSQL comes from SHOPOPS_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
a fresh database is created for the run and dropped after. Without a reachable server the
PostgreSQL half skips with the reason — except in CI (CI=true), where it must run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from shopops.bootstrap import App
from shopops.config import Settings
from shopops.core.clock import Clock
from shopops.db.migrate import upgrade
from shopops.db.registry import Base
from shopops.db.scratch import admin_url, scratch_database

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = admin_url()
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def require(condition: bool, reason: str) -> None:
    """Skip on a user's machine, fail in CI: CI must run every suite."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"mandatory in CI: {reason}")
    pytest.skip(reason)


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any driver/connection error means "not available here"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"


@contextmanager
def new_pg_database() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database, dropped afterwards."""
    problem = _pg_reachable()
    require(problem is None, problem or "")
    with scratch_database(PG_ADMIN_URL, f"shopops_test_{uuid.uuid4().hex[:10]}") as url:
        yield url


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    with new_pg_database() as url:
        yield url


@contextmanager
def private_app(backend: str, folder: Path) -> Iterator[App]:
    """A migrated database of its own (for read-only fixtures shared by a whole module)."""
    with ExitStack() as stack:
        url = (f"sqlite:///{folder / 'private.db'}" if backend == "sqlite"
               else stack.enter_context(new_pg_database()))
        application = make_app(url)
        upgrade(application.engine)
        try:
            yield application
        finally:
            application.dispose()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'shopops.db'}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database URL, once per backend per test session."""
    url: str = request.getfixturevalue(
        f"{request.param}_database" if request.param == "sqlite" else "pg_database"
    )
    app = App(Settings(database_url=url))
    upgrade(app.engine)
    app.dispose()
    return url


def wipe(app: App) -> None:
    """Empty every table (children first) so the next test starts clean."""
    with app.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def make_app(url: str, clock: Clock | None = None) -> App:
    return App(Settings(database_url=url, secret_key="test-secret"), clock=clock)


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    """A clean, migrated database on each backend."""
    application = make_app(database_url)
    wipe(application)
    try:
        yield application
    finally:
        application.dispose()
