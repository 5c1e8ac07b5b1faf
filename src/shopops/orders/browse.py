"""Order browsing (订单列表): the order book filtered by store, platform, status and the business
day of payment, searched by channel order number or buyer — one page for the console and the
API, every matching row for the Excel export. Read-only; times in each store's time zone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from shopops.analytics.periods import parse_date
from shopops.core.errors import ValidationError
from shopops.core.uow import UnitOfWork
from shopops.customers.service import customer_names, customers_matching
from shopops.orders.models import ORDER_STATUSES, Order, OrderLine
from shopops.stores.models import PLATFORMS
from shopops.stores.service import StoreView, get_store, list_stores

AMOUNTS = ("goods_amount", "shipping_fee", "paid_amount", "refund_amount", "discount_amount",
           "list_amount")
EXPORT_LIMIT = 100_000  # rows in one Excel download (Excel itself stops at 1,048,576)
SEARCH_MAX = 64  # characters of a search text (an order number is at most 64)


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """What the operator typed; checked by `search_orders`. Dates are 付款日, inclusive."""

    paid_from: str | date | None = None
    paid_to: str | date | None = None
    store: str | None = None
    platform: str | None = None
    status: str | None = None
    q: str | None = None  # channel order number or buyer (part of either)

    @classmethod
    def from_params(cls, params: Any) -> OrderQuery:
        """From query parameters (blank means "any")."""
        def get(name: str) -> str | None:
            value = params.get(name)
            return value.strip() or None if isinstance(value, str) else None
        return cls(get("paid_from"), get("paid_to"), get("store"), get("platform"),
                   get("status"), get("q"))

    def params(self) -> dict[str, str]:
        """The non-empty filters, for links (pages, export)."""
        values = {"paid_from": self.paid_from, "paid_to": self.paid_to, "store": self.store,
                  "platform": self.platform, "status": self.status, "q": self.q}
        return {k: str(v) for k, v in values.items() if v}


def _where(uow: UnitOfWork, query: OrderQuery) -> list[Any]:
    conditions: list[Any] = []
    start = parse_date(query.paid_from, field="paid_from") if query.paid_from else None
    end = parse_date(query.paid_to, field="paid_to") if query.paid_to else None
    if start and end and end < start:
        raise ValidationError(f"paid_to {end} is before paid_from {start}", field="paid_to")
    if start:
        conditions.append(Order.paid_date >= start)
    if end:
        conditions.append(Order.paid_date <= end)
    if query.store:
        conditions.append(Order.store_id == get_store(uow, query.store).id)
    if query.platform:
        if query.platform not in PLATFORMS:
            raise ValidationError(f"platform {query.platform!r} is not one of "
                                  f"{', '.join(PLATFORMS)}", field="platform")
        ids = [s.id for s in list_stores(uow) if s.platform == query.platform]
        conditions.append(Order.store_id.in_(ids or [-1]))
    if query.status:
        if query.status not in ORDER_STATUSES:
            raise ValidationError(f"status {query.status!r} is not one of "
                                  f"{', '.join(ORDER_STATUSES)}", field="status")
        conditions.append(Order.status == query.status)
    if query.q:
        text = query.q.strip()
        if len(text) > SEARCH_MAX:
            raise ValidationError(f"search text is longer than {SEARCH_MAX} characters",
                                  field="q")
        # Excel users paste ="1930…" order numbers: search the number inside
        text = text.removeprefix("=").strip('"\'')
        conditions.append(or_(Order.channel_order_no.contains(text, autoescape=True),
                              Order.customer_id.in_(customers_matching(text))))
    return conditions


def _local(at: datetime | None, zone: ZoneInfo) -> str | None:
    return at.astimezone(zone).isoformat() if at else None


def money_text(value: Decimal | None) -> str:
    """An amount as the API shows it: yuan with two decimals."""
    return f"{(value or Decimal(0)):.2f}"


def order_json(order: Order, store: StoreView, buyer: str | None) -> dict[str, Any]:
    """One order as the API and the console show it (amounts as yuan strings)."""
    zone = ZoneInfo(store.timezone)
    return {
        "id": order.id, "store": store.code, "store_name": store.name,
        "platform": store.platform, "channel_order_no": order.channel_order_no,
        "status": order.status, "customer_id": order.customer_id, "buyer": buyer,
        "created_at": _local(order.created_at, zone), "paid_at": _local(order.paid_at, zone),
        "paid_date": order.paid_date.isoformat() if order.paid_date else None,
        **{name: money_text(getattr(order, name)) for name in AMOUNTS},
    }


def _newest_first() -> tuple[Any, ...]:
    """Newest payment first, unpaid last; led by the business day so the paid-day index
    serves the first page without sorting the whole order book (1.4 s → 0.06 s, 200k orders)."""
    return (Order.paid_date.desc().nulls_last(), Order.paid_at.desc().nulls_last(),
            Order.id.desc())


def _as_json(uow: UnitOfWork, orders: list[Order]) -> list[dict[str, Any]]:
    stores = {s.id: s for s in list_stores(uow)}
    names = customer_names(uow, {o.customer_id for o in orders if o.customer_id is not None})
    return [order_json(o, stores[o.store_id], names.get(o.customer_id or 0)) for o in orders]


def search_orders(uow: UnitOfWork, query: OrderQuery, page: int, page_size: int
                  ) -> dict[str, Any]:
    """A page of matching orders, newest payment first (unpaid last), with the total count
    and the matching orders' paid amount (实付合计)."""
    where = _where(uow, query)
    total, paid = uow.session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.paid_amount), 0))
        .where(*where)).one()
    orders = list(uow.session.scalars(
        select(Order).where(*where).order_by(*_newest_first())
        .offset((page - 1) * page_size).limit(page_size)))
    return {"items": _as_json(uow, orders), "page": page, "page_size": page_size,
            "total": int(total), "paid_amount": money_text(Decimal(paid))}


EXPORT_COLUMNS = ("id", "store_id", "channel_order_no", "status", "customer_id", "created_at",
                  "paid_at", "paid_date", *AMOUNTS)


def export_orders(uow: UnitOfWork, query: OrderQuery, limit: int = EXPORT_LIMIT
                  ) -> Iterator[dict[str, Any]]:
    """Every matching order (at most `limit`) for Excel: plain values (local wall-clock
    datetimes, Decimal amounts) with the store, the buyer and its line and unit counts.
    Columns, not ORM objects: an export of 100k orders stays a few seconds."""
    where = _where(uow, query)
    stores = {s.id: s for s in list_stores(uow)}
    columns = [getattr(Order, name) for name in EXPORT_COLUMNS]
    rows = uow.session.execute(select(*columns).where(*where).order_by(*_newest_first())
                               .limit(limit).execution_options(yield_per=2_000))
    for batch in rows.partitions():
        yield from _export_batch(uow, stores, [dict(zip(EXPORT_COLUMNS, r, strict=True))
                                               for r in batch])


def _export_batch(uow: UnitOfWork, stores: dict[int, StoreView], batch: list[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
    counts = {order_id: (lines, units) for order_id, lines, units in uow.session.execute(
        select(OrderLine.order_id, func.count(OrderLine.id), func.sum(OrderLine.quantity))
        .where(OrderLine.order_id.in_([row["id"] for row in batch]))
        .group_by(OrderLine.order_id))}
    names = customer_names(uow, {r["customer_id"] for r in batch if r["customer_id"]})
    for row in batch:
        store = stores[row["store_id"]]
        zone = ZoneInfo(store.timezone)
        row.update(store=store.code, store_name=store.name, platform=store.platform,
                   buyer=names.get(row["customer_id"] or 0))
        for name in ("created_at", "paid_at"):
            at = row[name]
            row[name] = at.astimezone(zone).replace(tzinfo=None) if at else None
        row["lines"], row["units"] = counts.get(row["id"], (0, 0))
    return batch
