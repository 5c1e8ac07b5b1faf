"""The promotion shop the pricing / placement tests share, as one context manager."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shopops.bootstrap import App
from shopops.core.clock import Clock
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
