"""Imports every domain's models so that Base.metadata is complete (Alembic, tests)."""

from shopops.accounts import models as accounts_models
from shopops.analytics import models as analytics_models
from shopops.catalog import models as catalog_models
from shopops.customers import models as customers_models
from shopops.db import facts, shop_settings
from shopops.db.base import Base
from shopops.fulfillment import models as fulfillment_models
from shopops.inventory import forecast_models, purchasing_models
from shopops.inventory import models as inventory_models
from shopops.marketing import models as marketing_models
from shopops.orders import allocation_models, import_models
from shopops.orders import models as orders_models
from shopops.pricing import flash_models, usage_models
from shopops.pricing import models as pricing_models
from shopops.service import models as service_models
from shopops.stores import models as stores_models

__all__ = [
    "Base",
    "accounts_models",
    "allocation_models",
    "analytics_models",
    "catalog_models",
    "customers_models",
    "facts",
    "flash_models",
    "forecast_models",
    "fulfillment_models",
    "import_models",
    "inventory_models",
    "marketing_models",
    "orders_models",
    "pricing_models",
    "purchasing_models",
    "service_models",
    "shop_settings",
    "stores_models",
    "usage_models",
]
