"""Ids for rows about to be inserted in bulk, so that a plain executemany (or COPY) can write
them: an INSERT … RETURNING in parameter order runs row by row on SQLite."""

from __future__ import annotations

from sqlalchemy import Connection, column, func, select, table


def new_ids(conn: Connection, table_name: str, count: int) -> list[int]:
    """``count`` ids for ``table_name``: PostgreSQL draws them from the table's sequence; SQLite
    counts on from the largest id, which no one else can take while this writer holds the
    database."""
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(select(func.nextval(func.pg_get_serial_sequence(table_name, "id")))
                            .select_from(func.generate_series(1, count)))
        return sorted(int(r[0]) for r in rows)
    ids = table(table_name, column("id"))
    start = int(conn.execute(select(func.coalesce(func.max(ids.c.id), 0))).scalar_one()) + 1
    return list(range(start, start + count))
