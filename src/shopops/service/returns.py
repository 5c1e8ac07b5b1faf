"""售后 rules (pure: plain values and `now` in, answers out; no session, no clock).

- Status machine: requested → approved | rejected; approved → received (goods come back) or
  → refunded (仅退款); received → refunded (退货退款) | exchanged (换货); refunded, exchanged,
  rejected → closed. Each kind takes only its own path.
- 7天无理由: the window opens at 00:00 of the day after delivery (签收次日) in the shop's time
  zone and lasts `days` × 24 h, so a parcel signed for at any time on the 1st may be returned
  without a reason until the 8th, 23:59:59 (the 9th, 00:00 is too late).
- Refund cap: a line never gets back more than it paid, less what was refunded before and
  what other open requests already claim.
- Refund SLA (退款时效, target 24 h): the clock starts when the refund becomes due — when the
  goods are received (退货退款) or when the buyer asks (仅退款); exactly the target is on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from shopops.core.errors import Conflict, ValidationError
from shopops.core.money import CENT

OPEN = frozenset({"requested", "approved", "received"})  # still being handled
FINAL = frozenset({"refunded", "exchanged", "rejected", "closed"})
_PATHS: dict[str, dict[str, frozenset[str]]] = {
    "return_refund": {"requested": frozenset({"approved", "rejected"}),
                      "approved": frozenset({"received"}), "received": frozenset({"refunded"})},
    "exchange": {"requested": frozenset({"approved", "rejected"}),
                 "approved": frozenset({"received"}), "received": frozenset({"exchanged"})},
    "refund_only": {"requested": frozenset({"approved", "rejected"}),
                    "approved": frozenset({"refunded"})},
}
_CLOSABLE = frozenset({"refunded", "exchanged", "rejected"})
# Chinese words for the error messages (售后单状态 / 退款对象)
STATUS_ZH = {"requested": "待审核", "approved": "已同意", "rejected": "已拒绝",
             "received": "已收货", "refunded": "已退款", "exchanged": "已换货",
             "closed": "已关闭"}
WHAT_ZH = {"line": "该订单行", "order": "该订单"}
PAID_STATUSES = frozenset({"paid", "allocated", "shipped", "delivered", "completed",
                           "refunding", "refunded"})


class IllegalStep(Conflict):
    code = "service.illegal_transition"


class NotEligible(Conflict):
    code = "service.not_eligible"


class OverRefund(ValidationError):
    code = "service.over_refund"


def check_kind(kind: str) -> str:
    if kind not in _PATHS:
        raise ValidationError(f"售后类型 {kind!r} 不存在，可选：{', '.join(_PATHS)} — kind "
                              f"{kind!r} is not one of {', '.join(_PATHS)}", field="kind")
    return kind


def can_step(kind: str, status: str, to: str) -> bool:
    if to == "closed":
        return status in _CLOSABLE
    return to in _PATHS[check_kind(kind)].get(status, frozenset())


def check_step(kind: str, status: str, to: str, *, request_id: int | None = None) -> None:
    """Raise IllegalStep (naming the status) unless `to` may follow `status` for this kind."""
    if not can_step(kind, status, to):
        which = f"after-sales request {request_id} " if request_id is not None else ""
        zh = f"售后单 {request_id} " if request_id is not None else "售后单"
        raise IllegalStep(f"{zh}当前为「{STATUS_ZH.get(status, status)}」，不能改为"
                          f"「{STATUS_ZH.get(to, to)}」 — {which}({kind}) cannot move from "
                          f"{status!r} to {to!r}",
                          field="status", from_status=status, to_status=to)


# ---------------------------------------------------------------- 7天无理由


def no_reason_deadline(delivered_at: datetime, timezone: str, days: int = 7) -> datetime:
    """The first instant that is too late: 00:00 of delivery day + 1 + `days`, shop time."""
    zone = ZoneInfo(timezone)
    local_day = delivered_at.astimezone(zone).date()
    opens = datetime.combine(local_day + timedelta(days=1), time(0), zone)
    return opens + timedelta(days=days)


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    why: str  # a short explanation (Chinese), shown to the operator
    deadline: datetime | None = None


def eligibility(reason_category: str, order_status: str, delivered_at: datetime | None,
                requested_at: datetime, timezone: str, days: int = 7) -> Eligibility:
    """May the buyer open this request now? Only paid orders; the no-reason category only
    inside the window after delivery (before delivery the window has not started)."""
    if order_status not in PAID_STATUSES:
        return Eligibility(False, f"订单状态 {order_status} 不可售后 (not paid or closed)")
    if reason_category != "no_reason":
        return Eligibility(True, "非无理由退货，不受 7 天限制")
    if delivered_at is None:
        return Eligibility(True, "尚未签收，无理由期限未开始")
    deadline = no_reason_deadline(delivered_at, timezone, days)
    if requested_at < deadline:
        return Eligibility(True, f"在 {days} 天无理由期限内", deadline)
    return Eligibility(False, f"已超过 {days} 天无理由期限（截止 "
                              f"{deadline.isoformat()}）", deadline)


# ---------------------------------------------------------------- refund caps


def refundable(paid: Decimal, refunded: Decimal, claimed: Decimal = Decimal(0)) -> Decimal:
    """What may still be refunded: paid − refunded − claimed by other open requests (≥ 0)."""
    return max(paid - refunded - claimed, Decimal(0))


def default_amount(line_paid: Decimal, line_quantity: int, quantity: int,
                   room: Decimal) -> Decimal:
    """The line's paid amount pro rata for `quantity` units, never above `room`."""
    if quantity >= line_quantity:
        share = line_paid
    else:
        share = (line_paid * quantity / line_quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(share, room)


def check_amount(amount: Decimal, room: Decimal, *, field: str = "amount",
                 what: str = "line") -> Decimal:
    """A refund of `amount` when `room` is left: refused (naming the field) when negative,
    not in cents, or above the room."""
    if amount < 0:
        raise ValidationError(f"{field} 金额 {amount} 不能为负 — {field} {amount} must not be "
                              "negative", field=field)
    if amount != amount.quantize(CENT):
        raise ValidationError(f"{field} 金额 {amount} 最多两位小数 — {field} {amount} has more "
                              "than two decimals", field=field)
    if amount > room:
        raise OverRefund(f"退款金额 {amount:.2f} 超过{WHAT_ZH.get(what, what)}还可退的 "
                         f"{room:.2f} — {field} {amount:.2f} is more than the {what} can still "
                         f"refund ({room:.2f})", field=field, refundable=f"{room:.2f}")
    return amount


def check_quantity(quantity: int, line_quantity: int, claimed_units: int) -> int:
    left = line_quantity - claimed_units
    if quantity <= 0:
        raise ValidationError(f"数量 {quantity} 至少为 1 — quantity {quantity} must be at least "
                              "1", field="quantity")
    if quantity > left:
        raise OverRefund(f"数量 {quantity} 超过该行还能申请售后的 {left} 件（购买 {line_quantity}"
                         f" 件） — quantity {quantity} is more than the line's {left} unit(s) "
                         f"not yet in an after-sales request (line quantity {line_quantity})",
                         field="quantity")
    return quantity


# ---------------------------------------------------------------- 24 h refund SLA


def refund_clock_start(kind: str, requested_at: datetime,
                       received_at: datetime | None) -> datetime | None:
    """When the refund became due; None for exchanges (no refund) and goods not back yet."""
    if kind == "refund_only":
        return requested_at
    if kind == "return_refund":
        return received_at
    return None


def hours_between(start: datetime, end: datetime) -> Decimal:
    return (Decimal((end - start).total_seconds()) / 3600).quantize(Decimal("0.1"),
                                                                   rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class RefundTiming:
    due_since: datetime | None
    hours: Decimal | None  # refund time so far (or taken, once refunded)
    within_target: bool | None  # None: no refund due
    overdue: bool  # due, not refunded, and past the target now


def refund_timing(kind: str, status: str, requested_at: datetime, received_at: datetime | None,
                  refunded_at: datetime | None, now: datetime,
                  target_hours: int = 24) -> RefundTiming:
    start = refund_clock_start(kind, requested_at, received_at)
    if start is None or status == "rejected":
        return RefundTiming(start, None, None, False)
    end = refunded_at or now
    hours = hours_between(start, end)
    within = end - start <= timedelta(hours=target_hours)
    return RefundTiming(start, hours, within, refunded_at is None and status in OPEN
                        and not within)
