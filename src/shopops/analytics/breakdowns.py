"""Cockpit tables: breakdown by store or platform, top SKUs and slow SKUs (滞销)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopops.analytics import metrics
from shopops.analytics.metrics import (
    ADS,
    LINES,
    ORDERS,
    TRAFFIC,
    Scope,
    cents_total,
    order_filter,
    ratio,
)
from shopops.analytics.periods import Period
from shopops.catalog.models import Category, Product, Sku
from shopops.core.money import cents_to_yuan
from shopops.inventory.models import StockBalance
from shopops.stores.models import Store

STORES = Store.__table__
SKUS = Sku.__table__
PRODUCTS = Product.__table__
CATEGORIES = Category.__table__
BALANCES = StockBalance.__table__


@dataclass(frozen=True, slots=True)
class ChannelRow:
    key: str  # store code or platform
    name: str
    platform: str
    gmv: Decimal
    paid_orders: int
    buyers: int
    uv: int
    ad_spend: Decimal
    refund_amount: Decimal

    @property
    def conversion_rate(self) -> Decimal | None:
        return metrics.conversion_rate(self.buyers, self.uv)

    @property
    def aov(self) -> Decimal | None:
        return metrics.average_order_value(self.gmv, self.paid_orders)

    @property
    def roi(self) -> Decimal | None:
        return metrics.roi(self.gmv, self.ad_spend)


def channel_breakdown(
    session: Session, scope: Scope, period: Period, by: str = "store"
) -> list[ChannelRow]:
    """GMV, orders, buyers, UV, spend per store (or per platform), biggest first."""
    key = STORES.c.code if by == "store" else STORES.c.platform
    sales = dict_rows(
        session,
        select(
            key,
            cents_total(ORDERS.c.goods_amount),
            func.count(),
            func.count(func.distinct(ORDERS.c.customer_id)),
            cents_total(ORDERS.c.refund_amount),
        )
        .select_from(ORDERS.join(STORES, STORES.c.id == ORDERS.c.store_id))
        .where(*order_filter(scope, period))
        .group_by(key),
    )
    traffic = dict_rows(
        session,
        _store_scoped(
            select(key, func.sum(TRAFFIC.c.uv))
            .select_from(TRAFFIC.join(STORES, STORES.c.id == TRAFFIC.c.store_id))
            .where(TRAFFIC.c.day.between(period.start, period.end)),
            TRAFFIC.c.store_id,
            scope,
        ).group_by(key),
    )
    spend = dict_rows(
        session,
        _store_scoped(
            select(key, cents_total(ADS.c.spend))
            .select_from(ADS.join(STORES, STORES.c.id == ADS.c.store_id))
            .where(ADS.c.day.between(period.start, period.end)),
            ADS.c.store_id,
            scope,
        ).group_by(key),
    )
    stores = session.execute(
        _store_scoped(select(STORES.c.code, STORES.c.name, STORES.c.platform), STORES.c.id, scope)
    ).all()
    names: dict[str, tuple[str, str]] = {}
    for code, name, platform in stores:
        k = code if by == "store" else platform
        names.setdefault(k, (name if by == "store" else platform, platform))
    rows = []
    for k, (name, platform) in names.items():
        gmv, orders, buyers, refund = sales.get(k, (0, 0, 0, 0))
        rows.append(
            ChannelRow(
                k,
                name,
                platform,
                cents_to_yuan(int(gmv or 0)),
                int(orders),
                int(buyers),
                int(traffic.get(k, (0,))[0] or 0),
                cents_to_yuan(int(spend.get(k, (0,))[0] or 0)),
                cents_to_yuan(int(refund or 0)),
            )
        )
    return sorted(rows, key=lambda r: (-r.gmv, r.key))


def _store_scoped(query: Any, column: Any, scope: Scope) -> Any:
    return query if scope.store_ids is None else query.where(column.in_(scope.store_ids))


def dict_rows(session: Session, query: Any) -> dict[Any, tuple[Any, ...]]:
    return {row[0]: tuple(row[1:]) for row in session.execute(query).all()}


@dataclass(frozen=True, slots=True)
class SkuRow:
    sku: str
    name: str
    category: str
    units: int
    gmv: Decimal
    paid_orders: int
    uv: int
    available: int
    days: int  # length of the period the figures cover

    @property
    def conversion_rate(self) -> Decimal | None:
        return ratio(self.paid_orders, self.uv)

    @property
    def days_of_cover(self) -> Decimal | None:
        """可售天数: available ÷ average daily units sold in the period."""
        if not self.units:
            return None
        return (Decimal(self.available) * self.days / self.units).quantize(Decimal("0.1"))


def sku_performance(session: Session, scope: Scope, period: Period) -> list[SkuRow]:
    """Every active SKU in scope with its sales, traffic and available stock in the period."""
    sales = dict_rows(
        session,
        select(
            LINES.c.sku_id,
            func.sum(LINES.c.quantity),
            cents_total(LINES.c.paid_amount),
            func.count(func.distinct(ORDERS.c.id)),
        )
        .select_from(ORDERS.join(LINES, LINES.c.order_id == ORDERS.c.id))
        .where(*order_filter(scope, period))
        .group_by(LINES.c.sku_id),
    )
    traffic = dict_rows(
        session,
        _store_scoped(
            select(TRAFFIC.c.sku_id, func.sum(TRAFFIC.c.uv)).where(
                TRAFFIC.c.day.between(period.start, period.end)
            ),
            TRAFFIC.c.store_id,
            scope,
        ).group_by(TRAFFIC.c.sku_id),
    )
    stock = dict_rows(
        session,
        select(BALANCES.c.sku_id, func.sum(BALANCES.c.on_hand - BALANCES.c.reserved)).group_by(
            BALANCES.c.sku_id
        ),
    )
    catalog = (
        select(SKUS.c.id, SKUS.c.code, SKUS.c.name, CATEGORIES.c.name)
        .select_from(
            SKUS.join(PRODUCTS, PRODUCTS.c.id == SKUS.c.product_id).join(
                CATEGORIES, CATEGORIES.c.id == PRODUCTS.c.category_id
            )
        )
        .where(SKUS.c.active.is_(True))
    )
    if scope.sku_ids is not None:
        catalog = catalog.where(SKUS.c.id.in_(scope.sku_ids))
    rows = []
    for sku_id, code, name, category in session.execute(catalog).all():
        units, gmv, orders = sales.get(sku_id, (0, 0, 0))
        rows.append(
            SkuRow(
                code,
                name,
                category,
                int(units or 0),
                cents_to_yuan(int(gmv or 0)),
                int(orders or 0),
                int(traffic.get(sku_id, (0,))[0] or 0),
                int(stock.get(sku_id, (0,))[0] or 0),
                period.days,
            )
        )
    return rows


def top_skus(rows: list[SkuRow], limit: int = 10) -> list[SkuRow]:
    return sorted((r for r in rows if r.units), key=lambda r: (-r.gmv, r.sku))[:limit]


def slow_skus(rows: list[SkuRow], limit: int = 10, cover_days: Decimal | int = 60) -> list[SkuRow]:
    """滞销: in stock and selling too slowly — no sales, or more than `cover_days` of cover.
    The most stock tied up comes first: that is where clearance pays."""

    def cover(r: SkuRow) -> Decimal:
        return r.days_of_cover if r.days_of_cover is not None else Decimal("Infinity")

    slow = [r for r in rows if r.available > 0 and cover(r) > cover_days]
    return sorted(slow, key=lambda r: (-r.available, -cover(r), r.sku))[:limit]
