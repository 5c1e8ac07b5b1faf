"""Stock API (库存): stock levels per SKU × warehouse, the ledger's moves (read and post),
the monitoring board and stock alerts."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from shopops.inventory.monitoring_service import alerts_json, stock_board
from shopops.inventory.moves import list_moves, post_move
from shopops.inventory.service import stock_levels
from shopops.web.deps import CoreDep, Paged, PageDep, ReaderDep

router = APIRouter(tags=["stock 库存"])

DateParam = Annotated[date | None, Query(
    alias="date", description="as of the close of this business day, YYYY-MM-DD "
                              "(default: the shop's today)")]


MOVE_EXAMPLES: dict[str, Any] = {
    "receipt": {"summary": "采购入库", "value": {
        "kind": "receipt", "sku": "P001-01", "warehouse": "WH-SH", "quantity": 50,
        "reference": "PO-1001"}},
    "adjustment": {"summary": "盘点调整", "value": {
        "kind": "adjustment", "sku": "P001-01", "warehouse": "WH-SH", "delta": -2,
        "reason": "盘点短少"}},
    "transfer": {"summary": "调拨", "value": {
        "kind": "transfer", "sku": "P001-01", "warehouse": "WH-SH", "to_warehouse": "WH-GZ",
        "quantity": 10}},
}


class StockLevelOut(BaseModel):
    sku: str
    warehouse: str
    on_hand: int = Field(description="在库")
    reserved: int = Field(description="占用 (active, unexpired reservations)")
    available: int = Field(description="可用 = 在库 − 占用 (0 in a quarantine location)")
    in_transit: int = Field(description="在途 towards this warehouse")
    sellable: bool = Field(description="False for a quarantine location (待检区)")


@router.get("/stock/levels", response_model=Paged[StockLevelOut])
def get_levels(uow: ReaderDep, page: PageDep,
               sku: Annotated[str | None, Query(description="SKU code")] = None,
               warehouse: Annotated[str | None, Query(description="warehouse code")] = None,
               ) -> dict[str, Any]:
    """库存水位 on hand / reserved / available / in transit per SKU × warehouse, ordered by
    SKU then warehouse (404 for an unknown SKU or warehouse)."""
    levels = stock_levels(uow, sku=sku, warehouse=warehouse)
    items = [asdict(lv) for lv in levels[page.offset:page.offset + page.page_size]]
    return {"items": items, "page": page.page, "page_size": page.page_size,
            "total": len(levels)}


@router.get("/stock/moves")
def get_moves(uow: ReaderDep, page: PageDep,
              sku: Annotated[str | None, Query(description="SKU code")] = None,
              warehouse: Annotated[str | None, Query(description="warehouse code")] = None,
              kind: Annotated[str | None, Query(description="receipt, shipment, reserve, "
                                                "release, return, adjustment, transfer_out…")
                              ] = None,
              since: Annotated[datetime | None, Query(description="from (ISO-8601)")] = None,
              until: Annotated[datetime | None, Query(description="before (ISO-8601)")] = None,
              ) -> dict[str, Any]:
    """库存流水 the ledger's moves, newest first (never edited)."""
    total, items = list_moves(uow, sku=sku, warehouse=warehouse, kind=kind, since=since,
                              until=until, offset=page.offset, limit=page.page_size)
    return {"items": items, "page": page.page, "page_size": page.page_size, "total": total}


@router.post("/stock/moves", status_code=201)
def create_move(core: CoreDep, body: Annotated[dict[str, Any], Body(
        openapi_examples=MOVE_EXAMPLES)]) -> dict[str, Any]:
    """Post one move: receipt (采购入库), adjustment (盘点调整: signed delta + reason), return
    (退货入库: restock or 待检区) or transfer (调拨发出, in transit until received). The
    balance changes with its move in one transaction; stock never goes negative (409)."""
    with core.uow() as uow:
        return post_move(uow, body)


@router.get("/stock/board")
def get_board(uow: ReaderDep, on: DateParam = None) -> dict[str, Any]:
    """库存监控 per SKU (with its warehouses): average daily sales, 可售天数, 周转天数,
    ABC / XYZ, 库龄; the summary (动销比, turnover against the reference, alert counts)
    and the alerts — thresholds from the shop's settings."""
    return stock_board(uow, on).as_json()


@router.get("/stock/alerts")
def get_alerts(uow: ReaderDep, on: DateParam = None) -> dict[str, Any]:
    """库存预警 best sellers about to run out (补货) and slow movers with their clearance
    suggestion (清仓促销); the same answer as `shopops stock alerts --format json`."""
    return alerts_json(stock_board(uow, on))
