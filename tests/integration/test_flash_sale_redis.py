"""The flash sale's optional Redis gate (SHOPOPS_REDIS_URL, default redis://127.0.0.1:6379/0
here): 200 concurrent buyers for 50 units through the Lua script and the database, on SQLite
and PostgreSQL; reconciliation repairs Redis from the database ledger. Skipped with the reason
when no Redis answers."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from shopops.bootstrap import App
from shopops.orders.models import Order
from shopops.pricing import flash_service as flash
from shopops.pricing.flash_models import FlashSaleHold
from shopops.pricing.flash_redis import RedisGate, reconcile
from shopops.pricing.flash_sale import LimitReached, SoldOut
from tests.integration.test_flash_sale import THREADS, new_sale, pool
from tests.integration.test_promotions import seed

URL = os.environ.get("SHOPOPS_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def gate() -> Iterator[RedisGate]:
    found = RedisGate(URL, prefix=f"shopops-test:{uuid.uuid4().hex}")
    if not found.ping():
        pytest.skip(f"no Redis at {URL} (set SHOPOPS_REDIS_URL or start redis-server)")
    yield found
    keys = list(found.client.scan_iter(f"{found.prefix}:*"))
    if keys:
        found.client.delete(*keys)


def _buyer(app: App, gate: RedisGate, sale_id: int, customer: str,
           start: threading.Event) -> str:
    start.wait()
    try:
        with app.uow() as uow:
            flash.buy(uow, sale_id, customer, 1, gate=gate)
    except SoldOut:
        return "sold_out"
    except LimitReached:
        return "limit"
    return "held"


def test_200_buyers_through_redis_hold_exactly_50_and_redis_matches(
        app: App, gate: RedisGate) -> None:
    seed(app)
    sale_id = new_sale(app)
    customers = [f"c{n:03d}" for n in range(160)] + [f"c{n:03d}" for n in range(40)]
    start = threading.Event()
    with ThreadPoolExecutor(max_workers=THREADS) as workers:
        futures = [workers.submit(_buyer, app, gate, sale_id, c, start) for c in customers]
        start.set()
        outcomes = [f.result(timeout=120) for f in futures]
    assert outcomes.count("held") == 50
    assert pool(app, sale_id)["held"] == 50 and pool(app, sale_id)["remaining"] == 0
    with app.reader() as uow:
        key = flash.sale_gate_key(uow, sale_id)
    left, buyers = gate.counts(key)
    with app.reader() as uow:
        ledger = {c: n for c, n in flash.buyer_counts(uow, sale_id).items() if n}
    assert left == 0
    assert {c: n for c, n in buyers.items() if n} == ledger
    assert max(ledger.values()) == 1 and sum(ledger.values()) == 50
    with app.reader() as uow:  # one order per hold, none for a buy refused by either
        orders = uow.session.scalar(select(func.count(Order.id)))
        linked = uow.session.scalar(select(func.count(FlashSaleHold.order_id.distinct())))
    assert orders == linked == 50


def test_reconcile_repairs_redis_from_the_ledger(app: App, gate: RedisGate) -> None:
    seed(app)
    sale_id = new_sale(app, units=5)
    for customer in ("a", "b"):
        with app.uow() as uow:
            flash.buy(uow, sale_id, customer, 1, gate=gate)
    with app.reader() as uow:
        key = flash.sale_gate_key(uow, sale_id)
    left_key, buyers_key = gate.keys(key)
    gate.client.set(left_key, 99)  # drift: a lost write, a restart from an old snapshot …
    gate.client.hdel(buyers_key, "a")
    with app.reader() as uow:
        report = reconcile(uow, gate, sale_id)
    assert report["remaining"] == 3 and report["redis_remaining_before"] == 99
    assert report["buyers_repaired"] == ["a"]
    assert gate.counts(key) == (3, {"a": 1, "b": 1})
    with pytest.raises(LimitReached), app.uow() as uow:  # refused by Redis again
        flash.buy(uow, sale_id, "a", 1, gate=gate)
