"""Flash sale API (秒杀): buy → an unpaid order and its hold, pay a hold, the pool's status. Created
through ``POST /api/v1/promotions`` with ``{"type": "flash_sale", …}``. Thin: the service
decides (409 ``flash_sale.sold_out`` / ``flash_sale.limit_reached`` / ``flash_sale.not_running``
/ ``flash_sale.hold_expired``)."""

from __future__ import annotations

import os
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.concurrency import run_in_threadpool

from shopops.bootstrap import App
from shopops.pricing import flash_service
from shopops.pricing.flash_redis import RedisGate, redis_url
from shopops.web.deps import CoreDep, ReaderDep

router = APIRouter(tags=["flash sale 秒杀"])
_GATES: dict[tuple[int, str], RedisGate] = {}
# buys in a database transaction at once, per process (SHOPOPS_FLASH_BUY_CONCURRENCY): every
# buy queues on the same pool row, so more only hold more connections and add threads fighting
# for the GIL (server CPU per buy 2.5 ms at 2, 2.7–3.1 at 4–8 on the benchmark; more worker
# processes, `shopops serve --workers`, are the way to use more cores)
BUY_CONCURRENCY = int(os.environ.get("SHOPOPS_FLASH_BUY_CONCURRENCY") or 2)
_BUYING = threading.BoundedSemaphore(BUY_CONCURRENCY)

BUY_EXAMPLE: dict[str, Any] = {"default": {"summary": "抢购 1 件", "value": {
    "customer": "tb_buyer_001", "qty": 1}}}


def gate(core: App) -> RedisGate | None:
    """The Redis gate when SHOPOPS_REDIS_URL is set (one per app and URL)."""
    url = redis_url()
    if url is None:
        return None
    key = (id(core), url)
    if key not in _GATES:
        _GATES[key] = RedisGate(url)
    return _GATES[key]


def _buy(core: App, sale_id: int, body: dict[str, Any]) -> dict[str, Any]:
    with _BUYING, core.uow() as uow:
        hold = flash_service.buy(uow, sale_id, body.get("customer"), body.get("qty", 1),
                                 gate=gate(core))
    return hold.as_json()


@router.post("/flash-sales/{sale_id}/orders", status_code=201)
async def post_buy(sale_id: int,
                   body: Annotated[dict[str, Any], Body(openapi_examples=BUY_EXAMPLE)],
                   core: CoreDep) -> dict[str, Any]:
    """抢购 buy: `customer` (the buyer's id) and `qty` (default 1) → an unpaid order in the
    order book (`order`, `order_no`) and its hold (`hold`, `hold_until`); 409
    `flash_sale.sold_out` or `flash_sale.limit_reached`."""
    # one worker thread for the whole buy (a sync route takes a second one for its answer)
    return await run_in_threadpool(_buy, core, sale_id, body)


@router.post("/flash-sales/{sale_id}/orders/{hold_id}/pay")
def post_pay(sale_id: int, hold_id: int, core: CoreDep) -> dict[str, Any]:
    """付款 pay a hold before `hold_until`: its units count as sold; 409
    `flash_sale.hold_expired` once it lapsed."""
    with core.uow() as uow:
        return flash_service.pay(uow, sale_id, hold_id).as_json()


@router.get("/flash-sales/{sale_id}")
def get_status(sale_id: int, uow: ReaderDep) -> dict[str, Any]:
    """秒杀状态: the sale and its pool (`status`: units, sold, held, remaining)."""
    return flash_service.status(uow, sale_id).as_json()


@router.get("/flash-sales")
def get_sales(uow: ReaderDep) -> dict[str, Any]:
    """秒杀列表 every flash sale with its pool, oldest first."""
    items = flash_service.list_flash_sales(uow)
    return {"items": [s.as_json() for s in items], "total": len(items)}
