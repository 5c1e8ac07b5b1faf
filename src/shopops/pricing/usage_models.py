"""Promotion use counters (促销核销计数, migration 0018): the caps' fast, lockable view.

``promotion_uses`` keeps one row per use (who, which order, how much); these two tables hold
the running totals a cap is checked against, changed only together with a use row, in the
same transaction, by one conditional upsert each (``INSERT … ON CONFLICT DO UPDATE … WHERE
uses + 1 <= :max_uses``): the row lock makes two orders racing for the last use of a cap wait
for each other and the second finds no room — on SQLite and PostgreSQL alike. Invariant:
``counter.uses = count(promotion_uses)`` and ``counter.discount = Σ promotion_uses.discount``
per promotion (and per promotion and buyer for the customer counter).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import Cents


class PromotionCounter(Base):
    """One promotion's uses and discount given so far (its budget / 限量 are checked here)."""

    __tablename__ = "promotion_counters"
    __table_args__ = (CheckConstraint("uses >= 0 AND discount >= 0", name="not_negative"),)

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    uses: Mapped[int]
    discount: Mapped[Decimal] = mapped_column(Cents())


class PromotionCustomerCounter(Base):
    """One buyer's uses of one promotion (its 每人限用 is checked here)."""

    __tablename__ = "promotion_customer_counters"
    __table_args__ = (CheckConstraint("uses >= 0", name="not_negative"),)

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    customer: Mapped[str] = mapped_column(String(64), primary_key=True)
    uses: Mapped[int]
