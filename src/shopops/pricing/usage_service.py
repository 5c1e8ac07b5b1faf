"""Promotion uses (促销核销): caps and per-customer limits, recorded with the order.

:func:`record_uses` takes the caller's unit of work: order placement (:mod:`shopops.orders.
placement`) calls it inside the order's own transaction, so a use is stored exactly when the
order is. Each cap is enforced by one conditional upsert of a counter row
(:mod:`shopops.pricing.usage_models`): ``INSERT … ON CONFLICT DO UPDATE SET uses = uses + 1 …
WHERE uses + 1 <= :max_uses AND discount + :d <= :budget`` (and ``uses + 1 <= :per_customer`` on
the buyer's row). The row lock makes orders racing for the last use wait for each other, and
the later one finds no room — a 409 ``pricing.cap_reached`` naming the promotion, never one use
over the cap, on SQLite and PostgreSQL. Counters are taken in promotion id order (the buyer's
row before the promotion's), so two orders never wait on each other in a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shopops.core.errors import NotFound
from shopops.core.money import yuan_to_cents
from shopops.core.uow import UnitOfWork
from shopops.pricing.limits import CapReached, Limits, check_use, parse_limits, reached
from shopops.pricing.models import CouponClaim, Promotion, PromotionUse
from shopops.pricing.promotions import InvalidCart, money
from shopops.pricing.usage_models import PromotionCounter, PromotionCustomerCounter


@dataclass(frozen=True, slots=True)
class Use:
    """One promotion used by one order: ``units`` it covered, ``discount`` it gave (yuan)."""

    code: str
    units: int
    discount: Decimal


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
    """(uses, discount given) per promotion and the buyer's uses, from the counter rows."""
    totals = {pid: (int(n), Decimal(given)) for pid, n, given in uow.session.execute(
        select(PromotionCounter.promotion_id, PromotionCounter.uses, PromotionCounter.discount)
        .where(PromotionCounter.promotion_id.in_(ids)))}
    mine: dict[int, int] = {}
    if customer is not None:
        mine = {pid: int(n) for pid, n in uow.session.execute(
            select(PromotionCustomerCounter.promotion_id, PromotionCustomerCounter.uses)
            .where(PromotionCustomerCounter.promotion_id.in_(ids),
                   PromotionCustomerCounter.customer == customer))}
    return totals, mine


def use_limits(row: Promotion) -> Limits:
    """The budget, cap and per-buyer limit a use of ``row`` counts against."""
    spec = dict(row.spec)
    if row.type == "coupon":
        spec["per_customer"] = None  # a coupon's per_customer limits claims, not uses
    return parse_limits(spec)


def capped_promotions(uow: UnitOfWork, rows: Sequence[Promotion],
                      customer: str | None) -> set[int]:
    """The ids of the promotions whose budget, cap or (for this buyer) limit is reached."""
    limited = {r.id: use_limits(r) for r in rows}
    limited = {pid: lim for pid, lim in limited.items() if lim != Limits()}
    if not limited:
        return set()
    totals, mine = _usage(uow, list(limited), customer)
    return {pid for pid, lim in limited.items()
            if reached(lim, uses=totals.get(pid, (0, Decimal(0)))[0],
                       discount_given=totals.get(pid, (0, Decimal(0)))[1],
                       customer_uses=mine.get(pid, 0))}


def _insert(uow: UnitOfWork) -> Any:
    return pg_insert if uow.session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _count_customer(uow: UnitOfWork, pid: int, customer: str, limit: int | None) -> bool:
    """The buyer's count + 1 if it stays within ``limit``, in one statement (False: over)."""
    table = PromotionCustomerCounter
    statement = _insert(uow)(table).values(promotion_id=pid, customer=customer, uses=1)
    statement = statement.on_conflict_do_update(
        index_elements=["promotion_id", "customer"], set_={"uses": table.uses + 1},
        where=(table.uses + 1 <= limit) if limit is not None else None,
    ).returning(table.promotion_id)
    return uow.session.execute(statement).first() is not None


def _count_total(uow: UnitOfWork, pid: int, limits: Limits, amount: Decimal) -> bool:
    """The promotion's uses + 1 and discount + ``amount`` if both stay within their caps."""
    if limits.budget is not None and amount > limits.budget:
        return False  # the insert branch of the upsert has no WHERE
    table = PromotionCounter
    cents = literal(yuan_to_cents(amount), BigInteger())  # the stored unit, not typed Cents
    room = []
    if limits.max_uses is not None:
        room.append(table.uses + 1 <= limits.max_uses)
    if limits.budget is not None:
        room.append(table.discount + cents <= literal(yuan_to_cents(limits.budget),
                                                      BigInteger()))
    statement = _insert(uow)(table).values(promotion_id=pid, uses=1, discount=amount)
    statement = statement.on_conflict_do_update(
        index_elements=["promotion_id"],
        set_={"uses": table.uses + 1, "discount": table.discount + cents},
        where=and_(*room) if room else None,
    ).returning(table.promotion_id)
    return uow.session.execute(statement).first() is not None


def _refuse(uow: UnitOfWork, row: Promotion, limits: Limits, customer: str,
            amount: Decimal) -> CapReached:
    """The error for a counter that had no room: why, as the counters say now."""
    totals, mine = _usage(uow, [row.id], customer)
    uses, given = totals.get(row.id, (0, Decimal(0)))
    try:
        check_use(limits, uses=uses, discount_given=given,
                  customer_uses=mine.get(row.id, 0), discount=amount)
    except CapReached as exc:
        message = exc.message
    else:  # pragma: no cover - the counter refused, so some cap is full
        message = "promotion: cap reached"
    return CapReached(f"{message.removeprefix('promotion: ')} — {row.code} was used up "
                      "meanwhile; quote again (请重新下单)", field="promotion",
                      promotion=row.code)


def record_uses(uow: UnitOfWork, uses: Sequence[Use], *, customer: str,
                order_ref: str) -> None:
    """Count each use against its promotion's caps and store it with the order (caller's
    transaction); the first use without room raises ``pricing.cap_reached`` (409)."""
    if not uses:
        return
    codes = {use.code for use in uses}
    rows = {r.code: r for r in uow.session.scalars(
        select(Promotion).where(Promotion.code.in_(codes)))}
    if missing := sorted(codes - set(rows)):
        raise NotFound(f"promotion: unknown promotion {missing[0]!r}", field="promotion")
    now = uow.now()
    for use in sorted(uses, key=lambda u: rows[u.code].id):
        row, amount = rows[use.code], money(use.discount, "discount")
        limits = use_limits(row)
        if not (_count_customer(uow, row.id, customer, limits.per_customer)
                and _count_total(uow, row.id, limits, amount)):
            raise _refuse(uow, row, limits, customer, amount)
        uow.session.add(PromotionUse(promotion_id=row.id, customer=customer,
                                     order_ref=order_ref, units=use.units, discount=amount,
                                     used_at=now))
        uow.record("promotion.used", entity="promotion", entity_id=row.id,
                   store_id=row.store_id, customer=customer, order_ref=order_ref,
                   discount=str(amount))


def record_use(uow: UnitOfWork, code: str, *, customer: str, order_ref: str, units: int,
               discount: object) -> None:
    """One use of promotion ``code`` by an order, refused (``pricing.cap_reached``) over a cap."""
    row = uow.session.scalar(select(Promotion).where(Promotion.code == code))
    if row is None:
        raise NotFound(f"promotion: unknown promotion {code!r}", field="promotion")
    record_uses(uow, [Use(code, units, money(discount, "discount"))], customer=customer,
                order_ref=order_ref)


def usable_claims(uow: UnitOfWork, coupons: Sequence[Promotion], customer: str) -> set[str]:
    """The codes of ``coupons`` the buyer has claimed and not yet redeemed."""
    if not coupons:
        return set()
    ids = {row.id: row.code for row in coupons}
    found = uow.session.scalars(select(CouponClaim.promotion_id).where(
        CouponClaim.promotion_id.in_(ids), CouponClaim.customer == customer,
        CouponClaim.redeemed_at.is_(None)))
    return {ids[pid] for pid in found}
