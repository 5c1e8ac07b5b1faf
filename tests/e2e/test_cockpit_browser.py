"""The cockpit in a real headless browser (Debian chromium driven by Playwright): log in through
the form, see the ECharts canvas drawn, change the period and the store, and check that every
KPI on the screen equals `GET /api/v1/metrics` for the same filters. Screenshots go to
artifacts/screenshots/. Skips without chromium on a workstation; mandatory in CI."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.config import Settings
from shopops.db.migrate import upgrade
from shopops.web.cockpit_view import KPI_METRICS
from tests.e2e.browser import (
    CHROMIUM_ARGS,
    PASSWORD,
    USER,
    LiveServer,
    chromium_path,
    only_local,
    require_chromium,
    serve,
    shot,
    sign_in,
)

pytestmark = pytest.mark.browser

END = date(2026, 11, 20)


def build_data(core: App) -> None:
    """The demo shop when its builder exists, else the integration tests' small shop."""
    if importlib.util.find_spec("shopops.demo.service") is not None:
        from shopops.demo.service import build_demo_shop

        build_demo_shop(core, seed=7, orders=3000, end_date=END, days=400)
        with core.uow() as uow:
            create_user(uow, USER, PASSWORD, display_name="浏览器测试")
        return
    from tests.integration import test_console

    test_console.build_shop(core)
    with core.uow() as uow:
        create_user(uow, USER, PASSWORD, display_name="浏览器测试")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    database = tmp_path_factory.mktemp("browser") / "shop.db"
    core = App(Settings(database_url=f"sqlite:///{database}", secret_key="browser-test"))
    upgrade(core.engine)
    build_data(core)
    with serve(core) as server:
        yield server


@pytest.fixture(scope="module")
def browser(live_server: LiveServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    try:
        yield tab
    finally:
        context.close()


def wait_for_chart(page: Any) -> int:
    """Wait for ECharts to finish drawing; return how many canvas pixels are painted."""
    page.wait_for_selector("#trend-chart[data-rendered=true] canvas")
    painted: int = page.evaluate("""() => {
        const c = document.querySelector('#trend-chart canvas');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) { if (px[i] !== 0) n++; }
        return n;
    }""")
    return painted


def shown_values(page: Any) -> dict[str, str]:
    values: dict[str, str] = page.eval_on_selector_all(
        "#kpis [data-metric]",
        "els => Object.fromEntries(els.map(e => [e.dataset.metric, e.dataset.value]))",
    )
    return values


def api_values(page: Any, base: str, query: str) -> dict[str, str]:
    """The same figures from the JSON API, called with the page's console session."""
    response = page.request.get(f"{base}/api/v1/metrics?{query}")
    assert response.ok, response.text()
    report = response.json()
    out = {}
    for metric in KPI_METRICS:
        out[metric] = _raw(report[metric])
        out[f"{metric}.pop"] = _raw(report["pop"]["change"][metric])
        out[f"{metric}.yoy"] = _raw(report["yoy"]["change"][metric])
    return out


def _raw(value: Any) -> str:
    return "" if value is None else str(value)


def apply_filters(page: Any, expect: str) -> None:
    page.click("#f-submit")
    page.wait_for_selector(f"#main{expect}[data-state=ready]")


def test_cockpit_in_a_real_browser(page: Any, live_server: LiveServer) -> None:
    base = live_server.url
    outside = only_local(page, base)
    sign_in(page, base, "/cockpit")  # every console page needs a session

    # opens on the latest business day with data, chart drawn, figures = API
    page.wait_for_selector("#main[data-state=ready]")
    assert wait_for_chart(page) > 1000
    day = page.get_attribute("#main", "data-period")
    assert day == END.isoformat()
    assert page.inner_text("#kpis").count("环比") >= 13
    assert shown_values(page) == api_values(page, base, f"period=day&date={day}")
    shot(page, "cockpit-day")

    # a month (HTMX swaps the panel; the URL follows)
    page.select_option("#f-granularity", "month")
    page.fill("#f-date", "2026-11-15")
    apply_filters(page, '[data-period="2026-11"]')
    assert "granularity=month" in page.url
    assert wait_for_chart(page) > 1000
    assert shown_values(page) == api_values(page, base, "period=month&date=2026-11-15")
    shot(page, "cockpit-month")

    # one store
    stores = page.eval_on_selector_all("#f-store option", "os => os.map(o => o.value)")
    store = next(s for s in stores if s)
    page.select_option("#f-store", store)
    apply_filters(page, f'[data-store="{store}"]')
    assert shown_values(page) == api_values(
        page, base, f"period=month&date=2026-11-15&store={store}"
    )
    assert page.locator("#breakdown-table tbody tr").count() == 1
    shot(page, "cockpit-store")

    # English, remembered by the session
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=en]")
    assert "Operations cockpit" in page.inner_text("body")
    wait_for_chart(page)
    shot(page, "cockpit-en")

    assert outside == [], f"requests left the server (CDN?): {outside}"


def test_bad_date_shows_a_message_not_a_crash(page: Any, live_server: LiveServer) -> None:
    base = live_server.url
    sign_in(page, base, "/cockpit")
    response = page.goto(f"{base}/cockpit?date=2026-02-30")
    assert response is not None and response.status == 400
    assert "日期格式不正确" in page.inner_text("#error")
    shot(page, "cockpit-error")
