"""Carrier tracking files (物流轨迹文件): CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX with
one scan per row. Pure parsing — bytes in, events and row problems out; a bad row never
stops the good ones. Headers are matched in Chinese or English, stray spaces ignored:

    运单号 / 快递单号 / tracking_no      (required)
    时间 / 扫描时间 / 操作时间 / time    (required; a time without zone is `timezone`)
    状态 / 物流状态 / status             (optional when the description says it)
    描述 / 轨迹描述 / 物流信息 / description
    地点 / 网点 / 所在城市 / location    (optional)
    快递公司 / 承运商 / carrier          (optional; a code or a Chinese name)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shopops.core.errors import ValidationError

COLUMNS: dict[str, tuple[str, ...]] = {
    "tracking_no": ("运单号", "快递单号", "物流单号", "tracking_no", "tracking number"),
    "time": ("时间", "扫描时间", "操作时间", "轨迹时间", "time", "occurred_at"),
    "status": ("状态", "物流状态", "status"),
    "description": ("描述", "轨迹描述", "物流信息", "轨迹", "description"),
    "location": ("地点", "网点", "所在城市", "location"),
    "carrier": ("快递公司", "承运商", "物流公司", "carrier"),
}
REQUIRED = ("tracking_no", "time")
# words carriers use → ShopOps event status (checked in this order)
_STATUS_WORDS: tuple[tuple[str, str], ...] = (
    ("delivered", "delivered"), ("已签收", "delivered"), ("签收", "delivered"),
    ("out_for_delivery", "out_for_delivery"), ("派送", "out_for_delivery"),
    ("派件", "out_for_delivery"), ("returned", "returned"), ("退回", "returned"),
    ("exception", "exception"), ("异常", "exception"), ("疑难", "exception"),
    ("滞留", "exception"), ("collected", "collected"), ("揽收", "collected"),
    ("揽件", "collected"), ("收件", "collected"), ("in_transit", "in_transit"),
    ("运输", "in_transit"), ("在途", "in_transit"), ("到达", "in_transit"),
    ("发往", "in_transit"), ("中转", "in_transit"),
)
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


@dataclass(frozen=True, slots=True)
class EventRow:
    row: int  # as the operator sees it (header = 1)
    tracking_no: str
    occurred_at: datetime
    status: str
    description: str
    location: str | None
    carrier: str | None


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value,
                "reason": self.reason}


def event_status(status: str | None, description: str) -> str | None:
    """The ShopOps status of a scan from its status cell, else from its description."""
    for text in (status or "", description):
        lowered = text.strip().lower()
        for word, mapped in _STATUS_WORDS:
            if word in lowered:
                return mapped
    return None


def parse_time(value: object, timezone: str) -> datetime:
    """A scan time: a datetime cell, `2026-11-20 14:30[:00]` (slashes too) or ISO-8601."""
    found: datetime | None = value if isinstance(value, datetime) else None
    text = str(value or "").strip().replace("T", " ")
    for fmt in _TIME_FORMATS if found is None else ():
        try:
            found = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if found is None:
        try:
            found = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(f"not a time: {value!r}") from None
    return found if found.tzinfo else found.replace(tzinfo=ZoneInfo(timezone))


def _rows(content: bytes, filename: str) -> tuple[list[str], list[list[Any]]]:
    if not content:
        raise ValidationError(f"{filename} 是空文件 — {filename} is empty (0 bytes)",
                              field="file")
    if content[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # a corrupt workbook: openpyxl/zipfile raise many kinds
            raise ValidationError(f"{filename} 不是可读取的 xlsx 文件 — {filename} is not a "
                                  f"readable xlsx file: {exc}",
                                  field="file") from None
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
    else:
        text = None
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise ValidationError(f"{filename} 的编码不是 UTF-8 或 GB18030 — {filename}: not "
                                  "UTF-8 or GB18030 text", field="file")
        values = [list(r) for r in csv.reader(io.StringIO(text))]
    values = [r for r in values if any(str(c or "").strip() for c in r)]
    if not values:
        raise ValidationError(f"{filename} 没有表头行 — {filename} has no header row",
                              field="file")
    return [str(c or "").strip() for c in values[0]], values[1:]


def _positions(header: list[str], filename: str) -> dict[str, int]:
    lowered = [h.lower() for h in header]
    found: dict[str, int] = {}
    for name, titles in COLUMNS.items():
        for title in titles:
            if title.lower() in lowered:
                found[name] = lowered.index(title.lower())
                break
    missing = [n for n in REQUIRED if n not in found]
    if missing:
        raise ValidationError(
            f"{filename}: missing column {' / '.join(COLUMNS[missing[0]][:2])} "
            f"({missing[0]}); header is {', '.join(header)}", field=missing[0])
    return found


def parse_tracking_file(content: bytes, filename: str, timezone: str = "Asia/Shanghai"
                        ) -> tuple[list[EventRow], list[RowProblem]]:
    """Events from a carrier file, and one problem per row that cannot be read."""
    header, body = _rows(content, filename)
    at = _positions(header, filename)
    events: list[EventRow] = []
    problems: list[RowProblem] = []
    seen: set[tuple[str, datetime, str]] = set()
    for number, cells in enumerate(body, start=2):
        def cell(name: str, cells: list[Any] = cells) -> str:
            i = at.get(name)
            value = cells[i] if i is not None and i < len(cells) else None
            return str(value).strip().lstrip("'") if value is not None else ""

        tracking = cell("tracking_no")
        if not tracking:
            problems.append(RowProblem(number, "tracking_no", None, "运单号为空 — empty"))
            continue
        raw_time = cells[at["time"]] if at["time"] < len(cells) else None
        try:
            when = parse_time(raw_time, timezone)
        except ValueError:
            problems.append(RowProblem(number, "time", str(raw_time or ""),
                                       "时间无法识别，应为 2026-11-20 14:30:00 — not a time"))
            continue
        description = cell("description")
        status = event_status(cell("status"), description)
        if status is None:
            problems.append(RowProblem(number, "status", cell("status") or description,
                                       "无法判断物流状态 — unknown status"))
            continue
        if (tracking, when, status) in seen:
            problems.append(RowProblem(number, None, tracking, "重复行 — duplicate row"))
            continue
        seen.add((tracking, when, status))
        events.append(EventRow(number, tracking, when, status, description or status,
                               cell("location") or None, cell("carrier") or None))
    return events, problems


def events_from_json(items: Iterable[Any], timezone: str = "Asia/Shanghai"
                     ) -> tuple[list[EventRow], list[RowProblem]]:
    """The API's list of events, checked the same way (row = 1-based position)."""
    events: list[EventRow] = []
    problems: list[RowProblem] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(RowProblem(i, None, None, "each event must be an object"))
            continue
        tracking = str(item.get("tracking_no") or "").strip()
        if not tracking:
            problems.append(RowProblem(i, "tracking_no", None, "tracking_no is required"))
            continue
        try:
            when = parse_time(item.get("occurred_at"), timezone)
        except ValueError:
            problems.append(RowProblem(i, "occurred_at", str(item.get("occurred_at")),
                                       "occurred_at is not an ISO-8601 time"))
            continue
        description = str(item.get("description") or "").strip()
        status = event_status(item.get("status"), description)
        if status is None:
            problems.append(RowProblem(i, "status", str(item.get("status")),
                                       "unknown status (collected, in_transit, "
                                       "out_for_delivery, delivered, exception, returned)"))
            continue
        events.append(EventRow(i, tracking, when, status, description or status,
                               (str(item["location"]).strip() or None)
                               if item.get("location") else None,
                               str(item["carrier"]) if item.get("carrier") else None))
    return events, problems
