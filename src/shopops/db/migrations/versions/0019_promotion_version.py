"""promotion version: a token changed by triggers on every write to promotions

Revision ID: 0019
Revises: 0015
Create Date: 2026-11-30 07:10:00

``promotion_version`` holds one row (id 1) whose ``token`` becomes a new random value whenever
a row of ``promotions`` is inserted, updated or deleted, in the same transaction: database
triggers, so every write path bumps it (the services, the demo's bulk insert, plain SQL). The
quote keeps the promotions it parsed per process while the token is unchanged
(pricing.promotion_cache); a token of a rolled-back write is never seen again, and a missing
row (a wiped table) means nothing is cached until the next write puts it back.

SQLite drops a table's triggers with the table: a later migration that rebuilds ``promotions``
(batch_alter_table) must create them again (``create_triggers`` here).
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = ("promotions_version_insert", "promotions_version_update",
                   "promotions_version_delete")
PG_FUNCTION = "bump_promotion_version"
PG_TRIGGERS = ("promotions_version_rows", "promotions_version_truncate")


def create_triggers() -> None:
    """The triggers on ``promotions`` that give ``promotion_version`` a new token."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO promotion_version (id, token)
                VALUES (1, md5(random()::text || clock_timestamp()::text
                               || txid_current()::text))
                ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
                RETURN NULL;
            END $$""")
        # BEFORE the statement: the token row is locked before any promotion row, so two
        # transactions writing promotions wait for each other there and never deadlock
        op.execute(f"CREATE TRIGGER {PG_TRIGGERS[0]} BEFORE INSERT OR UPDATE OR DELETE ON "
                   f"promotions FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()")
        op.execute(f"CREATE TRIGGER {PG_TRIGGERS[1]} BEFORE TRUNCATE ON promotions "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()")
        return
    for name, event in zip(SQLITE_TRIGGERS, ("INSERT", "UPDATE", "DELETE"), strict=True):
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON promotions BEGIN "
                   "INSERT OR REPLACE INTO promotion_version (id, token) "
                   "VALUES (1, lower(hex(randomblob(16)))); END")


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON promotions")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    table = op.create_table(
        "promotion_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_version")),
    )
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex}])
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table("promotion_version")
