"""The demo's shipments and tracking events (SQLite and PostgreSQL): every order shipped in the
last two weeks has a parcel with a carrier and tracking number, delivered parcels end with a
签收 scan at the order's delivered time, order timelines show the steps, and the exception
queue at the end of the demo finds what the demo planted."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from shopops.bootstrap import App
from shopops.demo.service import build_demo_shop
from shopops.fulfillment import service as fulfil
from shopops.fulfillment.models import Shipment, TrackingEvent
from shopops.orders.models import Order
from shopops.orders.service import order_timeline

END = date(2026, 11, 20)
AS_OF = datetime.combine(END, time(23, 59, 59), ZoneInfo("Asia/Shanghai"))


def test_demo_shipments_tracking_and_planted_exceptions(app: App) -> None:
    summary = build_demo_shop(app, seed=11, orders=3000, end_date=END, days=60)
    with app.reader() as uow:
        shipped = uow.session.scalar(select(func.count(Order.id)).where(
            Order.shipped_at >= AS_OF - timedelta(days=14)))
        parcels = uow.session.scalars(select(Shipment)).all()
        assert shipped and len(parcels) == shipped == int(summary.planted["shipments"])
        assert uow.session.scalar(select(func.count(TrackingEvent.id))) == int(
            summary.planted["tracking_events"])
        assert {p.carrier_code for p in parcels} >= {"SF", "ZTO", "JD"}
        delivered = [p for p in parcels if p.delivered_at is not None]
        orders = {o.id: o for o in uow.session.scalars(select(Order).where(
            Order.id.in_([p.order_id for p in delivered])))}
        assert delivered and all(orders[p.order_id].delivered_at == p.delivered_at
                                 for p in delivered)
        steps = [(e.step, e.source) for e in order_timeline(uow, delivered[0].order_id)]
        assert ("shipped", "shipment") in steps and ("delivered", "tracking") in steps
        assert ("tracking", "tracking") in steps
        queue = fulfil.exception_queue(uow, now=AS_OF)
    found = ", ".join(f"{k} {n}" for k, n in queue.counts.items())
    assert found == summary.planted["logistics_exceptions"]
    assert queue.counts["no_first_scan"] >= 1 and queue.counts["stalled"] >= 1
