"""库存 pages in a real headless browser (Debian chromium via Playwright): from the inventory
board's alerts to a SKU's stock history with its ECharts chart drawn, and the forecast accuracy
page after a stored run; nothing is fetched from outside the console. Screenshots go to
artifacts/screenshots/. Skips without chromium on a workstation; mandatory in CI."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.config import Settings
from shopops.core.clock import business_date
from shopops.db.migrate import upgrade
from shopops.demo.service import build_demo_shop
from shopops.inventory.forecast_service import run_forecast
from shopops.web.app import create_app
from tests.conftest import require
from tests.e2e.test_cockpit_browser import (
    CHROMIUM_ARGS,
    PASSWORD,
    USER,
    LiveServer,
    chromium_path,
    free_port,
    shot,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require(chromium_path() is not None,
            "Debian chromium is not installed (apt-get install -y chromium)")
    database = tmp_path_factory.mktemp("inventory-browser") / "shop.db"
    core = App(Settings(database_url=f"sqlite:///{database}", secret_key="browser-test"))
    upgrade(core.engine)
    today = business_date(core.clock.now(), "Asia/Shanghai")  # the SKU page shows 90 days to today
    build_demo_shop(core, seed=7, orders=3000, end_date=today, days=300)
    with core.uow() as uow:
        create_user(uow, USER, PASSWORD, display_name="浏览器测试")
        run_forecast(uow, as_of=today, horizon_days=14, folds=1)
    port = free_port()
    app_server = uvicorn.Server(uvicorn.Config(create_app(core), host="127.0.0.1", port=port,
                                               log_level="warning"))
    thread = threading.Thread(target=app_server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not app_server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app_server, thread)
    finally:
        app_server.should_exit = True
        thread.join(timeout=10)
        core.dispose()


@pytest.fixture
def tab(server: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            context.close()
            chromium.close()


def test_board_to_sku_history_and_forecast_accuracy(tab: Any, server: LiveServer) -> None:
    base = server.url
    outside: list[str] = []
    tab.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    tab.goto(f"{base}/inventory")
    assert "/login" in tab.url
    tab.fill("input[name=username]", USER)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_selector("#main.inventory[data-state=ready]")
    assert tab.locator("#board-table tbody tr").count() > 0
    shot(tab, "inventory-board")

    # only SKUs with an alert, then open the first one's stock history
    tab.select_option("#f-alert", "any")
    tab.click("#f-submit")
    tab.wait_for_url("**alert=any**")
    tab.wait_for_selector("#main.inventory[data-state=ready]")
    rows = tab.locator("#board-table tbody tr")
    assert rows.count() == int(tab.get_attribute("#sku-count", "data-value"))
    assert all(rows.nth(i).get_attribute("data-alerts") for i in range(rows.count()))
    rows.first.locator("a").click()
    tab.wait_for_selector("#stock-chart[data-rendered=true] canvas")
    painted = tab.evaluate("""() => {
        const c = document.querySelector('#stock-chart canvas');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) { if (px[i] !== 0) n++; }
        return n;
    }""")
    assert painted > 1000
    assert tab.locator("#moves-table tbody tr").count() > 0
    shot(tab, "inventory-sku-history")

    tab.goto(f"{base}/inventory/forecast")
    tab.wait_for_selector("#main.inventory[data-state=ready]")
    assert tab.locator("#accuracy-table tbody tr").count() > 0
    assert tab.get_attribute("#overall [data-route=model] [data-metric=wape]", "data-value")
    shot(tab, "inventory-forecast-accuracy")
    assert outside == []
