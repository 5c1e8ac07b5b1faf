"""补货 and 采购 pages in a real headless browser (Debian chromium via Playwright): the
suggestions with their explanation, pick two rows → 生成采购单 → the purchasing page shows the
drafts, send one and receive it; nothing is fetched from outside the console. Screenshots go to
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
    folder = tmp_path_factory.mktemp("replenishment-browser")
    with forecast_demo_server(folder, seed=11, orders=4000, days=400, horizon_days=28) as server:
        yield server


@pytest.fixture
def tab(server: LiveServer) -> Iterator[Any]:
    with chromium_tab(30_000) as tab:
        yield tab


def test_suggestions_to_purchase_orders_to_receipt(tab: Any, server: LiveServer) -> None:
    base = server.url
    outside = only_local(tab, base)
    sign_in(tab, base, "/replenishment")
    tab.wait_for_selector("#main.replenishment[data-state=ready]")
    boxes = tab.locator("input[name=pick]")
    assert boxes.count() > 2
    assert tab.locator("tr.explanation").first.inner_text().count("建议采购") == 1
    shot(tab, "replenishment-suggestions")

    # keep two rows, make their purchase orders
    tab.uncheck("#pick-all")
    assert tab.locator("input[name=pick]:checked").count() == 0
    picked = [boxes.nth(i).get_attribute("value") for i in range(2)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    tab.click("#create-pos")
    tab.wait_for_selector("#created")
    codes = tab.get_attribute("#created", "data-codes").split(",")
    assert 1 <= len(codes) <= 2
    drafts = tab.locator("tr[data-status=draft]")
    skus = " ".join(drafts.nth(i).inner_text() for i in range(drafts.count()))
    assert all(p.split("|")[0] in skus for p in picked)
    assert tab.locator("#suppliers tbody tr").count() == 7
    shot(tab, "purchasing-drafts")

    code = codes[0]
    tab.click(f"tr[data-po='{code}'] form[action$='/send'] button")
    tab.wait_for_selector(f"tr[data-po='{code}'][data-status=sent]")
    tab.click(f"tr[data-po='{code}'] form[action$='/receive'] button")
    tab.wait_for_selector(f"tr[data-po='{code}'][data-status=received]")
    remaining = tab.get_attribute(f"tr[data-po='{code}'] [data-col=remaining]", "data-value")
    assert remaining == "0"
    shot(tab, "purchasing-received")
    assert outside == []
