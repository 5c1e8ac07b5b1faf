"""Pricing API (促销与到手价): create and list promotions, quote a cart. Thin: the service
validates (errors name the payload's field, e.g. ``tiers[0].off``) and shapes the answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from shopops.pricing.ops_api import router as ops_router
from shopops.pricing.service import create_promotion, list_promotions, quote_cart
from shopops.web.deps import CoreDep, CurrentUser, PageDep, ReaderDep

router = APIRouter(tags=["pricing 促销与到手价"])
router.include_router(ops_router)  # coupons, 拼团, 预售, campaigns, floors, simulation

PROMOTION_EXAMPLES: dict[str, Any] = {
    "full_reduction": {"summary": "满300减40", "value": {
        "type": "full_reduction", "store": "tm-1", "tiers": [{"threshold": "300", "off": "40"}],
        "repeat": False, "starts_at": "2026-11-01T00:00:00+08:00",
        "ends_at": "2026-11-12T00:00:00+08:00"}},
    "multi_buy_discount": {"summary": "2件9折", "value": {
        "type": "multi_buy_discount", "store": "tm-1", "skus": ["A"],
        "tiers": [{"qty": 2, "rate": "0.9"}]}},
    "coupon": {"summary": "满199减20 店铺券", "value": {
        "type": "coupon", "store": "tm-1", "code": "c20", "threshold": "199", "off": "20"}},
}
QUOTE_EXAMPLE: dict[str, Any] = {"default": {"summary": "购物车", "value": {
    "store": "tm-1", "customer": {"tier": "gold", "is_new": False, "coupons": ["c20"]},
    "lines": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}],
    "at": "2026-11-11T10:00:00+08:00"}}}


@router.post("/promotions", status_code=201)
def post_promotion(
    body: Annotated[dict[str, Any], Body(openapi_examples=PROMOTION_EXAMPLES)], core: CoreDep,
    user: CurrentUser,
) -> dict[str, Any]:
    """创建促销 create a promotion: `type` is full_reduction 满减, multi_buy_discount 满件折,
    coupon 优惠券, timed_discount 限时折扣, member_price 会员价, free_shipping_threshold 包邮,
    gift_with_purchase 满赠, bundle 组合套装; `store` (a store code) or none for a
    platform-level one; money and rates as decimal strings. Errors are 422 naming the field;
    `flash_sale` is refused (`pricing.unsupported_type`) for now; an existing `code` is a 409.
    Scope: `skus`, `categories` (with sub-categories), `member_tiers`, `new_customers_only`;
    caps: `budget`, `max_uses`, `per_customer`. Selling any SKU below its price floor is a
    422 `pricing.below_floor` naming each SKU unless `override_reason` is given (recorded)."""
    with core.uow() as uow:
        view = create_promotion(uow, body, actor=user.username)
    return view.as_json()


@router.get("/promotions")
def get_promotions(
    uow: ReaderDep, page: PageDep,
    store: Annotated[str | None, Query(description="店铺代码: its promotions and the "
                                                   "platform's")] = None,
) -> dict[str, Any]:
    """促销列表 promotions, oldest first, paginated."""
    items, total = list_promotions(uow, store=store, offset=page.offset, limit=page.page_size)
    return {"items": [v.as_json() for v in items], "page": page.page,
            "page_size": page.page_size, "total": total}


@router.post("/pricing/quote", response_model=dict[str, Any])
def post_quote(
    body: Annotated[dict[str, Any], Body(openapi_examples=QUOTE_EXAMPLE)], uow: ReaderDep,
) -> JSONResponse:
    """到手价 quote a cart: the best legal combination of the store's and the platform's
    promotions active at `at` (ISO-8601, default now), amounts as decimal strings, each line's
    `offers` (分摊) and the `explanation` (价格说明, 中文)."""
    # the answer is plain JSON already (amounts as strings): sent as is, skipping FastAPI's
    # jsonable_encoder walk over it (~1 ms on a 20-line cart)
    return JSONResponse(quote_cart(uow, body, uow.now()))
