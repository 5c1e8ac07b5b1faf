"""Orders read side (订单查询): list orders by business day, store and status; one order with
its lines and timeline. Times are shown in the store's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from shopops.analytics.periods import parse_date
from shopops.catalog.service import sku_codes
from shopops.core.errors import NotFound, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.orders.models import ORDER_STATUSES, Order, OrderLine
from shopops.stores.service import StoreView, get_store, list_stores

AMOUNTS = ("goods_amount", "shipping_fee", "paid_amount", "refund_amount", "discount_amount",
           "list_amount")
LINE_AMOUNTS = ("list_price", "discount_amount", "paid_amount", "refund_amount")
STEPS = ("created", "paid", "shipped", "delivered", "completed", "cancelled", "refunded")


@dataclass(frozen=True, slots=True)
class OrderFilters:
    """What the caller typed; parsed and checked by `list_orders`."""

    paid_from: str | date | None = None  # business day 付款日, inclusive
    paid_to: str | date | None = None  # inclusive
    store: str | None = None
    status: str | None = None


def _where(uow: UnitOfWork, filters: OrderFilters) -> list[Any]:
    conditions: list[Any] = []
    start = parse_date(filters.paid_from, field="paid_from") if filters.paid_from else None
    end = parse_date(filters.paid_to, field="paid_to") if filters.paid_to else None
    if start and end and end < start:
        raise ValidationError(f"paid_to {end} is before paid_from {start}", field="paid_to")
    if start:
        conditions.append(Order.paid_date >= start)
    if end:
        conditions.append(Order.paid_date <= end)
    if filters.store:
        conditions.append(Order.store_id == get_store(uow, filters.store).id)
    if filters.status:
        if filters.status not in ORDER_STATUSES:
            raise ValidationError(f"status {filters.status!r} is not one of "
                                  f"{', '.join(ORDER_STATUSES)}", field="status")
        conditions.append(Order.status == filters.status)
    return conditions


def _local(at: datetime | None, zone: ZoneInfo) -> str | None:
    return at.astimezone(zone).isoformat() if at else None


def _money(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)):.2f}"


def _order_json(order: Order, store: StoreView) -> dict[str, Any]:
    zone = ZoneInfo(store.timezone)
    return {
        "id": order.id, "store": store.code, "channel_order_no": order.channel_order_no,
        "status": order.status, "customer_id": order.customer_id,
        "created_at": _local(order.created_at, zone), "paid_at": _local(order.paid_at, zone),
        "paid_date": order.paid_date.isoformat() if order.paid_date else None,
        **{name: _money(getattr(order, name)) for name in AMOUNTS},
    }


def list_orders(uow: UnitOfWork, filters: OrderFilters, page: int, page_size: int
                ) -> dict[str, Any]:
    """A page of orders, newest payment first (unpaid orders last), and the total matching."""
    where = _where(uow, filters)
    total = uow.session.scalar(select(func.count(Order.id)).where(*where)) or 0
    orders = uow.session.scalars(
        select(Order).where(*where)
        .order_by(Order.paid_at.is_(None), Order.paid_at.desc(), Order.id.desc())
        .offset((page - 1) * page_size).limit(page_size)).all()
    stores = {s.id: s for s in list_stores(uow)}
    return {"items": [_order_json(o, stores[o.store_id]) for o in orders],
            "page": page, "page_size": page_size, "total": int(total)}


def _timeline(order: Order, zone: ZoneInfo) -> list[dict[str, str]]:
    steps = [(step, getattr(order, f"{step}_at")) for step in STEPS]
    happened = sorted(((at, i, step) for i, (step, at) in enumerate(steps) if at is not None))
    return [{"step": step, "at": at.astimezone(zone).isoformat()} for at, _, step in happened]


def get_order(uow: UnitOfWork, order_id: int) -> dict[str, Any]:
    """One order with its lines (SKU codes) and the times of each step it went through."""
    order = uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(f"no order with id {order_id}", field="order_id")
    store = next(s for s in list_stores(uow) if s.id == order.store_id)
    lines = uow.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                                .order_by(OrderLine.id)).all()
    skus = sku_codes(uow, (line.sku_id for line in lines))
    return {
        **_order_json(order, store),
        "lines": [{"id": line.id, "sku": skus[line.sku_id][0], "sku_name": skus[line.sku_id][1],
                   "quantity": line.quantity,
                   **{name: _money(getattr(line, name)) for name in LINE_AMOUNTS}}
                  for line in lines],
        "timeline": _timeline(order, ZoneInfo(store.timezone)),
    }
