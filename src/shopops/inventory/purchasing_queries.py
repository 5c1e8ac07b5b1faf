"""供应商与采购单 read side: the preferred supplier's terms per SKU, the supplier scorecard from
the stored history (rules in `purchasing.py`), purchase orders with their lines, and the
incoming / overdue quantities replenishment counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, func, select

from shopops.catalog import service as catalog
from shopops.core.clock import DEFAULT_TIMEZONE, business_date
from shopops.core.errors import NotFound, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.inventory import purchasing
from shopops.inventory.models import Warehouse
from shopops.inventory.purchasing import OPEN_STATUSES, STATUS_ZH
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


def supplier_row(uow: UnitOfWork, code: object) -> Any:
    row = uow.session.execute(select(SUP).where(SUP.c.code == code)).first()
    if row is None:
        raise NotFound(f"没有供应商 {code!r} — unknown supplier {code!r}", field="supplier")
    return row


def warehouse_ids(uow: UnitOfWork) -> dict[str, int]:
    return {code: wid for wid, code in uow.session.execute(select(WH.c.id, WH.c.code))}


def order_row(uow: UnitOfWork, code: object) -> Any:
    row = uow.session.execute(select(PO).where(PO.c.code == code)).first()
    if row is None:
        raise NotFound(f"没有采购单 {code!r} — unknown purchase order {code!r}", field="code")
    return row


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
    wh_codes = {v: k for k, v in warehouse_ids(uow).items()}
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
    return _orders(uow, [order_row(uow, code)])[0]


def list_purchase_orders(uow: UnitOfWork, *, status: str | None = None,
                         supplier: str | None = None, offset: int = 0,
                         limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """采购单列表, newest first, with their lines; and the total matching."""
    where = []
    if status is not None:
        if status not in purchasing.PO_STATUSES:
            raise ValidationError(f"采购单状态应为 {', '.join(purchasing.PO_STATUSES)} 之一 — "
                                  f"status must be one of {', '.join(purchasing.PO_STATUSES)}",
                                  field="status")
        where.append(PO.c.status == status)
    if supplier is not None:
        where.append(PO.c.supplier_id == supplier_row(uow, supplier).id)
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
