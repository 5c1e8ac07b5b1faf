"""Imports as jobs (订单导入任务): each gets an id and a row in ``import_jobs`` that says its
stage, progress, summary, follow-ups or error, so the console that started it, another worker
and the CLI (`shopops import jobs`) all read the same thing. The console's upload runs the job
in a thread of its own (`ImportJobs.start`); the CLI runs it in place (`run_job`).

The import is one transaction (all or nothing); the job row is written beside it in short
transactions of its own: created before the import, the latest progress written by a writer
thread at most every ``WRITE_EVERY`` seconds, the end written after the import commits. On
PostgreSQL other processes see the progress move; SQLite has one writer and the import holds
it from ``BEGIN IMMEDIATE``, so there the writer thread waits (without holding up the import)
and the row catches up at the commit — the running process has the live progress in memory.
A progress write only applies when it is newer than the row (``seq``), so a late one never
undoes the end.

A process that dies (kill -9, a crash of the machine) leaves its row "running". Readers show
such a row as interrupted (中断, with the hint to re-run the import: imports are idempotent):
on the host that ran it, when its pid (``worker`` is host:pid) is no longer alive; from another
host, when the row has not been written for ``STALE_AFTER`` (the writer touches a running
row at least every ``HEARTBEAT`` seconds; on SQLite only the same host can share the file).
Nothing is written for it: the row is read as interrupted, no migration needed.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from shopops.core.errors import NotFound, ShopOpsError
from shopops.core.uow import UnitOfWork
from shopops.orders.import_followups import import_with_followups
from shopops.orders.import_models import ImportJobRecord
from shopops.orders.importers import ColumnMapping

KEEP = 200  # finished jobs this process keeps in memory (the rows stay in the database)
WRITE_EVERY = 0.5  # seconds between progress writes
HEARTBEAT = 60.0  # seconds: a running job's row is touched at least this often
STALE_AFTER = timedelta(minutes=10)  # a running row untouched this long (other host): 中断
UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class JobView:
    """One consistent look at a job (the thread may move on while a page renders)."""

    id: str
    files: tuple[str, ...]
    state: str  # running | done | failed | interrupted (its process died: re-run the import)
    stage: str  # read | orders | followups
    done: int
    total: int
    percent: int  # 0–100: reading is the first 10 %, the orders the rest; follow-ups 99
    summary: dict[str, Any] | None
    error: ShopOpsError | None
    followups: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "files": list(self.files), "state": self.state,
                "stage": self.stage, "done": self.done, "total": self.total,
                "percent": self.percent, "summary": self.summary, "followups": self.followups,
                "error": _error_json(self.error)}


def _percent(state: str, stage: str, done: int, total: int) -> int:
    if state != "running":
        return 100
    share = done / total if total else 0.0
    if stage == "read":
        return int(10 * share)
    return 10 + int(90 * share) if stage == "orders" else 99


@dataclass(slots=True)
class ImportJob:
    id: str
    files: list[str]
    state: str = "running"
    stage: str = "read"
    done: int = 0
    total: int = 0
    seq: int = 0
    summary: dict[str, Any] | None = None
    followups: dict[str, Any] | None = None
    error: ShopOpsError | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    changed: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, stage: str, done: int, total: int) -> None:
        with self.lock:
            self.stage, self.done, self.total = stage, done, total
            self.seq += 1
        self.changed.set()

    def finish(self, summary: dict[str, Any] | None, error: ShopOpsError | None,
               followups: dict[str, Any] | None = None) -> None:
        with self.lock:
            self.summary, self.followups, self.error = summary, followups, error
            self.state = "failed" if error is not None else "done"
            self.seq += 1
        self.changed.set()

    def view(self) -> JobView:
        with self.lock:
            return JobView(self.id, tuple(self.files), self.state, self.stage, self.done,
                           self.total, _percent(self.state, self.stage, self.done, self.total),
                           self.summary, self.error, self.followups)

    def values(self) -> dict[str, Any]:
        """The row's changing columns, as now."""
        with self.lock:
            return {"state": self.state, "stage": self.stage, "done": self.done,
                    "total": self.total, "seq": self.seq, "summary": self.summary,
                    "followups": self.followups, "error": _error_json(self.error),
                    "import_id": (self.summary or {}).get("import_id")}


class ImportInterrupted(ShopOpsError):
    """The process that ran an import job died before it ended (中断)."""

    code = "orders.import_interrupted"
    http_status = 409


def is_interrupted(worker: str, updated_at: datetime, now: datetime, here: str,
                   alive: Callable[[int], bool]) -> bool:
    """Whether a row still "running" belongs to a process that is gone: on ``here`` (this
    host) its pid is not ``alive``; elsewhere its last write is older than ``STALE_AFTER``."""
    host, _, pid = worker.rpartition(":")
    if host == here and pid.isdigit():
        return not alive(int(pid))
    return now - updated_at > STALE_AFTER


def pid_alive(pid: int) -> bool:
    """A process with this pid runs on this host (signal 0 checks, sends nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: alive
        return True
    except OSError:
        return False
    return True


def _interruption(row: ImportJobRecord) -> ImportInterrupted:
    ended = ("the import had committed; re-run its follow-ups (`shopops import follow-up "
             "IMPORT_ID`, the id is in the import history) or the import"
             if row.stage == "followups" else "nothing of it was stored")
    return ImportInterrupted(
        f"import interrupted: the process that ran it ({row.worker}) stopped during "
        f"{row.stage} at {row.done}/{row.total} (last written "
        f"{row.updated_at:%Y-%m-%d %H:%M:%S} UTC); {ended}. Re-run the import: imports are "
        "idempotent (orders already stored are neither doubled nor changed)", field="job_id")


def _error_json(error: ShopOpsError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {"code": error.code, "message": error.message, "field": error.field}


def _error_classes(base: type[ShopOpsError] = ShopOpsError) -> dict[str, type[ShopOpsError]]:
    found = {base.code: base}
    for sub in base.__subclasses__():
        found = {**_error_classes(sub), **found}
    return found


def _stored_error(data: dict[str, Any] | None) -> ShopOpsError | None:
    """The error a job row keeps, as an error of its class again (the page names it)."""
    if not data:
        return None
    kind = _error_classes().get(str(data.get("code")), ShopOpsError)
    return kind(str(data.get("message", "")), field=data.get("field"))


def create_row(uow_factory: UowFactory, job: ImportJob, store: str | None,
               platform: str | None) -> None:
    with uow_factory() as uow:
        now = uow.now()
        uow.session.add(ImportJobRecord(
            id=job.id, files=list(job.files), store=store, platform=platform,
            worker=f"{socket.gethostname()}:{os.getpid()}"[:100], started_at=now,
            updated_at=now, **{k: v for k, v in job.values().items() if k != "import_id"},
            import_id=None))


def write_row(uow_factory: UowFactory, job: ImportJob) -> bool:
    """The job's state now into its row, unless the row already holds a newer one."""
    values = job.values()
    with uow_factory() as uow:
        if values["state"] != "running":
            values["finished_at"] = uow.now()
        moved = uow.session.execute(
            update(ImportJobRecord).where(ImportJobRecord.id == job.id,
                                          ImportJobRecord.seq < values["seq"])
            .values(updated_at=uow.now(), **values)).rowcount  # type: ignore[attr-defined]
    return bool(moved)


def touch_row(uow_factory: UowFactory, job_id: str) -> bool:
    """The heartbeat: a running job's row says it was written now."""
    with uow_factory() as uow:
        moved = uow.session.execute(
            update(ImportJobRecord).where(ImportJobRecord.id == job_id,
                                          ImportJobRecord.state == "running")
            .values(updated_at=uow.now())).rowcount  # type: ignore[attr-defined]
    return bool(moved)


def _writer(uow_factory: UowFactory, job: ImportJob, stop: threading.Event) -> None:
    """Persist the latest progress every WRITE_EVERY seconds until the job ends, and touch
    the row every HEARTBEAT seconds when nothing moved (other hosts see it is alive)."""
    beat = time.monotonic()
    while not stop.is_set():
        changed = job.changed.wait(WRITE_EVERY)
        if stop.is_set():
            break
        try:
            if changed:
                job.changed.clear()
                beat = time.monotonic()
                write_row(uow_factory, job)
            elif time.monotonic() - beat >= HEARTBEAT:
                beat = time.monotonic()
                touch_row(uow_factory, job.id)
        except OperationalError:  # the database is busy (SQLite: the import's lock)
            if changed:
                job.changed.set()
        stop.wait(WRITE_EVERY)


def run_job(uow_factory: UowFactory, job: ImportJob, files: Sequence[tuple[str, bytes]],
            store: str | None, platform: str | None, mapping: ColumnMapping | None,
            progress: Callable[[str, int, int], None] | None = None) -> None:
    """Run the import and its follow-ups as ``job``, its row kept up to date. Errors end the
    job (failed, with the error); they are not raised."""
    try:
        create_row(uow_factory, job, store, platform)
    except Exception as exc:  # no row, no import: the job ends here, saying why
        job.finish(None, ShopOpsError(f"import not started: the job could not be recorded "
                                      f"({type(exc).__name__}: {exc}); is the database "
                                      "upgraded (`shopops db upgrade`)?"))
        return
    stop = threading.Event()
    writer = threading.Thread(target=_writer, args=(uow_factory, job, stop), daemon=True,
                              name=f"import-progress-{job.id[:8]}")
    writer.start()

    def report(stage: str, done: int, total: int) -> None:
        job.progress(stage, done, total)
        if progress is not None:
            progress(stage, done, total)

    try:
        summary, followups = import_with_followups(uow_factory, files, store,
                                                   platform=platform, mapping=mapping,
                                                   progress=report)
        job.finish(summary.as_json(), None, followups.as_json())
    except ShopOpsError as exc:  # the operator's to fix: shown on the page
        job.finish(None, exc)
    except Exception as exc:  # a crash must end the job, not leave the page polling
        job.finish(None, ShopOpsError(f"import failed: {type(exc).__name__}: {exc}"))
    finally:
        stop.set()
        writer.join()
    for attempt in range(3):  # the end must reach the row; another writer may hold the lock
        try:
            write_row(uow_factory, job)
            break
        except OperationalError:
            if attempt == 2:
                raise


def new_job(files: Sequence[tuple[str, bytes]]) -> ImportJob:
    return ImportJob(uuid.uuid4().hex, [name for name, _ in files])


def import_now(uow_factory: UowFactory, files: Sequence[tuple[str, bytes]], store: str | None,
               platform: str | None, mapping: ColumnMapping | None,
               progress: Callable[[str, int, int], None] | None = None) -> ImportJob:
    """Run an import as a job in place (CLI, API): the ended job, or its error raised."""
    job = new_job(files)
    run_job(uow_factory, job, files, store, platform, mapping, progress)
    if job.error is not None:
        raise job.error
    return job


def _view_of(row: ImportJobRecord, now: datetime) -> JobView:
    state, error = row.state, _stored_error(row.error)
    if state == "running" and is_interrupted(row.worker, row.updated_at, now,
                                             socket.gethostname(), pid_alive):
        state, error = "interrupted", _interruption(row)
    return JobView(row.id, tuple(row.files), state, row.stage, row.done, row.total,
                   _percent(row.state, row.stage, row.done, row.total), row.summary, error,
                   row.followups)


def job_view(uow: UnitOfWork, job_id: str) -> JobView:
    """A job as its row says (any process); a running one whose process died: interrupted."""
    row = uow.session.get(ImportJobRecord, job_id)
    if row is None:
        raise NotFound(f"no import job {job_id}", field="job_id")
    return _view_of(row, uow.now())


def recent_jobs(uow: UnitOfWork, limit: int = 20) -> list[JobView]:
    rows = uow.session.scalars(select(ImportJobRecord).order_by(
        ImportJobRecord.started_at.desc(), ImportJobRecord.id).limit(limit))
    now = uow.now()
    return [_view_of(row, now) for row in rows]


class ImportJobs:
    """The jobs of one web app; `start` returns at once, `get` polls (this process's memory
    first, then the database: a job another worker runs, or one from before a restart)."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def start(self, uow_factory: UowFactory, files: Sequence[tuple[str, bytes]],
              store: str | None, platform: str | None, mapping: ColumnMapping | None
              ) -> JobView:
        job = new_job(files)
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEEP]:
                if self._jobs[old].state != "running":
                    del self._jobs[old]
        thread = threading.Thread(target=run_job, name=f"import-{job.id[:8]}", daemon=True,
                                  args=(uow_factory, job, list(files), store, platform,
                                        mapping))
        thread.start()
        return job.view()

    def get(self, job_id: str, reader: UowFactory | None = None) -> JobView | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            return job.view()
        if reader is None:
            return None
        try:
            with reader() as uow:
                return job_view(uow, job_id)
        except NotFound:
            return None
