"""The demo's export files use the platforms' real headers: every column written is in the
reference (../shared/reference/platform-export-headers.json; trailing spaces and PDD's variant
columns aside), and every reference column is written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shopops.demo import export_formats as fmt
from tests.conftest import SHARED_DATA, require

REFERENCE = SHARED_DATA.parent / "reference" / "platform-export-headers.json"
WRITTEN = {
    "taobao_tmall_order_report_2016_2017": fmt.TAOBAO_ORDER_HEADERS,
    "taobao_tmall_item_report_2016_2017": fmt.TAOBAO_ITEM_HEADERS,
    "pinduoduo_order_export": fmt.PDD_HEADERS,
    "douyin_doudian_order_export_partial": fmt.DOUYIN_HEADERS,
    "jd_settlement_export_partial": fmt.JD_SETTLEMENT_HEADERS,
}


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    require(REFERENCE.is_file(), f"the platform header reference is not here: {REFERENCE}")
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("layout", sorted(WRITTEN))
def test_written_headers_are_the_platforms(reference: dict[str, Any], layout: str) -> None:
    variants = {v.split(" (")[0] for v in reference[layout].get("variants_seen", [])}
    known = set(reference[layout]["columns"]) | variants  # "区 (may be masked …)" → 区
    written = [h.strip() for h in WRITTEN[layout]]
    assert set(written) <= known, set(written) - known
    assert set(reference[layout]["columns"]) <= set(written)
    assert len(written) == len(set(written))


def test_status_words_are_the_platforms(reference: dict[str, Any]) -> None:
    pdd = set(reference["pinduoduo_order_export"]["status_values"])
    assert "退款成功" in pdd and "无售后或售后取消" in pdd  # the 售后状态 words written
    assert "已收货" in pdd
