"""订单 pages in a real headless browser (Debian chromium via Playwright), on the demo shop:
filter the list by platform and status, search an order number, download the filtered list as
xlsx and read it back, page on, and open an order to see its amounts, lines and timeline.
Nothing is fetched from outside the console. Screenshots go to the module's tmp folder.
Skips without chromium on a workstation; mandatory in CI."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.browser import LiveServer, only_local, shot, sign_in

pytestmark = pytest.mark.browser


def total(tab: Any) -> int:
    return int(tab.get_attribute("#order-total", "data-value"))


def submit_filters(tab: Any, expect: str, state: str = "ready") -> None:
    tab.click("#f-submit")
    tab.wait_for_url(f"**{expect}**")
    tab.wait_for_selector(f"#main.orders[data-state={state}]:not(.htmx-request)")


def test_filter_search_export_and_open_an_order(tab: Any, server: LiveServer,
                                                folder: Path) -> None:
    outside = only_local(tab, server.url)
    sign_in(tab, server.url, "/orders")
    tab.wait_for_selector("#main.orders[data-state=ready]")
    everything = total(tab)
    assert everything == 3000
    assert tab.locator("#orders-table tbody tr").count() == 50
    assert tab.inner_text("#page-of") == "第 1 / 60 页"
    # money is written as money
    assert tab.locator("#orders-table tbody tr").first.locator("td.num").first.inner_text(
    ).startswith("¥")
    shot(tab, "orders-list", folder)

    # 京东 only: every row is a 京东 store's, fewer than all; the URL keeps the filter
    tab.select_option("#f-platform", "jd")
    submit_filters(tab, "platform=jd")
    jd = total(tab)
    assert 0 < jd < everything
    stores = tab.locator("#orders-table tbody tr td:nth-child(2) .muted").all_inner_texts()
    assert stores and set(stores) == {"京东"}

    # and only 已签收: a subset again, each row says so
    tab.select_option("#f-status", "delivered")
    submit_filters(tab, "status=delivered")
    delivered = total(tab)
    assert 0 < delivered < jd
    statuses = {r.get_attribute("data-status")
                for r in tab.locator("#orders-table tbody tr").all()}
    assert statuses == {"delivered"}
    shot(tab, "orders-jd-delivered", folder)

    # the Excel export holds exactly the filtered orders, in words an operator reads
    with tab.expect_download() as caught:
        tab.click("#export-link")
    download = caught.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "平台订单号"
    assert len(rows) - 1 == delivered
    assert {r[2] for r in rows[1:]} == {"京东"} and {r[3] for r in rows[1:]} == {"已签收"}

    # search one order number: exactly that order, then open it
    number = tab.locator("#orders-table tbody tr").first.locator("td.mono a").inner_text()
    tab.select_option("#f-platform", "")
    tab.select_option("#f-status", "")
    tab.fill("#f-q", number)
    submit_filters(tab, f"q={number}")
    assert total(tab) == 1
    tab.click(f"#orders-table a:text-is('{number}')")
    tab.wait_for_selector("#main.order-detail[data-state=ready]")
    assert tab.inner_text("#order-no") == number
    assert tab.get_attribute("#order-status", "data-status") == "delivered"
    steps = [li.get_attribute("data-step")
             for li in tab.locator("#order-timeline li").all()]
    assert steps[:2] == ["created", "paid"] and "shipped" in steps and "delivered" in steps
    times = tab.locator("#order-timeline time").all_inner_texts()
    assert times == sorted(times)
    assert tab.locator("#order-lines tbody tr[data-sku]").count() >= 1
    paid = tab.inner_text("#order-amounts [data-metric=paid_amount]")
    assert paid.startswith("¥")
    shot(tab, "order-detail", folder)

    tab.click("#back-link")
    tab.wait_for_selector("#main.orders[data-state=ready]")
    assert outside == []


def test_paging_and_an_empty_search(tab: Any, server: LiveServer, folder: Path) -> None:
    sign_in(tab, server.url, "/orders")
    tab.wait_for_selector("#main.orders[data-state=ready]")
    first = tab.locator("#orders-table tbody tr").first.get_attribute("data-order-id")
    tab.click("#page-next")
    tab.wait_for_url("**page=2**")
    tab.wait_for_selector("#main.orders[data-state=ready]:not(.htmx-request)")
    assert tab.inner_text("#page-of") == "第 2 / 60 页"
    assert tab.locator("#orders-table tbody tr").first.get_attribute("data-order-id") != first

    tab.fill("#f-q", "no-such-order-0000")
    submit_filters(tab, "q=no-such-order-0000", state="empty")
    empty = tab.inner_text("#orders-empty")
    assert "没有" in empty or "暂无" in empty
    shot(tab, "orders-empty", folder)
    # the empty list says how to get out of it
    tab.click("#orders-clear")
    tab.wait_for_selector("#main.orders[data-state=ready]")
    assert total(tab) == 3000 and tab.input_value("#f-q") == ""
