"""Orders API (订单): list orders by business day / store / status, one order in detail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shopops.orders.models import ORDER_STATUSES
from shopops.orders.service import OrderFilters, get_order, list_orders
from shopops.web.deps import Paged, PageDep, ReaderDep

router = APIRouter(tags=["orders 订单"])

_AMOUNT = "yuan decimal string"


class OrderOut(BaseModel):
    id: int
    store: str = Field(description="店铺代码 store code")
    channel_order_no: str = Field(description="平台订单号")
    status: str = Field(json_schema_extra={"enum": list(ORDER_STATUSES)})
    customer_id: int | None
    created_at: str = Field(description="下单时间, ISO 8601 in the store's time zone")
    paid_at: str | None = Field(description="付款时间, ISO 8601 in the store's time zone",
                                examples=["2026-11-20T23:30:00+08:00"])
    paid_date: str | None = Field(description="付款日 business day (store's time zone)")
    goods_amount: str = Field(description="商品实付 " + _AMOUNT)
    shipping_fee: str = Field(description="运费 " + _AMOUNT)
    paid_amount: str = Field(description="实付金额 = goods_amount + shipping_fee")
    refund_amount: str = Field(description="退款金额 " + _AMOUNT)
    discount_amount: str = Field(description="优惠 " + _AMOUNT)
    list_amount: str = Field(description="标价合计 " + _AMOUNT)


class OrderLineOut(BaseModel):
    id: int
    sku: str
    sku_name: str
    quantity: int
    list_price: str = Field(description="单价 unit list price")
    discount_amount: str
    paid_amount: str
    refund_amount: str


class TimelineStep(BaseModel):
    step: str = Field(description="created | paid | shipped | delivered | completed | "
                                  "cancelled | refunded")
    at: str


class OrderDetail(OrderOut):
    lines: list[OrderLineOut]
    timeline: list[TimelineStep]


DateParam = Annotated[str | None, Query(description="付款日 YYYY-MM-DD, inclusive",
                                        json_schema_extra={"format": "date"})]


@router.get("/orders", response_model=Paged[OrderOut])
def get_orders(
    uow: ReaderDep, page: PageDep, paid_from: DateParam = None, paid_to: DateParam = None,
    store: Annotated[str | None, Query(description="店铺代码 store code")] = None,
    status: Annotated[str | None, Query(description="订单状态",
                                        json_schema_extra={"enum": list(ORDER_STATUSES)})
                      ] = None,
) -> dict[str, Any]:
    """订单列表 orders, newest payment first. `paid_from`/`paid_to` filter on the business
    day of payment (付款日, the store's time zone), both inclusive."""
    filters = OrderFilters(paid_from=paid_from or None, paid_to=paid_to or None,
                           store=store or None, status=status or None)
    return list_orders(uow, filters, page.page, page.page_size)


@router.get("/orders/{order_id}", response_model=OrderDetail)
def get_one_order(order_id: int, uow: ReaderDep) -> dict[str, Any]:
    """订单详情 one order with its lines (子订单) and the time of each step."""
    return get_order(uow, order_id)
