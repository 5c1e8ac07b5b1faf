"""The cockpit, the API and `shopops kpi` give identical numbers, and those numbers equal an
independent recomputation straight from the stored rows (Shanghai days computed here from
paid_at with zoneinfo, not from the stored paid_date), including a time-zone boundary case
and a refund case."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from shopops import cli
from shopops.accounts.service import create_token, create_user
from shopops.analytics.periods import period_containing, previous_period
from shopops.analytics.service import Filters, kpi_report
from shopops.bootstrap import App
from shopops.catalog.models import Sku
from shopops.demo.service import build_demo_shop
from shopops.marketing.models import AdSpendDaily, TrafficDaily
from shopops.orders.models import Order
from shopops.stores.models import Store
from shopops.web.app import create_app
from tests.conftest import private_app
from tests.factories import Line, add_customer, add_order, shanghai

SHANGHAI = ZoneInfo("Asia/Shanghai")
END = date(2026, 11, 20)
BOUNDARY_DAY = date(2026, 11, 18)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[App]:
    """One demo shop per backend for the whole module (the tests only read it)."""
    with private_app(request.param, tmp_path_factory.mktemp("agree")) as app:
        build_demo_shop(app, seed=11, orders=3000, end_date=END, days=400)
        add_boundary_and_refund_orders(app)
        with app.uow() as uow:
            create_user(uow, "ops", "correct horse battery")
        yield app


def add_boundary_and_refund_orders(app: App) -> None:
    """Two orders of one new customer around Shanghai midnight; the second fully refunded."""
    with app.uow() as uow:
        store = uow.session.scalars(select(Store).order_by(Store.id)).first()
        sku = uow.session.scalars(select(Sku).order_by(Sku.id)).first()
        assert store and sku
        buyer = add_customer(uow, "边界 买家")
        price = str(sku.price)
        add_order(uow, store.id, "TZ-0", [Line(sku, 1, price)], customer=buyer,
                  paid_at=shanghai(2026, 11, 18, 23, 30))  # → 11-18
        add_order(uow, store.id, "TZ-1", [Line(sku, 1, price, refund=price)], customer=buyer,
                  paid_at=shanghai(2026, 11, 19, 0, 30))  # = 11-18 16:30 UTC → 11-19


def recompute(app: App, start: date, end: date, store: str | None) -> dict[str, Any]:
    """The KPIs from raw rows with plain Python — a second, independent implementation."""
    with app.reader() as uow:
        s = uow.session
        stores = {st.id: st for st in s.scalars(select(Store))}
        wanted = {i for i, st in stores.items() if store in (None, st.code)}
        orders = [o for o in s.scalars(select(Order).where(Order.paid_at.is_not(None)))
                  if o.store_id in wanted]
        traffic = s.execute(select(TrafficDaily.store_id, TrafficDaily.day, TrafficDaily.uv)
                            .where(TrafficDaily.day.between(start, end))).all()
        traffic = [t for t in traffic if t.store_id in wanted]
        ads = [a for a in s.scalars(select(AdSpendDaily)) if a.store_id in wanted]

        def day_of(o: Order) -> date:
            assert o.paid_at is not None
            return o.paid_at.astimezone(ZoneInfo(stores[o.store_id].timezone)).date()

        inside = [o for o in orders if start <= day_of(o) <= end]
        gmv = sum((o.goods_amount for o in inside), Decimal(0))
        refund = sum((o.refund_amount for o in inside), Decimal(0))
        buyers = {o.customer_id for o in inside}
        history: dict[Any, list[datetime]] = {}
        for o in orders:
            assert o.paid_at is not None
            history.setdefault(o.customer_id, []).append(o.paid_at)
        repeat = {o.customer_id for o in inside if any(
            o.paid_at - timedelta(days=30) <= t < o.paid_at for t in history[o.customer_id])}
        returning = {o.customer_id for o in inside
                     if any(day_of(p) < start for p in orders if p.customer_id == o.customer_id)}
        uv = sum(t.uv for t in traffic if start <= t.day <= end)
        spend = sum((a.spend for a in ads if start <= a.day <= end), Decimal(0))
        refunded = sum(1 for o in inside if o.refund_amount > 0)
    q4 = Decimal("0.0001")
    return {
        "gmv": f"{gmv:.2f}", "net_gmv": f"{gmv - refund:.2f}", "paid_orders": len(inside),
        "buyers": len(buyers), "uv": uv,
        "conversion_rate": f"{(Decimal(len(buyers)) / uv).quantize(q4):.4f}" if uv else None,
        "aov": f"{(gmv / len(inside)).quantize(Decimal('0.01')):.2f}" if inside else None,
        "refund_rate": f"{(Decimal(refunded) / len(inside)).quantize(q4):.4f}" if inside else None,
        "repurchase_rate_30d": f"{(Decimal(len(repeat)) / len(buyers)).quantize(q4):.4f}"
        if buyers else None,
        "new_buyers": len(buyers - returning), "ad_spend": f"{spend:.2f}",
        "roi": f"{(gmv / spend).quantize(Decimal('0.01')):.2f}" if spend else None,
    }


CASES = [("day", BOUNDARY_DAY, None), ("day", BOUNDARY_DAY + timedelta(days=1), None),
         ("week", END, None), ("month", date(2026, 10, 5), None), ("month", END, "first")]


def _store_code(app: App, which: str | None) -> str | None:
    if which is None:
        return None
    with app.reader() as uow:
        return uow.session.scalars(select(Store.code).order_by(Store.id)).first()


@pytest.mark.parametrize(("granularity", "day", "which_store"), CASES)
def test_every_interface_equals_the_independent_recomputation(
    shop: App, monkeypatch: pytest.MonkeyPatch, granularity: str, day: date,
    which_store: str | None,
) -> None:
    store = _store_code(shop, which_store)
    period = period_containing(granularity, day)  # type: ignore[arg-type]
    with shop.reader() as uow:
        service = kpi_report(uow, period, Filters(store=store))
    expected = recompute(shop, period.start, period.end, store)
    assert {k: service[k] for k in expected} == expected

    # the CLI (`shopops kpi --format json`) prints the same object
    monkeypatch.setattr(cli, "get_app", lambda: shop)
    args = ["kpi", "--period", granularity, "--date", day.isoformat(), "--format", "json"]
    result = CliRunner().invoke(cli.app, args + (["--store", store] if store else []))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == service

    # the API returns the same object, and the console shows the same values
    client = TestClient(create_app(shop))
    with shop.uow() as uow:
        token = create_token(uow, "ops")
    params = {"period": granularity, "date": day.isoformat(), **({"store": store} if store else {})}
    api = client.get("/api/v1/metrics", params=params, headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.text
    assert api.json() == service
    client.post("/login", data={"username": "ops", "password": "correct horse battery"})
    page = client.get("/cockpit", params={"granularity": granularity, **params})
    assert page.status_code == 200
    start = page.text.index('id="kpis"')
    kpis = page.text[start:page.text.index("</section>", start)]  # the KPI cards only
    shown = dict(re.findall(r'data-metric="([\w.]+)" data-value="([^"]*)"', kpis))
    for metric in ("gmv", "net_gmv", "paid_orders", "buyers", "uv", "conversion_rate", "aov",
                   "refund_rate", "repurchase_rate_30d", "ad_spend", "roi"):
        for key, raw in ((metric, service[metric]), (f"{metric}.pop", service["pop"]["change"]
                         [metric]), (f"{metric}.yoy", service["yoy"]["change"][metric])):
            assert shown.get(key) == ("" if raw is None else str(raw)), key


def test_time_zone_boundary_and_refund(shop: App) -> None:
    """23:30 Shanghai stays on its day; 00:30 Shanghai (16:30 UTC the day before) moves to the
    next Shanghai day, and its refund lowers net GMV and raises the refund rate there."""
    with shop.reader() as uow:
        day18 = kpi_report(uow, period_containing("day", BOUNDARY_DAY))
        day19 = kpi_report(uow, period_containing("day", BOUNDARY_DAY + timedelta(days=1)))
    for day, report in ((BOUNDARY_DAY, day18), (BOUNDARY_DAY + timedelta(days=1), day19)):
        assert report == {**report, **recompute(shop, day, day, None)}
    with shop.reader() as uow:
        numbers = uow.session.execute(select(Order.channel_order_no, Order.paid_date)
                                      .where(Order.channel_order_no.like("TZ-%"))).all()
    assert dict(numbers) == {"TZ-0": BOUNDARY_DAY, "TZ-1": BOUNDARY_DAY + timedelta(days=1)}
    assert Decimal(day19["net_gmv"]) < Decimal(day19["gmv"])
    assert Decimal(day19["refund_rate"]) > 0


def test_previous_period_is_the_pop_base(shop: App) -> None:
    period = period_containing("month", END)
    with shop.reader() as uow:
        report = kpi_report(uow, period)
    base = previous_period(period)
    assert report["pop"]["values"]["gmv"] == recompute(shop, base.start, base.end, None)["gmv"]
