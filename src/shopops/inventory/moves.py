"""Reading the stock ledger (库存流水) and posting a move by its kind — what the API's
/stock/moves endpoints call. Every write goes through inventory.service, so balances change
only together with their move."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from shopops.catalog.service import sku_codes
from shopops.catalog.service import sku_id as sku_id_of
from shopops.core.errors import ValidationError
from shopops.core.uow import UnitOfWork
from shopops.inventory import service
from shopops.inventory.models import MOVE_KINDS, StockMove, Warehouse

POSTABLE_KINDS = ("receipt", "adjustment", "return", "transfer")


def list_moves(uow: UnitOfWork, *, sku: str | None = None, warehouse: str | None = None,
               kind: str | None = None, since: datetime | None = None,
               until: datetime | None = None, offset: int = 0, limit: int = 50,
               ) -> tuple[int, list[dict[str, Any]]]:
    """Moves newest first, filtered; (total, one page)."""
    query = select(StockMove, Warehouse.code).join(
        Warehouse, Warehouse.id == StockMove.warehouse_id)
    if sku is not None:
        query = query.where(StockMove.sku_id == sku_id_of(uow, sku))
    if warehouse is not None:
        query = query.where(Warehouse.code == warehouse)
    if kind is not None:
        if kind not in MOVE_KINDS:
            raise ValidationError(f"unknown move kind {kind!r}; known: {', '.join(MOVE_KINDS)}",
                                  field="kind")
        query = query.where(StockMove.kind == kind)
    if since is not None:
        query = query.where(StockMove.occurred_at >= since)
    if until is not None:
        query = query.where(StockMove.occurred_at < until)
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = uow.session.execute(query.order_by(StockMove.occurred_at.desc(),
                                              StockMove.id.desc())
                               .offset(offset).limit(limit)).all()
    codes = sku_codes(uow, {move.sku_id for move, _ in rows})
    return total, [{"id": move.id, "sku": codes[move.sku_id][0], "warehouse": wh,
                    "kind": move.kind, "quantity": move.quantity,
                    "occurred_at": move.occurred_at.isoformat(),
                    "reference": move.reference, "reason": move.reason}
                   for move, wh in rows]


def _text(body: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{key} is required", field=key)
        return None
    return str(value)


def _quantity(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{key} must be a whole number, got {value!r}", field=key)
    return value


def post_move(uow: UnitOfWork, body: dict[str, Any]) -> dict[str, Any]:
    """One move by its kind: receipt (采购入库), adjustment (盘点调整, signed `delta` and a
    reason), return (退货入库, `restock` or quarantine) or transfer (调拨 to `to_warehouse`)."""
    kind = _text(body, "kind")
    if kind not in POSTABLE_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(POSTABLE_KINDS)}, got {kind!r}",
                              field="kind")
    sku, warehouse = str(_text(body, "sku")), str(_text(body, "warehouse"))
    reference = _text(body, "reference", required=kind == "receipt")
    answer: dict[str, Any] = {"kind": kind, "sku": sku, "warehouse": warehouse}
    if kind == "receipt":
        service.receive(uow, sku, warehouse, _quantity(body, "quantity"), str(reference))
    elif kind == "adjustment":
        service.adjust(uow, sku, warehouse, _quantity(body, "delta"),
                       str(_text(body, "reason")), reference)
    elif kind == "return":
        restock = body.get("restock", False)
        if not isinstance(restock, bool):
            raise ValidationError("restock must be true or false", field="restock")
        answer["warehouse"] = service.return_goods(
            uow, sku, warehouse, _quantity(body, "quantity"), restock,
            str(_text(body, "reason")), reference)
    else:
        answer["transfer_id"] = service.transfer_out(
            uow, sku, warehouse, str(_text(body, "to_warehouse")),
            _quantity(body, "quantity"), reference)
    answer["levels"] = [asdict(lv) for lv in service.stock_levels(uow, sku=sku)]
    return answer
