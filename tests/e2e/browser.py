"""What every browser test shares: Debian chromium's path and flags, the console served by
uvicorn on a free loopback port in a thread, a fresh chromium tab, screenshots."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from shopops.bootstrap import App
from shopops.web.app import create_app
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
USER, PASSWORD = "browser-ops", "correct horse battery"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def require_chromium() -> None:
    require(chromium_path() is not None,
            "Debian chromium is not installed (apt-get install -y chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread


@contextmanager
def serve(core: App) -> Iterator[LiveServer]:
    """The console and API of `core` on 127.0.0.1 until the block ends (then `core` is
    disposed)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(core), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        core.dispose()


@contextmanager
def chromium_tab(timeout_ms: int = 20_000, **context_options: Any) -> Iterator[Any]:
    """A tab in a fresh headless chromium (1440 × 900, zh-CN), closed after the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1440, "height": 900},
                                       locale="zh-CN", **context_options)
        tab = context.new_page()
        tab.set_default_timeout(timeout_ms)
        try:
            yield tab
        finally:
            context.close()
            chromium.close()


def shot(page: Any, name: str, folder: Path | None = None) -> Path:
    """A full-page PNG of `page` in `folder` (default artifacts/screenshots/); its path."""
    target = folder or SCREENSHOTS
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(tab: Any, base: str, path: str) -> None:
    """Open `path`, get sent to the login form, sign in as the browser user and land on it."""
    tab.goto(f"{base}{path}")
    assert "/login" in tab.url
    tab.fill("input[name=username]", USER)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{base}{path.split('?')[0]}*")


def only_local(tab: Any, base: str) -> list[str]:
    """Every URL the tab requests outside `base`, collected while the test runs (expect [])."""
    outside: list[str] = []
    tab.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    return outside


def _demo_core(folder: Path, *, seed: int, orders: int, days: int) -> tuple[App, Any]:
    """A demo shop ending today in SQLite under `folder`, with the browser user; and today."""
    from shopops.accounts.service import create_user
    from shopops.config import Settings
    from shopops.core.clock import business_date
    from shopops.db.migrate import upgrade
    from shopops.demo.service import build_demo_shop

    require_chromium()
    core = App(Settings(database_url=f"sqlite:///{folder / 'shop.db'}",
                        secret_key="browser-test"))
    upgrade(core.engine)
    today = business_date(core.clock.now(), "Asia/Shanghai")
    build_demo_shop(core, seed=seed, orders=orders, end_date=today, days=days)
    with core.uow() as uow:
        create_user(uow, USER, PASSWORD, display_name="浏览器测试")
    return core, today


@contextmanager
def demo_server(folder: Path, *, seed: int = 7, orders: int = 3000,
                days: int = 400) -> Iterator[LiveServer]:
    """The demo shop ending today (orders, fulfillment exceptions, after-sales requests,
    promotions and campaigns, purchase orders) with the browser user, served on 127.0.0.1."""
    core, _today = _demo_core(folder, seed=seed, orders=orders, days=days)
    with serve(core) as server:
        yield server


@contextmanager
def forecast_demo_server(folder: Path, *, seed: int, orders: int, days: int,
                         horizon_days: int) -> Iterator[LiveServer]:
    """A demo shop ending today (SQLite in `folder`) with the browser user and a stored
    forecast run — what the inventory and replenishment pages show — served on 127.0.0.1."""
    from shopops.inventory.forecast_service import run_forecast

    core, today = _demo_core(folder, seed=seed, orders=orders, days=days)
    with core.uow() as uow:
        # the pages reuse this stored run instead of fitting on the request
        run_forecast(uow, as_of=today, horizon_days=horizon_days, folds=1)
    with serve(core) as server:
        yield server
