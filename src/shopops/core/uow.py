"""Unit of work: one transaction per use case; facts recorded inside it, callbacks run
only after commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from shopops.core.clock import Clock, SystemClock


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock | None = None,
        *,
        write: bool = True,
    ) -> None:
        self._factory = session_factory
        self.clock: Clock = clock or SystemClock()
        self.write = write
        self._after_commit: list[Callable[[], None]] = []
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
        # SQLite: writers take the write lock at BEGIN (see db.engine._on_begin)
        self._session.connection(execution_options={"shopops_write": self.write})
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if exc_type is None and self.write:
                session.commit()
                for callback in self._after_commit:
                    callback()
            else:
                session.rollback()
        finally:
            session.close()
            self._session = None
            self._after_commit.clear()

    def now(self) -> datetime:
        return self.clock.now()

    def record(
        self,
        kind: str,
        *,
        entity: str,
        entity_id: int,
        store_id: int | None = None,
        occurred_at: datetime | None = None,
        **data: Any,
    ) -> None:
        """Append a fact in this transaction (it commits or rolls back with the change)."""
        from shopops.db.facts import Fact

        self.session.add(
            Fact(
                kind=kind,
                entity=entity,
                entity_id=entity_id,
                store_id=store_id,
                occurred_at=occurred_at or self.now(),
                data=data,
            )
        )

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)
