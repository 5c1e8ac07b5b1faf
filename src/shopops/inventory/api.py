"""Stock API (库存): stock levels per SKU × warehouse, the monitoring board and stock alerts."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shopops.inventory.monitoring_service import alerts_json, stock_board
from shopops.inventory.service import stock_levels
from shopops.web.deps import Paged, PageDep, ReaderDep

router = APIRouter(tags=["stock 库存"])

DateParam = Annotated[date | None, Query(
    alias="date", description="as of the close of this business day, YYYY-MM-DD "
                              "(default: the shop's today)")]



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
