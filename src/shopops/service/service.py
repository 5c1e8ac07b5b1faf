"""售后 use cases, one transaction (unit of work) each: open a request, approve or reject it,
receive the goods back (restock or 待检区 through the stock ledger), refund (the money flows
into the order line, so net GMV and the refund rate follow), exchange, close. Every step sets
its time on the request and records a fact in the same transaction. The read side (lists,
board, return-rate analysis) is in `queries.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from shopops.catalog import service as catalog
from shopops.core.errors import NotFound, ValidationError
from shopops.core.money import to_decimal
from shopops.core.uow import UnitOfWork
from shopops.db.shop_settings import read_settings
from shopops.inventory import service as inventory
from shopops.orders import service as orders
from shopops.service import returns
from shopops.service.models import AfterSale
from shopops.service.reasons import reason as reason_of

SETTING_DEFAULTS: dict[str, Any] = {
    "service.refund_sla_hours": 24,  # SPEC §7: refunds within 24 h
    "service.no_reason_return_days": 7,  # 七天无理由
    "service.return_rate_reference": "0.018",  # SPEC §10 reference return rate
    "service.return_rate_alert_margin": "0.02",  # alert above reference + 2 pts
    "service.return_rate_min_units": 20,  # fewer units sold: too few to judge
}
REPLACEMENT_HOLD = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What the buyer (or the operator for them) asks for."""

    order_id: int
    reason: str
    sku: str | None = None  # the line by SKU code …
    order_line_id: int | None = None  # … or by line id
    kind: str | None = None  # default: the reason's handling
    quantity: int = 1
    amount: Decimal | str | None = None  # default: the units' share of the line
    note: str | None = None


def settings(uow: UnitOfWork) -> dict[str, Any]:
    return read_settings(uow, SETTING_DEFAULTS)


def load(uow: UnitOfWork, request_id: int) -> AfterSale:
    row = uow.session.get(AfterSale, request_id)
    if row is None:
        raise NotFound(f"没有编号为 {request_id} 的售后单 — no after-sales request with id "
                       f"{request_id}", field="id")
    return row


def _claimed(uow: UnitOfWork, line_id: int, skip: int | None = None) -> tuple[int, Decimal]:
    """Units in live requests on the line, and money they claim but have not been paid."""
    live = [AfterSale.order_line_id == line_id, AfterSale.status != "rejected"]
    if skip is not None:
        live.append(AfterSale.id != skip)
    units = uow.session.scalar(select(func.coalesce(func.sum(AfterSale.quantity), 0))
                               .where(*live)) or 0
    money = uow.session.scalars(select(AfterSale.amount).where(
        *live, AfterSale.status.in_(returns.OPEN))).all()
    return int(units), sum(money, Decimal(0))


def _shipping_left(uow: UnitOfWork, order_id: int, shipping_fee: Decimal,
                   skip: int | None = None) -> Decimal:
    where = [AfterSale.order_id == order_id, AfterSale.status != "rejected"]
    if skip is not None:
        where.append(AfterSale.id != skip)
    given = uow.session.scalars(select(AfterSale.shipping_refund).where(*where)).all()
    return max(shipping_fee - sum(given, Decimal(0)), Decimal(0))


def _fact(uow: UnitOfWork, row: AfterSale, step: str, **data: Any) -> None:
    uow.record(f"after_sale.{step}", entity="after_sale", entity_id=row.id,
               store_id=row.store_id, order_id=row.order_id, request_kind=row.kind,
               reason=row.reason, **data)


def create_request(uow: UnitOfWork, new: NewRequest) -> int:
    """售后申请: checks the reason, the 7-day window, quantity and refund caps; fills the
    reason's default handling (kind, shipping refund, apology). Returns the request id."""
    why = reason_of(new.reason)
    kind = returns.check_kind(new.kind or why.kind)
    sku_id = catalog.sku_id(uow, new.sku) if new.sku is not None else None
    if sku_id is None and new.order_line_id is None:
        raise ValidationError("请指明订单行（SKU 或订单行编号） — name the order line: sku or "
                              "order_line_id", field="sku")
    line = orders.refundable_line(uow, new.order_id, sku_id=sku_id,
                                  order_line_id=new.order_line_id)
    rules = settings(uow)
    now = uow.now()
    ok = returns.eligibility(why.category, line.order_status, line.delivered_at, now,
                             line.timezone, int(rules["service.no_reason_return_days"]))
    if not ok.eligible:
        raise returns.NotEligible(ok.why, field="reason" if ok.deadline else "order_id",
                                  deadline=ok.deadline.isoformat() if ok.deadline else None)
    units, money = _claimed(uow, line.order_line_id)
    quantity = returns.check_quantity(int(new.quantity), line.quantity, units)
    room = returns.refundable(line.paid_amount, line.refund_amount, money)
    if kind == "exchange":
        amount, shipping = Decimal(0), Decimal(0)  # 换货: nothing paid back, shop pays postage
    else:
        amount = (returns.check_amount(to_decimal(new.amount, field="amount"), room)
                  if new.amount is not None
                  else returns.default_amount(line.paid_amount, line.quantity, quantity, room))
        shipping = (_shipping_left(uow, line.order_id, line.shipping_fee)
                    if why.refund_shipping else Decimal(0))
    row = AfterSale(store_id=line.store_id, order_id=line.order_id,
                    order_line_id=line.order_line_id, sku_id=line.sku_id, kind=kind,
                    reason=why.code, reason_category=why.category, quantity=quantity,
                    amount=amount, shipping_refund=shipping, apology=why.apology,
                    status="requested", note=(new.note or "").strip() or None,
                    requested_at=now)
    uow.session.add(row)
    uow.session.flush()
    _fact(uow, row, "requested", quantity=quantity, amount=f"{amount:.2f}",
          shipping_refund=f"{shipping:.2f}", eligibility=ok.why)
    return row.id


def _move(uow: UnitOfWork, request_id: int, to: str) -> AfterSale:
    row = load(uow, request_id)
    returns.check_step(row.kind, row.status, to, request_id=row.id)
    row.status = to
    setattr(row, f"{to}_at", uow.now())
    return row


def approve(uow: UnitOfWork, request_id: int) -> None:
    """同意: the buyer may send the goods back (or, refund only, the refund is now due)."""
    _fact(uow, _move(uow, request_id, "approved"), "approved")


def reject(uow: UnitOfWork, request_id: int, note: str) -> None:
    """拒绝, with the reason the buyer will see."""
    if not (note or "").strip():
        raise ValidationError("请填写拒绝原因 — say why the request is rejected", field="note")
    row = _move(uow, request_id, "rejected")
    row.note = note.strip()
    _fact(uow, row, "rejected", note=row.note)


def receive(uow: UnitOfWork, request_id: int, warehouse: str,
            restock: bool | None = None) -> str:
    """收到退货: the units go back on the stock ledger — sellable, or to the warehouse's
    待检区 (default by reason: quality problems and transit damage are inspected first).
    Returns the code of the location the units went to."""
    row = _move(uow, request_id, "received")
    why = reason_of(row.reason)
    keep = why.restock if restock is None else bool(restock)
    sku = catalog.sku_codes(uow, [row.sku_id])[row.sku_id][0]
    where = inventory.return_goods(uow, sku, warehouse, row.quantity, keep,
                                   reason=f"售后退货 {why.name}", reference=f"AS-{row.id}")
    row.restock, row.return_warehouse = keep, where
    _fact(uow, row, "received", warehouse=where, restock=keep, quantity=row.quantity)
    return where


def refund(uow: UnitOfWork, request_id: int, amount: Decimal | str | None = None) -> Decimal:
    """退款: pays the goods amount (or a smaller/other `amount`, never above what the line can
    still refund) into the order line; shipping refund as agreed. Returns the goods amount."""
    row = load(uow, request_id)
    returns.check_step(row.kind, row.status, "refunded", request_id=row.id)
    line = orders.refundable_line(uow, row.order_id, order_line_id=row.order_line_id)
    _, others = _claimed(uow, row.order_line_id, skip=row.id)
    room = returns.refundable(line.paid_amount, line.refund_amount, others)
    pay = returns.check_amount(to_decimal(amount, field="amount") if amount is not None
                               else row.amount, room)
    if pay > 0:
        orders.refund_line(uow, row.order_line_id, pay, reference=f"AS-{row.id}")
    row = _move(uow, request_id, "refunded")
    row.amount = pay
    timing = returns.refund_timing(row.kind, row.status, row.requested_at, row.received_at,
                                   row.refunded_at, uow.now(),
                                   int(settings(uow)["service.refund_sla_hours"]))
    _fact(uow, row, "refunded", amount=f"{pay:.2f}",
          shipping_refund=f"{row.shipping_refund:.2f}",
          hours=str(timing.hours) if timing.hours is not None else None,
          within_target=timing.within_target)
    return pay


def exchange(uow: UnitOfWork, request_id: int, warehouse: str | None = None,
             replacement_sku: str | None = None) -> None:
    """换货: the replacement (same SKU or another size) leaves `warehouse` through the stock
    ledger (reserve + ship); without a warehouse only the step is recorded."""
    row = _move(uow, request_id, "exchanged")
    sku = replacement_sku or catalog.sku_codes(uow, [row.sku_id])[row.sku_id][0]
    row.replacement_sku_id = catalog.sku_id(uow, sku, field="replacement_sku")
    if warehouse:
        for reservation in inventory.reserve(uow, [(sku, row.quantity)], f"AS-{row.id}",
                                             REPLACEMENT_HOLD, warehouse=warehouse):
            inventory.ship(uow, reservation)
    _fact(uow, row, "exchanged", replacement_sku=sku, warehouse=warehouse)


def close(uow: UnitOfWork, request_id: int) -> None:
    """关闭: a refunded, exchanged or rejected request is done."""
    _fact(uow, _move(uow, request_id, "closed"), "closed")
