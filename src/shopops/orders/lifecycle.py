"""Order lifecycle (订单状态机): which status may follow which. Pure rules, no database.

    created → paid → allocated → shipped → delivered → completed
    created → cancelled (未付款取消);  paid … delivered → closed (交易关闭)
    paid … completed → refunding (退款中) → refunded (已退款) → closed

``can_move(a, b)`` is one step of the machine; ``can_advance(a, b)`` is any number of steps
(a platform export may jump from paid straight to completed). ``rank`` orders the statuses the
way an export moves them; a later export whose status cannot be reached from the stored one
is a backwards move and is refused with ``IllegalTransition``.
"""

from __future__ import annotations

from functools import cache

from shopops.core.errors import ValidationError

STATUSES = (
    "created", "paid", "allocated", "shipped", "delivered", "completed",
    "refunding", "refunded", "cancelled", "closed",
)
TERMINAL = frozenset({"cancelled", "closed"})
# the console's words (web/i18n orders.st.*), for the error messages
STATUS_ZH = {"created": "待付款", "paid": "已付款", "allocated": "已分仓", "shipped": "已发货",
             "delivered": "已签收", "completed": "已完成", "refunding": "退款中",
             "refunded": "已退款", "cancelled": "已取消", "closed": "已关闭"}

_STEPS: dict[str, frozenset[str]] = {
    "created": frozenset({"paid", "cancelled", "closed"}),
    "paid": frozenset({"allocated", "shipped", "refunding", "refunded", "closed"}),
    "allocated": frozenset({"shipped", "refunding", "refunded", "closed"}),
    "shipped": frozenset({"delivered", "completed", "refunding", "refunded", "closed"}),
    "delivered": frozenset({"completed", "refunding", "refunded", "closed"}),
    "completed": frozenset({"refunding", "refunded"}),
    "refunding": frozenset({"refunded", "closed"}),
    "refunded": frozenset({"closed"}),
    "cancelled": frozenset(),
    "closed": frozenset(),
}


class IllegalTransition(ValidationError):
    """An order cannot move from one status to another (e.g. completed → paid)."""

    code = "orders.illegal_transition"

    def __init__(self, from_status: str, to_status: str, *, order: str | None = None) -> None:
        which = f"order {order} " if order else "an order "
        zh = f"订单 {order} " if order else "订单"
        super().__init__(f"{zh}当前为「{STATUS_ZH.get(from_status, from_status)}」，不能改为"
                         f"「{STATUS_ZH.get(to_status, to_status)}」 — {which}cannot move from "
                         f"{from_status!r} to {to_status!r}",
                         field="status", from_status=from_status, to_status=to_status)
        self.from_status = from_status
        self.to_status = to_status


def _known(status: str) -> str:
    if status not in _STEPS:
        raise ValidationError(f"unknown order status {status!r}; known: {', '.join(STATUSES)}",
                              field="status")
    return status


def rank(status: str) -> int:
    """Position in the lifecycle (created = 0 … closed = 9)."""
    return STATUSES.index(_known(status))


def next_statuses(status: str) -> frozenset[str]:
    """The statuses one step away."""
    return _STEPS[_known(status)]


def can_move(from_status: str, to_status: str) -> bool:
    """True when ``to_status`` is one legal step after ``from_status``."""
    return to_status in next_statuses(from_status) and _known(to_status) == to_status


@cache
def reachable(status: str) -> frozenset[str]:
    """Every status reachable from ``status`` in one or more steps."""
    seen: set[str] = set()
    todo = list(next_statuses(status))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(_STEPS[current])
    return frozenset(seen)


def can_advance(from_status: str, to_status: str) -> bool:
    """True when ``to_status`` lies ahead of ``from_status`` (one or more steps)."""
    return _known(to_status) in reachable(_known(from_status))


def check_move(from_status: str, to_status: str, *, order: str | None = None) -> None:
    """Raise ``IllegalTransition`` unless ``to_status`` lies ahead of ``from_status``."""
    if not can_advance(from_status, to_status):
        raise IllegalTransition(from_status, to_status, order=order)
