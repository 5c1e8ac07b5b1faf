"""What an import read and what it could not: the records, the rejected rows and the notes.

Pure data. A bad row never stops the good ones: its order is left out and a ``Problem`` names
the row, the column, the value and the reason (the import report an operator downloads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shopops.core.errors import ValidationError
from shopops.orders.importers.records import ImportedOrder, ImportedSettlement


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (empty, corrupt, undecodable, wrong columns)."""

    code = "orders.import_file_invalid"


class MissingColumnsError(ImportFileError):
    """A required column of the platform's export is not in the header row."""

    def __init__(self, platform: str, columns: list[str], **details: Any) -> None:
        names = "、".join(columns)
        super().__init__(
            f"{platform} export is missing required column(s): {names}",
            field=columns[0],
            platform=platform,
            columns=columns,
            **details,
        )
        self.platform = platform
        self.columns = columns


@dataclass(frozen=True, slots=True)
class Problem:
    """A rejected row: 1-based source row number (header = row 1), column, raw value, reason,
    and which file (the Taobao pair has two)."""

    row: int | None
    column: str | None
    value: str | None
    reason: str
    file: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        if self.file:
            where = f"{self.file} {where}"
        if self.column:
            where += f", column {self.column}"
        shown = f" ({self.value!r})" if self.value else ""
        return f"{where}{shown}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Note:
    """Something worth telling that rejected nothing (collapsed duplicates, ignored sheets)."""

    row: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Detection:
    """Which export layout the header row looks like, and how sure (share of its columns)."""

    platform: str
    layout: str
    confidence: float
    matched: tuple[str, ...]


@dataclass(slots=True)
class ImportResult:
    platform: str
    encoding: str | None
    format: str
    orders: list[ImportedOrder] = field(default_factory=list)
    settlements: list[ImportedSettlement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    detection: Detection | None = None

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems if p.row is not None})
