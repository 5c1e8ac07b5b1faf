"""Pure rules of the stock ledger (库存流水): how each move kind changes 在库 (on_hand) and
占用 (reserved), input validation, reservation expiry and a replay used by the tests.

Every move changes exactly one of the two quantities, by its signed `quantity`:

=============  =========  ==================================================
kind           sign       changes
=============  =========  ==================================================
receipt        +          on_hand (采购入库)
return         +          on_hand (退货入库; to a quarantine location if not restocked)
adjustment     + or −     on_hand (盘点差异, reason required)
transfer_out   −          on_hand of the sending warehouse (goods become 在途)
transfer_in    +          on_hand of the receiving warehouse
shipment       −          on_hand (发货)
reservation    +          reserved (下单占用)
release        −          reserved (取消 / 过期 / 发货时消耗占用)
=============  =========  ==================================================

Fulfilling a reservation writes two moves — a release and a shipment — so that
on_hand = Σ on-hand moves and reserved = Σ reservation moves hold row by row.
可用 (available) = on_hand − reserved, never negative.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shopops.core.errors import InsufficientStock, ValidationError

ON_HAND_KINDS = frozenset({"receipt", "return", "adjustment", "transfer_out", "transfer_in",
                           "shipment"})
RESERVED_KINDS = frozenset({"reservation", "release"})
SIGN = {"receipt": 1, "return": 1, "transfer_in": 1, "reservation": 1,
        "shipment": -1, "transfer_out": -1, "release": -1, "adjustment": 0}  # 0: either


@dataclass(frozen=True)
class Balance:
    """在库 / 占用 of one SKU in one warehouse."""

    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:  # 可用
        return self.on_hand - self.reserved


def positive_quantity(value: object, field: str = "quantity") -> int:
    """A count of units: a positive whole number (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(f"{field} must be a positive whole number, got {value!r}",
                              field=field)
    return value


def nonzero_delta(value: object, field: str = "delta") -> int:
    """A stocktake difference: a whole number other than zero."""
    if isinstance(value, bool) or not isinstance(value, int) or value == 0:
        raise ValidationError(f"{field} 应为非零整数，收到 {value!r} — {field} must be a whole "
                              f"number other than 0, got {value!r}",
                              field=field)
    return value


def required_reason(reason: object, field: str = "reason") -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError(f"请填写原因（如 盘点差异、破损） — {field} is required",
                              field=field)
    return reason.strip()


def reservation_deadline(now: datetime, ttl: timedelta) -> datetime:
    """reserved_until of a reservation made `now` that lives `ttl`."""
    if ttl <= timedelta(0):
        raise ValidationError(f"ttl must be positive, got {ttl}", field="ttl")
    return now + ttl


def counts(status: str, reserved_until: datetime, now: datetime) -> bool:
    """Does a reservation hold stock now? Only active ones not yet past their deadline."""
    return status == "active" and reserved_until > now


def is_expired(status: str, reserved_until: datetime, now: datetime) -> bool:
    """Active but past its deadline: the sweep job gives its stock back."""
    return status == "active" and reserved_until <= now


def counted_reserved(reservations: Iterable[tuple[str, datetime, int]], now: datetime) -> int:
    """占用 that counts: Σ quantity of (status, reserved_until, quantity) still holding stock."""
    return sum(qty for status, until, qty in reservations if counts(status, until, now))


def effect(kind: str, quantity: int) -> Balance:
    """The change a move makes, as a Balance delta; refuses unknown kinds and wrong signs."""
    if kind not in SIGN:
        raise ValidationError(f"kind must be one of {sorted(SIGN)}, got {kind!r}", field="kind")
    sign = SIGN[kind]
    if quantity == 0 or (sign and (quantity > 0) != (sign > 0)):
        expected = {1: "positive", -1: "negative", 0: "non-zero"}[sign]
        raise ValidationError(f"a {kind} move needs a {expected} quantity, got {quantity}",
                              field="quantity")
    if kind in ON_HAND_KINDS:
        return Balance(on_hand=quantity)
    return Balance(reserved=quantity)


def apply(balance: Balance, kind: str, quantity: int) -> Balance:
    """The balance after one move, refused (like the database's conditional update) when it
    would leave on_hand < 0, reserved < 0 or available < 0."""
    delta = effect(kind, quantity)
    after = Balance(balance.on_hand + delta.on_hand, balance.reserved + delta.reserved)
    if after.reserved < 0 or after.available < 0:
        raise InsufficientStock(
            f"库存不足（在库 {balance.on_hand}，占用 {balance.reserved}） — {kind} of {quantity} "
            f"refused: on_hand {balance.on_hand}, reserved {balance.reserved}", field="quantity")
    return after


def replay(moves: Iterable[tuple[str, int]], start: Balance | None = None) -> Balance:
    """The balance a sequence of (kind, quantity) moves leads to."""
    balance = start or Balance()
    for kind, quantity in moves:
        balance = apply(balance, kind, quantity)
    return balance


def plan_allocation(need: int, available: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Take `need` units from (warehouse_id, 可用) pairs in the given stable order, as much
    as possible from each before the next; returns (warehouse_id, units) chunks."""
    plan: list[tuple[int, int]] = []
    for warehouse_id, free in available:
        if need <= 0:
            break
        take = min(need, max(free, 0))
        if take:
            plan.append((warehouse_id, take))
            need -= take
    return plan
