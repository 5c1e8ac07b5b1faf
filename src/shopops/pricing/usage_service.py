"""Promotion uses (促销核销): caps and per-customer limits, recorded with the order.

:func:`record_use` takes the caller's unit of work: the order service calls it inside the
order's own transaction, so a use is stored exactly when the order is. The cap check reads the
counts then inserts; two orders racing for the very last use can both pass (the 秒杀 stock pool
is where a hard cap lives)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select

from shopops.core.errors import NotFound
from shopops.core.uow import UnitOfWork
from shopops.pricing.limits import Limits, check_use, parse_limits, reached
from shopops.pricing.models import CouponClaim, Promotion, PromotionUse
from shopops.pricing.promotions import InvalidCart, money


def customer_id(value: object) -> str | None:
    """The optional ``customer.id`` of a quote (needed for per-customer limits)."""
    if not isinstance(value, dict) or value.get("id") is None:
        return None
    ref = value["id"]
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 64:
        raise InvalidCart("customer.id: must be a customer ref (1–64 characters)",
                          field="customer.id")
    return ref.strip()


def _usage(uow: UnitOfWork, ids: Sequence[int], customer: str | None
           ) -> tuple[dict[int, tuple[int, Decimal]], dict[int, int]]:
    totals = {pid: (int(n), Decimal(given or 0)) for pid, n, given in
              uow.session.execute(
                  select(PromotionUse.promotion_id, func.count(PromotionUse.id),
                         func.sum(PromotionUse.discount))  # typed Cents: yuan back
                  .where(PromotionUse.promotion_id.in_(ids))
                  .group_by(PromotionUse.promotion_id))}
    mine: dict[int, int] = {}
    if customer is not None:
        mine = {pid: int(n) for pid, n in uow.session.execute(
            select(PromotionUse.promotion_id, func.count(PromotionUse.id))
            .where(PromotionUse.promotion_id.in_(ids), PromotionUse.customer == customer)
            .group_by(PromotionUse.promotion_id))}
    return totals, mine


def _limits(row: Promotion) -> Limits:
    spec = dict(row.spec)
    if row.type == "coupon":
        spec["per_customer"] = None  # a coupon's per_customer limits claims, not uses
    return parse_limits(spec)


def capped_promotions(uow: UnitOfWork, rows: Sequence[Promotion],
                      customer: str | None) -> set[int]:
    """The ids of the promotions whose budget, cap or (for this buyer) limit is reached."""
    limited = {r.id: _limits(r) for r in rows}
    limited = {pid: lim for pid, lim in limited.items() if lim != Limits()}
    if not limited:
        return set()
    totals, mine = _usage(uow, list(limited), customer)
    return {pid for pid, lim in limited.items()
            if reached(lim, uses=totals.get(pid, (0, Decimal(0)))[0],
                       discount_given=totals.get(pid, (0, Decimal(0)))[1],
                       customer_uses=mine.get(pid, 0))}


def record_use(uow: UnitOfWork, code: str, *, customer: str, order_ref: str, units: int,
               discount: object) -> None:
    """One use of promotion ``code`` by an order, refused (``pricing.cap_reached``) over a cap."""
    row = uow.session.scalar(select(Promotion).where(Promotion.code == code))
    if row is None:
        raise NotFound(f"promotion: unknown promotion {code!r}", field="promotion")
    amount = money(discount, "discount")
    totals, mine = _usage(uow, [row.id], customer)
    uses, given = totals.get(row.id, (0, Decimal(0)))
    check_use(_limits(row), uses=uses, discount_given=given,
              customer_uses=mine.get(row.id, 0), discount=amount)
    uow.session.add(PromotionUse(promotion_id=row.id, customer=customer, order_ref=order_ref,
                                 units=units, discount=amount, used_at=uow.now()))
    uow.record("promotion.used", entity="promotion", entity_id=row.id, store_id=row.store_id,
               customer=customer, order_ref=order_ref, discount=str(amount))


def usable_claims(uow: UnitOfWork, coupons: Sequence[Promotion], customer: str) -> set[str]:
    """The codes of ``coupons`` the buyer has claimed and not yet redeemed."""
    if not coupons:
        return set()
    ids = {row.id: row.code for row in coupons}
    found = uow.session.scalars(select(CouponClaim.promotion_id).where(
        CouponClaim.promotion_id.in_(ids), CouponClaim.customer == customer,
        CouponClaim.redeemed_at.is_(None)))
    return {ids[pid] for pid in found}
