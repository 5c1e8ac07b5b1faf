"""Orders (订单): one order with its lines and timeline (the list is orders.browse), refunds per
line, the order timeline, and one-line orders placed, paid or cancelled by other use cases (the
秒杀 buy). Times are shown in the store's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy import cast as sql_cast

from shopops.catalog.service import sku_codes
from shopops.core.clock import business_date
from shopops.core.errors import Conflict, NotFound, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.customers.service import customer_names
from shopops.db.facts import Fact
from shopops.db.types import Cents, UtcDateTime
from shopops.orders.browse import money_text, order_json
from shopops.orders.delivery import LateDeliveryShare, late_delivery_share
from shopops.orders.lifecycle import can_advance, check_move
from shopops.orders.models import Order, OrderLine
from shopops.stores.service import get_store, list_stores, store_by_id

LINE_AMOUNTS = ("list_price", "discount_amount", "paid_amount", "refund_amount")
STEPS = ("created", "paid", "shipped", "delivered", "completed", "cancelled", "refunded")


def _order(uow: UnitOfWork, order_id: int) -> Order:
    order = uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(f"没有编号为 {order_id} 的订单 — no order with id {order_id}",
                       field="order_id")
    return order


def _timeline(order: Order, zone: ZoneInfo) -> list[dict[str, str]]:
    steps = [(step, getattr(order, f"{step}_at")) for step in STEPS]
    happened = sorted(((at, i, step) for i, (step, at) in enumerate(steps) if at is not None))
    return [{"step": step, "at": at.astimezone(zone).isoformat()} for at, _, step in happened]


def get_order(uow: UnitOfWork, order_id: int) -> dict[str, Any]:
    """One order with its lines (SKU codes) and the times of each step it went through."""
    order = _order(uow, order_id)
    store = store_by_id(uow, order.store_id)
    lines = uow.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                                .order_by(OrderLine.id)).all()
    skus = sku_codes(uow, (line.sku_id for line in lines))
    buyer = (customer_names(uow, {order.customer_id}).get(order.customer_id)
             if order.customer_id is not None else None)
    return {
        **order_json(order, store, buyer),
        "lines": [{"id": line.id, "sku": skus[line.sku_id][0], "sku_name": skus[line.sku_id][1],
                   "quantity": line.quantity,
                   **{name: money_text(getattr(line, name)) for name in LINE_AMOUNTS}}
                  for line in lines],
        "timeline": _timeline(order, ZoneInfo(store.timezone)),
    }


# ---------------------------------------------------------------- order timeline (订单轨迹)

# fact kind → (step, label); a step's source comes from the fact itself (see _source)
_TIMELINE_STEPS: dict[str, tuple[str, str]] = {
    "order.placed": ("created", "下单"),
    "order.paid": ("paid", "付款"),
    "order.allocated": ("allocated", "分仓占用"),
    "order.shipped": ("shipped", "发货"),
    "order.tracking": ("tracking", "物流轨迹"),
    "order.delivered": ("delivered", "签收"),
    "order.completed": ("completed", "交易完成"),
    "order.cancelled": ("cancelled", "取消"),
    "order.closed": ("closed", "交易关闭"),
    "order.refunding": ("refunding", "退款中"),
    "order.refunded": ("refunded", "已退款"),
    "order.exception_handled": ("exception", "物流异常处理"),
    "order.allocation_released": ("allocation_released", "释放分仓占用"),
}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One step of an order's life: when, what, and where the information came from
    (import / demo / allocation / shipment / tracking / api / order)."""

    at: datetime  # aware, UTC
    step: str  # created, paid, allocated, shipped, tracking, delivered, …
    label: str  # Chinese name of the step
    source: str
    detail: str  # one human line (warehouse, carrier + tracking number, event text …)
    data: dict[str, Any]

    def to_json(self, timezone: str = "Asia/Shanghai") -> dict[str, Any]:
        return {"at": self.at.astimezone(ZoneInfo(timezone)).isoformat(), "step": self.step,
                "label": self.label, "source": self.source, "detail": self.detail,
                "data": self.data}


def _source(data: dict[str, Any]) -> str:
    if isinstance(data.get("source"), str):
        return str(data["source"])
    return "import" if "import_id" in data else "order"


def _detail(kind: str, data: dict[str, Any]) -> str:
    if kind == "order.allocated":
        return "；".join(f"{p['warehouse']}: " + "、".join(
            f"{sku}×{qty}" for sku, qty in p["lines"]) for p in data.get("plan", []))
    if kind == "order.shipped" and "tracking_no" in data:
        return f"{data.get('carrier_name', '')} {data['tracking_no']}".strip()
    if kind in ("order.tracking", "order.delivered") and "description" in data:
        where = f"【{data['location']}】" if data.get("location") else ""
        return f"{where}{data['description']}"
    if kind == "order.paid" and "paid_amount" in data:
        return f"实付 ¥{data['paid_amount']}"
    if kind == "order.exception_handled":
        return f"{data.get('exception', '')} {data.get('action', '')}".strip()
    if data.get("platform_status"):
        return f"平台状态 {data['platform_status']}"
    return ""


def order_timeline(uow: UnitOfWork, order_id: int) -> list[TimelineEntry]:
    """Every step of an order with its time and source, oldest first: the order's facts
    (import, allocation, shipment, tracking events …), plus the steps whose time the order
    row holds but no fact records (orders written before facts existed)."""
    order = _order(uow, order_id)
    facts = uow.session.execute(
        select(Fact.kind, Fact.occurred_at, Fact.data, Fact.id)
        .where(Fact.entity == "order", Fact.entity_id == order_id)
        .order_by(Fact.occurred_at, Fact.id)).all()
    entries: list[TimelineEntry] = []
    seen: set[str] = set()
    for kind, at, data, _id in facts:
        step, label = _TIMELINE_STEPS.get(kind, (kind.removeprefix("order."), kind))
        data = dict(data or {})
        entries.append(TimelineEntry(at, step, label, _source(data), _detail(kind, data), data))
        seen.add(step)
    for step in STEPS:
        at = getattr(order, f"{step}_at")
        if at is not None and step not in seen:
            label = _TIMELINE_STEPS[f"order.{'placed' if step == 'created' else step}"][1]
            entries.append(TimelineEntry(at, step, label, "order", "", {}))
    # same instant (a row-only step beside facts): lifecycle order; else facts keep id order
    order_of = {step: i for i, (step, _) in enumerate(_TIMELINE_STEPS.values())}
    return sorted(entries, key=lambda e: (e.at, order_of.get(e.step, len(order_of))))


# ---------------------------------------------------------------- after-sales (售后) support


@dataclass(frozen=True, slots=True)
class RefundableLine:
    """An order line as after-sales sees it: what was paid and refunded, and when the
    order was delivered (the 7-day no-reason window counts from then)."""

    order_id: int
    order_line_id: int
    store_id: int
    channel_order_no: str
    order_status: str
    sku_id: int
    quantity: int
    paid_amount: Decimal  # the line's 实付
    refund_amount: Decimal  # refunded so far
    shipping_fee: Decimal  # the order's
    delivered_at: datetime | None  # 签收; falls back to completed_at for imported orders
    timezone: str


def refundable_line(uow: UnitOfWork, order_id: int, *, sku_id: int | None = None,
                    order_line_id: int | None = None) -> RefundableLine:
    """The order line an after-sales request is for: by line id, or by SKU within the order
    (the first such line with money left to refund)."""
    order = _order(uow, order_id)
    lines = uow.session.scalars(select(OrderLine).where(OrderLine.order_id == order_id)
                                .order_by(OrderLine.id)).all()
    if order_line_id is not None:
        found = [ln for ln in lines if ln.id == order_line_id]
        field = "order_line_id"
    else:
        found = sorted((ln for ln in lines if ln.sku_id == sku_id),
                       key=lambda ln: ln.refund_amount >= ln.paid_amount)
        field = "sku"
    if not found:
        raise NotFound(f"订单 {order_id} 没有这一行 — order {order_id} has no such line",
                       field=field)
    line = found[0]
    store = store_by_id(uow, order.store_id)
    return RefundableLine(order.id, line.id, order.store_id, order.channel_order_no,
                          order.status, line.sku_id, line.quantity, line.paid_amount,
                          line.refund_amount, order.shipping_fee,
                          order.delivered_at or order.completed_at, store.timezone)


def refund_line(uow: UnitOfWork, order_line_id: int, amount: Decimal, *,
                reference: str) -> None:
    """退款入账: add `amount` to the line's and its order's refund_amount — a conditional
    update, so two refunds racing for the same money cannot both pass the line's paid amount.
    The order becomes `refunded` once every line is refunded in full; a fact records it."""
    if amount <= 0:
        raise ValidationError(f"退款金额 {amount} 应大于 0 — refund amount {amount} must be "
                              "positive", field="amount")
    line = uow.session.get(OrderLine, order_line_id)
    if line is None:
        raise NotFound(f"没有编号为 {order_line_id} 的订单行 — no order line with id "
                       f"{order_line_id}", field="order_line_id")
    table = cast(Table, OrderLine.__table__)
    done = uow.session.connection().execute(
        update(table).where(table.c.id == order_line_id,
                            table.c.refund_amount + amount <= table.c.paid_amount)
        .values(refund_amount=table.c.refund_amount + amount)).rowcount
    if done != 1:
        raise Conflict(f"退款 {amount:.2f} 超过订单行 {order_line_id} 还可退的金额 — refund "
                       f"{amount:.2f} is more than order line {order_line_id} can still refund",
                       field="amount")
    orders = cast(Table, Order.__table__)
    uow.session.connection().execute(
        update(orders).where(orders.c.id == line.order_id)
        .values(refund_amount=orders.c.refund_amount + amount))
    order = uow.session.get(Order, line.order_id)
    assert order is not None
    uow.session.refresh(order)
    uow.session.refresh(line)
    lines = uow.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    now = uow.now()
    if order.refunded_at is None:
        order.refunded_at = now
    if (all(ln.refund_amount >= ln.paid_amount for ln in lines)
            and can_advance(order.status, "refunded")):
        order.status = "refunded"
    uow.record("order.refunded", entity="order", entity_id=order.id, store_id=order.store_id,
               refund_amount=f"{amount:.2f}", order_line_id=order_line_id,
               source="after_sale", reference=reference)


def _cohort(paid_from: date, paid_to: date, store_id: int | None) -> list[Any]:
    where = [Order.paid_date >= paid_from, Order.paid_date <= paid_to,
             Order.paid_at.is_not(None)]
    return where + ([Order.store_id == store_id] if store_id is not None else [])


def paid_order_ids(paid_from: date, paid_to: date, store_id: int | None = None
                   ) -> Select[int]:
    """A sub-select of the ids of the orders paid on business days paid_from..paid_to."""
    return select(Order.id).where(*_cohort(paid_from, paid_to, store_id))


def line_sales(uow: UnitOfWork, paid_from: date, paid_to: date,
               store_id: int | None = None) -> list[tuple[int, int, int, Decimal]]:
    """(store_id, sku_id, units, goods paid) of the paid orders of business days
    paid_from..paid_to (the KPI cohort): the denominators of the return rate."""
    query = (select(Order.store_id, OrderLine.sku_id, func.sum(OrderLine.quantity),
                    func.sum(OrderLine.paid_amount))
             .join(Order, Order.id == OrderLine.order_id)
             .where(*_cohort(paid_from, paid_to, store_id))
             .group_by(Order.store_id, OrderLine.sku_id))
    return [(int(s), int(k), int(n), Decimal(g or 0)) for s, k, n, g in uow.session.execute(query)]


# ---------------------------------------------------------------- late deliveries (延迟送达)


def late_delivery(uow: UnitOfWork, store: str | None = None) -> LateDeliveryShare:
    """The late-delivery share of the order book (one store, or all)."""
    zones = {s.id: ZoneInfo(s.timezone) for s in list_stores(uow)}
    query = select(Order.delivered_at, Order.promised_at, Order.store_id).where(
        Order.delivered_at.is_not(None), Order.promised_at.is_not(None))
    if store:
        query = query.where(Order.store_id == get_store(uow, store).id)
    rows = uow.session.execute(query.execution_options(yield_per=10_000))
    return late_delivery_share((delivered, promised, zones[store_id])
                               for delivered, promised, store_id in rows
                               if delivered is not None and promised is not None)


# ---------------------------------------------------------------- one-line orders (秒杀 …)


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    id: int
    channel_order_no: str  # the prefix and the order's id, e.g. FS1042


_ORDERS = cast(Table, Order.__table__)
_LINES = cast(Table, OrderLine.__table__)
_FACTS = cast(Table, Fact.__table__)
_PLACE: dict[str, Any] = {}  # dialect → the compiled-once INSERT … SELECT


def _place_statement(dialect: str) -> Any:
    """The order row numbered from its own id in one INSERT … SELECT: PostgreSQL draws the id
    from the sequence; SQLite takes max + 1 (a writer holds SQLite's write lock, BEGIN
    IMMEDIATE, so no other writer can take the same id)."""
    if dialect not in _PLACE:
        drawn = (func.nextval(func.pg_get_serial_sequence("orders", "id"))
                 if dialect == "postgresql" else func.coalesce(func.max(_ORDERS.c.id), 0) + 1)
        n = select(drawn.label("n")).subquery().c.n
        money = [bindparam(name, type_=Cents()) for name in (
            "list_amount", "discount_amount", "goods_amount", "paid_amount")]
        values = select(
            n, bindparam("store_id", type_=Integer),
            bindparam("prefix", type_=String).concat(sql_cast(n, String)),
            bindparam("customer_id", type_=Integer), literal("created"), *money,
            literal(Decimal(0), Cents()), literal(Decimal(0), Cents()),
            bindparam("created_at", type_=UtcDateTime()))
        _PLACE[dialect] = insert(_ORDERS).from_select(
            ["id", "store_id", "channel_order_no", "customer_id", "status", "list_amount",
             "discount_amount", "goods_amount", "paid_amount", "shipping_fee", "refund_amount",
             "created_at"], values).returning(_ORDERS.c.id, _ORDERS.c.channel_order_no)
    return _PLACE[dialect]


def place_unpaid_order(uow: UnitOfWork, *, store_id: int, customer_id: int | None, sku_id: int,
                       quantity: int, list_price: Decimal, unit_price: Decimal, prefix: str,
                       **data: Any) -> PlacedOrder:
    """下单 (created, 待付款): a one-line order of ``quantity`` at ``unit_price`` each (标价
    ``list_price``; the difference is its discount), numbered ``prefix`` + its id, with its
    ``order.placed`` fact (``data`` added to it). Three Core INSERTs and nothing read, so a hot
    path (the 秒杀 buy) can place orders in the same transaction as its own checks."""
    goods = unit_price * quantity
    listed = max(list_price * quantity, goods)
    conn = uow.session.connection()
    order_id, number = conn.execute(_place_statement(conn.dialect.name), {
        "store_id": store_id, "prefix": prefix, "customer_id": customer_id,
        "list_amount": listed, "discount_amount": listed - goods, "goods_amount": goods,
        "paid_amount": goods, "created_at": uow.now()}).one()
    conn.execute(insert(_LINES), {
        "order_id": order_id, "sku_id": sku_id, "quantity": quantity,
        "list_price": max(list_price, unit_price), "discount_amount": listed - goods,
        "paid_amount": goods, "refund_amount": Decimal(0)})
    conn.execute(insert(_FACTS), {
        "kind": "order.placed", "entity": "order", "entity_id": order_id, "store_id": store_id,
        "occurred_at": uow.now(), "data": {
            "channel_order_no": number, "customer_id": customer_id,
            "list_amount": money_text(listed), "goods_amount": money_text(goods), **data}})
    return PlacedOrder(order_id, number)


def order_numbers(uow: UnitOfWork, ids: Iterable[int]) -> dict[int, str]:
    """id → channel order number (平台订单号) for the given orders."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {order_id: number for order_id, number in uow.session.execute(
        select(Order.id, Order.channel_order_no).where(Order.id.in_(wanted)))}


def pay_order(uow: UnitOfWork, order_id: int, **data: Any) -> None:
    """付款: created → paid now (paid_at, the store's business day), with its ``order.paid``
    fact; it then flows like any paid order (``shopops fulfil allocate`` routes it)."""
    order = _order(uow, order_id)
    check_move(order.status, "paid", order=order.channel_order_no)
    timezone = store_by_id(uow, order.store_id).timezone
    now = uow.now()
    order.status, order.paid_at, order.paid_date = "paid", now, business_date(now, timezone)
    uow.record("order.paid", entity="order", entity_id=order.id, store_id=order.store_id,
               occurred_at=now, paid_amount=money_text(order.paid_amount),
               goods_amount=money_text(order.goods_amount),
               shipping_fee=money_text(order.shipping_fee),
               paid_date=order.paid_date.isoformat(), **data)


def cancel_unpaid_orders(uow: UnitOfWork, order_ids: Iterable[int], reason: str,
                         **data: Any) -> list[int]:
    """未付款取消: each order still created (unpaid) becomes cancelled now, with an
    ``order.cancelled`` fact (its ``reason``); orders already paid or cancelled are left alone.
    Returns the ids cancelled."""
    wanted = sorted(set(order_ids))
    if not wanted:
        return []
    now = uow.now()
    conn = uow.session.connection()
    done = conn.execute(update(_ORDERS).where(_ORDERS.c.id.in_(wanted),
                                              _ORDERS.c.status == "created")
                        .values(status="cancelled", cancelled_at=now)
                        .returning(_ORDERS.c.id, _ORDERS.c.store_id)).all()
    if done:
        conn.execute(insert(_FACTS), [
            {"kind": "order.cancelled", "entity": "order", "entity_id": order_id,
             "store_id": store_id, "occurred_at": now,
             "data": {"from_status": "created", "to_status": "cancelled", "reason": reason,
                      **data}} for order_id, store_id in done])
    return sorted(order_id for order_id, _ in done)
