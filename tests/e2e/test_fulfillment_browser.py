"""履约看板 in a real headless browser (Debian chromium via Playwright), on the demo shop: the
counts and the exception queue, filter by exception type, acknowledge one exception with a note
and resolve it, upload a carrier tracking file whose first scan clears a 发货后无揽收 exception
(and whose unknown waybill is reported with its row), download the board as xlsx, and follow an
order number to the order's timeline. Nothing is fetched from outside the console. Screenshots
go to the module's tmp folder. Skips without chromium on a workstation; mandatory in CI."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from shopops.fulfillment.exceptions import KINDS
from tests.e2e.browser import LiveServer, only_local, shot, sign_in

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")


def count(tab: Any, name: str) -> int:
    return int(tab.get_attribute(f"#counts [data-count={name}] dd", "data-value"))


def test_board_handle_exceptions_and_export(tab: Any, server: LiveServer,
                                            folder: Path) -> None:
    outside = only_local(tab, server.url)
    sign_in(tab, server.url, "/fulfillment")
    tab.wait_for_selector("#main.fulfillment[data-state=ready]")
    rows = tab.locator("#exceptions-table tbody tr")
    # the demo plants two parcels without a first scan; the queue lists every kind counted
    # (stalled / late parcels depend on the time of day the demo is built: nothing is dated
    # after the demo's now, so a parcel due to arrive tonight is not delivered yet)
    assert count(tab, "no_first_scan") == 2
    assert rows.count() == sum(count(tab, kind) for kind in KINDS)
    assert count(tab, "to_ship") == tab.locator("#to-ship-table tbody tr").count() > 0
    # stores by their names, not their codes
    stores = tab.locator("#exceptions-table tbody td:nth-child(3)").all_inner_texts()
    assert all(s.endswith("店") or s.endswith("商城") for s in stores), stores
    shot(tab, "fulfillment-board", folder)

    # only one type: the count's link filters the queue
    tab.click("#counts [data-count=no_first_scan] dd a")
    tab.wait_for_url("**kind=no_first_scan**")
    assert tab.input_value("#f-kind") == "no_first_scan"
    assert {r.get_attribute("data-kind") for r in rows.all()} == {"no_first_scan"}

    # acknowledge the first with a note: it stays, marked 已知悉, and the filter is kept
    first = rows.first
    key = first.get_attribute("data-key")
    order_page = first.locator("td:nth-child(2) a").get_attribute("href")
    first.locator("input[name=note]").fill("已联系网点")
    first.locator("button[value=acknowledge]").click()
    tab.wait_for_url("**kind=no_first_scan**")
    row = tab.locator(f"#exceptions-table tr[data-key='{key}']")
    assert row.get_attribute("class") == "state-acknowledged"
    assert row.locator("td:nth-child(8)").inner_text() == "已知悉"
    assert row.locator("button[value=acknowledge]").count() == 0
    # then resolve it: 已处理
    # then resolve it: it leaves the queue and the counts
    row.locator("button[value=resolve]").click()
    tab.wait_for_selector(f"#exceptions-table tr[data-key='{key}']", state="detached")
    assert count(tab, "no_first_scan") == 1 and rows.count() == 1
    shot(tab, "fulfillment-handled", folder)

    # the order number opens the order, whose timeline shows both handling steps
    tab.goto(f"{server.url}{order_page}")
    tab.wait_for_selector("#main.order-detail[data-state=ready]")
    assert tab.locator("#order-timeline li[data-step=shipped]").count() == 1
    handled = tab.locator("#order-timeline li[data-step=exception]").all_inner_texts()
    assert len(handled) == 2, handled
    assert "已知悉" in handled[0] and "已处理" in handled[1]
    tab.goto(f"{server.url}/fulfillment")
    order_link = tab.locator("#exceptions-table tbody tr").first.locator("td:nth-child(2) a")
    number = order_link.inner_text()
    order_link.click()
    tab.wait_for_selector("#main.order-detail[data-state=ready]")
    assert tab.inner_text("#order-no") == number

    # the Excel export: a sheet per table, the queue with both exceptions
    tab.goto(f"{server.url}/fulfillment")
    with tab.expect_download() as caught:
        tab.click("#export-link")
    book = load_workbook(io.BytesIO(Path(caught.value.path()).read_bytes()))
    assert len(book.sheetnames) >= 2
    assert outside == []


def test_tracking_file_clears_a_missing_first_scan(tab: Any, server: LiveServer,
                                                    folder: Path) -> None:
    sign_in(tab, server.url, "/fulfillment?kind=no_first_scan")
    tab.wait_for_selector("#main.fulfillment[data-state=ready]")
    before = count(tab, "no_first_scan")
    row = tab.locator("#exceptions-table tbody tr").last
    carrier_and_number = row.locator("td:nth-child(4)").inner_text().split()
    number = carrier_and_number[-1]
    scanned = (datetime.now(SHANGHAI) - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
    csv = ("运单号,时间,状态,描述,地点\n"
           f"{number},{scanned},已揽收,快件已揽收,上海\n"
           f"NO-SUCH-WAYBILL,{scanned},已揽收,快件已揽收,上海\n").encode("utf-8-sig")
    tab.set_input_files("#tracking-file", {"name": "scans.csv", "mimeType": "text/csv",
                                           "buffer": csv})
    tab.click("#tracking-submit")
    tab.wait_for_selector("#tracking-report")
    assert tab.get_attribute("#tracking-report", "data-added") == "1"
    assert tab.get_attribute("#tracking-report", "data-rejected") == "1"
    problem = tab.locator("#tracking-problems tbody tr")
    assert problem.count() == 1 and problem.locator("td").first.inner_text() == "3"
    assert problem.locator("td").nth(1).inner_text() == "运单号"  # the column in words
    assert "NO-SUCH-WAYBILL" in problem.inner_text()
    # the scanned parcel is no longer an exception
    assert count(tab, "no_first_scan") == before - 1
    assert number not in tab.inner_text("#exceptions")
    shot(tab, "fulfillment-tracking-import", folder)
