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
from dataclasses import dataclass
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
from shopops.inventory.models import Warehouse
from shopops.inventory.purchasing import OPEN_STATUSES, STATUS_ZH, LineState, check_action
from shopops.inventory.purchasing_models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    Supplier,
    SupplierTerm,
)

PO = cast(Table, PurchaseOrder.__table__)
LINES = cast(Table, PurchaseOrderLine.__table__)
RECEIPTS = cast(Table, PurchaseReceipt.__table__)
SUP = cast(Table, Supplier.__table__)
TERMS = cast(Table, SupplierTerm.__table__)
WH = cast(Table, Warehouse.__table__)


class SupplierExists(Conflict):
    code = "purchasing.supplier_exists"


@dataclass(frozen=True)
class Sourcing:
    """The preferred supplier's terms for a SKU (SKU terms over the supplier's defaults)."""

    supplier: str
    supplier_name: str
    unit_price: Decimal
    moq: int
    case_pack: int
    lead_time_days: int
    lead_time_sigma_days: Decimal
    backups: tuple[str, ...]


# ---------------------------------------------------------------- parsing helpers


def _int(value: object, field: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(f"{field} must be a whole number", field=field)
    try:
        number = int(value)
    except ValueError as exc:
        raise ValidationError(f"{field} must be a whole number, got {value!r}",
                              field=field) from exc
    if number < low:
        raise ValidationError(f"{field} must be ≥ {low}, got {number}", field=field)
    return number


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, float | bool):
        raise ValidationError(f"{field} must be a decimal string, not {value!r}", field=field)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(f"{field} must be a number, got {value!r}", field=field) from exc
    if not number.is_finite() or number < 0:
        raise ValidationError(f"{field} must be ≥ 0, got {value!r}", field=field)
    return number


def _text(value: object, field: str, size: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} is required", field=field)
    if len(value.strip()) > size:
        raise ValidationError(f"{field} is longer than {size} characters", field=field)
    return value.strip()


def _today(uow: UnitOfWork) -> date:
    return business_date(uow.now(), DEFAULT_TIMEZONE)


def _supplier(uow: UnitOfWork, code: object) -> Any:
    row = uow.session.execute(select(SUP).where(SUP.c.code == code)).first()
    if row is None:
        raise NotFound(f"unknown supplier {code!r}", field="supplier")
    return row


def _warehouse_ids(uow: UnitOfWork) -> dict[str, int]:
    return {code: wid for wid, code in uow.session.execute(select(WH.c.id, WH.c.code))}


# ---------------------------------------------------------------- suppliers and terms


def add_supplier(uow: UnitOfWork, code: str, name: str, *, lead_time_days: object,
                 lead_time_sigma_days: object = "0", moq: object = 1, case_pack: object = 1,
                 return_policy: str | None = None, contact: str | None = None) -> dict[str, Any]:
    """新增供应商 with its default terms; an existing code is a 409."""
    code = _text(code, "code", 32)
    if uow.session.execute(select(SUP.c.id).where(SUP.c.code == code)).first():
        raise SupplierExists(f"supplier {code} already exists", field="code")
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
    sup = _supplier(uow, supplier)
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


def sourcing(uow: UnitOfWork, sku_ids: Sequence[int] | None = None) -> dict[int, Sourcing]:
    """sku_id → the preferred active supplier's terms, with the backups' codes."""
    query = (select(TERMS, SUP.c.code, SUP.c.name, SUP.c.lead_time_days.label("sup_lt"),
                    SUP.c.lead_time_sigma_days)
             .join(SUP, SUP.c.id == TERMS.c.supplier_id).where(SUP.c.active.is_(True))
             .order_by(TERMS.c.sku_id, TERMS.c.priority, SUP.c.code))
    if sku_ids is not None:
        query = query.where(TERMS.c.sku_id.in_(list(sku_ids)))
    found: dict[int, Sourcing] = {}
    backups: dict[int, list[str]] = {}
    for row in uow.session.execute(query):
        if row.sku_id in found:
            backups[row.sku_id].append(row.code)
            continue
        backups[row.sku_id] = []
        found[row.sku_id] = Sourcing(
            row.code, row.name, Decimal(row.unit_price), row.moq, row.case_pack,
            row.lead_time_days if row.lead_time_days is not None else row.sup_lt,
            Decimal(row.lead_time_sigma_days), ())
    return {k: Sourcing(**{**v.__dict__, "backups": tuple(backups[k])})
            for k, v in found.items()}


def supplier_scorecards(uow: UnitOfWork) -> list[purchasing.Scorecard]:
    """供应商评分 for every supplier, from the stored deliveries, orders and terms."""
    codes = list(uow.session.scalars(select(SUP.c.code).order_by(SUP.c.code)))
    deliveries = [
        purchasing.Delivery(code, expected, business_date(sent, DEFAULT_TIMEZONE)
                            if sent else None, received, int(ok), int(bad))
        for code, expected, sent, received, ok, bad in uow.session.execute(
            select(SUP.c.code, PO.c.expected_on, PO.c.sent_at, RECEIPTS.c.received_on,
                   RECEIPTS.c.accepted, RECEIPTS.c.defective)
            .join(PO, PO.c.id == RECEIPTS.c.purchase_order_id)
            .join(SUP, SUP.c.id == PO.c.supplier_id))]
    finished = [purchasing.FinishedLine(code, int(q), int(r) + int(d))
                for code, q, r, d in uow.session.execute(
                    select(SUP.c.code, LINES.c.quantity, LINES.c.received_qty,
                           LINES.c.defective_qty)
                    .join(PO, PO.c.id == LINES.c.purchase_order_id)
                    .join(SUP, SUP.c.id == PO.c.supplier_id)
                    .where((PO.c.status == "received")
                           | ((PO.c.status == "cancelled") & PO.c.sent_at.is_not(None))))]
    prices = {(code, str(sku)): Decimal(price) for code, sku, price in uow.session.execute(
        select(SUP.c.code, TERMS.c.sku_id, TERMS.c.unit_price)
        .join(SUP, SUP.c.id == TERMS.c.supplier_id))}
    return purchasing.scorecards(codes, deliveries, finished, prices)


def list_suppliers(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Suppliers with their terms, SKU count, open orders and scorecard."""
    cards = {c.supplier: c.as_json() for c in supplier_scorecards(uow)}
    skus: dict[int, int] = dict(uow.session.execute(
        select(TERMS.c.supplier_id, func.count()).group_by(TERMS.c.supplier_id)).all())
    open_pos: dict[int, int] = dict(uow.session.execute(
        select(PO.c.supplier_id, func.count()).where(PO.c.status.in_(OPEN_STATUSES))
        .group_by(PO.c.supplier_id)).all())
    return [{"code": s.code, "name": s.name, "contact": s.contact,
             "lead_time_days": s.lead_time_days,
             "lead_time_sigma_days": str(s.lead_time_sigma_days), "moq": s.moq,
             "case_pack": s.case_pack, "return_policy": s.return_policy, "active": s.active,
             "skus": int(skus.get(s.id, 0)), "open_purchase_orders": int(open_pos.get(s.id, 0)),
             "scorecard": cards[s.code]}
            for s in uow.session.scalars(select(Supplier).order_by(Supplier.code))]


# ---------------------------------------------------------------- purchase orders


def create_purchase_order(uow: UnitOfWork, supplier: str, lines: Sequence[Mapping[str, Any]],
                          note: str | None = None) -> dict[str, Any]:
    """新建采购单 (草稿): lines {sku, warehouse, quantity[, unit_price]}; the price defaults to
    the supplier's terms for the SKU. Returns the order."""
    sup = _supplier(uow, supplier)
    if not lines:
        raise ValidationError("a purchase order needs at least one line", field="lines")
    whs = _warehouse_ids(uow)
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
            raise NotFound(f"unknown warehouse {wh_code!r}", field=f"lines[{i}].warehouse")
        if (sku_id, whs[wh_code]) in seen:
            raise ValidationError(f"{line.get('sku')} @ {wh_code} appears twice",
                                  field=f"lines[{i}]")
        seen.add((sku_id, whs[wh_code]))
        price = line.get("unit_price")
        if price is None:
            price = uow.session.scalar(select(SupplierTerm.unit_price).where(
                SupplierTerm.supplier_id == sup.id, SupplierTerm.sku_id == sku_id))
        if price is None:
            raise ValidationError(f"no unit_price and no terms of {supplier} for "
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


def _order(uow: UnitOfWork, code: object) -> Any:
    row = uow.session.execute(select(PO).where(PO.c.code == code)).first()
    if row is None:
        raise NotFound(f"unknown purchase order {code!r}", field="code")
    return row


def _set_status(uow: UnitOfWork, row: Any, status: str, **values: Any) -> None:
    done = uow.session.execute(update(PO).where(PO.c.id == row.id, PO.c.status == row.status)
                               .values(status=status, **values))
    if cast(Any, done).rowcount != 1:
        raise Conflict(f"purchase order {row.code} changed meanwhile; try again", field="code")


def send_purchase_order(uow: UnitOfWork, code: str,
                        expected_on: date | None = None) -> dict[str, Any]:
    """下单 draft → sent; expected delivery = today + the supplier's lead time (the longest
    of its lines' terms) unless given."""
    row = _order(uow, code)
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
    row = _order(uow, code)
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
        raise ValidationError(f"lines[{i}]: name the warehouse of {sku}",
                              field=f"lines[{i}].warehouse")
    return (str(sku), str(wh))


def receive_purchase_order(uow: UnitOfWork, code: str,
                           lines: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """到货入库: lines {sku[, warehouse], accepted[, defective]} (default: everything still to
    come, all accepted). Accepted units post a stock receipt referencing the order; defective
    ones are refused (次品退回). The order becomes partially_received or received."""
    row = _order(uow, code)
    check_action(row.status, "receive", row.code)
    db_lines = uow.session.execute(select(LINES).where(LINES.c.purchase_order_id == row.id)
                                   ).all()
    names = catalog.sku_codes(uow, {r.sku_id for r in db_lines})
    wh_codes = {v: k for k, v in _warehouse_ids(uow).items()}
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
            raise Conflict(f"{key[0]} on {row.code} was received meanwhile", field="lines")
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


def _order_json(row: Any, supplier: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    amount = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    return {"code": row.code, "supplier": supplier, "status": row.status,
            "status_zh": STATUS_ZH[row.status], "created_at": row.created_at.isoformat(),
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "expected_on": row.expected_on.isoformat() if row.expected_on else None,
            "closed_at": row.closed_at.isoformat() if row.closed_at else None,
            "note": row.note, "amount": f"{amount:.2f}",
            "quantity": sum(line["quantity"] for line in lines),
            "remaining": sum(line["remaining"] for line in lines), "lines": lines}


def _orders(uow: UnitOfWork, rows: Sequence[Any]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    line_rows = uow.session.execute(select(LINES).where(LINES.c.purchase_order_id.in_(ids))
                                    .order_by(LINES.c.id)).all() if ids else []
    names = catalog.sku_codes(uow, {r.sku_id for r in line_rows})
    wh_codes = {v: k for k, v in _warehouse_ids(uow).items()}
    suppliers = dict(uow.session.execute(select(SUP.c.id, SUP.c.code)).all())
    per_order: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for r in line_rows:
        price = Decimal(r.unit_price)
        per_order[r.purchase_order_id].append({
            "sku": names[r.sku_id][0], "name": names[r.sku_id][1],
            "warehouse": wh_codes[r.warehouse_id], "quantity": r.quantity,
            "unit_price": f"{price:.2f}", "amount": f"{price * r.quantity:.2f}",
            "received_qty": r.received_qty, "defective_qty": r.defective_qty,
            "remaining": max(r.quantity - r.received_qty - r.defective_qty, 0)})
    return [_order_json(r, suppliers[r.supplier_id], per_order[r.id]) for r in rows]


def get_purchase_order(uow: UnitOfWork, code: str) -> dict[str, Any]:
    return _orders(uow, [_order(uow, code)])[0]


def list_purchase_orders(uow: UnitOfWork, *, status: str | None = None,
                         supplier: str | None = None, offset: int = 0,
                         limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """采购单列表, newest first, with their lines; and the total matching."""
    where = []
    if status is not None:
        if status not in purchasing.PO_STATUSES:
            raise ValidationError(f"status must be one of {', '.join(purchasing.PO_STATUSES)}",
                                  field="status")
        where.append(PO.c.status == status)
    if supplier is not None:
        where.append(PO.c.supplier_id == _supplier(uow, supplier).id)
    total = uow.session.scalar(select(func.count()).select_from(PO).where(*where)) or 0
    rows = uow.session.execute(select(PO).where(*where).order_by(PO.c.id.desc())
                               .offset(offset).limit(limit)).all()
    return _orders(uow, rows), int(total)


def incoming_quantities(uow: UnitOfWork) -> dict[tuple[int, int], int]:
    """(sku_id, warehouse_id) → units on open purchase orders (草稿, 已下单, 部分到货) still to
    come — a draft counts too, so a second run does not suggest the same units again."""
    c = LINES.c
    query = (select(c.sku_id, c.warehouse_id,
                    func.sum(c.quantity - c.received_qty - c.defective_qty))
             .join(PO, PO.c.id == c.purchase_order_id).where(PO.c.status.in_(OPEN_STATUSES))
             .group_by(c.sku_id, c.warehouse_id))
    return {(int(s), int(w)): int(n) for s, w, n in uow.session.execute(query) if n}


def overdue_quantities(uow: UnitOfWork, today: date) -> dict[tuple[int, int], int]:
    """(sku_id, warehouse_id) → units of sent orders still to come whose expected day is past
    (逾期未到: chase the supplier or turn to a backup)."""
    c = LINES.c
    query = (select(c.sku_id, c.warehouse_id,
                    func.sum(c.quantity - c.received_qty - c.defective_qty))
             .join(PO, PO.c.id == c.purchase_order_id)
             .where(PO.c.status.in_(("sent", "partially_received")), PO.c.expected_on < today)
             .group_by(c.sku_id, c.warehouse_id))
    return {(int(s), int(w)): int(n) for s, w, n in uow.session.execute(query) if n}
