"""Engine construction: SQLite with WAL, foreign keys and a busy timeout; PostgreSQL via
psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event


def normalise_url(url: str) -> str:
    """Accept plain postgres:// URLs and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def build_engine(
    url: str,
    *,
    busy_timeout_ms: int = 30_000,
    echo: bool = False,
    pg_random_page_cost: float | None = 1.1,
) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000})
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    options = [
        # the cockpit runs its queries side by side on separate connections; PostgreSQL's own
        # parallel workers on top of that only oversubscribe the cores (benchmarks/cockpit.py)
        "-c max_parallel_workers_per_gather=0",
    ]
    if pg_random_page_cost is not None:
        # the default (4) assumes spinning disks and scans whole tables for the cockpit's
        # range queries; 1.1, the usual SSD setting, lets it use the covering indexes
        options.append(f"-c random_page_cost={float(pg_random_page_cost)}")
    connect_args = {"options": " ".join(options)}
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args=connect_args,
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # let SQLAlchemy drive transactions; pysqlite's own handling defers BEGIN wrongly
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue instead of deadlocking
        write = conn.get_execution_options().get("shopops_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
