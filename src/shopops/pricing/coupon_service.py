"""Coupons (优惠券) use cases: templates are ``coupon`` promotions; buyers claim (领券) and
redeem (核销) them.

:func:`redeem_coupon` takes the caller's unit of work so the order service redeems inside the
order's own transaction; the claim is marked with a conditional UPDATE (``… WHERE redeemed_at IS
NULL``), so of two orders racing for one claimed coupon exactly one succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from shopops.core.errors import NotFound
from shopops.core.uow import UnitOfWork
from shopops.pricing import promotions as p
from shopops.pricing.coupons import CouponAlreadyRedeemed, CouponRefused, check_claim, check_redeem
from shopops.pricing.models import CouponClaim, Promotion
from shopops.pricing.service import engine_promotions, promotion_row


class UnknownCoupon(NotFound):
    code = "pricing.unknown_coupon"


@dataclass(frozen=True)
class ClaimView:
    id: int
    coupon: str
    customer: str
    claimed_at: datetime
    redeemed_at: datetime | None
    order_ref: str | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "coupon": self.coupon, "customer": self.customer,
                "claimed_at": self.claimed_at.astimezone(UTC).isoformat(),
                "redeemed_at": (self.redeemed_at.astimezone(UTC).isoformat()
                                if self.redeemed_at else None),
                "order_ref": self.order_ref, "status": "redeemed" if self.redeemed_at
                else "claimed"}


def _ref(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 64:
        raise p.InvalidPromotion(f"{name}: give a reference of 1–64 characters", field=name)
    return value.strip()


def _coupon(uow: UnitOfWork, code: str) -> tuple[Promotion, p.Coupon]:
    try:
        row = promotion_row(uow, code)
    except NotFound:
        raise UnknownCoupon(f"coupon: unknown coupon {code!r}", field="coupon") from None
    if row.type != "coupon":
        raise UnknownCoupon(f"coupon: {code!r} is a {row.type}, not a coupon", field="coupon")
    [promo] = engine_promotions(uow, [code])
    assert isinstance(promo, p.Coupon)
    return row, promo


def _view(claim: CouponClaim, code: str) -> ClaimView:
    return ClaimView(claim.id, code, claim.customer, claim.claimed_at, claim.redeemed_at,
                     claim.order_ref)


def claim_coupon(uow: UnitOfWork, code: str, customer: object) -> ClaimView:
    """领券: one coupon for one buyer, within the window, the per-customer and issue limits."""
    buyer = _ref(customer, "customer")
    row, coupon = _coupon(uow, code)
    mine = uow.session.scalar(select(func.count(CouponClaim.id)).where(
        CouponClaim.promotion_id == row.id, CouponClaim.customer == buyer)) or 0
    handed = uow.session.scalar(select(func.count(CouponClaim.id)).where(
        CouponClaim.promotion_id == row.id)) or 0
    check_claim(coupon, active=row.active, held_by_customer=mine, handed_out=handed,
                max_uses=row.spec.get("max_uses"), now=uow.now())
    claim = CouponClaim(promotion_id=row.id, customer=buyer, claimed_at=uow.now())
    uow.session.add(claim)
    uow.session.flush()
    uow.record("coupon.claimed", entity="coupon_claim", entity_id=claim.id,
               store_id=row.store_id, coupon=code, customer=buyer)
    return _view(claim, code)


def redeem_coupon(uow: UnitOfWork, code: str, customer: object, order_ref: object) -> ClaimView:
    """核销: the buyer's oldest unused claim of ``code`` is used by ``order_ref``, in the
    caller's transaction; a coupon is used once (a second redemption is refused)."""
    buyer, order = _ref(customer, "customer"), _ref(order_ref, "order_ref")
    row, coupon = _coupon(uow, code)
    claims = list(uow.session.scalars(select(CouponClaim).where(
        CouponClaim.promotion_id == row.id, CouponClaim.customer == buyer)
        .order_by(CouponClaim.id)))
    if not claims:
        raise CouponRefused(f"customer: {buyer} has not claimed {code}", field="customer")
    unused = [c for c in claims if c.redeemed_at is None]
    check_redeem(coupon, redeemed=not unused, now=uow.now())
    claim = unused[0]
    done = uow.session.execute(
        update(CouponClaim).where(CouponClaim.id == claim.id, CouponClaim.redeemed_at.is_(None))
        .values(redeemed_at=uow.now(), order_ref=order)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise CouponAlreadyRedeemed(f"coupon: this {code} coupon is already used",
                                    field="coupon")
    uow.session.refresh(claim)
    uow.record("coupon.redeemed", entity="coupon_claim", entity_id=claim.id,
               store_id=row.store_id, coupon=code, customer=buyer, order_ref=order)
    return _view(claim, code)


def list_claims(uow: UnitOfWork, *, coupon: str | None = None, customer: str | None = None
                ) -> list[ClaimView]:
    """领券记录, oldest first, for a coupon and/or a buyer."""
    query = select(CouponClaim, Promotion.code).join(
        Promotion, Promotion.id == CouponClaim.promotion_id)
    if coupon is not None:
        query = query.where(Promotion.code == coupon)
    if customer is not None:
        query = query.where(CouponClaim.customer == customer)
    return [_view(c, code) for c, code in uow.session.execute(query.order_by(CouponClaim.id))]


def coupon_stats(uow: UnitOfWork) -> dict[str, tuple[int, int]]:
    """coupon code → (claimed, redeemed), for the coupon list."""
    rows = uow.session.execute(
        select(Promotion.code, func.count(CouponClaim.id), func.count(CouponClaim.redeemed_at))
        .join(CouponClaim, CouponClaim.promotion_id == Promotion.id).group_by(Promotion.code))
    return {code: (int(n), int(r)) for code, n, r in rows}
