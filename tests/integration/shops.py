"""The promotion shop the pricing / placement tests share, as one context manager, and the
console over it that the pricing / flash / error-page tests sign in to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from shopops.bootstrap import App
from shopops.core.clock import Clock
from shopops.web.app import create_app
from tests.conftest import make_app, wipe
from tests.integration.test_promotions import seed


@contextmanager
def promotion_shop(database_url: str, clock: Clock) -> Iterator[App]:
    """A clean, migrated database seeded as test_promotions.seed does (stores tm-1 / jd-1,
    SKUs A, B, G, user ops with an API token in ``.token``) on `clock`; disposed afterwards."""
    application = make_app(database_url, clock=clock)
    wipe(application)
    seed(application)
    try:
        yield application
    finally:
        application.dispose()


@contextmanager
def promotion_console(app: App) -> Iterator[TestClient]:
    """A console client over `app`, seeded as test_promotions.seed does (user ops)."""
    seed(app)
    with TestClient(create_app(app)) as client:
        yield client


def log_in(client: TestClient) -> TestClient:
    """`client` signed in as the seeded user ops."""
    response = client.post("/login", data={"username": "ops", "password": "correct-horse"})
    assert response.status_code == 200, response.text
    return client
