"""Past imports (导入记录): the batches newest first and each one's report as an Excel sheet.
Read-only; the import itself is ``orders.imports.import_orders``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from shopops.core.uow import UnitOfWork
from shopops.orders.imports import import_report
from shopops.orders.models import ImportBatch
from shopops.stores.service import get_store, list_stores

COUNTS = ("read", "new", "updated", "unchanged", "rejected")
REPORT_COLUMNS = ("row", "column", "value", "reason", "file")
REPORT_HEADERS = ["行 row", "列 column", "值 value", "原因 reason", "文件 file"]


def _batch_json(batch: ImportBatch, store_code: str) -> dict[str, Any]:
    return {
        "import_id": batch.id, "store": store_code, "platform": batch.platform,
        "encoding": batch.encoding, "format": batch.format, "file_name": batch.file_name,
        "checksum": batch.checksum, "size": batch.size,
        "read": batch.read_count, "new": batch.new_count, "updated": batch.updated_count,
        "unchanged": batch.unchanged_count, "rejected": batch.rejected_count,
        "started_at": batch.started_at.isoformat(), "finished_at": batch.finished_at.isoformat(),
    }


def list_imports(uow: UnitOfWork, page: int, page_size: int, store: str | None = None
                 ) -> dict[str, Any]:
    """A page of finished imports, newest first, with their counts."""
    where = [ImportBatch.store_id == get_store(uow, store).id] if store else []
    total = uow.session.scalar(select(func.count(ImportBatch.id)).where(*where)) or 0
    codes = {s.id: s.code for s in list_stores(uow)}
    batches = uow.session.scalars(
        select(ImportBatch).where(*where).order_by(ImportBatch.id.desc())
        .offset((page - 1) * page_size).limit(page_size))
    return {"items": [_batch_json(b, codes.get(b.store_id, "")) for b in batches],
            "page": page, "page_size": page_size, "total": int(total)}


def report_sheets(uow: UnitOfWork, import_id: int
                  ) -> tuple[dict[str, Any], dict[str, tuple[list[str], list[list[object]]]]]:
    """The report of one import and its workbook: the rejected rows, then the summary."""
    report = import_report(uow, import_id)
    rows: list[list[object]] = [[p[k] for k in REPORT_COLUMNS] for p in report["problems"]]
    summary: list[list[object]] = [
        ["导入编号 import_id", report["import_id"]], ["文件 file", report["file_name"]],
        ["平台 platform", report["platform"]], ["编码 encoding", report["encoding"] or ""],
        ["校验和 sha256", report["checksum"]],
        *([f"{k}", report[k]] for k in COUNTS)]
    return report, {"导入问题": (REPORT_HEADERS, rows), "汇总": (["项 item", "值 value"], summary)}
