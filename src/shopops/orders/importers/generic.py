"""Generic CSV/XLSX importer for the own store (and anything else), driven by a saved column
mapping: ``{"columns": {"<header>": "<field>", …}, "status_words": {"<word>": "<status>"}}``.

Fields are the record's own names. Several rows per order are grouped by ``channel_order_no``;
without a mapped order ``paid_amount`` the order pays its lines plus shipping, with one the goods
part (paid − shipping) is split over the lines by their own amounts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from shopops.orders.importers import cells
from shopops.orders.importers.common import Layout, Outcome, Row, build_each, group_rows
from shopops.orders.importers.files import Table
from shopops.orders.importers.records import (
    STATUS_RANK,
    ZERO,
    ImportedLine,
    ImportedOrder,
    RowError,
    allocate,
    check_amounts,
    combined_status,
    order_amounts,
)
from shopops.orders.importers.report import ImportFileError

REQUIRED_FIELDS = ("channel_order_no", "status", "created_at", "sku_code", "quantity",
                   "unit_price")
OPTIONAL_FIELDS = ("sub_order_no", "title", "line_paid_amount", "line_refund_amount",
                   "paid_at", "shipped_at", "completed_at", "delivered_at", "promised_at",
                   "buyer_id", "buyer_phone",
                   "shipping_fee", "paid_amount", "refund_amount", "tracking_no", "carrier")
T = TypeVar("T")
# common Chinese status words; a mapping's own status_words come first
DEFAULT_STATUS_WORDS = {
    "待付款": "created", "待支付": "created", "已付款": "paid", "待发货": "paid",
    "已发货": "shipped", "已签收": "delivered", "已完成": "completed", "交易成功": "completed",
    "已取消": "cancelled", "已关闭": "closed", "交易关闭": "closed", "退款中": "refunding",
    "已退款": "refunded",
}


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which header holds which field (header → field), plus the store's own status words."""

    columns: Mapping[str, str]
    status_words: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        known = set(REQUIRED_FIELDS) | set(OPTIONAL_FIELDS)
        unknown = sorted(set(self.columns.values()) - known)
        if unknown:
            raise ImportFileError(f"column mapping: unknown field(s) {', '.join(unknown)}; "
                                  f"known: {', '.join(sorted(known))}", field="mapping")
        missing = [f for f in REQUIRED_FIELDS if f not in self.columns.values()]
        if missing:
            raise ImportFileError(f"column mapping: no column for {', '.join(missing)}",
                                  field="mapping")
        bad = sorted(s for s in self.status_words.values() if s not in STATUS_RANK)
        if bad:
            raise ImportFileError(f"column mapping: unknown status(es) {', '.join(bad)}",
                                  field="mapping")

    @classmethod
    def from_json(cls, text: str) -> ColumnMapping:
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"column mapping is not JSON: {exc}", field="mapping") from None
        if isinstance(data, dict) and isinstance(data.get("columns"), dict):
            return cls(dict(data["columns"]), dict(data.get("status_words") or {}))
        if isinstance(data, dict):
            return cls(dict(data))
        raise ImportFileError("column mapping must be a JSON object", field="mapping")

    def header_of(self, field_name: str) -> str | None:
        return next((h for h, f in self.columns.items() if f == field_name), None)

    def layout(self) -> Layout:
        required = tuple(h for h, f in self.columns.items() if f in REQUIRED_FIELDS)
        optional = tuple(h for h, f in self.columns.items() if f not in REQUIRED_FIELDS)
        return Layout("generic", "generic", "generic export (column mapping)", required, optional)

    def words(self) -> dict[str, str]:
        merged = {**DEFAULT_STATUS_WORDS, **self.status_words}
        return {cells.header_key(w): s for w, s in merged.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class _GenericRow:
    """One row: its line, and the order-level fields it repeats (the first row's are used)."""

    line: ImportedLine
    status: str
    word: str
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    completed_at: datetime | None
    delivered_at: datetime | None
    promised_at: datetime | None
    buyer_id: str | None
    buyer_phone: str | None
    shipping_fee: Decimal
    paid_amount: Decimal | None
    refund_amount: Decimal | None
    tracking_no: str | None
    carrier: str | None


def parse_generic(table: Table, mapping: ColumnMapping, timezone: ZoneInfo, outcome: Outcome,
                  ) -> list[ImportedOrder]:
    order_header = mapping.header_of("channel_order_no")
    assert order_header is not None
    reader = _RowReader(mapping, timezone)
    groups = group_rows(table, mapping.layout(), order_header, reader.parse, outcome)
    return build_each(groups, _order, outcome, table.name)


class _RowReader:
    """Reads the mapped fields of a row; an unmapped optional field reads as its default."""

    def __init__(self, mapping: ColumnMapping, timezone: ZoneInfo) -> None:
        self.mapping = mapping
        self.timezone = timezone
        self.status_words = mapping.words()

    def get(self, row: Row, field_name: str, clean: Callable[[str], T], default: T) -> T:
        header = self.mapping.header_of(field_name)
        return default if header is None else row.read(header, clean)

    def when(self, row: Row, field_name: str) -> datetime | None:
        return self.get(row, field_name, lambda v: cells.local_datetime(v, self.timezone), None)

    def status(self, value: str) -> str:
        word = cells.text(value)
        status = word if word in STATUS_RANK else self.status_words.get(cells.header_key(word))
        if status is None:
            raise cells.CellError(f"unknown status {word!r}; add it to the mapping's status_words")
        return status

    def line(self, row: Row) -> ImportedLine:
        quantity = self.get(row, "quantity", cells.quantity, 0)
        unit_price = self.get(row, "unit_price", cells.required_amount, ZERO)
        line_paid = self.get(row, "line_paid_amount", cells.amount, None)
        sku_code = self.get(row, "sku_code", cells.identifier, "")
        if not sku_code:
            raise RowError(self.mapping.header_of("sku_code"), "", "SKU code is empty")
        return ImportedLine(
            sub_order_no=self.get(row, "sub_order_no", cells.identifier, "") or None,
            sku_code=sku_code,
            title=self.get(row, "title", cells.text, ""),
            quantity=quantity,
            unit_price=unit_price,
            paid_amount=line_paid if line_paid is not None else unit_price * quantity,
            refund_amount=self.get(row, "line_refund_amount", cells.amount_or_zero, ZERO),
            source_row=row.number,
        )

    def parse(self, row: Row) -> _GenericRow:
        line = self.line(row)
        created = self.when(row, "created_at")
        if created is None:
            raise RowError(self.mapping.header_of("created_at"), "", "creation time is empty")
        return _GenericRow(
            line=line,
            status=self.get(row, "status", self.status, ""),
            word=self.get(row, "status", cells.text, ""),
            created_at=created,
            paid_at=self.when(row, "paid_at"),
            shipped_at=self.when(row, "shipped_at"),
            completed_at=self.when(row, "completed_at"),
            delivered_at=self.when(row, "delivered_at"),
            promised_at=self.when(row, "promised_at"),
            buyer_id=self.get(row, "buyer_id", cells.optional_text, None),
            buyer_phone=self.get(row, "buyer_phone", cells.identifier, "") or None,
            shipping_fee=self.get(row, "shipping_fee", cells.amount_or_zero, ZERO),
            paid_amount=self.get(row, "paid_amount", cells.amount, None),
            refund_amount=self.get(row, "refund_amount", cells.amount, None),
            tracking_no=self.get(row, "tracking_no", cells.identifier, "") or None,
            carrier=self.get(row, "carrier", cells.optional_text, None),
        )


def _order(order_no: str, rows: list[tuple[int, _GenericRow]]) -> ImportedOrder:
    first = rows[0][1]
    lines = [part.line for _, part in rows]
    lines_paid = sum((line.paid_amount for line in lines), ZERO)
    paid = first.paid_amount if first.paid_amount is not None else lines_paid + first.shipping_fee
    listed = sum((ln.unit_price * ln.quantity for ln in lines), ZERO)
    amounts = order_amounts(paid, first.shipping_fee, listed)
    fitted = _fit_lines(lines, amounts.goods_amount)
    refund = first.refund_amount
    order = ImportedOrder(
        channel_order_no=order_no,
        status=combined_status([part.status for _, part in rows]),
        platform_status=first.word,
        created_at=first.created_at, paid_at=first.paid_at,
        shipped_at=first.shipped_at, completed_at=first.completed_at,
        delivered_at=first.delivered_at, promised_at=first.promised_at,
        list_amount=amounts.list_amount, discount_amount=amounts.discount_amount,
        goods_amount=amounts.goods_amount, shipping_fee=amounts.shipping_fee,
        paid_amount=amounts.paid_amount,
        refund_amount=refund if refund is not None else sum((x.refund_amount for x in fitted),
                                                            ZERO),
        lines=fitted, source_rows=tuple(n for n, _ in rows),
        buyer_id=first.buyer_id, buyer_masked=cells.is_masked(first.buyer_id),
        buyer_phone=first.buyer_phone, phone_masked=cells.is_masked(first.buyer_phone),
        tracking_no=first.tracking_no, carrier=first.carrier,
    )
    check_amounts(order)
    return order


def _fit_lines(lines: list[ImportedLine], goods_amount: Decimal) -> tuple[ImportedLine, ...]:
    """Lines whose paid amounts add up to the order's goods amount (split by their own)."""
    parts = allocate(goods_amount, [line.paid_amount for line in lines])
    return tuple(
        replace(line, paid_amount=part, refund_amount=min(line.refund_amount, part))
        for line, part in zip(lines, parts, strict=True)
    )
