"""Excel export (xlsx), shared by the console and the CLI: operators live in Excel, so numbers
are written as numbers with number formats, never as text."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

AMOUNT_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
MAX_SHEET_TITLE = 31  # Excel's limit

Sheets = dict[str, tuple[list[str], list[list[object]]]]


@dataclass(frozen=True, slots=True)
class Percent:
    """A fraction to show as a percentage (0.0342 → 3.42%)."""

    value: Decimal | int | float | str | None


@dataclass(frozen=True, slots=True)
class Formatted:
    """A number with an explicit Excel number format."""

    value: Decimal | int | float | str | None
    number_format: str


def _number(value: Decimal | int | float | str | None) -> Decimal | int | float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return Decimal(value)
    return value


def cell_value(value: object) -> tuple[Any, str | None]:
    """The value to store and its number format (None: Excel's default)."""
    if isinstance(value, Percent):
        return _number(value.value), PERCENT_FORMAT
    if isinstance(value, Formatted):
        return _number(value.value), value.number_format
    if isinstance(value, bool) or value is None:
        return value, None
    if isinstance(value, int):
        return value, COUNT_FORMAT
    if isinstance(value, Decimal | float):
        return value, AMOUNT_FORMAT
    if isinstance(value, datetime):
        return value.replace(tzinfo=None), "yyyy-mm-dd hh:mm"
    if isinstance(value, date):
        return value, DATE_FORMAT
    return str(value), None


def _display_width(value: object) -> int:
    text = str(value if not isinstance(value, Percent | Formatted) else value.value or "")
    # CJK characters are about twice as wide as Latin ones
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _write_sheet(ws: Any, headers: list[str], rows: list[list[object]]) -> None:
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    widths = [_display_width(h) for h in headers]
    for r, row in enumerate(rows, start=2):
        for c, raw in enumerate(row, start=1):
            value, number_format = cell_value(raw)
            cell = ws.cell(row=r, column=c, value=value)
            if number_format:
                cell.number_format = number_format
            if c <= len(widths):
                widths[c - 1] = max(widths[c - 1], _display_width(raw))
            else:
                widths.append(_display_width(raw))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"


def write_workbook(sheets: Sheets) -> bytes:
    """One workbook, a sheet per entry: {title: (headers, rows)} → xlsx bytes.

    Cells: int → #,##0; Decimal/float → #,##0.00; `Percent(x)` → 0.00%; `Formatted(x, fmt)`
    for any other format; dates as dates; everything else as text."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, (headers, rows) in sheets.items():
        _write_sheet(wb.create_sheet(title=title[:MAX_SHEET_TITLE]), headers, rows)
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def content_disposition(filename: str, fallback: str = "export.xlsx") -> str:
    """attachment with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    safe = filename.isascii() and not any(ch in filename for ch in '"\\;\r\n')
    ascii_name = filename if safe else fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
