"""The demo shop never writes the future: built today at 14:30 (or at 00:20, five minutes into
the day), no stored timestamp is later than the demo's now, and every timeline — an order's,
a parcel's scans, an after-sales request's steps, a purchase order's — runs forward."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, DateTime, func, select

from shopops.bootstrap import App
from shopops.core.clock import FixedClock
from shopops.db.registry import Base
from shopops.demo.service import DemoSummary, build_demo_shop, demo_as_of
from tests.conftest import make_app, wipe

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 20)
T = Base.metadata.tables
# deadlines and planned windows, not things that happened: they may lie ahead
PLANNED = {("promotions", "starts_at"), ("promotions", "ends_at"),
           ("shipments", "promised_by"), ("flash_sales", "starts_at"),
           ("flash_sales", "ends_at")}
ORDER_STEPS = ("created_at", "paid_at", "shipped_at", "delivered_at", "completed_at")
REQUEST_STEPS = ("requested_at", "approved_at", "received_at", "refunded_at", "closed_at")


def aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@pytest.fixture(scope="module", params=[time(14, 30), time(0, 20)], ids=["1430", "0020"])
def built(request: pytest.FixtureRequest, database_url: str
          ) -> Iterator[tuple[Connection, DemoSummary, datetime]]:
    now = datetime.combine(TODAY, request.param, SHANGHAI)
    app: App = make_app(database_url, FixedClock(now.astimezone(UTC)))
    wipe(app)
    try:
        summary = build_demo_shop(app, seed=5, orders=1500, days=45)
        with app.engine.connect() as conn:
            yield conn, summary, now
    finally:
        wipe(app)
        app.dispose()


def test_the_demo_now_is_the_clock_within_the_end_day_else_its_close() -> None:
    close = datetime.combine(TODAY, time(23, 59, 59), SHANGHAI)
    at = datetime(2026, 11, 20, 6, 30, 5, 123456, tzinfo=UTC)  # 14:30:05 in Shanghai
    assert demo_as_of(TODAY, at) == at.replace(microsecond=0)
    assert demo_as_of(TODAY - timedelta(days=1), at) == close - timedelta(days=1)
    assert demo_as_of(TODAY + timedelta(days=1), at) == close + timedelta(days=1)
    midnight = datetime.combine(TODAY, time(0), SHANGHAI)
    assert demo_as_of(TODAY, midnight) == midnight
    assert demo_as_of(TODAY, midnight - timedelta(seconds=1)) == close  # still yesterday


def test_no_stored_timestamp_is_after_now(
        built: tuple[Connection, DemoSummary, datetime]) -> None:
    conn, summary, now = built
    assert summary.as_of == now and summary.end_date == TODAY
    later: dict[str, datetime] = {}
    checked = 0
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            kind = getattr(column.type, "impl", column.type)
            if not isinstance(kind, DateTime) or (table.name, column.name) in PLANNED:
                continue
            latest = conn.scalar(select(func.max(column)))
            checked += latest is not None
            if latest is not None and aware(latest) > now:
                later[f"{table.name}.{column.name}"] = aware(latest).astimezone(SHANGHAI)
    assert checked >= 30  # orders, shipments, tracking, after-sales, stock, POs, facts …
    assert not later, f"dated after {now}: {later}"
    # today is not empty: today's orders happened in the part of the day that has passed
    midnight = datetime.combine(TODAY, time(0), SHANGHAI)
    today = conn.scalar(select(func.count()).where(T["orders"].c.paid_at >= midnight))
    assert today and today > 0
    assert conn.scalar(select(func.count()).select_from(T["orders"])) == summary.orders


def test_every_order_and_parcel_timeline_runs_forward(
        built: tuple[Connection, DemoSummary, datetime]) -> None:
    conn, _, now = built
    orders = {o.id: o for o in conn.execute(select(T["orders"]))}
    for o in orders.values():
        steps = [aware(at) for at in (getattr(o, s) for s in ORDER_STEPS) if at is not None]
        assert steps == sorted(steps), f"order {o.id}: {steps}"
        if o.cancelled_at is not None:
            assert aware(o.created_at) <= aware(o.cancelled_at) <= now
        if o.refunded_at is not None:
            assert aware(o.paid_at) <= aware(o.refunded_at)
    scans: dict[int, list[Any]] = defaultdict(list)
    for e in conn.execute(select(T["tracking_events"])):
        scans[e.shipment_id].append(e)
    shipments = list(conn.execute(select(T["shipments"])))
    assert shipments and scans
    for s in shipments:
        order = orders[s.order_id]
        assert aware(order.paid_at) <= aware(s.shipped_at) == aware(order.shipped_at)
        times = sorted(aware(e.occurred_at) for e in scans[s.id])
        assert all(aware(s.shipped_at) <= at <= now for at in times), s.tracking_no
        if times:
            assert (aware(s.first_event_at), aware(s.last_event_at)) == (times[0], times[-1])
        if s.delivered_at is not None:
            assert aware(s.delivered_at) == times[-1]


def test_every_after_sales_and_purchase_order_timeline_runs_forward(
        built: tuple[Connection, DemoSummary, datetime]) -> None:
    conn, _, now = built
    paid = {o.id: o.paid_at for o in conn.execute(select(T["orders"].c.id,
                                                         T["orders"].c.paid_at))}
    requests = list(conn.execute(select(T["after_sales"])))
    assert len(requests) > 10
    for r in requests:
        steps = [aware(at) for at in (getattr(r, s) for s in REQUEST_STEPS) if at is not None]
        assert steps == sorted(steps), f"after-sales {r.id}: {steps}"
        if r.exchanged_at is not None:
            assert aware(r.received_at) <= aware(r.exchanged_at)
        assert aware(paid[r.order_id]) <= aware(r.requested_at) <= now
    received: dict[int, list[datetime]] = defaultdict(list)
    for receipt in conn.execute(select(T["purchase_receipts"])):
        received[receipt.purchase_order_id].append(aware(receipt.received_at))
    orders = list(conn.execute(select(T["purchase_orders"])))
    assert orders
    for po in orders:
        steps = [aware(po.created_at), aware(po.sent_at), *sorted(received[po.id])]
        if po.closed_at is not None:
            steps.append(aware(po.closed_at))
        assert steps == sorted(steps) and steps[-1] <= now, f"{po.code}: {steps}"
