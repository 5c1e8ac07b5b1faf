"""Small builders for test data, written straight through the ORM. Orders keep the model's
rules: paid_date = the store's business day of paid_at, goods_amount = Σ lines' paid_amount,
paid_amount = goods_amount + shipping_fee, refund_amount = Σ lines' refund_amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shopops.catalog.models import Category, Product, Sku
from shopops.core.clock import business_date
from shopops.core.uow import UnitOfWork
from shopops.customers.models import Customer
from shopops.orders.models import Order, OrderLine

SHANGHAI = ZoneInfo("Asia/Shanghai")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware instant given as Shanghai wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def add_category(uow: UnitOfWork, code: str, name: str = "", *,
                 parent: Category | None = None, kind: str = "general") -> Category:
    category = Category(code=code, name=name or code, kind=kind,
                        parent_id=parent.id if parent else None)
    uow.session.add(category)
    uow.session.flush()
    return category


def add_product(uow: UnitOfWork, code: str, category: Category, name: str = "") -> Product:
    product = Product(code=code, name=name or code, category_id=category.id, created_at=EPOCH)
    uow.session.add(product)
    uow.session.flush()
    return product


def add_sku(uow: UnitOfWork, code: str, product: Product, *, price: str, cost: str,
            name: str = "", attributes: dict[str, Any] | None = None,
            active: bool = True) -> Sku:
    sku = Sku(code=code, product_id=product.id, name=name or code, attributes=attributes or {},
              price=Decimal(price), cost=Decimal(cost), listed_at=EPOCH, active=active)
    uow.session.add(sku)
    uow.session.flush()
    return sku


def add_customer(uow: UnitOfWork, name: str) -> Customer:
    customer = Customer(name=name, region="上海", created_at=EPOCH)
    uow.session.add(customer)
    uow.session.flush()
    return customer


@dataclass(frozen=True)
class Line:
    """One order line: `paid` is what the buyer paid for the whole line."""

    sku: Sku
    quantity: int
    paid: str
    refund: str = "0"


def add_order(uow: UnitOfWork, store_id: int, channel_order_no: str, lines: list[Line], *,
              paid_at: datetime | None = None, created_at: datetime | None = None,
              shipping: str = "0", customer: Customer | None = None,
              status: str | None = None, refunded_at: datetime | None = None,
              timezone: str = "Asia/Shanghai") -> Order:
    """An order whose header amounts add up from its lines."""
    goods = sum((Decimal(line.paid) for line in lines), Decimal(0))
    refund = sum((Decimal(line.refund) for line in lines), Decimal(0))
    listed = sum((line.sku.price * line.quantity for line in lines), Decimal(0))
    created = created_at or (paid_at - timedelta(minutes=5) if paid_at else EPOCH)
    order = Order(
        store_id=store_id, channel_order_no=channel_order_no,
        customer_id=customer.id if customer else None,
        status=status or ("refunded" if refund else "paid" if paid_at else "created"),
        list_amount=listed, discount_amount=max(listed - goods, Decimal(0)),
        goods_amount=goods, shipping_fee=Decimal(shipping),
        paid_amount=goods + Decimal(shipping), refund_amount=refund,
        created_at=created, paid_at=paid_at,
        paid_date=business_date(paid_at, timezone) if paid_at else None,
        refunded_at=refunded_at or (paid_at + timedelta(days=1) if refund and paid_at else None),
    )
    order.lines = [OrderLine(sku_id=line.sku.id, quantity=line.quantity,
                             list_price=line.sku.price,
                             discount_amount=max(line.sku.price * line.quantity
                                                 - Decimal(line.paid), Decimal(0)),
                             paid_amount=Decimal(line.paid), refund_amount=Decimal(line.refund))
                   for line in lines]
    uow.session.add(order)
    uow.session.flush()
    return order


class MovingClock:
    """A clock the test sets and moves (`clock.at += HOUR`), for expiry and SLA tests."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at
