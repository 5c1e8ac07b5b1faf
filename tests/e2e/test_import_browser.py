"""Order import and the order pages in a real headless browser (Debian chromium, Playwright):
upload a 拼多多 export and the 淘宝 pair through the form, watch the HTMX-polled progress end in
the summary (detected platform and encoding, counts), open the report of rejected rows and
download it as xlsx, then find an imported order in /orders and open its timeline. Nothing is
fetched from outside the server. Skips without chromium on a workstation; mandatory in CI."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.config import Settings
from shopops.db.migrate import upgrade
from shopops.stores.service import add_store
from tests import factories
from tests.e2e.browser import chromium_tab, only_local, require_chromium, serve, shot
from tests.importers.fixtures import platform_files

pytestmark = pytest.mark.browser

USER, PASSWORD = "import-ops", "correct horse battery"
FILES = platform_files()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    database = tmp_path_factory.mktemp("import-browser") / "shop.db"
    core = App(Settings(database_url=f"sqlite:///{database}", secret_key="browser-test"))
    upgrade(core.engine)
    with core.uow() as uow:
        create_user(uow, USER, PASSWORD, display_name="导入测试")
        add_store(uow, "pdd-1", "pdd", name="拼多多店")
        add_store(uow, "tm-1", "tmall", name="天猫店")
        product = factories.add_product(uow, "P-1", factories.add_category(uow, "C-1"))
        for code in ("SKU-A", "SKU-B", "SKU-C", "SKU-D", "PDD-SKU-1", "PDD-SKU-2"):
            factories.add_sku(uow, code, product, price="10.00", cost="5.00")
    with serve(core) as server:
        yield server.url


@pytest.fixture
def page(base_url: str) -> Iterator[Any]:
    with chromium_tab(20_000, accept_downloads=True) as tab:
        yield tab


def upload(page: Any, store: str, *names: str) -> None:
    page.set_input_files("#f-files", [
        {"name": name, "mimeType": "application/octet-stream", "buffer": FILES[name]}
        for name in names])
    page.select_option("#f-store", store)
    page.click("#f-submit")
    page.wait_for_selector("#job[data-state=done], #job[data-state=failed]")


def counts(page: Any, scope: str) -> dict[str, str]:
    found: dict[str, str] = page.eval_on_selector_all(
        f"{scope} [data-count]",
        "els => Object.fromEntries(els.map(e => [e.dataset.count, e.dataset.value]))")
    return found


def test_import_page_in_a_real_browser(page: Any, base_url: str) -> None:
    outside = only_local(page, base_url)
    page.goto(f"{base_url}/imports")
    assert "/login" in page.url
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/imports*")
    assert page.is_visible("#imports-empty")

    upload(page, "pdd-1", "订单明细-pdd.csv")
    assert page.get_attribute("#job", "data-state") == "done"
    assert page.get_attribute("#detected-platform", "data-value") == "pdd"
    assert page.get_attribute("#detected-encoding", "data-value") == "utf-8"
    assert counts(page, "#job-summary") == {"read": "3", "new": "2", "updated": "0",
                                            "unchanged": "0", "rejected": "1"}
    shot(page, "import-summary")

    with page.expect_download() as download_info:
        page.click("#job-report-xlsx")
    sheet = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))["导入问题"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == 4 and rows[1][1] == "商家编码-规格维度"

    page.click("#job-report")
    page.wait_for_selector("#problems-table")
    assert page.inner_text("#problems-table tbody tr[data-row='4']").count("PDD-SKU-3") >= 1
    shot(page, "import-report")

    page.goto(f"{base_url}/imports")
    upload(page, "tm-1", "ExportOrderList202611.csv", "ExportOrderDetailList202611.csv")
    assert page.get_attribute("#detected-platform", "data-value") == "taobao"
    assert page.get_attribute("#detected-encoding", "data-value") == "gb18030"
    assert counts(page, "#job-summary")["new"] == "4"
    page.goto(f"{base_url}/imports")
    assert page.locator("#imports-table tbody tr[data-import-id]").count() == 2

    # the imported order in the order list, its detail with the import as the source
    page.goto(f"{base_url}/orders")
    page.fill("#f-q", "1930679858170647")
    page.click("#f-submit")
    # HTMX swaps the list in place and puts the search in the address bar
    page.wait_for_url(re.compile(r".*q=1930679858170647"))
    page.wait_for_function(
        "document.querySelectorAll('#orders-table tbody tr[data-order-id]').length === 1")
    page.click("#orders-table tbody tr[data-order-id] a")
    page.wait_for_selector("#order-timeline")
    steps = page.eval_on_selector_all("#order-timeline li[data-step]",
                                      "els => els.map(e => [e.dataset.step, e.dataset.source])")
    assert ["created", "import"] in steps and ["paid", "import"] in steps
    assert re.search(r"导入 #\d+", page.inner_text("#order-timeline"))
    shot(page, "order-detail")
    assert outside == []
