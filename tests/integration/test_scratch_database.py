"""shopops.db.scratch on a real PostgreSQL server: the database exists inside the block, is
gone after it (also when the block fails), and `replace` takes over a name left behind."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from shopops.db.scratch import database_url, drop_database, scratch_database
from tests.conftest import PG_ADMIN_URL, _pg_reachable, require


def exists(name: str) -> bool:
    engine = create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"),
                                     {"n": name}).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def name() -> str:
    problem = _pg_reachable()
    require(problem is None, problem or "")
    return f"shopops_scratch_{uuid.uuid4().hex[:10]}"


def test_the_database_lives_for_the_block_only(name: str) -> None:
    with scratch_database(PG_ADMIN_URL, name) as url:
        assert url == database_url(PG_ADMIN_URL, name) and url.endswith(f"/{name}")
        engine = create_engine(url)
        conn = engine.connect()  # still open when the block ends: the drop forces it closed
        assert conn.execute(text("SELECT current_database()")).scalar_one() == name
        assert exists(name)
    assert not exists(name)
    conn.invalidate()  # its server process is gone
    engine.dispose()
    with pytest.raises(RuntimeError), scratch_database(PG_ADMIN_URL, name):
        raise RuntimeError("the block failed")
    assert not exists(name)


def test_a_name_left_behind_is_refused_unless_replaced(name: str) -> None:
    with scratch_database(PG_ADMIN_URL, name):
        with pytest.raises(Exception, match="already exists"), \
                scratch_database(PG_ADMIN_URL, name):
            pass
        assert exists(name)  # the refused block dropped nothing
        with scratch_database(PG_ADMIN_URL, name, replace=True):
            assert exists(name)
    assert not exists(name)
    drop_database(PG_ADMIN_URL, name)  # dropping one that is not there is no error
