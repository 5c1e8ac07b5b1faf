"""The metric definitions (指标口径), defined once and used by the cockpit, the API, the CLI
and alerts. Every figure is bucketed by the shop's business day (orders.paid_date, the
Shanghai date of payment; traffic and ads are daily rows in the same business day).

- gmv 成交额: goods paid by buyers (excluding shipping) of orders paid in the period.
- net_gmv 净成交额: gmv − refunds of those same orders.
- paid_orders 支付订单数; buyers 支付买家数 (distinct customers).
- uv 访客数 / pv 浏览量: Σ daily store × SKU × source traffic rows.
- conversion_rate 转化率 = buyers ÷ uv.  aov 客单价 = gmv ÷ paid_orders.
- refund_rate 退款率 = paid orders with any refund ÷ paid orders.
- repurchase_rate_30d 30天复购率 = buyers with a paid order in the period that came within
  30 days after another paid order of theirs ÷ buyers.
- new_buyers 新客: buyers with no paid order before the period; returning_buyers 老客.
- ad_spend 广告花费; roi 投产比 = gmv ÷ ad_spend.
Scope: stores (a store or a platform), optionally a category or SKUs. With a category/SKU
scope, amounts come from order lines, and ad spend/ROI are not attributable (None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Select, case, exists, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from shopops.analytics.periods import Period
from shopops.analytics.sqlfuncs import days_before
from shopops.core.money import CENT, cents_to_yuan
from shopops.marketing.models import AdSpendDaily, TrafficDaily
from shopops.orders.models import Order, OrderLine

AnySelect = Select[*tuple[Any, ...]]
RATE = Decimal("0.0001")
REPURCHASE_WINDOW_DAYS = 30

ORDERS = Order.__table__
LINES = OrderLine.__table__
TRAFFIC = TrafficDaily.__table__
ADS = AdSpendDaily.__table__


@dataclass(frozen=True, slots=True)
class Scope:
    """What to measure: None means everything."""

    store_ids: tuple[int, ...] | None = None
    sku_ids: tuple[int, ...] | None = None  # a category resolves to its SKUs

    @property
    def by_lines(self) -> bool:
        return self.sku_ids is not None


@dataclass(frozen=True, slots=True)
class Kpis:
    period: Period
    gmv: Decimal
    refund_amount: Decimal
    paid_orders: int
    refunded_orders: int
    buyers: int
    new_buyers: int
    repeat_buyers_30d: int
    uv: int
    pv: int
    ad_spend: Decimal | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def net_gmv(self) -> Decimal:
        return self.gmv - self.refund_amount

    @property
    def returning_buyers(self) -> int:
        return self.buyers - self.new_buyers

    @property
    def conversion_rate(self) -> Decimal | None:
        return conversion_rate(self.buyers, self.uv)

    @property
    def aov(self) -> Decimal | None:
        return average_order_value(self.gmv, self.paid_orders)

    @property
    def refund_rate(self) -> Decimal | None:
        return ratio(self.refunded_orders, self.paid_orders)

    @property
    def repurchase_rate_30d(self) -> Decimal | None:
        return ratio(self.repeat_buyers_30d, self.buyers)

    @property
    def roi(self) -> Decimal | None:
        return roi(self.gmv, self.ad_spend)

    def value(self, metric: str) -> Decimal | int | None:
        v: Decimal | int | None = getattr(self, metric)
        return v


METRICS: tuple[str, ...] = (
    "gmv",
    "net_gmv",
    "paid_orders",
    "buyers",
    "new_buyers",
    "returning_buyers",
    "uv",
    "pv",
    "conversion_rate",
    "aov",
    "refund_rate",
    "repurchase_rate_30d",
    "ad_spend",
    "roi",
)
AMOUNT_METRICS = frozenset({"gmv", "net_gmv", "aov", "ad_spend"})
RATE_METRICS = frozenset({"conversion_rate", "refund_rate", "repurchase_rate_30d"})


def conversion_rate(buyers: int, uv: int) -> Decimal | None:
    """转化率 = paid buyers ÷ visitors."""
    return ratio(buyers, uv)


def average_order_value(gmv: Decimal, paid_orders: int) -> Decimal | None:
    """客单价 = GMV ÷ paid orders."""
    return None if not paid_orders else (gmv / paid_orders).quantize(CENT)


def roi(gmv: Decimal, ad_spend: Decimal | None) -> Decimal | None:
    """投产比 = GMV ÷ ad spend; unknown without spend."""
    return None if not ad_spend else (gmv / ad_spend).quantize(CENT)


def cents_total(column: Any) -> Any:
    """Σ of a money column as integer cents (the Cents type would turn it into yuan)."""
    return type_coerce(func.coalesce(func.sum(column), 0), BigInteger())


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE)


def _in_period(column: Any, period: Period) -> Any:
    return column.between(period.start, period.end)


def order_filter(scope: Scope, period: Period) -> list[Any]:
    conditions = [_in_period(ORDERS.c.paid_date, period)]
    if scope.store_ids is not None:
        conditions.append(ORDERS.c.store_id.in_(scope.store_ids))
    return conditions


def _sales_query(scope: Scope, period: Period) -> AnySelect:
    """GMV, refunds, orders and buyers — from orders, or from lines for a SKU scope."""
    where = order_filter(scope, period)
    if not scope.by_lines:
        return select(
            cents_total(ORDERS.c.goods_amount),
            cents_total(ORDERS.c.refund_amount),
            func.count(),
            func.count(case((ORDERS.c.refund_amount > 0, 1))),
            func.count(func.distinct(ORDERS.c.customer_id)),
        ).where(*where)
    assert scope.sku_ids is not None
    return (
        select(
            cents_total(LINES.c.paid_amount),
            cents_total(LINES.c.refund_amount),
            func.count(func.distinct(ORDERS.c.id)),
            func.count(func.distinct(case((LINES.c.refund_amount > 0, ORDERS.c.id)))),
            func.count(func.distinct(ORDERS.c.customer_id)),
        )
        .select_from(ORDERS.join(LINES, LINES.c.order_id == ORDERS.c.id))
        .where(*where, LINES.c.sku_id.in_(scope.sku_ids))
    )


def _in_sku_scope(scope: Scope, order_id: Any) -> Any:
    assert scope.sku_ids is not None
    return exists().where(LINES.c.order_id == order_id, LINES.c.sku_id.in_(scope.sku_ids))


def _repeat_buyers_query(scope: Scope, period: Period) -> AnySelect:
    """Buyers with an order in the period paid ≤ 30 days after an earlier paid order of theirs
    (an index seek per order on (customer_id, paid_at); faster than a LAG window here)."""
    current = select(ORDERS.c.id, ORDERS.c.customer_id, ORDERS.c.paid_at).where(
        *order_filter(scope, period)
    )
    if scope.by_lines:
        current = current.where(_in_sku_scope(scope, ORDERS.c.id))
    cur = current.subquery("cur")
    prior = aliased(ORDERS, name="prior")
    earlier = [
        prior.c.customer_id == cur.c.customer_id,
        prior.c.paid_at < cur.c.paid_at,
        prior.c.paid_at >= days_before(cur.c.paid_at, REPURCHASE_WINDOW_DAYS),
    ]
    if scope.store_ids is not None:
        earlier.append(prior.c.store_id.in_(scope.store_ids))
    return select(func.count(func.distinct(cur.c.customer_id))).where(exists().where(*earlier))


def _returning_buyers_query(scope: Scope, period: Period) -> AnySelect:
    """老客: the period's buyers who had paid in the store scope before the period began."""
    buyers = select(ORDERS.c.customer_id).where(*order_filter(scope, period))
    if scope.by_lines:
        buyers = buyers.where(_in_sku_scope(scope, ORDERS.c.id))
    current = buyers.distinct().subquery("buyers")
    prior = aliased(ORDERS, name="prior")
    earlier = [prior.c.customer_id == current.c.customer_id, prior.c.paid_date < period.start]
    if scope.store_ids is not None:
        earlier.append(prior.c.store_id.in_(scope.store_ids))
    return select(func.count()).select_from(current).where(exists().where(*earlier))


def _traffic_query(scope: Scope, period: Period) -> AnySelect:
    query = select(
        func.coalesce(func.sum(TRAFFIC.c.uv), 0), func.coalesce(func.sum(TRAFFIC.c.pv), 0)
    )
    query = query.where(_in_period(TRAFFIC.c.day, period))
    if scope.store_ids is not None:
        query = query.where(TRAFFIC.c.store_id.in_(scope.store_ids))
    if scope.sku_ids is not None:
        query = query.where(TRAFFIC.c.sku_id.in_(scope.sku_ids))
    return query


def _ad_spend_query(scope: Scope, period: Period) -> AnySelect:
    query = select(cents_total(ADS.c.spend)).where(_in_period(ADS.c.day, period))
    if scope.store_ids is not None:
        query = query.where(ADS.c.store_id.in_(scope.store_ids))
    return query


def compute_kpis(session: Session, scope: Scope, period: Period) -> Kpis:
    """Every KPI of one scope and period, straight from the stored rows."""
    gmv, refund, orders, refunded, buyers = session.execute(_sales_query(scope, period)).one()
    repeat = session.execute(_repeat_buyers_query(scope, period)).scalar_one()
    returning = session.execute(_returning_buyers_query(scope, period)).scalar_one()
    uv, pv = session.execute(_traffic_query(scope, period)).one()
    spend = (
        None
        if scope.by_lines
        else cents_to_yuan(int(session.execute(_ad_spend_query(scope, period)).scalar_one()))
    )
    return Kpis(
        period=period,
        gmv=cents_to_yuan(int(gmv)),
        refund_amount=cents_to_yuan(int(refund)),
        paid_orders=int(orders),
        refunded_orders=int(refunded),
        buyers=int(buyers),
        new_buyers=int(buyers) - int(returning),
        repeat_buyers_30d=int(repeat),
        uv=int(uv),
        pv=int(pv),
        ad_spend=spend,
    )


def relative_change(
    current: Decimal | int | None, previous: Decimal | int | None
) -> Decimal | None:
    """(current − previous) ÷ previous; None when there is no base to compare with."""
    if current is None or previous is None or not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous)).quantize(RATE)


def daily_sales(
    session: Session, scope: Scope, start: date, end: date
) -> dict[date, tuple[Decimal, int]]:
    """GMV and paid orders per business day (for trends)."""
    period = Period("custom", start, end)
    if scope.by_lines:
        assert scope.sku_ids is not None
        query = (
            select(
                ORDERS.c.paid_date,
                cents_total(LINES.c.paid_amount),
                func.count(func.distinct(ORDERS.c.id)),
            )
            .select_from(ORDERS.join(LINES, LINES.c.order_id == ORDERS.c.id))
            .where(*order_filter(scope, period), LINES.c.sku_id.in_(scope.sku_ids))
        )
    else:
        query = select(ORDERS.c.paid_date, cents_total(ORDERS.c.goods_amount), func.count()).where(
            *order_filter(scope, period)
        )
    rows = session.execute(query.group_by(ORDERS.c.paid_date)).all()
    return {_as_date(d): (cents_to_yuan(int(g)), int(n)) for d, g, n in rows}


def daily_traffic(session: Session, scope: Scope, start: date, end: date) -> dict[date, int]:
    query = select(TRAFFIC.c.day, func.sum(TRAFFIC.c.uv)).where(
        _in_period(TRAFFIC.c.day, Period("custom", start, end))
    )
    if scope.store_ids is not None:
        query = query.where(TRAFFIC.c.store_id.in_(scope.store_ids))
    if scope.sku_ids is not None:
        query = query.where(TRAFFIC.c.sku_id.in_(scope.sku_ids))
    return {_as_date(d): int(uv) for d, uv in session.execute(query.group_by(TRAFFIC.c.day)).all()}


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
