"""Alembic upgrade from empty, on both databases, gives exactly the models' schema."""

from __future__ import annotations

from sqlalchemy import inspect

from shopops.bootstrap import App
from shopops.config import Settings
from shopops.db.migrate import current_revision, downgrade, upgrade
from shopops.db.registry import Base


def test_upgrade_from_empty_creates_every_table_and_downgrade_removes_them(
    database_url: str,
) -> None:
    app = App(Settings(database_url=database_url))
    downgrade(app.engine, "base")
    assert set(inspect(app.engine).get_table_names()) <= {"alembic_version"}
    upgrade(app.engine)
    tables = set(inspect(app.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revision(app.engine) is not None
    app.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    """No model change without its migration: autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    app = App(Settings(database_url=database_url))
    with app.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    app.dispose()
    assert diff == []
