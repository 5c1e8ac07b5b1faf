"""Flash sale (秒杀) on SQLite and PostgreSQL: created as a promotion (API and `promo import`),
buy → unpaid hold, per-customer limit, sold out, pay, the sweep releasing lapsed holds back to
the pool (service and `shopops promo flash-sweep`), and 200 concurrent buyers for 50 units."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from shopops import cli
from shopops.bootstrap import App
from shopops.core.clock import FixedClock
from shopops.core.errors import ShopOpsError
from shopops.pricing import flash_service as flash
from shopops.pricing.flash_models import FlashSale, FlashSaleBuyer, FlashSaleHold
from shopops.pricing.flash_sale import LimitReached, SoldOut
from shopops.pricing.service import create_promotion
from tests.conftest import make_app
from tests.integration.test_api import build_web
from tests.integration.test_promotions import Api, problem, seed

SALE = {"type": "flash_sale", "store": "tm-1", "sku": "A", "price": "59.90", "units": 50,
        "per_customer": 1, "hold_minutes": 15}
BUYERS = 200
THREADS = 24  # below the PostgreSQL pool (10 + 20 overflow)


def new_sale(app: App, **changes: Any) -> int:
    with app.uow() as uow:
        return create_promotion(uow, {**SALE, **changes}).id


def pool(app: App, sale_id: int) -> dict[str, int]:
    with app.reader() as uow:
        status: dict[str, int] = flash.status(uow, sale_id).spec()["status"]
    return status


@pytest.fixture
def shop(app: App) -> Iterator[Api]:
    seed(app)
    with TestClient(build_web(app)) as client:
        yield Api(client, {"Authorization": f"Bearer {app.token}"})  # type: ignore[attr-defined]


def at(app: App, when: datetime) -> App:
    """The same database seen by an app whose clock says ``when``."""
    return make_app(app.engine.url.render_as_string(hide_password=False), FixedClock(when))


def test_api_create_buy_limit_pay_and_status(shop: Api) -> None:
    api = shop
    created = api.post("/promotions", {**SALE, "units": 2, "code": "fs-618"})
    assert created.status_code == 201, created.text
    sale = created.json()
    assert (sale["type"], sale["sku"], sale["price"], sale["units"]) == (
        "flash_sale", "A", "59.90", 2)
    assert sale["status"] == {"units": 2, "sold": 0, "held": 0, "remaining": 2, "oversold": 0}
    url = f"/flash-sales/{sale['id']}/orders"
    first = api.post(url, {"customer": "u1", "qty": 1})
    assert first.status_code == 201, first.text
    hold = first.json()
    assert (hold["status"], hold["qty"], hold["amount"]) == ("held", 1, "59.90")
    problem(api.post(url, {"customer": "u1", "qty": 1}), 409, "flash_sale.limit_reached",
            "customer")
    problem(api.post(url, {"customer": "u9", "qty": 2}), 409, "flash_sale.limit_reached", "qty")
    assert api.post(url, {"customer": "u2"}).status_code == 201
    problem(api.post(url, {"customer": "u3"}), 409, "flash_sale.sold_out", "qty")
    problem(api.post(url, {"customer": ""}), 422, "flash_sale.invalid", "customer")
    paid = api.post(f"{url}/{hold['hold']}/pay", {})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert api.post(f"{url}/{hold['hold']}/pay", {}).json()["status"] == "paid"  # idempotent
    status = api.get(f"/flash-sales/{sale['id']}").json()["status"]
    assert status == {"units": 2, "sold": 1, "held": 1, "remaining": 0, "oversold": 0}
    assert api.get("/flash-sales").json()["total"] == 1
    problem(api.post("/flash-sales/999/orders", {"customer": "u1"}), 404,
            "flash_sale.not_found", "id")


def test_invalid_flash_sales_name_the_field(shop: Api) -> None:
    api = shop
    for change, code, field in (({"price": "0"}, "flash_sale.invalid", "price"),
                                ({"per_customer": 0}, "flash_sale.invalid", "per_customer"),
                                ({"sku": "NOPE"}, "resource.not_found", "sku"),
                                ({"colour": "red"}, "flash_sale.invalid", "colour"),
                                ({"ends_at": "2026-01-01T00:00:00+08:00",
                                  "starts_at": "2026-02-01T00:00:00+08:00"},
                                 "flash_sale.invalid", "ends_at")):
        problem(api.post("/promotions", {**SALE, **change}), 422 if "invalid" in code else 404,
                code, field)


def test_lapsed_holds_are_swept_back_to_the_pool(app: App, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    seed(app)
    start = datetime.fromisoformat("2026-06-18T20:00:00+08:00")
    now = at(app, start)
    sale_id = new_sale(now, units=3, hold_minutes=10)
    with now.uow() as uow:
        kept = flash.buy(uow, sale_id, "u1")
    with now.uow() as uow:
        lapsing = flash.buy(uow, sale_id, "u2")
    with at(app, start + timedelta(minutes=5)).uow() as uow:
        flash.pay(uow, sale_id, kept.id)
    assert pool(app, sale_id) == {"units": 3, "sold": 1, "held": 1, "remaining": 1,
                                  "oversold": 0}
    later = at(app, start + timedelta(minutes=11))
    monkeypatch.setattr(cli, "get_app", lambda: later)
    result = CliRunner().invoke(cli.app, ["promo", "flash-sweep", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [h["hold"] for h in json.loads(result.output)["released"]] == [lapsing.id]
    assert pool(app, sale_id) == {"units": 3, "sold": 1, "held": 0, "remaining": 2,
                                  "oversold": 0}
    with later.uow() as uow:
        assert flash.sweep(uow) == []  # idempotent
    with pytest.raises(ShopOpsError) as expired, later.uow() as uow:
        flash.pay(uow, sale_id, lapsing.id)
    assert expired.value.code == "flash_sale.hold_expired"
    with later.uow() as uow:  # the released unit and the buyer's allowance are back
        again = flash.buy(uow, sale_id, "u2")
    assert again.status == "held"


def test_promo_import_takes_a_flash_sale(app: App, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seed(app)
    monkeypatch.setattr(cli, "get_app", lambda: app)
    file = tmp_path / "promos.json"
    file.write_text(json.dumps([{**SALE, "code": "fs-import"}]), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["promo", "import", str(file)])
    assert result.exit_code == 0, result.output
    with app.reader() as uow:
        assert uow.session.scalar(select(FlashSale.units).where(
            FlashSale.code == "fs-import")) == 50


def _buyer(app: App, sale_id: int, customer: str, start: threading.Event) -> str:
    start.wait()
    try:
        with app.uow() as uow:
            flash.buy(uow, sale_id, customer, 1)
    except SoldOut:
        return "sold_out"
    except LimitReached:
        return "limit"
    return "held"


def test_200_concurrent_buyers_for_50_units_hold_exactly_50(app: App) -> None:
    seed(app)
    sale_id = new_sale(app)
    # 160 customers, the first 40 of them try twice: 200 attempts at once
    customers = [f"c{n:03d}" for n in range(160)] + [f"c{n:03d}" for n in range(40)]
    start, stop = threading.Event(), threading.Event()
    seen: list[int] = []

    def watch() -> None:  # the pool as other readers see it while the buyers run
        while not stop.is_set():
            with app.reader() as uow:
                seen.append(uow.session.scalar(select(FlashSale.remaining)) or 0)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=THREADS) as workers:
            futures = [workers.submit(_buyer, app, sale_id, c, start) for c in customers]
            start.set()
            outcomes = [f.result(timeout=120) for f in futures]  # any other error fails here
    finally:
        stop.set()
        watcher.join()
    assert len(outcomes) == BUYERS
    assert outcomes.count("held") == 50
    assert outcomes.count("sold_out") + outcomes.count("limit") == 150
    assert pool(app, sale_id) == {"units": 50, "sold": 0, "held": 50, "remaining": 0,
                                  "oversold": 0}
    assert seen and min(seen) >= 0
    with app.reader() as uow:
        per_customer = dict(uow.session.execute(
            select(FlashSaleHold.customer, func.sum(FlashSaleHold.qty))
            .group_by(FlashSaleHold.customer)).all())
        bought = dict(uow.session.execute(
            select(FlashSaleBuyer.customer, FlashSaleBuyer.bought)).all())
    assert sum(per_customer.values()) == 50
    assert max(per_customer.values()) == 1  # nobody over the limit of 1
    assert {c: n for c, n in bought.items() if n} == per_customer
