"""Placing orders (下单) through the API: ``POST /api/v1/orders``. Thin: the use case
(:func:`shopops.orders.placement.place_order`) validates, prices, counts caps, redeems coupons
and writes the order in one transaction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from shopops.orders.placement import place_order
from shopops.web.deps import CoreDep

router = APIRouter(tags=["orders 订单"])

PLACE_EXAMPLE: dict[str, Any] = {"default": {"summary": "下单 (满减 + 店铺券)", "value": {
    "store": "own-1", "customer": {"id": "buyer-1", "tier": "gold", "coupons": ["c20"]},
    "lines": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}],
    "shipping_fee": "0", "expected_total": "320.00"}}}


@router.post("/orders", status_code=201)
def post_order(
    body: Annotated[dict[str, Any], Body(openapi_examples=PLACE_EXAMPLE)], core: CoreDep,
) -> dict[str, Any]:
    """下单 place a paid order from a cart: the same body as `POST /pricing/quote` without
    `at` (priced now), with `customer.id` (the buyer ref) required, optional `order_no`
    (平台订单号; unique per store, a retry with the same number is a 409) and optional
    `expected_total` (the 实付 the buyer was shown). In one transaction the promotions used are
    counted against their caps, the coupons used are redeemed and the order is written with
    each line's allocated discount (`discount_amount`) and `paid_amount` (what a refund of
    the line pays back). New-customer status comes from the order book.

    Errors (problem+json): 422 naming the field (`orders.invalid_order`,
    `pricing.invalid_cart` …); 409 `pricing.cap_reached` (a budget, 限量 or 每人限用 was used
    up meanwhile), `pricing.coupon_redeemed` (the coupon was used by another order),
    `orders.price_changed` (the price is not `expected_total`: quote again),
    `orders.order_exists`."""
    with core.uow() as uow:
        return place_order(uow, body)
