"""Console actions in a real headless browser (Debian chromium via Playwright), on the demo shop:
发货 from the 履约看板 (a missing carrier refused with the field named in Chinese and the typed
number kept; then shipped: said so, gone from the to-ship list, on the order's timeline) and
from an order's page, the
note typed when acknowledging a logistics exception shown on the order's timeline, and the
promotion editor creating one 会员价, one 组合套装 and one 满赠 (each type shows only its own
inputs; a bundle of one SKU is refused with the field named). Nothing is fetched from outside
the console. Screenshots go to the module's tmp folder. Skips without chromium on a
workstation; mandatory in CI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import LiveServer, only_local, shot, sign_in

pytestmark = pytest.mark.browser

SKU, OTHER = "P004-01", "P028-02"
REASON = "浏览器测试：验证控制台可创建该类型"


def count(tab: Any, name: str) -> int:
    return int(tab.get_attribute(f"#counts [data-count={name}] dd", "data-value"))


def test_ship_an_order_from_the_board(tab: Any, server: LiveServer, folder: Path) -> None:
    outside = only_local(tab, server.url)
    sign_in(tab, server.url, "/fulfillment")
    tab.wait_for_selector("#main.fulfillment[data-state=ready]")
    before = count(tab, "to_ship")
    rows = tab.locator("#to-ship-table tbody tr")
    allocated = rows.filter(has=tab.locator("td:nth-child(3)", has_text="已分仓"))
    row = allocated.first if allocated.count() else rows.first
    order_id = row.get_attribute("data-order")
    number = row.locator("td:first-child a").inner_text()
    mine = f"#to-ship-table tr[data-order='{order_id}']"
    # the carriers are the fulfillment list, by their Chinese names
    carriers = tab.locator(f"{mine} select[name=carrier] option").all_inner_texts()
    assert carriers[0] == "选择快递" and "顺丰速运" in carriers and "中通快递" in carriers

    # no carrier: refused, the field named in Chinese, the typed number kept, nothing shipped
    tab.fill(f"{mine} input[name=tracking_no]", "SFE2E0001")
    tab.click(f"{mine} button.ff-ship-button")
    tab.wait_for_selector("#ship-error")
    assert tab.get_attribute("#ship-error", "data-field") == "carrier"
    assert "请选择快递公司" in tab.inner_text("#ship-error strong")
    assert number in tab.inner_text("#ship-error strong")
    assert tab.inner_text("#ship-error-field") == "快递公司"
    assert tab.input_value(f"{mine} input[name=tracking_no]") == "SFE2E0001"
    assert "has-error" in (tab.get_attribute(f"{mine} select[name=carrier]", "class") or "")
    assert tab.inner_text(f"{mine} .ff-ship-error") == "请选择快递公司"
    assert count(tab, "to_ship") == before
    shot(tab, "ship-refused", folder)

    # a tracking number with a space: the number is the field
    tab.select_option(f"{mine} select[name=carrier]", "SF")
    tab.fill(f"{mine} input[name=tracking_no]", "SF E2E")
    tab.click(f"{mine} button.ff-ship-button")
    tab.wait_for_selector("#ship-error[data-field=tracking_no]")
    assert tab.inner_text("#ship-error-field") == "运单号"
    assert tab.input_value(f"{mine} select[name=carrier]") == "SF"

    # shipped: said so, gone from the list, one fewer to ship
    tab.fill(f"{mine} input[name=tracking_no]", "SFE2E0001")
    tab.click(f"{mine} button.ff-ship-button")
    tab.wait_for_selector("#shipped")
    assert tab.inner_text("#shipped").startswith(f"订单 {number} 已发货：顺丰速运 SFE2E0001")
    assert tab.locator(mine).count() == 0 and count(tab, "to_ship") == before - 1
    assert tab.locator("#ship-error").count() == 0
    shot(tab, "ship-done", folder)

    # the order's timeline shows the shipment
    tab.click("#shipped a")
    tab.wait_for_selector("#main.order-detail[data-state=ready]")
    assert tab.inner_text("#order-no") == number
    assert tab.get_attribute("#order-status", "data-status") == "shipped"
    shipped = tab.locator("#order-timeline li[data-step=shipped]").all_inner_texts()
    assert any("顺丰速运 SFE2E0001" in s for s in shipped), shipped
    shot(tab, "ship-timeline", folder)
    assert tab.locator("#order-ship-form").count() == 0  # shipped: no second 发货

    # 发货 from an order's page: back on it, shipped, the parcel on its timeline
    tab.goto(f"{server.url}/fulfillment")
    link = tab.locator("#to-ship-table tbody tr").first.locator("td:first-child a")
    other = link.inner_text()
    link.click()
    tab.wait_for_selector("#order-ship-form")
    page = tab.url
    tab.select_option("#ship-carrier", "ZTO")
    tab.fill("#ship-tracking", "ZTE2E0002")
    tab.click("#ship-button")
    tab.wait_for_selector("#order-status[data-status=shipped]")
    assert tab.url == page and tab.inner_text("#order-no") == other
    assert "中通快递 ZTE2E0002" in tab.inner_text("#order-timeline li[data-step=shipped]")
    tab.goto(f"{server.url}/fulfillment")
    assert count(tab, "to_ship") == before - 2
    assert outside == []


def test_exception_note_shows_on_the_timeline(tab: Any, server: LiveServer,
                                              folder: Path) -> None:
    sign_in(tab, server.url, "/fulfillment")
    tab.wait_for_selector("#main.fulfillment[data-state=ready]")
    row = tab.locator("#exceptions-table tbody tr").first
    key = row.get_attribute("data-key")
    order_page = row.locator("td:nth-child(2) a").get_attribute("href")
    row.locator("input[name=note]").fill("已致电网点，明早补扫")
    row.locator("button[value=acknowledge]").click()
    tab.wait_for_selector(f"#exceptions-table tr[data-key='{key}'].state-acknowledged")
    tab.goto(f"{server.url}{order_page}")
    tab.wait_for_selector("#main.order-detail[data-state=ready]")
    handled = tab.locator("#order-timeline li[data-step=exception]")
    assert handled.count() == 1
    assert handled.locator(".note").inner_text() == "处理说明：已致电网点，明早补扫"
    assert handled.locator(".by").inner_text() == "操作人 browser-ops"
    assert "已知悉" in handled.inner_text()
    shot(tab, "exception-note-timeline", folder)


def _new(tab: Any, server: LiveServer, kind: str, code: str) -> None:
    tab.goto(f"{server.url}/promotions/new")
    tab.wait_for_selector("#promotion-form")
    tab.select_option("#f-type", kind)
    tab.fill("#f-code", code)
    tab.select_option("#f-store", "tmall-flagship")


def _save_and_find(tab: Any, code: str) -> Any:
    tab.fill("#f-override_reason", REASON)  # in case the demo's floors are close
    tab.click("#save-button")
    tab.wait_for_url(f"**/promotions?saved={code}")
    return tab.locator(f"#promotions-table tr[data-code={code}]")


def test_editor_creates_member_price_bundle_and_gift(tab: Any, server: LiveServer,
                                                     folder: Path) -> None:
    outside = only_local(tab, server.url)
    sign_in(tab, server.url, "/promotions/new")
    tab.wait_for_selector("#promotion-form")
    # each type shows its own inputs only
    tab.select_option("#f-type", "member_price")
    assert tab.is_visible("#f-prices") and tab.is_hidden("#f-items")
    assert tab.is_hidden("#f-gift_sku") and tab.is_hidden("#f-tiers")
    tab.select_option("#f-type", "bundle")
    assert tab.is_visible("#f-items") and tab.is_visible("#f-price")
    assert tab.is_hidden("#f-prices") and tab.is_hidden("#f-gift_sku")
    tab.select_option("#f-type", "gift_with_purchase")
    assert tab.is_visible("#f-gift_sku") and tab.is_visible("#f-gift_quantity")
    assert tab.is_visible("#f-threshold") and tab.is_hidden("#f-items")

    # a bundle of one SKU: refused, the field marked and named, what was typed kept
    _new(tab, server, "bundle", "e2e-bundle")
    tab.fill("#f-items", f"{SKU} 1")
    tab.fill("#f-price", "99")
    tab.click("#save-button")
    tab.wait_for_selector("#main.pricing[data-state=error]")
    assert tab.get_attribute("label[data-field=items]", "class").endswith("has-error")
    assert tab.inner_text("#error-field-label") == "套装商品"
    assert tab.locator("#error-items").inner_text()
    assert tab.input_value("#f-items") == f"{SKU} 1"
    assert tab.is_visible("#f-items")  # the refused type's inputs still show
    shot(tab, "bundle-refused", folder)

    # 会员价
    _new(tab, server, "member_price", "e2e-member")
    tab.fill("#f-name", "金卡会员价")
    tab.fill("#f-prices", f"gold {SKU} 88\ndiamond {SKU} 85\ngold {OTHER} 60")
    shot(tab, "member-price-form", folder)
    row = _save_and_find(tab, "e2e-member")
    assert row.locator("td").nth(2).inner_text() == "会员价"
    # read back by the editor as typed (money with cents)
    row.locator("a[href$='/edit']").click()
    tab.wait_for_selector("#promotion-form")
    assert tab.input_value("#f-prices").splitlines() == [
        f"diamond {SKU} 85.00", f"gold {SKU} 88.00", f"gold {OTHER} 60.00"]

    # 组合套装
    _new(tab, server, "bundle", "e2e-bundle")
    tab.fill("#f-name", "两件套")
    tab.fill("#f-items", f"{SKU} 1\n{OTHER} 2")
    tab.fill("#f-price", "199")
    row = _save_and_find(tab, "e2e-bundle")
    assert row.locator("td").nth(2).inner_text() == "组合套装"

    # 满赠
    _new(tab, server, "gift_with_purchase", "e2e-gift")
    tab.fill("#f-threshold", "299")
    tab.fill("#f-gift_sku", OTHER)
    tab.fill("#f-gift_quantity", "1")
    row = _save_and_find(tab, "e2e-gift")
    assert row.locator("td").nth(2).inner_text() == "满赠"
    assert row.locator("td").nth(1).inner_text() == f"满299赠{OTHER}"  # the default name
    shot(tab, "three-new-promotions", folder)
    assert outside == []
