"""Returns API (售后): create, list (filters), one request, the board, the return-rate
analysis, and the actions approve / reject / receive / refund / exchange / close. Thin: parse,
call the service, answer with the request as the read side shows it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shopops.service import queries
from shopops.service import service as aftersales
from shopops.service.analysis import DIMENSIONS
from shopops.service.models import KINDS, STATUSES
from shopops.service.reasons import REASONS
from shopops.web.deps import CoreDep, Paged, PageDep, ReaderDep

router = APIRouter(tags=["returns 售后"])


class ReturnIn(BaseModel):
    order_id: int = Field(description="订单 id (GET /api/v1/orders)")
    sku: str | None = Field(None, description="the line's SKU code (or order_line_id)")
    order_line_id: int | None = None
    reason: str = Field(description="原因: " + ", ".join(
        f"{c} {r.name}" for c, r in REASONS.items()), examples=["quality"])
    kind: str | None = Field(None, description="return_refund 退货退款 | exchange 换货 | "
                             "refund_only 仅退款; default: the reason's handling")
    quantity: int = Field(1, description="units of the line")
    amount: str | None = Field(None, description="goods refund, yuan; default: the units' "
                               "share of what the line paid (never above what is left)")
    note: str | None = None


class ReturnOut(BaseModel):
    id: int
    store: str
    order_id: int
    order_line_id: int
    sku: str
    sku_name: str
    kind: str = Field(json_schema_extra={"enum": list(KINDS)})
    reason: str
    reason_name: str
    reason_category: str
    quantity: int
    amount: str = Field(description="商品退款 yuan")
    shipping_refund: str = Field(description="运费退款 yuan")
    apology: bool = Field(description="需致歉 (quality problems)")
    status: str = Field(json_schema_extra={"enum": list(STATUSES)})
    note: str | None
    restock: bool | None = Field(description="True: back to sellable; False: 待检区")
    return_warehouse: str | None
    requested_at: str | None
    approved_at: str | None
    rejected_at: str | None
    received_at: str | None
    refunded_at: str | None
    exchanged_at: str | None
    closed_at: str | None
    refund_due_since: str | None = Field(description="when the refund became due")
    refund_hours: str | None = Field(description="退款时长 hours so far / taken")
    within_target: bool | None = Field(description="refunded within the shop's target (24 h)")
    overdue: bool = Field(description="refund due, not paid, past the target")


class ReturnDetail(ReturnOut):
    channel_order_no: str
    line_paid_amount: str
    line_refund_amount: str
    timeline: list[dict[str, Any]]


class RejectIn(BaseModel):
    note: str = Field(description="why (the buyer sees it)")


class ReceiveIn(BaseModel):
    warehouse: str = Field(description="warehouse code the parcel came back to")
    restock: bool | None = Field(None, description="True: sellable; False: 待检区; default "
                                 "by reason (quality / damage are inspected first)")


class RefundIn(BaseModel):
    amount: str | None = Field(None, description="default: the agreed amount")


class ExchangeIn(BaseModel):
    warehouse: str | None = Field(None, description="ship the replacement from here")
    replacement_sku: str | None = Field(None, description="default: the same SKU")


def _detail(core: Any, request_id: int) -> dict[str, Any]:
    with core.reader() as uow:
        return queries.get_request(uow, request_id)


@router.post("/returns", status_code=201, response_model=ReturnDetail)
def post_return(body: ReturnIn, core: CoreDep) -> dict[str, Any]:
    """售后申请 open a request for one order line; refused (problem+json naming the field)
    when the reason is unknown, the 7-day no-reason window has passed, or the quantity or
    amount is more than the line has left."""
    with core.uow() as uow:
        request_id = aftersales.create_request(uow, aftersales.NewRequest(**body.model_dump()))
    return _detail(core, request_id)


@router.get("/returns", response_model=Paged[ReturnOut])
def get_returns(
    uow: ReaderDep, page: PageDep,
    status: Annotated[str | None, Query(json_schema_extra={"enum": list(STATUSES)})] = None,
    kind: Annotated[str | None, Query(json_schema_extra={"enum": list(KINDS)})] = None,
    reason: Annotated[str | None, Query(json_schema_extra={"enum": list(REASONS)})] = None,
    store: Annotated[str | None, Query(description="店铺代码")] = None,
    sku: Annotated[str | None, Query(description="SKU code")] = None,
    order_id: int | None = None,
    overdue: Annotated[bool, Query(description="only refunds past the target")] = False,
    requested_from: Annotated[str | None, Query(description="YYYY-MM-DD inclusive")] = None,
    requested_to: Annotated[str | None, Query(description="YYYY-MM-DD inclusive")] = None,
) -> dict[str, Any]:
    """售后列表: open work first (待审核, 待退货, 待退款), newest first."""
    filters = queries.RequestFilters(status=status or None, kind=kind or None,
                                     reason=reason or None, store=store or None,
                                     sku=sku or None, order_id=order_id, overdue=overdue,
                                     requested_from=requested_from or None,
                                     requested_to=requested_to or None)
    return queries.list_requests(uow, filters, page.page, page.page_size)


@router.get("/returns/board")
def get_board(uow: ReaderDep) -> dict[str, Any]:
    """售后看板: count per status, overdue refunds, refund-time figures (last 30 days)."""
    return queries.board(uow)


@router.get("/returns/analysis")
def get_analysis(
    uow: ReaderDep,
    date_from: Annotated[str, Query(alias="from", description="付款日 from, YYYY-MM-DD")],
    date_to: Annotated[str, Query(alias="to", description="付款日 to, YYYY-MM-DD")],
    store: str | None = None,
    by: Annotated[str | None, Query(description="comma list of " + ", ".join(DIMENSIONS))
                  ] = None,
) -> dict[str, Any]:
    """退货率分析 of the orders paid in the period, by SKU / category / store / reason, with
    the shop's reference (1.8%) and alert line (+2 pts)."""
    dims = tuple(d.strip() for d in by.split(",") if d.strip()) if by else DIMENSIONS
    return queries.return_analysis(uow, date_from, date_to, dims, store or None)


@router.get("/returns/{request_id}", response_model=ReturnDetail)
def get_return(request_id: int, uow: ReaderDep) -> dict[str, Any]:
    """一个售后单 with its order number and timeline."""
    return queries.get_request(uow, request_id)


@router.post("/returns/{request_id}/approve", response_model=ReturnDetail)
def post_approve(request_id: int, core: CoreDep) -> dict[str, Any]:
    """同意 the request."""
    with core.uow() as uow:
        aftersales.approve(uow, request_id)
    return _detail(core, request_id)


@router.post("/returns/{request_id}/reject", response_model=ReturnDetail)
def post_reject(request_id: int, body: RejectIn, core: CoreDep) -> dict[str, Any]:
    """拒绝 the request, saying why."""
    with core.uow() as uow:
        aftersales.reject(uow, request_id, body.note)
    return _detail(core, request_id)


@router.post("/returns/{request_id}/receive", response_model=ReturnDetail)
def post_receive(request_id: int, body: ReceiveIn, core: CoreDep) -> dict[str, Any]:
    """收到退货: restock or 待检区 through the stock ledger."""
    with core.uow() as uow:
        aftersales.receive(uow, request_id, body.warehouse, body.restock)
    return _detail(core, request_id)


@router.post("/returns/{request_id}/refund", response_model=ReturnDetail)
def post_refund(request_id: int, core: CoreDep, body: RefundIn | None = None
                ) -> dict[str, Any]:
    """退款 into the order line (net GMV and the refund rate follow)."""
    with core.uow() as uow:
        aftersales.refund(uow, request_id, body.amount if body else None)
    return _detail(core, request_id)


@router.post("/returns/{request_id}/exchange", response_model=ReturnDetail)
def post_exchange(request_id: int, core: CoreDep, body: ExchangeIn | None = None
                  ) -> dict[str, Any]:
    """换货: the replacement leaves the warehouse through the stock ledger."""
    with core.uow() as uow:
        aftersales.exchange(uow, request_id, body.warehouse if body else None,
                            body.replacement_sku if body else None)
    return _detail(core, request_id)


@router.post("/returns/{request_id}/close", response_model=ReturnDetail)
def post_close(request_id: int, core: CoreDep) -> dict[str, Any]:
    """关闭 a refunded, exchanged or rejected request."""
    with core.uow() as uow:
        aftersales.close(uow, request_id)
    return _detail(core, request_id)
