"""Storage: engine, Base, column types, Alembic migrations."""
