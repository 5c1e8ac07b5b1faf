"""促销 pages in a real headless browser (Debian chromium via Playwright), on the demo shop: the
promotion list (filter, times on the store's clock, Excel), the editor — a field error marked
on its field, a 单品折扣 below the price floor refused with the SKU and amounts named, then saved
with an override reason and listed — the 到手价 simulator with its explanation lines and
export, and the promotion calendar with the demo's campaigns. Nothing is fetched from outside
the console. Screenshots go to the module's tmp folder. Skips without chromium on a
workstation; mandatory in CI."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.browser import LiveServer, only_local, shot, sign_in

pytestmark = pytest.mark.browser

SKU = "P004-01"


def download(tab: Any, selector: str) -> Any:
    with tab.expect_download() as caught:
        tab.click(selector)
    return load_workbook(io.BytesIO(Path(caught.value.path()).read_bytes()))


def fill_clearance(tab: Any, server: LiveServer) -> None:
    """A new 限时折扣 清仓1折 on SKU in the editor, not yet checked or saved."""
    tab.goto(f"{server.url}/promotions/new?type=timed_discount")
    tab.fill("#f-code", "e2e-clearance")
    tab.fill("#f-name", "清仓1折")
    tab.select_option("#f-store", "tmall-flagship")
    tab.fill("#f-skus", SKU)
    tab.fill("#f-rate", "0.1")


def test_list_filter_local_times_and_export(tab: Any, server: LiveServer,
                                            folder: Path) -> None:
    outside = only_local(tab, server.url)
    sign_in(tab, server.url, "/promotions")
    tab.wait_for_selector("#main.pricing[data-state=ready]")
    total = int(tab.get_attribute("#pr-total", "data-value"))
    assert total == tab.locator("#promotions-table tbody tr").count() >= 9
    # 双12's 满减 starts at midnight 北京时间 on 12-11 ... in the store's words, not UTC codes
    row = tab.locator("#promotions-table tr[data-code=demo-double12-2026-fr]")
    start = row.locator("td[data-field=starts_at]").inner_text()
    assert start.endswith(" 00:00") and "T" not in start, start
    assert row.locator("td").nth(3).inner_text() == "天猫旗舰店"
    assert "UTC" not in tab.inner_text("#promotions-table thead")
    shot(tab, "promotions-list", folder)

    tab.select_option("#f-type", "coupon")
    tab.click("#f-submit")
    tab.wait_for_url("**type=coupon**")
    coupons = tab.locator("#promotions-table tbody tr")
    assert 0 < coupons.count() < total
    assert set(coupons.locator("td:nth-child(3)").all_inner_texts()) == {"优惠券"}
    sheet = download(tab, "#export-link").active
    listed = list(sheet.iter_rows(values_only=True))
    assert len(listed) - 1 == coupons.count()
    assert {r[2] for r in listed[1:]} == {"优惠券"} and {r[3] for r in listed[1:]} == {"天猫旗舰店"}
    assert outside == []


def test_editor_field_error_floor_refusal_and_override(tab: Any, server: LiveServer,
                                                       folder: Path) -> None:
    sign_in(tab, server.url, "/promotions/new")
    tab.wait_for_selector("#promotion-form")
    # the checkboxes are checkbox-sized, not 32 px boxes
    box = tab.locator("#f-active").bounding_box()
    assert box is not None and box["height"] <= 20

    # only the chosen type's fields show: 满减 has tiers, 限时折扣 a rate
    assert tab.is_visible("#f-tiers") and tab.is_hidden("#f-rate")
    tab.select_option("#f-type", "timed_discount")
    assert tab.is_visible("#f-rate") and tab.is_hidden("#f-tiers")
    assert tab.is_visible("#f-skus")  # common fields stay

    # a 满减 tier that is not a number: the field is marked and named, nothing saved
    tab.select_option("#f-type", "full_reduction")
    tab.fill("#f-code", "e2e-bad-tiers")
    tab.select_option("#f-store", "tmall-flagship")
    tab.fill("#f-tiers", "300:abc")
    tab.click("#save-button")
    tab.wait_for_selector("#main.pricing[data-state=error]")
    assert tab.get_attribute("[data-field=tiers]", "class").endswith("has-error")
    assert tab.locator("#error-tiers").inner_text()
    assert tab.input_value("#f-tiers") == "300:abc"  # what was typed stays
    assert tab.inner_text("#error strong").startswith("未保存：")
    assert tab.inner_text("#error-field-label") == "阶梯"  # the field by its label
    shot(tab, "promotion-field-error", folder)

    # 单品 1折 on one SKU: 检查底线 names the SKU with its price, floor and shortfall
    fill_clearance(tab, server)
    tab.click("#check-button")
    tab.wait_for_selector("#floor-check[data-result=below]")
    breach = tab.locator(f"#breaches tr[data-sku='{SKU}']")
    assert breach.count() == 1
    cells = breach.locator("td").all_inner_texts()
    final, floor, shortfall = (Decimal(c.replace("¥", "").replace(",", "")) for c in cells[3:])
    assert final < floor and shortfall == floor - final
    assert tab.get_attribute("#error", "data-code") == "pricing.below_floor"
    assert tab.inner_text("#error strong") == "检查未通过：促销会让部分 SKU 低于价格底线"
    assert cells[1] == "天猫旗舰店"
    assert tab.inner_text("#error-override_reason").startswith("如确需低于底线销售")
    shot(tab, "promotion-below-floor", folder)

    # 保存 without a reason is refused the same way; the promotion is not in the list
    tab.click("#save-button")
    tab.wait_for_selector("#floor-check[data-result=below]")
    tab.goto(f"{server.url}/promotions")
    assert tab.locator("#promotions-table tr[data-code=e2e-clearance]").count() == 0

    # with a reason it is saved, said so, and listed
    fill_clearance(tab, server)
    tab.fill("#f-starts_at", "2026-12-20T10:00")
    tab.fill("#f-override_reason", "临期清仓，老板已批准")
    tab.click("#save-button")
    tab.wait_for_url("**/promotions?saved=e2e-clearance")
    assert tab.inner_text("#saved") == "促销 e2e-clearance 已保存"
    row = tab.locator("#promotions-table tr[data-code=e2e-clearance]")
    assert row.locator("td").nth(2).inner_text() == "限时折扣"
    assert row.locator("td[data-field=starts_at]").inner_text() == "2026-12-20 10:00"
    shot(tab, "promotion-saved", folder)

    # the editor reads the time back as typed, and saving again keeps it
    row.locator("a[href$='/edit']").click()
    tab.wait_for_selector("#promotion-form")
    assert tab.input_value("#f-starts_at") == "2026-12-20T10:00"
    tab.fill("#f-name", "清仓1折（改）")
    tab.fill("#f-override_reason", "临期清仓，老板已批准")
    tab.click("#save-button")
    tab.wait_for_url("**/promotions?saved=*")
    row = tab.locator("#promotions-table tr[data-code=e2e-clearance]")
    assert row.locator("td").nth(1).inner_text() == "清仓1折（改）"
    assert row.locator("td[data-field=starts_at]").inner_text() == "2026-12-20 10:00"


def test_simulator_explains_the_price(tab: Any, server: LiveServer, folder: Path) -> None:
    sign_in(tab, server.url, "/pricing/simulator")
    tab.wait_for_selector("#main.pricing[data-state=empty]")
    tab.select_option("#f-store", "tmall-flagship")
    tab.fill("#f-lines", f"{SKU} 3\nP028-02 2")
    tab.check("#f-is-new")
    tab.fill("#f-coupons", "demo-c20")  # the demo's 满199减20 shop coupon
    tab.click("#quote-button")
    tab.wait_for_selector("#main.pricing[data-state=quoted]")
    lines = tab.locator("#quote-lines tbody tr")
    assert [r.get_attribute("data-sku") for r in lines.all()] == [SKU, "P028-02"]
    finals = [Decimal(v) for v in
              (r.locator("td.final").get_attribute("data-value") for r in lines.all())]
    total = Decimal(tab.get_attribute("#total", "data-value"))
    discount = Decimal(tab.get_attribute("#discount-total", "data-value"))
    assert sum(finals) <= total and discount > 0
    explanation = tab.locator("#explanation li").all_inner_texts()
    assert explanation and all(text.strip() for text in explanation)
    assert any("demo-c20" in text for text in explanation), explanation
    # each line's share of the order-level discounts, written as money
    shares = lines.first.locator("td").last.inner_text()
    assert "demo-c20" in shares and "−¥" in shares, shares
    assert tab.inner_text("#total").startswith("¥")
    shot(tab, "simulator", folder)

    book = download(tab, "#export-link")
    assert len(book.sheetnames) == 2
    rows = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == explanation

    # an unknown SKU: the error names it, no quote shown
    tab.fill("#f-lines", "NO-SUCH-SKU 1")
    tab.click("#quote-button")
    tab.wait_for_selector("#main.pricing[data-state=error]")
    assert "NO-SUCH-SKU" in tab.inner_text("#error")
    assert tab.locator("#quote").count() == 0


def test_calendar_shows_the_demo_campaigns(tab: Any, server: LiveServer, folder: Path) -> None:
    sign_in(tab, server.url, "/pricing/calendar?year=2026")
    tab.wait_for_selector("#main.pricing[data-year='2026']")
    events = tab.locator("section.event")
    assert events.count() == 6
    planned = tab.locator("#event-double12 tr[data-campaign=demo-double12-2026]")
    assert planned.count() == 1
    assert planned.locator("td.num").first.inner_text().startswith("¥")
    assert planned.locator("a[href^='/promotions/']").count() == 3
    assert planned.locator("td").nth(2).inner_text() == "天猫旗舰店"
    # an event without a campaign says how to plan one
    assert "shopops promo campaign create double11 2026" in tab.inner_text(
        "#event-double11 .no-campaign")
    shot(tab, "calendar-2026", folder)
    tab.click("#next-year")
    tab.wait_for_selector("#main.pricing[data-year='2027']")
    assert tab.locator("tr[data-campaign=demo-nianhuo-2027]").count() == 1
    book = download(tab, "#export-link")
    assert len(book.sheetnames) == 2
    campaigns = list(book[book.sheetnames[1]].iter_rows(values_only=True))[1:]
    assert [r[1] for r in campaigns] == ["demo-nianhuo-2027"]
    assert campaigns[0][3] == "天猫旗舰店"
