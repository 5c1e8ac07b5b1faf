"""Alembic environment: runs on the engine handed over by shopops.db.migrate."""

from __future__ import annotations

from alembic import context

from shopops.db.registry import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER via copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
