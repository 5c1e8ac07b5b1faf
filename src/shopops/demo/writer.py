"""Bulk writes inside the build's one transaction: DB-API executemany on SQLite, COPY on
PostgreSQL. Values still go through each column's SQLAlchemy type (cents, UTC, JSON), exactly
as a Core insert would bind them — only the per-row statement bookkeeping is skipped, which
was half the build time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select, text

from shopops.db.registry import Base

BATCH = 50_000


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(
                f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for values in _bound(conn, table, columns, rows):
                # psycopg binds JSON itself at execute time; COPY takes it as text
                copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v
                                for v in values])
        return
    if conn.dialect.paramstyle != "qmark":  # pragma: no cover - another driver: plain Core
        conn.execute(table.insert(), list(rows))
        return
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    cursor = raw.cursor()
    try:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, _bound(conn, table, columns, rows[start:start + BATCH]))
    finally:
        cursor.close()


def _bound(conn: Connection, table: Table, columns: list[str],
           rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each row's values as the column types bind them (None stays NULL)."""
    processors = [table.c[name].type.bind_processor(conn.dialect) for name in columns]
    plain = [i for i, proc in enumerate(processors) if proc is None]
    if len(plain) == len(columns):
        return [tuple(row.values()) for row in rows]
    converted = [(i, proc) for i, proc in enumerate(processors) if proc is not None]
    out = []
    for row in rows:
        values = list(row.values())
        for i, proc in converted:
            if values[i] is not None:
                values[i] = proc(values[i])
        out.append(tuple(values))
    return out


def has_stores(conn: Connection) -> bool:
    stores = Base.metadata.tables["stores"]
    return bool(conn.scalar(select(func.count()).select_from(stores)))


def wipe_all(conn: Connection) -> None:
    """Delete every row of every table, children first."""
    for table in reversed(Base.metadata.sorted_tables):
        conn.execute(table.delete())


def tune_for_bulk(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":  # a big page cache keeps index inserts in memory
        conn.exec_driver_sql("PRAGMA cache_size=-262144")


def advance_sequences(conn: Connection) -> None:
    """PostgreSQL: ids were given explicitly, so move each id sequence past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c:
            continue
        sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                               {"t": table.name})
        if sequence:
            conn.execute(text(f'SELECT setval(:s, (SELECT COALESCE(MAX(id), 0) + 1 FROM '
                              f'"{table.name}"), false)'), {"s": sequence})


def refresh_statistics(conn: Connection) -> None:
    """Bulk loads leave the planner blind: ANALYZE so the cockpit's queries pick the covering
    indexes (both SQLite and PostgreSQL allow it inside the transaction)."""
    conn.exec_driver_sql("ANALYZE")


def vacuum_after_bulk_load(engine: Engine) -> None:
    """PostgreSQL: VACUUM sets the visibility map, without which index-only scans still read
    every heap page (3× slower cockpit on a fresh 1M-order shop). Outside any transaction."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
