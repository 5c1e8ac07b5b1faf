"""Small portable SQL pieces compiled per dialect (SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class days_before(FunctionElement[Any]):
    """`timestamp − N days`, keeping each dialect's stored timestamp format."""

    type = DateTime()
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any], days: int) -> None:
        self.days = int(days)
        super().__init__(column)


@compiles(days_before, "sqlite")
def _days_before_sqlite(element: days_before, compiler: Any, **kw: Any) -> str:
    # stored as 'YYYY-MM-DD HH:MM:SS.ffffff'; keep the same text shape for comparison
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"strftime('%Y-%m-%d %H:%M:%f000', {column}, '-{element.days} days')"


@compiles(days_before)
def _days_before_default(element: days_before, compiler: Any, **kw: Any) -> str:
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"({column} - INTERVAL '{element.days} days')"
