"""The JSON API, mounted under /api/v1: every domain router, all behind authentication
(bearer token, or the console's signed-in session). Errors are application/problem+json."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from shopops.analytics.api import router as analytics_router
from shopops.catalog.api import router as catalog_router
from shopops.fulfillment.api import router as fulfillment_router
from shopops.inventory.api import router as inventory_router
from shopops.inventory.purchasing_api import router as purchasing_router
from shopops.orders.api import router as orders_router
from shopops.orders.placement_api import router as placement_router
from shopops.pricing.api import router as pricing_router
from shopops.pricing.flash_api import router as flash_sale_router
from shopops.service.api import router as returns_router
from shopops.stores.api import router as stores_router
from shopops.web.deps import PROBLEM_RESPONSES, current_api_user

router = APIRouter(dependencies=[Depends(current_api_user)], responses=PROBLEM_RESPONSES)

# first: routes are matched in order, and the 秒杀 buy is the busiest (benchmarks/pricing.py)
router.include_router(flash_sale_router)
for domain_router in (analytics_router, stores_router, catalog_router, orders_router):
    router.include_router(domain_router)
router.include_router(placement_router)
router.include_router(inventory_router)
router.include_router(purchasing_router)
router.include_router(pricing_router)
router.include_router(fulfillment_router)
router.include_router(returns_router)

__all__ = ["router"]
