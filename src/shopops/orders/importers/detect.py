"""Which platform's export is this? Score the header row against each known layout.

A layout whose required columns are all present is a candidate; its confidence is the share of
its known columns found. One clear winner is returned; two close candidates are an error that
lists them. A header near one layout but short of required columns is still attributed to it,
so the import can name the missing columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shopops.orders.importers import douyin, jd, jd_orders, pdd, taobao
from shopops.orders.importers.cells import header_key
from shopops.orders.importers.common import Layout
from shopops.orders.importers.report import Detection, ImportFileError

LAYOUTS: tuple[Layout, ...] = (taobao.LAYOUTS + pdd.LAYOUTS + douyin.LAYOUTS + jd.LAYOUTS
                              + jd_orders.LAYOUTS)
AMBIGUITY_MARGIN = 0.2  # a winner must beat the runner-up by this much confidence
PARTIAL_REQUIRED_SHARE = 0.5  # share of required columns that still names a layout


class AmbiguousPlatformError(ImportFileError):
    """The header fits several platforms' exports about equally well."""


def _score(keys: set[str], layout: Layout) -> tuple[Detection, float]:
    matched = tuple(c for c in layout.known if header_key(c) in keys)
    required = sum(1 for c in layout.required if header_key(c) in keys) / len(layout.required)
    detection = Detection(layout.platform, layout.name, len(matched) / len(layout.known), matched)
    return detection, required


def detect_layout(headers: Iterable[str], layouts: Sequence[Layout] = LAYOUTS) -> Detection:
    """The layout the header row belongs to (platform, layout, confidence, matched columns)."""
    keys = {header_key(h) for h in headers if h}
    scored = sorted((_score(keys, layout) for layout in layouts),
                    key=lambda s: (s[1], s[0].confidence), reverse=True)
    complete = sorted((d for d, share in scored if share == 1.0),
                      key=lambda d: d.confidence, reverse=True)
    if len(complete) == 1 or (
        len(complete) > 1 and complete[0].confidence - complete[1].confidence >= AMBIGUITY_MARGIN
    ):
        return complete[0]
    if complete:
        names = ", ".join(f"{d.layout} ({d.confidence:.0%})" for d in complete)
        raise AmbiguousPlatformError(
            f"the header fits several exports: {names}; say which with --platform",
            field="platform", candidates=[d.layout for d in complete],
        )
    best, share = scored[0]
    if share >= PARTIAL_REQUIRED_SHARE:
        return best
    raise ImportFileError(
        "cannot tell the platform from the header row (no known export's columns found); "
        "say which with --platform, or use the generic importer with a column mapping",
        field="platform",
    )
