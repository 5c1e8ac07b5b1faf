"""A later export of orders already in the order book: what it may change, and the facts.

Status moves forward only (``lifecycle.can_advance``), one fact per transition; a backward move
is reported, not applied. With the same status, later fields are filled in (pay, ship and
receive times, the refund). Lines: a line whose amounts changed (a refund per line, a corrected
price) is updated, a line the order did not have is added, and the order's amounts follow, with
one ``order.lines_updated`` fact; an export that no longer lists a stored line is reported and
not applied (the order book would stop adding up).

Only orders whose source rows changed get here (``order_fingerprints``): they are loaded with
their lines in chunks, one query per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shopops.core.batches import chunks
from shopops.core.clock import business_date
from shopops.core.uow import UnitOfWork
from shopops.orders.importers import ImportedLine, ImportedOrder, Problem
from shopops.orders.lifecycle import can_advance
from shopops.orders.models import Order, OrderLine
from shopops.stores.service import StoreView

ZERO = Decimal("0")
# fields a later export may fill in or correct without a status change
LATER_FIELDS = ("paid_at", "shipped_at", "delivered_at", "completed_at", "promised_at",
                "refund_amount")
# the order's money: follows its lines when a later export changes or adds lines
AMOUNT_FIELDS = ("list_amount", "discount_amount", "goods_amount", "shipping_fee",
                 "paid_amount", "refund_amount")
LINE_FIELDS = ("quantity", "list_price", "discount_amount", "paid_amount", "refund_amount")


@dataclass(frozen=True, slots=True)
class Incoming:
    """A status (and maybe later fields) for an order number, from an order or a settlement."""

    channel_order_no: str
    status: str
    platform_status: str
    row: int | None
    order: ImportedOrder | None = None


@dataclass(slots=True)
class Tally:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)

    def reject(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.rejected += 1


@dataclass(frozen=True, slots=True)
class UpdateContext:
    uow: UnitOfWork
    store: StoreView
    batch_id: int
    status_column: str | None
    file: str | None
    sku_ids: dict[str, int]


def update_existing(context: UpdateContext, incoming: list[Incoming], tally: Tally,
                    ) -> list[str]:
    """Apply a later export to orders already stored; the order numbers applied from an
    order export (updated or found equal) are returned, so their fingerprints can follow
    (a settlement's rows are not the order's: they never stand for it)."""
    applied: list[str] = []
    uow = context.uow
    for chunk in chunks(incoming):
        numbers = [i.channel_order_no for i in chunk]
        stored = {order.channel_order_no: order for order in uow.session.scalars(
            select(Order).options(selectinload(Order.lines)).where(
                Order.store_id == context.store.id, Order.channel_order_no.in_(numbers)))}
        for item in chunk:
            if _update(context, stored[item.channel_order_no], item, tally) and item.order:
                applied.append(item.channel_order_no)
    return applied


def _update(context: UpdateContext, order: Order, item: Incoming, tally: Tally) -> bool:
    """Move one order forward; same status → later fields and lines; backwards → report."""
    before = order.status
    if item.status != before and not can_advance(before, item.status):
        tally.reject(Problem(item.row, context.status_column, item.platform_status,
                             f"order {item.channel_order_no}: status would move backwards from "
                             f"{before} to {item.status}; not applied", context.file))
        return False
    imported = item.order
    changes = _later_fields(order, imported)
    lines: tuple[list[tuple[OrderLine, dict[str, Any]]], list[dict[str, Any]]] = ([], [])
    if imported is not None:
        refusal = _refusal(order, imported, context)
        if refusal is None:
            lines = _line_changes(order, imported, context.sku_ids)
            if lines[1] or any("paid_amount" in diff or "quantity" in diff
                               for _, diff in lines[0]):
                changes.update(_amount_changes(order, imported))
            refusal = _refund_refusal(order, imported, changes, context)
        if refusal is not None:
            tally.reject(Problem(item.row, None, refusal[0], refusal[1], context.file))
            return False
    if item.status == before and not changes and not lines[0] and not lines[1]:
        tally.unchanged += 1
        return True
    _apply(context, order, item, changes, lines)
    tally.updated += 1
    return True


def _refusal(order: Order, imported: ImportedOrder, context: UpdateContext
             ) -> tuple[str, str] | None:
    """Why a later export cannot be applied to the stored lines, if it cannot."""
    matched = {id(stored) for stored, _ in _match_lines(order, imported, context.sku_ids)
               if stored is not None}
    dropped = [line for line in order.lines if id(line) not in matched]
    if dropped:
        return (str(len(dropped)),
                f"order {imported.channel_order_no}: {len(dropped)} stored line(s) are not in "
                "this export; not applied")
    return None


def _refund_refusal(order: Order, imported: ImportedOrder, changes: dict[str, Any],
                    context: UpdateContext) -> tuple[str, str] | None:
    paid = changes.get("paid_amount", order.paid_amount)
    if imported.refund_amount > paid:
        return (str(imported.refund_amount),
                f"order {imported.channel_order_no}: refund exceeds the stored paid amount "
                f"{paid}; not applied")
    return None


def _match_lines(order: Order, imported: ImportedOrder, sku_ids: dict[str, int]
                 ) -> list[tuple[OrderLine | None, ImportedLine]]:
    """Each exported line with the stored line of the same SKU (in the stored order), or None."""
    pool: dict[int, list[OrderLine]] = {}
    for line in sorted(order.lines, key=lambda stored: stored.id):
        pool.setdefault(line.sku_id, []).append(line)
    matched: list[tuple[OrderLine | None, ImportedLine]] = []
    for exported in imported.lines:
        same_sku = pool.get(sku_ids[exported.sku_code])
        matched.append((same_sku.pop(0) if same_sku else None, exported))
    return matched


def _line_values(line: ImportedLine) -> dict[str, Any]:
    return {"quantity": line.quantity, "list_price": line.unit_price,
            "discount_amount": max(line.unit_price * line.quantity - line.paid_amount, ZERO),
            "paid_amount": line.paid_amount, "refund_amount": line.refund_amount}


def _line_changes(order: Order, imported: ImportedOrder, sku_ids: dict[str, int]
                  ) -> tuple[list[tuple[OrderLine, dict[str, Any]]], list[dict[str, Any]]]:
    """(changed stored lines with their new values, lines to add)."""
    changed: list[tuple[OrderLine, dict[str, Any]]] = []
    added: list[dict[str, Any]] = []
    for stored, line in _match_lines(order, imported, sku_ids):
        values = _line_values(line)
        if stored is None:
            added.append({"sku_id": sku_ids[line.sku_code], **values})
            continue
        diff = {name: value for name, value in values.items()
                if getattr(stored, name) != value}
        if diff:
            changed.append((stored, diff))
    return changed, added


def _later_fields(order: Order, imported: ImportedOrder | None) -> dict[str, Any]:
    if imported is None:
        return {}
    changes: dict[str, Any] = {}
    for name in LATER_FIELDS:
        value = getattr(imported, name)
        if value is not None and value != getattr(order, name):
            changes[name] = value
    return changes


def _amount_changes(order: Order, imported: ImportedOrder) -> dict[str, Any]:
    return {name: getattr(imported, name) for name in AMOUNT_FIELDS
            if getattr(imported, name) != getattr(order, name)}


def _apply(context: UpdateContext, order: Order, item: Incoming, changes: dict[str, Any],
           lines: tuple[list[tuple[OrderLine, dict[str, Any]]], list[dict[str, Any]]]) -> None:
    uow, before = context.uow, order.status
    for name, value in changes.items():
        setattr(order, name, value)
    if "paid_at" in changes and order.paid_at is not None:
        order.paid_date = business_date(order.paid_at, context.store.timezone)
    changed, added = lines
    for stored, diff in changed:
        for name, value in diff.items():
            setattr(stored, name, value)
    order.lines.extend(OrderLine(**values) for values in added)
    moved = item.status != before
    # each change is recorded once: refunds per line ride on the refund's transition fact,
    # anything else on the lines (and refunds without a transition) gets its own fact
    beyond_refund = added or any(set(diff) - {"refund_amount"} for _, diff in changed)
    if beyond_refund or (changed and not moved):
        uow.record("order.lines_updated", entity="order", entity_id=order.id,
                   store_id=order.store_id, changed=len(changed), added=len(added),
                   goods_amount=str(order.goods_amount), refund_amount=str(order.refund_amount),
                   import_id=context.batch_id)
    if moved:
        order.status = item.status
        uow.record(f"order.{item.status}", entity="order", entity_id=order.id,
                   store_id=order.store_id, from_status=before, to_status=item.status,
                   platform_status=item.platform_status, refund_amount=str(order.refund_amount),
                   import_id=context.batch_id)
