"""Fulfillment API (履约): allocate an order, ship parcels, tracking events (JSON or a
carrier file), the logistics exception queue and the board. Thin: parse, call a service,
shape the answer; errors are problem+json naming the field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, UploadFile
from pydantic import BaseModel, Field

from shopops.fulfillment import board as boards
from shopops.fulfillment import service
from shopops.fulfillment.models import SHIPMENT_STATUSES
from shopops.orders import allocation_service as allocation
from shopops.web.deps import CoreDep, CurrentUser, PageDep, ReaderDep

router = APIRouter(tags=["fulfillment 履约"])


class AllocateIn(BaseModel):
    province: str | None = Field(None, description="收货省份; default: the customer's known "
                                                   "province", examples=["广东"])


class ShipmentIn(BaseModel):
    order_id: int
    carrier: str = Field(description="SF 顺丰, ZTO 中通, YTO 圆通, YUNDA 韵达, STO 申通, "
                                     "JD 京东物流, EMS, JT 极兔, DBL 德邦 (code or name)")
    tracking_no: str = Field(description="运单号", examples=["SF1234567890"])
    warehouse: str | None = Field(None, description="which parcel of a split order")
    service: str = Field("standard", description="standard (3 days) | express (1 day)")
    promised_by: datetime | None = Field(None, description="承诺送达 (default from service)")
    province: str | None = Field(None, description="收货省份 when the order is still paid")


class HandleIn(BaseModel):
    note: str | None = Field(None, description="处理说明", examples=["已联系快递补发"])


@router.post("/orders/{order_id}/allocate", status_code=201)
def post_allocate(order_id: int, core: CoreDep,
                  body: Annotated[AllocateIn | None, Body()] = None) -> dict[str, Any]:
    """分仓: route a paid order by its store's rules and reserve every unit (all or
    nothing; 409 `inventory.insufficient_stock` names each short SKU)."""
    with core.uow() as uow:
        result = allocation.allocate_order(uow, order_id, body.province if body else None)
    return result.as_json()


@router.get("/orders/{order_id}/parcels")
def get_parcels(order_id: int, uow: ReaderDep) -> dict[str, Any]:
    """An order's parcels (one per warehouse) and their status."""
    allocation.order_brief(uow, order_id)
    return {"items": [p.as_json() for p in allocation.order_parcels(uow, order_id)]}


@router.post("/shipments", status_code=201)
def post_shipment(body: ShipmentIn, core: CoreDep) -> dict[str, Any]:
    """发货: a parcel leaves with a carrier and tracking number; stock reserved → shipped;
    the last parcel makes the order shipped. A paid order is allocated first."""
    with core.uow() as uow:
        view = service.ship_order(uow, body.order_id, body.carrier, body.tracking_no,
                                  warehouse=body.warehouse, service=body.service,
                                  promised_by=body.promised_by, province=body.province)
    return view.as_json()


@router.get("/shipments")
def get_shipments(
    uow: ReaderDep, page: PageDep,
    order_id: Annotated[int | None, Query(description="one order's shipments")] = None,
    status: Annotated[str | None, Query(json_schema_extra={"enum": list(SHIPMENT_STATUSES)})
                      ] = None,
) -> dict[str, Any]:
    """包裹列表, newest first, paginated."""
    items, total = service.list_shipments(uow, order_id=order_id, status=status,
                                          offset=page.offset, limit=page.page_size)
    return {"items": [v.as_json() for v in items], "page": page.page,
            "page_size": page.page_size, "total": total}


@router.get("/shipments/{shipment_id}")
def get_shipment(shipment_id: int, uow: ReaderDep) -> dict[str, Any]:
    return service.get_shipment(uow, shipment_id).as_json()


@router.post("/tracking-events")
def post_tracking_events(
    core: CoreDep,
    body: Annotated[list[dict[str, Any]], Body(openapi_examples={"default": {
        "summary": "two scans", "value": [
            {"tracking_no": "SF1234567890", "occurred_at": "2026-11-20T14:00:00+08:00",
             "status": "collected", "description": "顺丰已揽收", "location": "广州"},
            {"tracking_no": "SF1234567890", "occurred_at": "2026-11-21T18:00:00+08:00",
             "status": "delivered", "description": "已签收", "location": "上海"}]}})],
) -> dict[str, Any]:
    """物流轨迹: a list of scans; bad ones come back in `problems` (row = position), the
    others are stored; the same scan twice counts once; 签收 delivers the order."""
    with core.uow() as uow:
        report = service.post_tracking_events(uow, body)
    return report.as_json()


@router.post("/tracking-events/import")
async def post_tracking_file(
    core: CoreDep,
    file: Annotated[UploadFile, File(description="carrier tracking file, CSV or XLSX")],
) -> dict[str, Any]:
    """导入物流轨迹文件: each bad row with its row number, column and reason."""
    content = await file.read()
    with core.uow() as uow:
        report = service.import_tracking_file(uow, content, file.filename or "tracking.csv")
    return report.as_json()


@router.get("/fulfillment/exceptions")
def get_exceptions(
    uow: ReaderDep,
    kind: Annotated[str | None, Query(description="not_shipped | no_first_scan | stalled | "
                                                  "late_delivery")] = None,
    store: Annotated[str | None, Query(description="store code")] = None,
    include_resolved: bool = False,
) -> dict[str, Any]:
    """物流异常工作台: open exceptions oldest first, counts per type, suggested actions."""
    return service.exception_queue(uow, kind=kind, store=store,
                                   include_resolved=include_resolved).as_json()


@router.post("/fulfillment/exceptions/{key}/{action}")
def post_handle(key: str, action: str, core: CoreDep, user: CurrentUser,
                body: Annotated[HandleIn | None, Body()] = None) -> dict[str, Any]:
    """`action` = acknowledge (已知悉) or resolve (已处理) one exception by its key."""
    state = {"acknowledge": "acknowledged", "resolve": "resolved"}.get(action, action)
    with core.uow() as uow:
        return service.handle_exception(uow, key, state, body.note if body else None,
                                        user.username)


@router.get("/fulfillment/board")
def get_board(uow: ReaderDep,
              store: Annotated[str | None, Query(description="store code")] = None,
              limit: Annotated[int, Query(ge=1, le=5000)] = 200) -> dict[str, Any]:
    """履约看板: counts (to ship, overdue, due soon, exceptions per type), the most urgent
    orders to ship and the exception queue."""
    return boards.fulfillment_board(uow, store=store).as_json(limit)


@router.get("/fulfillment/routing-rules")
def get_rules(uow: ReaderDep, store: Annotated[str | None, Query()] = None
              ) -> dict[str, Any]:
    """分仓规则, in order (the store's own list, else the shop's, else the default)."""
    return {"store": store, "rules": [{"kind": r.kind, "warehouses": list(r.warehouses)}
                                      for r in allocation.routing_rules(uow, store)]}


@router.put("/fulfillment/routing-rules")
def put_rules(core: CoreDep, body: Annotated[list[dict[str, Any]], Body()],
              store: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    """Save the ordered rule list (exclude_warehouses, fewest_shipments, nearest_region,
    warehouse_priority) for one store or, without `store`, the whole shop."""
    with core.uow() as uow:
        rules = allocation.set_routing_rules(uow, body, store)
    return {"store": store, "rules": [{"kind": r.kind, "warehouses": list(r.warehouses)}
                                      for r in rules]}
