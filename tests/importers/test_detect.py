"""Platform detection from the header row: which, how sure, and ambiguity as an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopops.orders.importers import (
    AmbiguousPlatformError,
    ImportFileError,
    detect_layout,
    import_export,
    read_table,
)
from tests.importers.fixtures import (
    DOUYIN_HEADERS,
    JD_SETTLEMENT_HEADERS,
    PDD_HEADERS,
    TAOBAO_ITEM_HEADERS,
    TAOBAO_ORDER_HEADERS,
)

LATER_TMALL_ITEMS = [
    "子订单编号",
    "主订单编号",
    "标题",
    "价格",
    "购买数量",
    "外部系统编号",
    "商品属性",
    "套餐信息",
    "备注",
    "订单状态",
    "商家编码",
    "支付单号",
    "买家应付货款",
    "买家实际支付金额",
    "退款状态",
    "退款金额",
    "订单创建时间",
    "订单付款时间",
]


@pytest.mark.parametrize(
    ("headers", "platform", "layout"),
    [
        (TAOBAO_ORDER_HEADERS, "taobao", "taobao_orders"),
        (TAOBAO_ITEM_HEADERS, "taobao", "taobao_items"),
        (LATER_TMALL_ITEMS, "taobao", "taobao_items_later"),
        (PDD_HEADERS, "pdd", "pdd_orders"),
        (DOUYIN_HEADERS, "douyin", "douyin_orders"),
        (JD_SETTLEMENT_HEADERS, "jd", "jd_settlement"),
    ],
)
def test_each_platform_is_recognised(headers: list[str], platform: str, layout: str) -> None:
    detection = detect_layout(headers)
    assert (detection.platform, detection.layout) == (platform, layout)
    assert detection.confidence >= 0.8


def test_detection_tolerates_extra_columns_spaces_and_full_width() -> None:
    headers = [
        " 订单号 ",
        "订单状态",
        "订单成交时间",
        "商品",
        "商品数量（件）",
        "商品总价（元）",
        "用户实付金额（元）",
        "某个新列",
        "另一个新列",
    ]
    detection = detect_layout(headers)
    assert detection.platform == "pdd"
    assert "用户实付金额(元)" in detection.matched
    assert 0 < detection.confidence < 0.5  # only the required columns: said to be less sure


def test_ambiguous_header_lists_candidates() -> None:
    headers = ["订单编号", "标题", "价格", "购买数量", "费用名称", "收支方向", "应结金额"]
    with pytest.raises(AmbiguousPlatformError) as caught:
        detect_layout(headers)
    assert caught.value.details["candidates"] == ["taobao_items", "jd_settlement"]
    assert "taobao_items" in caught.value.message and "jd_settlement" in caught.value.message
    assert caught.value.code == "orders.import_file_invalid"


def test_unknown_header_says_so() -> None:
    with pytest.raises(ImportFileError, match="cannot tell the platform"):
        detect_layout(["Name", "Colour", "Size"])


def test_import_reports_what_was_detected(platform_files: dict[str, Path]) -> None:
    result = import_export(platform_files["抖店订单导出.xlsx"])
    assert result.detection is not None
    assert (result.detection.platform, result.detection.confidence) == ("douyin", 1.0)


def test_given_platform_restricts_detection(platform_files: dict[str, Path]) -> None:
    with pytest.raises(ImportFileError, match="抖店 订单导出 export is missing required column"):
        import_export(platform_files["订单明细-pdd.csv"], platform="douyin")
    with pytest.raises(ImportFileError, match="unknown platform 'ebay'"):
        import_export(platform_files["订单明细-pdd.csv"], platform="ebay")


def test_files_from_different_platforms_are_refused(platform_files: dict[str, Path]) -> None:
    with pytest.raises(ImportFileError, match="different platforms: douyin, pdd"):
        import_export(platform_files["订单明细-pdd.csv"], platform_files["抖店订单导出.xlsx"])


def test_table_headers_feed_detection(platform_files: dict[str, Path]) -> None:
    table = read_table(platform_files["京东结算明细.csv"])
    assert detect_layout(table.headers).layout == "jd_settlement"
