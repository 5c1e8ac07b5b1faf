"""Cell cleaners for platform exports: text guards, amounts, quantities, local times, masks.

Each cleaner takes the raw cell text and returns a clean value or raises ``CellError`` with the
reason; the parser adds the row and the column. Amounts are exact ``Decimal`` (never float).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from shopops.core.errors import ValidationError
from shopops.core.money import to_decimal

# what exports write for "no value" (MySQL's zero date included)
EMPTY_MARKERS = frozenset({"", "-", "--", "null", "none", "0000-00-00 00:00:00", "0000-00-00"})
# Excel text guard: ="1930679858170647" keeps a long number as text
_EXCEL_GUARD = re.compile(r'^=\s*"(.*)"$', re.DOTALL)
_CURRENCY_MARKS = ("¥", "￥", "元", "RMB", "CNY")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_QUANTITY = re.compile(r"^(\d+)(\.0+)?$")
# a plain amount (the usual cell): read straight into a Decimal
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")
_DATETIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?$"
)


class CellError(Exception):
    """A cell that cannot be read: the reason, in words an operator understands."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@functools.lru_cache(maxsize=4096)
def header_key(header: str) -> str:
    """Matching key of a header or a platform word: NFKC (full-width （）， → ASCII), trimmed."""
    return unicodedata.normalize("NFKC", header.replace("\ufeff", "")).strip()


def text(value: str) -> str:
    """Trimmed cell text without an Excel text guard (``="…"``)."""
    cleaned = value.strip()
    if not cleaned.startswith("="):  # the usual cell: no guard, no regex
        return cleaned
    guarded = _EXCEL_GUARD.match(cleaned)
    return guarded.group(1).strip() if guarded else cleaned


def identifier(value: str) -> str:
    """An order number, SKU code or phone: text guard and leading apostrophe (``'186…``) off."""
    cleaned = value.strip()
    if not cleaned.startswith(("=", "'", "`")):  # the usual cell
        return cleaned
    return text(value).lstrip("'`").strip()


def order_number(value: str) -> str:
    """An order number; one Excel turned into ``1.93068E+15`` has lost digits and is refused."""
    cleaned = identifier(value)
    if ("e" in cleaned or "E" in cleaned) and _SCIENTIFIC.match(cleaned):
        raise CellError(f"order number {cleaned!r} was rounded by Excel (scientific notation); "
                        "export again or keep the column as text")
    return cleaned


def optional_text(value: str) -> str | None:
    cleaned = text(value)
    return None if is_empty(cleaned) else cleaned


def is_empty(value: str) -> bool:
    return value.strip().lower() in EMPTY_MARKERS


def is_masked(value: str | None) -> bool:
    """Platforms mask buyer data with asterisks: ``138****1234``, ``张**``, ``****``."""
    return bool(value) and "*" in (value or "")


def amount(value: str) -> Decimal | None:
    """A yuan amount (``¥1,299.00``, ``0元``) as an exact Decimal; empty → None.

    Negative and non-numeric amounts are refused: exports write refunds in their own column.
    """
    if _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)
    cleaned = text(value)
    if is_empty(cleaned):
        return None
    for mark in _CURRENCY_MARKS:
        cleaned = cleaned.replace(mark, "")
    cleaned = cleaned.replace(" ", "").replace("，", ",")
    if "," in cleaned:
        if not _THOUSANDS.match(cleaned):
            raise CellError(f"{value.strip()!r} is not an amount")
        cleaned = cleaned.replace(",", "")
    try:
        parsed = to_decimal(cleaned)
    except ValidationError:
        raise CellError(f"{value.strip()!r} is not an amount") from None
    if parsed < 0:
        raise CellError(f"negative amount {parsed}")
    return parsed


def amount_or_zero(value: str) -> Decimal:
    if _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)
    parsed = amount(value)
    return parsed if parsed is not None else Decimal("0")


def required_amount(value: str) -> Decimal:
    if _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)
    parsed = amount(value)
    if parsed is None:
        raise CellError("amount is empty")
    return parsed


def signed_amount(value: str) -> Decimal:
    """An amount that may carry its own sign (settlement rows); its size only is returned."""
    cleaned = text(value)
    negative = cleaned.startswith("-")
    return required_amount(cleaned[1:] if negative else cleaned)


def quantity(value: str) -> int:
    """A positive whole number of units (``2``, ``2.0``, ``2件``)."""
    if value.isdigit() and value.isascii():
        units = int(value)
        if units > 0:
            return units
    cleaned = text(value).replace("件", "").strip()
    match = _QUANTITY.match(cleaned)
    if not match:
        raise CellError(f"{value.strip()!r} is not a whole number of units")
    units = int(match.group(1))
    if units <= 0:
        raise CellError(f"quantity must be positive, got {units}")
    return units


def local_datetime(value: str, timezone: ZoneInfo) -> datetime | None:
    """A platform time (``2026-11-20 23:30:00``, ``2026/11/20 23:30``) in the store's zone.

    Exports write naive local times; the store's time zone makes them aware. Empty → None.
    """
    if len(value) == 19 and value[4] == "-" and value[10] == " ":
        try:  # fast path for the usual 2026-11-20 23:30:00, before any cleaning
            return datetime.fromisoformat(value).replace(tzinfo=timezone)
        except ValueError:
            pass  # the general parser below says why
    cleaned = text(value)
    if is_empty(cleaned):
        return None
    if len(cleaned) == 19 and cleaned[4] == "-" and cleaned[10] == " ":
        try:  # fast path for the usual 2026-11-20 23:30:00
            return datetime.fromisoformat(cleaned).replace(tzinfo=timezone)
        except ValueError:
            pass  # the general parser below says why
    match = _DATETIME.match(cleaned)
    if not match:
        raise CellError(f"{cleaned!r} is not a date and time (expected 2026-11-20 23:30:00)")
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise CellError(f"impossible date {cleaned!r}: {exc}") from None
    return naive.replace(tzinfo=timezone)


def required_datetime(value: str, timezone: ZoneInfo) -> datetime:
    if len(value) == 19 and value[4] == "-" and value[10] == " ":
        try:  # the usual 2026-11-20 23:30:00
            return datetime.fromisoformat(value).replace(tzinfo=timezone)
        except ValueError:
            pass
    parsed = local_datetime(value, timezone)
    if parsed is None:
        raise CellError("date and time is empty")
    return parsed
