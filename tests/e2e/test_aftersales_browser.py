"""售后 pages in a real headless browser (Debian chromium via Playwright), on the demo shop: the
board's queue and filters, a request's detail page and its actions — approve a request waiting
for review, reject one with a reason, refund an overdue one (an amount above what the line has
left is refused and nothing changes) and see the refund on the order — then the Excel export
with every request. Nothing is fetched from outside the console. Screenshots go to the module's
tmp folder. Skips without chromium on a workstation; mandatory in CI."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.browser import LiveServer, only_local, shot, sign_in

pytestmark = pytest.mark.browser


def queued(tab: Any, status: str) -> int:
    return int(tab.get_attribute(f"#queue [data-status={status}] dd", "data-value"))


def test_board_filters_names_and_export(tab: Any, server: LiveServer, folder: Path) -> None:
    outside = only_local(tab, server.url)
    sign_in(tab, server.url, "/aftersales")
    tab.wait_for_selector("#main.aftersales[data-state=ready]")
    total = int(tab.get_attribute("#request-total", "data-value"))
    shown = tab.locator("#requests-table tbody tr").count()
    assert total > shown == 100
    assert "导出 Excel" in tab.inner_text("#requests-more")
    # stores and categories in words, not codes
    assert "tmall-flagship" not in tab.inner_text("#requests-table")
    categories = tab.locator("#by-category tbody tr td:first-child").all_inner_texts()
    assert categories and not any("-" in c for c in categories), categories
    assert "天猫旗舰店" in tab.inner_text("#by-store")
    # orders by their 平台订单号, linked to the order page
    link = tab.locator("#requests-table tbody tr").first.locator("a[href^='/orders/']")
    order_id = link.get_attribute("href").rsplit("/", 1)[1]
    number = link.inner_text()
    assert number != order_id and len(number) >= 10, number
    # the 只看超时 checkbox is a checkbox-sized box on one line with its label
    box = tab.locator("#f-overdue").bounding_box()
    assert box is not None and box["height"] <= 20 and box["width"] <= 20
    shot(tab, "aftersales-board", folder)

    tab.check("#f-overdue")
    tab.click("#f-submit")
    tab.wait_for_url("**overdue=1**")
    tab.wait_for_selector("#main.aftersales[data-state=ready]:not(.htmx-request)")
    rows = tab.locator("#requests-table tbody tr")
    assert rows.count() == int(tab.get_attribute("#overdue-count dd", "data-value")) > 0
    assert {r.get_attribute("data-overdue") for r in rows.all()} == {"true"}

    tab.goto(f"{server.url}/aftersales")
    with tab.expect_download() as caught:
        tab.click("#export-link")
    book = load_workbook(io.BytesIO(Path(caught.value.path()).read_bytes()))
    listed = list(book["售后单"].iter_rows(values_only=True))
    assert len(listed) - 1 == total  # every request, not the page's first 100
    assert "tmall-flagship" not in {r[1] for r in listed[1:]}
    assert number in {r[2] for r in listed[1:]}
    assert outside == []


def test_approve_reject_and_refund(tab: Any, server: LiveServer, folder: Path) -> None:
    sign_in(tab, server.url, "/aftersales?status=requested")
    tab.wait_for_selector("#main.aftersales[data-state=ready]")
    waiting = queued(tab, "requested")
    rows = tab.locator("#requests-table tbody tr")
    assert rows.count() == waiting >= 2
    first, second = (rows.nth(i).get_attribute("data-id") for i in (0, 1))

    # approve the first: back on its page with the outcome, the step on its timeline
    tab.click(f"#requests-table a[href='/aftersales/{first}']")
    tab.wait_for_selector("#do-approve")
    tab.click("#do-approve button")
    tab.wait_for_url(f"**/aftersales/{first}?done=approve")
    assert tab.inner_text("#done") == "已同意"
    assert tab.get_attribute("#status", "data-status") == "approved"
    assert tab.locator("#timeline li[data-step=approved]").count() == 1
    assert tab.locator("#do-approve").count() == 0
    shot(tab, "aftersales-approved", folder)

    # the parcel comes back: the receive form names its choices, the request moves on
    assert tab.inner_text("#do-receive").startswith("退回仓库")
    assert "入库方式" in tab.inner_text("#do-receive")
    tab.select_option("#do-receive select[name=restock]", "1")
    tab.click("#do-receive button")
    tab.wait_for_url(f"**/aftersales/{first}?done=receive")
    assert tab.get_attribute("#status", "data-status") == "received"
    assert tab.locator("#timeline li[data-step=received]").count() == 1
    assert tab.locator("#do-refund").count() == 1

    # reject the second: the reason is required, then recorded
    tab.goto(f"{server.url}/aftersales/{second}")
    tab.click("#do-reject button")
    assert tab.url.endswith(f"/aftersales/{second}")  # the browser asks for the reason first
    tab.fill("#do-reject input[name=note]", "商品已使用，不符合退货条件")
    tab.click("#do-reject button")
    tab.wait_for_url(f"**/aftersales/{second}?done=reject")
    assert tab.get_attribute("#status", "data-status") == "rejected"
    assert "商品已使用" in tab.inner_text("#facts")

    tab.goto(f"{server.url}/aftersales")
    assert queued(tab, "requested") == waiting - 2
    assert queued(tab, "received") >= 1


def test_refund_an_overdue_request(tab: Any, server: LiveServer, folder: Path) -> None:
    sign_in(tab, server.url, "/aftersales")
    tab.wait_for_selector("#overdue-table")
    overdue = int(tab.get_attribute("#overdue-count dd", "data-value"))
    row = tab.locator("#overdue-table tbody tr").first
    rid = row.get_attribute("data-id")
    row.locator(f"a[href='/aftersales/{rid}']").click()
    tab.wait_for_selector("#do-refund")
    assert tab.locator("#overdue").count() == 1
    amount = Decimal(tab.get_attribute("#facts dd[data-value]", "data-value"))
    assert "该行最多还可退" in tab.inner_text("#do-refund")
    assert tab.inner_text("#do-refund label").startswith("退款金额")

    # more than the line has left: refused in the page, nothing refunded
    tab.fill("#refund-amount", str(amount + 1000))
    tab.click("#do-refund button")
    tab.wait_for_selector("#main.aftersales[data-state=error]")
    assert tab.get_attribute("#error", "data-code") == "service.over_refund"
    assert tab.inner_text("#error strong") == "操作未完成：退款金额超过该行还可退的金额"
    assert tab.get_attribute("#status", "data-status") == "received"
    shot(tab, "aftersales-refund-refused", folder)

    # the requested amount (left empty): refunded, the clock stops, the order shows it
    tab.fill("#refund-amount", "")
    tab.click("#do-refund button")
    tab.wait_for_url(f"**/aftersales/{rid}?done=refund")
    assert tab.get_attribute("#status", "data-status") == "refunded"
    assert tab.locator("#timeline li[data-step=refunded]").count() == 1
    shot(tab, "aftersales-refunded", folder)
    tab.click("#facts a[href^='/orders/']")
    tab.wait_for_selector("#main.order-detail[data-state=ready]")
    assert tab.locator(f"#order-after-sales tr[data-request-id='{rid}']"
                       ).get_attribute("data-status") == "refunded"
    refunded = Decimal(tab.get_attribute("#order-amounts [data-metric=refund_amount]",
                                         "data-value"))
    assert refunded >= amount

    tab.goto(f"{server.url}/aftersales")
    assert int(tab.get_attribute("#overdue-count dd", "data-value")) == overdue - 1
