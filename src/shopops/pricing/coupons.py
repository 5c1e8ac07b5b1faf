"""Coupon claiming and redemption rules (领券 / 核销), pure.

A coupon template is a stored ``coupon`` promotion (threshold, amount or rate, validity window,
``per_customer`` claims, optional ``max_uses`` = how many may be handed out). A claim (领取) gives
one buyer one coupon; a claimed coupon is redeemed (核销) once, with the order, inside the
order's transaction — the service marks it with a conditional update, so a second redemption of
the same claim is refused even when two orders race.
"""

from __future__ import annotations

from datetime import datetime

from shopops.core.errors import Conflict
from shopops.pricing.promotions import Coupon


class CouponRefused(Conflict):
    code = "pricing.coupon_refused"


class CouponAlreadyRedeemed(Conflict):
    code = "pricing.coupon_redeemed"


def check_claim(coupon: Coupon, *, active: bool, held_by_customer: int, handed_out: int,
                max_uses: int | None, now: datetime) -> None:
    """Refuse a claim outside the window, over the per-customer limit or the issue limit."""
    if not active or (coupon.ends_at is not None and now >= coupon.ends_at):
        raise CouponRefused(f"coupon: {coupon.id} can no longer be claimed", field="coupon")
    if held_by_customer >= coupon.per_user_limit:
        raise CouponRefused(f"customer: already claimed {held_by_customer} of {coupon.id} "
                            f"(limit {coupon.per_user_limit} per customer)", field="customer")
    if max_uses is not None and handed_out >= max_uses:
        raise CouponRefused(f"优惠券 {coupon.id} 已领完（共 {max_uses} 张） — coupon: all "
                            f"{max_uses} of {coupon.id} are claimed",
                            field="coupon")


def check_redeem(coupon: Coupon, *, redeemed: bool, now: datetime) -> None:
    """Refuse a redemption of a used coupon or outside the coupon's validity window."""
    if redeemed:
        raise CouponAlreadyRedeemed(f"coupon: this {coupon.id} coupon is already used",
                                    field="coupon")
    if not coupon.is_active(now):
        raise CouponRefused(f"coupon: {coupon.id} is not valid at {now.isoformat()}",
                            field="coupon")
