"""The importers' front door: read the file(s), detect platform and encoding, parse records.

``import_export(path, …)`` for one export, ``import_export(orders, items)`` for the 淘宝/天猫
订单报表 + 宝贝报表 pair. Pure: no database, no clock. File-level problems raise
``ImportFileError``; row-level ones land in ``ImportResult.problems``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shopops.core.clock import DEFAULT_TIMEZONE
from shopops.orders.importers import douyin, jd, jd_orders, pdd, taobao
from shopops.orders.importers.common import Outcome
from shopops.orders.importers.detect import LAYOUTS, detect_layout
from shopops.orders.importers.files import Source, Table, read_table
from shopops.orders.importers.generic import ColumnMapping, parse_generic
from shopops.orders.importers.report import Detection, ImportFileError, ImportResult, Note

# the --platform names; tmall exports are taobao's format
PLATFORMS = {"taobao": "taobao", "tmall": "taobao", "pdd": "pdd", "douyin": "douyin",
             "jd": "jd", "generic": "generic"}


@dataclass(frozen=True, slots=True)
class Export:
    """The file(s) of one export, read (encoding found) but not yet parsed."""

    tables: tuple[Table, ...]
    family: str | None  # None: detect from the header row
    platform: str | None
    mapping: ColumnMapping | None


def import_export(
    *sources: Source,
    platform: str | None = None,
    mapping: ColumnMapping | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    encoding: str | None = None,
    names: Sequence[str] = (),
) -> ImportResult:
    """Parse one platform export (two for the Taobao pair) into orders, problems and notes.

    ``names`` label uploaded bytes in messages (paths are labelled by their file name).
    """
    export = read_export(*sources, platform=platform, mapping=mapping, encoding=encoding,
                         names=names)
    return parse_export(export, timezone)


def read_export(*sources: Source, platform: str | None = None,
                mapping: ColumnMapping | None = None, encoding: str | None = None,
                names: Sequence[str] = ()) -> Export:
    """Read the file(s): format, encoding and rows; file-level problems raise here."""
    if not sources:
        raise ImportFileError("no file given", field="file")
    family = _family(platform, mapping)
    labels = list(names) + [None] * (len(sources) - len(names))
    tables = tuple(read_table(source, encoding=encoding, name=label)
                   for source, label in zip(sources, labels, strict=False))
    return Export(tables, family, platform, mapping)


def parse_export(export: Export, timezone: str = DEFAULT_TIMEZONE,
                 skip: frozenset[str] = frozenset()) -> ImportResult:
    """Orders, problems and notes of a read export; the rows of the orders in ``skip`` (known
    unchanged) are not parsed."""
    outcome = Outcome(notes=[note for t in export.tables for note in _sheet_notes(t)],
                      skip=skip)
    return _parse(export, _zone(timezone), outcome)


def order_digests(export: Export, timezone: str = DEFAULT_TIMEZONE,
                  numbers: list[str] | None = None) -> dict[str, str]:
    """A digest of each order's source rows (with layout, header row, time zone and mapping):
    the same digest means the same rows, read the same way, so the same imported order.
    ``numbers`` gets the order number of each row hashed (duplicate rows and rows without a
    readable number are not), in row order."""
    mapping = export.mapping
    salt = "\x1e".join((timezone, json.dumps(
        [dict(mapping.columns), dict(mapping.status_words)], sort_keys=True, ensure_ascii=False)
        if mapping else ""))
    digests: dict[str, Any] = {}
    _parse(export, _zone(timezone), Outcome(digests=digests, salt=salt, numbers=numbers))
    return {order_no: digest.hexdigest() for order_no, digest in digests.items()}


def order_numbers(export: Export, timezone: str = DEFAULT_TIMEZONE) -> list[str]:
    """The order number of each row that has a readable one, in row order (duplicates and
    all): what ``order_digests`` would key, without hashing anything."""
    numbers: list[str] = []
    _parse(export, _zone(timezone), Outcome(digests={}, numbers=numbers, numbers_only=True))
    return numbers


def _parse(export: Export, zone: ZoneInfo, outcome: Outcome) -> ImportResult:
    tables = list(export.tables)
    if export.family == "generic":
        return _import_generic(tables, export.mapping, export.platform or "generic", zone,
                               outcome)
    return _import_platform(tables, export.family, export.platform, zone, outcome)


def _import_generic(tables: list[Table], mapping: ColumnMapping | None, platform: str,
                    zone: ZoneInfo, outcome: Outcome) -> ImportResult:
    if mapping is None:
        raise ImportFileError("the generic importer needs a column mapping", field="mapping")
    table = _only(tables, "generic")
    result = _result(platform, table, outcome, None)
    result.orders = parse_generic(table, mapping, zone, outcome)
    return result


def _import_platform(tables: list[Table], family: str | None, platform: str | None,
                     zone: ZoneInfo, outcome: Outcome) -> ImportResult:
    detections = [_detect(t, family) for t in tables]
    kinds = {d.platform for d in detections}
    if len(kinds) > 1:
        raise ImportFileError(f"the files are from different platforms: {', '.join(sorted(kinds))}",
                              field="platform")
    kind = kinds.pop()
    if kind == "taobao":
        (orders, detection), (items, _) = _taobao_pair(tables, detections)
        result = _result(platform or kind, orders, outcome, detection)
        result.orders = taobao.parse_taobao(orders, items, zone, outcome)
        return result
    table = _only(tables, kind)
    result = _result(platform or kind, table, outcome, detections[0])
    if kind == "pdd":
        result.orders = pdd.parse_pdd(table, zone, outcome)
    elif kind == "douyin":
        result.orders = douyin.parse_douyin(table, zone, outcome)
    elif detections[0].layout == jd_orders.LAYOUT.name:  # 京东: the order export or 结算
        result.orders = jd_orders.parse_jd_orders(table, zone, outcome)
    else:
        result.settlements = jd.parse_jd_settlement(table, zone, outcome)
    return result


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportFileError(f"unknown time zone {name!r}", field="timezone") from None


def _family(platform: str | None, mapping: ColumnMapping | None) -> str | None:
    if platform is None:
        return "generic" if mapping is not None else None
    if platform not in PLATFORMS:
        raise ImportFileError(f"unknown platform {platform!r}; known: {', '.join(PLATFORMS)}",
                              field="platform")
    return PLATFORMS[platform]


def _detect(table: Table, family: str | None) -> Detection:
    layouts = [layout for layout in LAYOUTS if family in (None, layout.platform)]
    try:
        return detect_layout(table.headers, layouts)
    except ImportFileError:
        if len(layouts) != 1:
            raise
    # told the platform: parsing names the missing columns
    return Detection(layouts[0].platform, layouts[0].name, 0.0, ())


def _only(tables: Sequence[Table], kind: str) -> Table:
    if len(tables) != 1:
        raise ImportFileError(f"a {kind} import reads one file, got {len(tables)}", field="file")
    return tables[0]


def _taobao_pair(tables: list[Table], detections: list[Detection],
                 ) -> tuple[tuple[Table, Detection], tuple[Table, Detection]]:
    """(订单报表, 宝贝报表) in whichever order the files came."""
    pairs = list(zip(tables, detections, strict=True))
    orders = [pair for pair in pairs if pair[1].layout == "taobao_orders"]
    items = [pair for pair in pairs if pair[1].layout != "taobao_orders"]
    if len(orders) != 1 or len(items) != 1:
        raise ImportFileError(
            f"淘宝/天猫导入需要订单报表和宝贝报表各一份（收到订单报表 {len(orders)} 份、宝贝报表 "
            f"{len(items)} 份） — a 淘宝/天猫 import needs the 订单报表 and the 宝贝报表 together "
            f"(got {len(orders)} 订单报表 and {len(items)} 宝贝报表)",
            field="file",
        )
    return orders[0], items[0]


def _sheet_notes(table: Table) -> list[Note]:
    if not table.ignored_sheets:
        return []
    ignored = "、".join(table.ignored_sheets)
    return [Note(None, f"{table.name}: read sheet {table.sheet!r}; other sheet(s) ignored: "
                       f"{ignored}")]


def _result(platform: str, table: Table, outcome: Outcome,
            detection: Detection | None) -> ImportResult:
    return ImportResult(platform, table.encoding, table.format, problems=outcome.problems,
                        notes=outcome.notes, detection=detection)
