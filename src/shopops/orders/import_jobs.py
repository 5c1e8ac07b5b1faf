"""Imports running in the background (the console's upload): each upload gets a job id, runs
``import_orders`` in its own thread and unit of work (one transaction, as on the CLI), and
reports its stage and progress until it ends with the summary or the error. In memory, per
process: a finished import is in the import history anyway; a job only lives to be polled."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shopops.core.errors import ShopOpsError
from shopops.core.uow import UnitOfWork
from shopops.orders.importers import ColumnMapping
from shopops.orders.imports import import_orders

KEEP = 200  # finished jobs remembered for polling (oldest forgotten first)


@dataclass(frozen=True, slots=True)
class JobView:
    """One consistent look at a job (the thread may move on while a page renders)."""

    id: str
    files: tuple[str, ...]
    state: str  # running | done | failed
    stage: str  # read | orders
    done: int
    total: int
    percent: int  # 0–100: reading the file(s) is the first 10 %, writing the orders the rest
    summary: dict[str, Any] | None
    error: ShopOpsError | None


@dataclass(slots=True)
class ImportJob:
    id: str
    files: list[str]
    state: str = "running"
    stage: str = "read"
    done: int = 0
    total: int = 0
    summary: dict[str, Any] | None = None
    error: ShopOpsError | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self, stage: str, done: int, total: int) -> None:
        with self.lock:
            self.stage, self.done, self.total = stage, done, total

    def finish(self, summary: dict[str, Any] | None, error: ShopOpsError | None) -> None:
        with self.lock:
            self.summary, self.error = summary, error
            self.state = "failed" if error is not None else "done"

    def view(self) -> JobView:
        with self.lock:
            if self.state != "running":
                percent = 100
            else:
                share = self.done / self.total if self.total else 0.0
                percent = int(10 * share) if self.stage == "read" else 10 + int(90 * share)
            return JobView(self.id, tuple(self.files), self.state, self.stage, self.done,
                           self.total, percent, self.summary, self.error)


class ImportJobs:
    """The jobs of one web app; `start` returns at once, `get` polls."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def start(self, uow_factory: Callable[[], UnitOfWork], files: Sequence[tuple[str, bytes]],
              store: str | None, platform: str | None, mapping: ColumnMapping | None
              ) -> JobView:
        job = ImportJob(uuid.uuid4().hex, [name for name, _ in files])
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEEP]:
                if self._jobs[old].state != "running":
                    del self._jobs[old]
        thread = threading.Thread(target=_run, name=f"import-{job.id[:8]}", daemon=True,
                                  args=(job, uow_factory, list(files), store, platform, mapping))
        thread.start()
        return job.view()

    def get(self, job_id: str) -> JobView | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job.view() if job else None


def _run(job: ImportJob, uow_factory: Callable[[], UnitOfWork],
         files: list[tuple[str, bytes]], store: str | None, platform: str | None,
         mapping: ColumnMapping | None) -> None:
    try:
        with uow_factory() as uow:
            summary = import_orders(uow, files, store, platform=platform, mapping=mapping,
                                    progress=job.progress)
        job.finish(summary.as_json(), None)
    except ShopOpsError as exc:  # the operator's to fix: shown on the page
        job.finish(None, exc)
    except Exception as exc:  # a crash must end the job, not leave the page polling
        job.finish(None, ShopOpsError(f"import failed: {type(exc).__name__}: {exc}"))
