"""Flash sale (秒杀) tables: the sale with its own stock pool, each buyer's count, the holds.

Why a pool row and not a reservation in the stock ledger: a flash sale concentrates thousands of
buyers on one SKU in seconds; its pool is one small row that every buy changes with one
conditional UPDATE (``remaining >= :qty``), so the hot lock is held for microseconds and the
ledger (warehouse balances, moves) is not locked by buyers who will mostly be told 售罄. The
invariant ``units = remaining + held + sold`` is a CHECK, and none of them can go negative.
The per-customer limit is one row per (sale, customer) changed by a conditional UPDATE
(``bought + :qty <= per_customer``) in the same transaction as the pool and the hold.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import Cents, UtcDateTime


class FlashSale(Base):
    """秒杀活动: a flash price on one SKU of one store, ``units`` in its own pool."""

    __tablename__ = "flash_sales"
    __table_args__ = (
        CheckConstraint("remaining >= 0 AND held >= 0 AND sold >= 0",
                        name="pool_not_negative"),
        CheckConstraint("remaining + held + sold = units", name="pool_adds_up"),
        CheckConstraint("per_customer >= 1 AND hold_minutes >= 1",
                        name="limits_positive"),
        Index("ix_flash_sales_store_sku", "store_id", "sku_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id"))
    price: Mapped[Decimal] = mapped_column(Cents())  # 秒杀价 per unit
    # the SKU's list price (标价) at creation: the orders' list price (migration 0017)
    list_price: Mapped[Decimal] = mapped_column(Cents())
    units: Mapped[int]  # 秒杀库存, fixed at creation
    remaining: Mapped[int]  # 可抢
    held: Mapped[int] = mapped_column(default=0)  # 待付款 (holds not yet paid or released)
    sold: Mapped[int] = mapped_column(default=0)  # 已付款
    per_customer: Mapped[int] = mapped_column(default=1)  # 每人限购
    hold_minutes: Mapped[int] = mapped_column(default=15)  # 未付款自动取消
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FlashSaleBuyer(Base):
    """How many units one customer holds or bought in a sale (每人限购 is checked here)."""

    __tablename__ = "flash_sale_buyers"
    __table_args__ = (
        UniqueConstraint("flash_sale_id", "customer", name="uq_flash_sale_buyers_sale_customer"),
        CheckConstraint("bought >= 0", name="bought_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flash_sale_id: Mapped[int] = mapped_column(ForeignKey("flash_sales.id"))
    customer: Mapped[str] = mapped_column(String(64))  # the buyer's id on the channel
    bought: Mapped[int] = mapped_column(default=0)  # held + paid units


class FlashSaleHold(Base):
    """An unpaid order hold (待付款订单) and the order it created: paid → sold (the order
    paid), or released after ``hold_until`` (the order cancelled)."""

    __tablename__ = "flash_sale_holds"
    __table_args__ = (
        CheckConstraint("qty >= 1", name="qty_positive"),
        CheckConstraint("status IN ('held', 'paid', 'released')",
                        name="status_known"),
        Index("ix_flash_sale_holds_status_until", "status", "hold_until"),
        Index("ix_flash_sale_holds_sale_customer", "flash_sale_id", "customer"),
        UniqueConstraint("order_id", name="uq_flash_sale_holds_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flash_sale_id: Mapped[int] = mapped_column(ForeignKey("flash_sales.id"))
    customer: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Cents())  # price × qty, the order's goods amount
    status: Mapped[str] = mapped_column(String(16), default="held")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    hold_until: Mapped[datetime] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # the order this hold created in the order book (migration 0017; None before it)
    order_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("orders.id"))
