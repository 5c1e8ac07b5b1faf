"""What the order import keeps beside the order book to make re-imports cheap.

``OrderFingerprint``: per imported order, a digest of the source rows it was last imported
from (with the layout, the header row and the store's time zone). A re-import whose rows give
the same digest is unchanged without parsing or loading the order; any other difference (a new
status, a refund per line, an added line, another header order) is parsed and compared.

``ImportJobRecord``: an import's progress, readable by every process (``orders.import_jobs``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import BigId, UtcDateTime


class OrderFingerprint(Base):
    __tablename__ = "order_fingerprints"

    order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32))  # md5 hex of the source rows


class ImportJobRecord(Base):
    """订单导入任务: one import's state and progress, written as it runs (its own short
    transactions, beside the import's one) so any process can read it: the console that
    started it, another worker, the CLI (`shopops import jobs`)."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_started_at", "started_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    state: Mapped[str] = mapped_column(String(16))  # running | done | failed
    stage: Mapped[str] = mapped_column(String(16))  # read | orders | followups
    done: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)  # a progress write applies only if newer
    files: Mapped[list[str]] = mapped_column(JSON)
    store: Mapped[str | None] = mapped_column(String(32))
    platform: Mapped[str | None] = mapped_column(String(16))
    worker: Mapped[str] = mapped_column(String(100))  # host:pid that runs it
    import_id: Mapped[int | None] = mapped_column(BigInteger)  # the batch, once committed
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the CLI's JSON summary
    followups: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # allocation, shipments
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # code, message, field
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
