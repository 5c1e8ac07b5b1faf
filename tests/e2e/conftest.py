"""Fixtures shared by the browser modules: one demo shop served per module (its folder named after
the module, screenshots land there), a fresh chromium tab per test. A module that needs another
shop (a stored forecast run, an empty database) defines its own ``server``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import LiveServer, chromium_tab, demo_server


@pytest.fixture(scope="module")
def folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").replace("_", "-")
    return tmp_path_factory.mktemp(name)


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[LiveServer]:
    with demo_server(folder) as served:
        yield served


@pytest.fixture
def tab(server: LiveServer) -> Iterator[Any]:
    with chromium_tab(20_000, accept_downloads=True) as opened:
        yield opened
