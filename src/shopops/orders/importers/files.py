"""Read a CSV or XLSX export into a ``Table``: headers, rows with their source row numbers, and
what was detected (format, encoding, delimiter, ignored sheets).

XLSX is recognised by its zip magic bytes, anything else is text: UTF-8 with BOM, UTF-8, then
GB18030 (the superset of GBK that Taobao/Tmall exports use), and UTF-16 with a BOM (Excel's
"Unicode text"). Row numbers are 1-based and count the header, as the operator sees them in Excel.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl

from shopops.orders.importers.report import ImportFileError

XLSX_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
TEXT_ENCODINGS = ("utf-8", "gb18030")  # tried in this order after the BOM checks
DELIMITERS = (",", "\t", ";", "|")

Source = bytes | str | Path


@dataclass(frozen=True, slots=True)
class SourceRow:
    number: int  # 1-based row in the file (header = its own row number)
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[SourceRow, ...]
    encoding: str | None  # None for XLSX
    format: str  # "csv" or "xlsx"
    name: str = ""
    header_row: int = 1
    delimiter: str | None = None
    sheet: str | None = None
    ignored_sheets: tuple[str, ...] = ()


def read_table(source: Source, *, encoding: str | None = None, name: str | None = None) -> Table:
    """Read one export file (bytes or a path); ``encoding`` forces the text encoding."""
    data, label = _load(source, name)
    if not data:
        raise ImportFileError(f"{label}: the file is empty (0 bytes)", field="file")
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, label)
    text, used = decode_text(data, label, encoding)
    return _read_csv(text, used, label)


def _load(source: Source, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, name or "upload"
    path = Path(source)
    try:
        return path.read_bytes(), name or path.name
    except OSError as exc:
        raise ImportFileError(f"{path.name}: cannot read the file ({exc.strerror})") from None


def decode_text(data: bytes, label: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV export and the encoding that decoded it."""
    if encoding:
        utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        chosen = "utf-8-sig" if utf8 else encoding
        return _decode(data, chosen, label, shown=encoding), chosen
    if data.startswith(UTF8_BOM):
        return _decode(data, "utf-8-sig", label), "utf-8-sig"
    if data.startswith(UTF16_BOMS):
        return _decode(data, "utf-16", label), "utf-16"
    furthest: UnicodeDecodeError | None = None
    for candidate in TEXT_ENCODINGS:
        try:
            return _checked_text(data.decode(candidate), label), candidate
        except UnicodeDecodeError as exc:
            if exc.reason == "unexpected end of data" and candidate == "utf-8":
                raise _truncated(label, exc) from None
            if furthest is None or exc.start > furthest.start:
                furthest = exc
    assert furthest is not None
    raise ImportFileError(
        f"{label}: cannot decode the file as UTF-8 or GBK/GB18030 "
        f"(byte 0x{data[furthest.start]:02x} at offset {furthest.start}); "
        "save it as CSV UTF-8 or XLSX",
        field="encoding",
    )


def _decode(data: bytes, encoding: str, label: str, shown: str | None = None) -> str:
    try:
        return _checked_text(data.decode(encoding), label)
    except LookupError:
        raise ImportFileError(f"{label}: unknown encoding {encoding!r}", field="encoding") from None
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":
            raise _truncated(label, exc) from None
        raise ImportFileError(
            f"{label}: the file is not valid {shown or encoding} "
            f"(byte 0x{data[exc.start]:02x} at offset {exc.start})",
            field="encoding",
        ) from None


def _truncated(label: str, exc: UnicodeDecodeError) -> ImportFileError:
    return ImportFileError(
        f"{label}: the file ends in the middle of a character at offset {exc.start}; "
        "it looks truncated",
        field="file",
    )


def _checked_text(text: str, label: str) -> str:
    if "\x00" in text:
        raise ImportFileError(f"{label}: binary data, not a CSV or XLSX export", field="file")
    return text


def _first_line(text: str) -> str:
    """The first non-blank line, looked for in the file's first 64 KiB before the whole text
    (splitting a million-line file to find its header is a second of work)."""
    head = text[:1 << 16]
    lines = head.splitlines()
    if len(head) < len(text):
        lines = lines[:-1]  # may be cut in the middle
    found = next((line for line in lines if line.strip()), None)
    if found is None and len(head) < len(text):
        found = next((line for line in text.splitlines() if line.strip()), None)
    return found or ""


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most cells (comma on a tie)."""
    return max(DELIMITERS, key=lambda d: (header_line.count(d), d == ","))


def clean_header(cell: str) -> str:
    """Header cells lose the BOM and stray spaces (``收货地址 `` → ``收货地址``)."""
    return cell.replace("\ufeff", "").strip()


def _read_csv(text: str, encoding: str, label: str) -> Table:
    first_line = _first_line(text)
    if not first_line:
        raise ImportFileError(f"{label}: the file has no header row", field="file")
    delimiter = sniff_delimiter(first_line)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # equal cells share one string (statuses, SKU codes, carriers, amounts repeat on most
    # rows): a million-line file takes a fraction of the memory; setdefault runs in C
    share = {"": ""}.setdefault
    try:
        numbered = list(enumerate((tuple(map(share, cells, cells)) for cells in records),
                                  start=1))
    except csv.Error as exc:
        raise ImportFileError(f"{label}: not a readable CSV file ({exc})", field="file") from None
    headers, header_row, rows = _split_header(numbered)
    if headers is None:
        raise ImportFileError(f"{label}: the file has no header row", field="file")
    return Table(headers, rows, encoding, "csv", label, header_row, delimiter)


def _split_header(
    numbered: Iterable[tuple[int, tuple[str, ...]]],
) -> tuple[tuple[str, ...] | None, int, tuple[SourceRow, ...]]:
    headers: tuple[str, ...] | None = None
    header_row = 0
    rows: list[SourceRow] = []
    for number, cells in numbered:
        if not "".join(cells).strip():
            continue  # blank lines are skipped but keep their row numbers
        if headers is None:
            headers, header_row = tuple(clean_header(c) for c in cells), number
        else:
            rows.append(SourceRow(number, cells))
    return headers, header_row, tuple(rows)


def _read_xlsx(data: bytes, label: str) -> Table:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise _corrupt_xlsx(label, exc) from None
    try:
        return _first_sheet_with_data(book, label)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise _corrupt_xlsx(label, exc) from None
    finally:
        book.close()


def _corrupt_xlsx(label: str, exc: Exception) -> ImportFileError:
    return ImportFileError(
        f"{label}: the XLSX file is truncated or corrupt ({type(exc).__name__}); "
        "download the export again",
        field="file",
    )


def _first_sheet_with_data(book: Any, label: str) -> Table:
    chosen: Table | None = None
    ignored: list[str] = []
    for sheet in book.worksheets:
        if chosen is not None:
            ignored.append(str(sheet.title))
            continue
        headers, header_row, rows = _split_header(_sheet_rows(sheet))
        if headers is not None:
            chosen = Table(headers, rows, None, "xlsx", label, header_row, sheet=str(sheet.title))
    if chosen is None:
        raise ImportFileError(f"{label}: the workbook has no sheet with a header row", field="file")
    return Table(
        chosen.headers, chosen.rows, None, "xlsx", label, chosen.header_row,
        sheet=chosen.sheet, ignored_sheets=tuple(ignored),
    )


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, tuple[str, ...]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, tuple(cell_text(v) for v in values)


def cell_text(value: object) -> str:
    """An XLSX cell as the text a CSV export would carry (no float noise, ISO-like times)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
