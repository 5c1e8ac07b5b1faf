"""The composition root: settings, engine, session factory and units of work, built lazily
once and shared by the API, the console, the CLI and the tests. Imports no domain package."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shopops.config import Settings
from shopops.core.clock import Clock, SystemClock
from shopops.core.uow import UnitOfWork
from shopops.db.engine import build_engine


class App:
    """Everything a process needs, built on first use."""

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None) -> None:
        self.settings = settings or Settings()
        self.clock: Clock = clock or SystemClock()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            s = self.settings
            self._engine = build_engine(
                s.database_url,
                busy_timeout_ms=s.sqlite_busy_timeout_ms,
                echo=s.echo_sql,
                pg_random_page_cost=s.pg_random_page_cost,
            )
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        return self._sessions

    def uow(self) -> UnitOfWork:
        """A read-write unit of work (one transaction)."""
        return UnitOfWork(self.sessions, self.clock, write=True)

    def reader(self) -> UnitOfWork:
        """A read-only unit of work: never commits, never takes SQLite's write lock."""
        return UnitOfWork(self.sessions, self.clock, write=False)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._sessions = None


@cache
def get_app() -> App:
    return App()
