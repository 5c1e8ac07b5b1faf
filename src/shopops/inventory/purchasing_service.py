"""供应商与采购单 use cases, one transaction (unit of work) each: suppliers and their per-SKU
terms, purchase orders draft → sent → (partially) received / cancelled, deliveries that post
stock receipts through `inventory.service.receive`, incoming quantities for replenishment and
the supplier scorecard from the stored history (rules in `purchasing.py`).

Line and status changes are conditional UPDATEs (`... WHERE received_qty + defective_qty + n
<= quantity`, `... WHERE status = :seen`), so two clerks receiving the same order at once can
never book more than was ordered."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import Table, func, select, update

from shopops.catalog import service as catalog
from shopops.core.clock import DEFAULT_TIMEZONE, business_date
from shopops.core.errors import Conflict, NotFound, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.inventory import purchasing
from shopops.inventory import service as stock
from shopops.inventory.purchasing import LineState, check_action
from shopops.inventory.purchasing_models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    Supplier,
    SupplierTerm,
)
from shopops.inventory.purchasing_queries import (
    Sourcing,
    get_purchase_order,
    incoming_quantities,
    list_purchase_orders,
    list_suppliers,
    order_row,
    overdue_quantities,
    sourcing,
    supplier_row,
    supplier_scorecards,
    warehouse_ids,
)

PO = cast(Table, PurchaseOrder.__table__)
LINES = cast(Table, PurchaseOrderLine.__table__)
SUP = cast(Table, Supplier.__table__)
TERMS = cast(Table, SupplierTerm.__table__)
# the read side lives in purchasing_queries; callers reach both through this module
__all__ = ["Sourcing", "SupplierExists", "add_supplier", "cancel_purchase_order",
           "create_purchase_order", "get_purchase_order", "incoming_quantities",
           "list_purchase_orders", "list_suppliers", "overdue_quantities",
           "receive_purchase_order", "send_purchase_order", "set_supplier_term", "sourcing",
           "supplier_scorecards"]


class SupplierExists(Conflict):
    code = "purchasing.supplier_exists"


# ---------------------------------------------------------------- parsing helpers


def _int(value: object, field: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(f"{field} 应为整数 — {field} must be a whole number", field=field)
    try:
        number = int(value)
    except ValueError as exc:
        raise ValidationError(f"{field} 应为整数，收到 {value!r} — {field} must be a whole "
                              f"number, got {value!r}", field=field) from exc
    if number < low:
        raise ValidationError(f"{field} 不能小于 {low}，收到 {number} — {field} must be ≥ {low}, "
                              f"got {number}", field=field)
    return number


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, float | bool):
        raise ValidationError(f"{field} 应为十进制数字文本 — {field} must be a decimal string, "
                              f"not {value!r}", field=field)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(f"{field} 应为数字，收到 {value!r} — {field} must be a number, got "
                              f"{value!r}", field=field) from exc
    if not number.is_finite() or number < 0:
        raise ValidationError(f"{field} 不能为负，收到 {value!r} — {field} must be ≥ 0, got "
                              f"{value!r}", field=field)
    return number


def _text(value: object, field: str, size: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"请填写 {field} — {field} is required", field=field)
    if len(value.strip()) > size:
        raise ValidationError(f"{field} 不能超过 {size} 个字符 — {field} is longer than {size} "
                              "characters", field=field)
    return value.strip()


def _today(uow: UnitOfWork) -> date:
    return business_date(uow.now(), DEFAULT_TIMEZONE)


# ---------------------------------------------------------------- suppliers and terms


def add_supplier(uow: UnitOfWork, code: str, name: str, *, lead_time_days: object,
                 lead_time_sigma_days: object = "0", moq: object = 1, case_pack: object = 1,
                 return_policy: str | None = None, contact: str | None = None) -> dict[str, Any]:
    """新增供应商 with its default terms; an existing code is a 409."""
    code = _text(code, "code", 32)
    if uow.session.execute(select(SUP.c.id).where(SUP.c.code == code)).first():
        raise SupplierExists(f"供应商 {code} 已存在 — supplier {code} already exists",
                             field="code")
    supplier = Supplier(code=code, name=_text(name, "name", 100), contact=contact,
                        lead_time_days=_int(lead_time_days, "lead_time_days"),
                        lead_time_sigma_days=_decimal(lead_time_sigma_days,
                                                      "lead_time_sigma_days"),
                        moq=_int(moq, "moq", 1), case_pack=_int(case_pack, "case_pack", 1),
                        return_policy=return_policy, active=True, created_at=uow.now())
    uow.session.add(supplier)
    uow.session.flush()
    uow.record("supplier.added", entity="supplier", entity_id=supplier.id, code=code)
    return {"code": code, "name": supplier.name, "lead_time_days": supplier.lead_time_days,
            "lead_time_sigma_days": str(supplier.lead_time_sigma_days), "moq": supplier.moq,
            "case_pack": supplier.case_pack, "return_policy": return_policy}


def set_supplier_term(uow: UnitOfWork, supplier: str, sku: str, *, unit_price: object,
                      moq: object | None = None, case_pack: object | None = None,
                      lead_time_days: object | None = None, priority: object = 1) -> None:
    """供货条款 of a supplier for a SKU (1 = preferred, 2+ = backup); replaces earlier terms."""
    sup = supplier_row(uow, supplier)
    sku_id = catalog.sku_id(uow, sku)
    values = dict(unit_price=_decimal(unit_price, "unit_price"),
                  moq=_int(moq, "moq", 1) if moq is not None else sup.moq,
                  case_pack=_int(case_pack, "case_pack", 1) if case_pack is not None
                  else sup.case_pack,
                  lead_time_days=_int(lead_time_days, "lead_time_days")
                  if lead_time_days is not None else None,
                  priority=_int(priority, "priority", 1))
    term = uow.session.scalar(select(SupplierTerm).where(
        SupplierTerm.supplier_id == sup.id, SupplierTerm.sku_id == sku_id))
    if term is None:
        uow.session.add(SupplierTerm(supplier_id=sup.id, sku_id=sku_id, **values))
    else:
        for key, value in values.items():
            setattr(term, key, value)
    uow.record("supplier.terms_set", entity="supplier", entity_id=sup.id, sku=sku,
               unit_price=str(values["unit_price"]), priority=values["priority"])


# ---------------------------------------------------------------- purchase orders


def create_purchase_order(uow: UnitOfWork, supplier: str, lines: Sequence[Mapping[str, Any]],
                          note: str | None = None) -> dict[str, Any]:
    """新建采购单 (草稿): lines {sku, warehouse, quantity[, unit_price]}; the price defaults to
    the supplier's terms for the SKU. Returns the order."""
    sup = supplier_row(uow, supplier)
    if not lines:
        raise ValidationError("采购单至少要有一行 — a purchase order needs at least one line",
                              field="lines")
    whs = warehouse_ids(uow)
    po = PurchaseOrder(code=f"tmp-{uuid.uuid4().hex}", supplier_id=sup.id, status="draft",
                       created_at=uow.now(), note=note)
    uow.session.add(po)
    uow.session.flush()
    po.code = f"PO{_today(uow):%Y%m%d}-{po.id:05d}"
    seen: set[tuple[int, int]] = set()
    for i, line in enumerate(lines):
        sku_id = catalog.sku_id(uow, line.get("sku"))
        wh_code = line.get("warehouse")
        if wh_code not in whs:
            raise NotFound(f"没有仓库 {wh_code!r} — unknown warehouse {wh_code!r}",
                           field=f"lines[{i}].warehouse")
        if (sku_id, whs[wh_code]) in seen:
            raise ValidationError(f"{line.get('sku')} @ {wh_code} 重复出现 — "
                                  f"{line.get('sku')} @ {wh_code} appears twice",
                                  field=f"lines[{i}]")
        seen.add((sku_id, whs[wh_code]))
        price = line.get("unit_price")
        if price is None:
            price = uow.session.scalar(select(SupplierTerm.unit_price).where(
                SupplierTerm.supplier_id == sup.id, SupplierTerm.sku_id == sku_id))
        if price is None:
            raise ValidationError(f"{line.get('sku')} 没有单价，供应商 {supplier} 也没有它的供货"
                                  f"条款 — no unit_price and no terms of {supplier} for "
                                  f"{line.get('sku')}", field=f"lines[{i}].unit_price")
        uow.session.add(PurchaseOrderLine(
            purchase_order_id=po.id, sku_id=sku_id, warehouse_id=whs[wh_code],
            quantity=_int(line.get("quantity"), f"lines[{i}].quantity", 1),
            unit_price=_decimal(price, f"lines[{i}].unit_price"), received_qty=0,
            defective_qty=0))
    uow.session.flush()
    uow.record("purchase_order.created", entity="purchase_order", entity_id=po.id,
               code=po.code, supplier=sup.code)
    return get_purchase_order(uow, po.code)



def _set_status(uow: UnitOfWork, row: Any, status: str, **values: Any) -> None:
    done = uow.session.execute(update(PO).where(PO.c.id == row.id, PO.c.status == row.status)
                               .values(status=status, **values))
    if cast(Any, done).rowcount != 1:
        raise Conflict(f"采购单 {row.code} 刚被他人修改，请重试 — purchase order {row.code} "
                       "changed meanwhile; try again", field="code")


def send_purchase_order(uow: UnitOfWork, code: str,
                        expected_on: date | None = None) -> dict[str, Any]:
    """下单 draft → sent; expected delivery = today + the supplier's lead time (the longest
    of its lines' terms) unless given."""
    row = order_row(uow, code)
    check_action(row.status, "send", row.code)
    if expected_on is None:
        lead = uow.session.scalar(
            select(func.max(func.coalesce(TERMS.c.lead_time_days, SUP.c.lead_time_days)))
            .select_from(LINES).join(SUP, SUP.c.id == row.supplier_id)
            .outerjoin(TERMS, (TERMS.c.sku_id == LINES.c.sku_id)
                       & (TERMS.c.supplier_id == row.supplier_id))
            .where(LINES.c.purchase_order_id == row.id))
        expected_on = _today(uow) + timedelta(days=int(lead or 0))
    _set_status(uow, row, "sent", sent_at=uow.now(), expected_on=expected_on)
    uow.record("purchase_order.sent", entity="purchase_order", entity_id=row.id, code=row.code,
               expected_on=expected_on.isoformat())
    return get_purchase_order(uow, row.code)


def cancel_purchase_order(uow: UnitOfWork, code: str) -> dict[str, Any]:
    """取消 a draft, or close a sent order short: what has not come yet never will."""
    row = order_row(uow, code)
    check_action(row.status, "cancel", row.code)
    _set_status(uow, row, "cancelled", closed_at=uow.now())
    uow.record("purchase_order.cancelled", entity="purchase_order", entity_id=row.id,
               code=row.code, was=row.status)
    return get_purchase_order(uow, row.code)


def _line_key(uow: UnitOfWork, line: Mapping[str, Any], i: int,
              states: Mapping[tuple[str, str], LineState]) -> tuple[str, str]:
    sku, wh = line.get("sku"), line.get("warehouse")
    if wh is None:  # a SKU delivered to one warehouse only needs no warehouse
        matches = [k for k in states if k[0] == sku]
        if len(matches) == 1:
            return matches[0]
        raise ValidationError(f"第 {i + 1} 行：请指明 {sku} 的仓库 — lines[{i}]: name the "
                              f"warehouse of {sku}",
                              field=f"lines[{i}].warehouse")
    return (str(sku), str(wh))


def receive_purchase_order(uow: UnitOfWork, code: str,
                           lines: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """到货入库: lines {sku[, warehouse], accepted[, defective]} (default: everything still to
    come, all accepted). Accepted units post a stock receipt referencing the order; defective
    ones are refused (次品退回). The order becomes partially_received or received."""
    row = order_row(uow, code)
    check_action(row.status, "receive", row.code)
    db_lines = uow.session.execute(select(LINES).where(LINES.c.purchase_order_id == row.id)
                                   ).all()
    names = catalog.sku_codes(uow, {r.sku_id for r in db_lines})
    wh_codes = {v: k for k, v in warehouse_ids(uow).items()}
    by_key = {(names[r.sku_id][0], wh_codes[r.warehouse_id]): r for r in db_lines}
    states = {k: LineState(k, r.quantity, r.received_qty, r.defective_qty)
              for k, r in by_key.items()}
    if lines is None:
        wanted = {k: (s.remaining, 0) for k, s in states.items() if s.remaining}
    else:
        wanted = {}
        for i, line in enumerate(lines):
            key = _line_key(uow, line, i, states)
            got = wanted.get(key, (0, 0))
            wanted[key] = (got[0] + _int(line.get("accepted", 0), f"lines[{i}].accepted"),
                           got[1] + _int(line.get("defective", 0), f"lines[{i}].defective"))
    purchasing.check_delivery(states, wanted, row.code)
    today = _today(uow)
    for key, (accepted, defective) in wanted.items():
        if accepted + defective == 0:
            continue
        r = by_key[key]
        c = LINES.c
        booked = uow.session.execute(
            update(LINES).where(c.id == r.id, c.received_qty + c.defective_qty + accepted
                                + defective <= c.quantity)
            .values(received_qty=c.received_qty + accepted,
                    defective_qty=c.defective_qty + defective))
        if cast(Any, booked).rowcount != 1:
            raise Conflict(f"采购单 {row.code} 的 {key[0]} 刚被他人入库，请刷新 — {key[0]} on "
                           f"{row.code} was received meanwhile", field="lines")
        uow.session.add(PurchaseReceipt(purchase_order_id=row.id, line_id=r.id,
                                        accepted=accepted, defective=defective,
                                        received_at=uow.now(), received_on=today))
        if accepted:
            stock.receive(uow, key[0], key[1], accepted, row.code)
        states[key] = LineState(key, r.quantity, r.received_qty + accepted,
                                r.defective_qty + defective)
    status = purchasing.status_after_delivery(states.values())
    _set_status(uow, row, status, closed_at=uow.now() if status == "received" else None)
    uow.record("purchase_order.received", entity="purchase_order", entity_id=row.id,
               code=row.code, status=status,
               lines=[{"sku": k[0], "warehouse": k[1], "accepted": a, "defective": d}
                      for k, (a, d) in wanted.items()])
    return get_purchase_order(uow, row.code)

