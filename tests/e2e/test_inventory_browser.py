"""库存 pages in a real headless browser (Debian chromium via Playwright): from the inventory
board's alerts to a SKU's stock history with its ECharts chart drawn, and the forecast accuracy
page after a stored run; nothing is fetched from outside the console. Screenshots go to
artifacts/screenshots/. Skips without chromium on a workstation; mandatory in CI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser import (
    LiveServer,
    chromium_tab,
    forecast_demo_server,
    only_local,
    shot,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("inventory-browser")
    with forecast_demo_server(folder, seed=7, orders=3000, days=300, horizon_days=14) as server:
        yield server


@pytest.fixture
def tab(server: LiveServer) -> Iterator[Any]:
    with chromium_tab(20_000) as tab:
        yield tab


def test_board_to_sku_history_and_forecast_accuracy(tab: Any, server: LiveServer) -> None:
    base = server.url
    outside = only_local(tab, base)
    sign_in(tab, base, "/inventory")
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
