"""Replenishment and purchasing API (补货 / 供应商 / 采购单). Thin: parse, call a service,
shape the answer; errors are problem+json naming the field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from shopops.inventory import purchasing_service as purchasing
from shopops.inventory.replenishment_service import create_purchase_orders, replenishment_plan
from shopops.web.deps import CoreDep, PageDep, ReaderDep

router = APIRouter(tags=["replenishment 补货与采购"])

DateParam = Annotated[date | None, Query(alias="date", description="as of this business day, "
                                                                   "YYYY-MM-DD (default today)")]
StoreParam = Annotated[str | None, Query(description="only this store's demand (store code)")]
DemandParam = Annotated[str, Query(description="forecast (statsforecast outlook) or recent "
                                               "(recent average)")]

PICKS_EXAMPLE: dict[str, Any] = {"default": {"summary": "生成采购单", "value": {
    "picks": [{"sku": "P001-01", "warehouse": "WH-SH"}], "demand": "forecast"}}}
PO_EXAMPLE: dict[str, Any] = {"default": {"summary": "采购单草稿", "value": {
    "supplier": "SUP-HZ-APP", "lines": [{"sku": "P001-01", "warehouse": "WH-SH",
                                         "quantity": 60}]}}}
RECEIVE_EXAMPLE: dict[str, Any] = {"default": {"summary": "部分到货", "value": {
    "lines": [{"sku": "P001-01", "warehouse": "WH-SH", "accepted": 40, "defective": 2}]}}}


@router.get("/replenishment/suggestions")
def get_suggestions(uow: ReaderDep, page: PageDep, on: DateParam = None,
                    store: StoreParam = None, demand: DemandParam = "forecast",
                    all_positions: Annotated[bool, Query(
                        alias="all", description="also positions that need no order")] = False,
                    ) -> dict[str, Any]:
    """补货建议 per SKU × warehouse with the explanation's numbers (forecast_lead_time,
    safety_stock, reorder_point, order_up_to, promo_build_up, on_hand, incoming, reserved,
    position, net_requirement, moq, case_pack, rounding → suggested_qty) and a Chinese
    sentence; only positions to order unless `all`."""
    plan = replenishment_plan(uow, as_of=on, store=store, demand=demand)
    lines = plan.lines if all_positions else plan.to_order()
    return {"as_of": plan.as_of.isoformat(),
            "items": [ln.as_json() for ln in lines[page.offset:page.offset + page.page_size]],
            "page": page.page, "page_size": page.page_size, "total": len(lines)}


@router.post("/replenishment/purchase-orders", status_code=201)
def post_replenishment_orders(
    core: CoreDep, body: Annotated[dict[str, Any], Body(openapi_examples=PICKS_EXAMPLE)],
) -> dict[str, Any]:
    """生成采购单: the picked suggestions (`picks` [{sku, warehouse}], default every one with a
    quantity) become draft purchase orders, one per preferred supplier; `skipped` lists those
    without a supplier or a quantity."""
    picks = body.get("picks")
    chosen = None if picks is None else [(str(p.get("sku")), str(p.get("warehouse")))
                                         for p in picks if isinstance(p, dict)]
    day = body.get("date")
    with core.uow() as uow:
        return create_purchase_orders(uow, picks=chosen,
                                      as_of=date.fromisoformat(day) if day else None,
                                      store=body.get("store"),
                                      demand=str(body.get("demand", "forecast")))


@router.get("/suppliers")
def get_suppliers(uow: ReaderDep) -> dict[str, Any]:
    """供应商 with their default terms, SKU count, open orders and scorecard (on_time_rate,
    fill_rate, defect_rate, price_index, lead time actually taken)."""
    items = purchasing.list_suppliers(uow)
    return {"items": items, "page": 1, "page_size": len(items), "total": len(items)}


@router.post("/suppliers", status_code=201)
def post_supplier(core: CoreDep, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """新增供应商: code, name, lead_time_days, lead_time_sigma_days, moq, case_pack,
    return_policy, contact (409 for an existing code)."""
    with core.uow() as uow:
        return purchasing.add_supplier(
            uow, body.get("code", ""), body.get("name", ""),
            lead_time_days=body.get("lead_time_days"),
            lead_time_sigma_days=body.get("lead_time_sigma_days", "0"),
            moq=body.get("moq", 1), case_pack=body.get("case_pack", 1),
            return_policy=body.get("return_policy"), contact=body.get("contact"))


@router.put("/suppliers/{code}/terms/{sku}")
def put_supplier_terms(code: str, sku: str, core: CoreDep,
                       body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """供货条款 of the supplier for the SKU: unit_price, moq, case_pack, lead_time_days,
    priority (1 preferred, 2+ backup)."""
    with core.uow() as uow:
        purchasing.set_supplier_term(uow, code, sku, unit_price=body.get("unit_price"),
                                     moq=body.get("moq"), case_pack=body.get("case_pack"),
                                     lead_time_days=body.get("lead_time_days"),
                                     priority=body.get("priority", 1))
    return {"supplier": code, "sku": sku, **body}


@router.get("/purchase-orders")
def get_purchase_orders(uow: ReaderDep, page: PageDep,
                        status: Annotated[str | None, Query(description="draft, sent, "
                                          "partially_received, received, cancelled")] = None,
                        supplier: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    """采购单 newest first, with their lines (ordered, received, defective, remaining)."""
    items, total = purchasing.list_purchase_orders(uow, status=status, supplier=supplier,
                                                   offset=page.offset, limit=page.page_size)
    return {"items": items, "page": page.page, "page_size": page.page_size, "total": total}


@router.post("/purchase-orders", status_code=201)
def post_purchase_order(core: CoreDep, body: Annotated[dict[str, Any], Body(
        openapi_examples=PO_EXAMPLE)]) -> dict[str, Any]:
    """新建采购单 (草稿): supplier and lines {sku, warehouse, quantity[, unit_price]}."""
    with core.uow() as uow:
        return purchasing.create_purchase_order(uow, body.get("supplier", ""),
                                                body.get("lines") or [], body.get("note"))


@router.get("/purchase-orders/{code}")
def get_purchase_order(code: str, uow: ReaderDep) -> dict[str, Any]:
    return purchasing.get_purchase_order(uow, code)


@router.post("/purchase-orders/{code}/send")
def post_send(code: str, core: CoreDep) -> dict[str, Any]:
    """下单 draft → sent, expected delivery from the supplier's lead time (409 otherwise)."""
    with core.uow() as uow:
        return purchasing.send_purchase_order(uow, code)


@router.post("/purchase-orders/{code}/receive")
def post_receive(code: str, core: CoreDep, body: Annotated[dict[str, Any] | None, Body(
        openapi_examples=RECEIVE_EXAMPLE)] = None) -> dict[str, Any]:
    """到货入库: lines {sku[, warehouse], accepted[, defective]}, or no body for everything
    still to come; accepted units post stock receipts."""
    with core.uow() as uow:
        return purchasing.receive_purchase_order(uow, code, (body or {}).get("lines"))


@router.post("/purchase-orders/{code}/cancel")
def post_cancel(code: str, core: CoreDep) -> dict[str, Any]:
    """取消 a draft or close a sent order short."""
    with core.uow() as uow:
        return purchasing.cancel_purchase_order(uow, code)
