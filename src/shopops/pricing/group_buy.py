"""拼团 group buy, as pure rules: a deal (tiered prices by group size), and a group's life.

SPEC §5: a group buy sells ≥ 20% below the normal price, a group has 2–5 members and stays open
24–48 h; each tier's price is checked against those bounds (per-shop settings may change them,
:data:`DEFAULT_RULES`). A group succeeds (成团) the moment it is full; when its window ends short,
every member is refunded (拼团失败自动退款). No database, no clock: ``now`` is passed in.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from shopops.core.errors import Conflict
from shopops.core.money import round_cents
from shopops.pricing.promotions import InvalidPromotion, money

GroupStatus = Literal["open", "succeeded", "failed"]
STATUS_ZH = {"open": "拼团中", "succeeded": "拼团成功", "failed": "拼团失败(已退款)"}
DEFAULT_RULES: dict[str, Any] = {
    "pricing.group_buy.min_discount_rate": "0.20",  # ≥ 20% below the normal price
    "pricing.group_buy.min_size": 2, "pricing.group_buy.max_size": 5,
    "pricing.group_buy.min_window_hours": 24, "pricing.group_buy.max_window_hours": 48,
}


class GroupBuyRefused(Conflict):
    code = "pricing.group_buy_refused"


@dataclass(frozen=True, kw_only=True)
class GroupBuyDeal:
    """One SKU's 拼团 offer: ``tiers`` (group size, price per unit) and the window in hours."""

    sku: str
    normal_price: Decimal
    tiers: tuple[tuple[int, Decimal], ...]
    window_hours: int = 24
    rules: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        rules = {**DEFAULT_RULES, **(self.rules or {})}
        object.__setattr__(self, "normal_price",
                           money(self.normal_price, "normal_price", positive=True))
        lo, hi = int(rules["pricing.group_buy.min_size"]), int(rules["pricing.group_buy.max_size"])
        w_lo = int(rules["pricing.group_buy.min_window_hours"])
        w_hi = int(rules["pricing.group_buy.max_window_hours"])
        max_rate = Decimal(1) - Decimal(str(rules["pricing.group_buy.min_discount_rate"]))
        ceiling = round_cents(self.normal_price * max_rate)
        if isinstance(self.window_hours, bool) or not isinstance(self.window_hours, int) \
                or not w_lo <= self.window_hours <= w_hi:
            raise InvalidPromotion(f"window_hours: a group stays open {w_lo}–{w_hi} h, got "
                                   f"{self.window_hours!r}", field="window_hours")
        if not self.tiers:
            raise InvalidPromotion("tiers: give at least one {size, price} tier", field="tiers")
        checked = []
        for n, (size, price) in enumerate(self.tiers):
            if isinstance(size, bool) or not isinstance(size, int) or not lo <= size <= hi:
                raise InvalidPromotion(f"tiers[{n}].size: group size must be {lo}–{hi}, got "
                                       f"{size!r}", field=f"tiers[{n}].size")
            amount = money(price, f"tiers[{n}].price", positive=True)
            if amount > ceiling:
                raise InvalidPromotion(
                    f"tiers[{n}].price: a group-buy price must be at least "
                    f"{(1 - max_rate) * 100:.0f}% below the normal price {self.normal_price} "
                    f"(at most {ceiling}), got {amount}", field=f"tiers[{n}].price")
            checked.append((size, amount))
        checked.sort()
        if len({s for s, _ in checked}) != len(checked):
            raise InvalidPromotion("tiers: group sizes must differ", field="tiers")
        for (_, smaller), (size, bigger) in itertools.pairwise(checked):
            if bigger > smaller:
                raise InvalidPromotion(f"tiers: a bigger group ({size}) cannot pay more",
                                       field="tiers")
        object.__setattr__(self, "tiers", tuple(checked))

    def price_for(self, size: int) -> Decimal:
        for tier_size, price in self.tiers:
            if tier_size == size:
                return price
        sizes = ", ".join(str(s) for s, _ in self.tiers)
        raise InvalidPromotion(f"size: this deal has groups of {sizes}, not {size}",
                               field="size")

    def closes_at(self, opened_at: datetime) -> datetime:
        return opened_at + timedelta(hours=self.window_hours)


@dataclass(frozen=True, slots=True)
class GroupState:
    """What a rule needs of one group: its target size, window end, status and members."""

    size: int
    closes_at: datetime
    status: GroupStatus
    members: tuple[str, ...]  # customer refs currently in the group (left ones excluded)


def check_join(group: GroupState, customer: str, now: datetime) -> GroupStatus:
    """Refuse a join that breaks a rule; otherwise the status after joining (full → 成团)."""
    if group.status != "open" or now >= group.closes_at:
        raise GroupBuyRefused("group: this group is no longer open", field="group")
    if customer in group.members:
        raise GroupBuyRefused(f"customer: {customer} is already in this group",
                              field="customer")
    if len(group.members) >= group.size:
        raise GroupBuyRefused("group: this group is full", field="group")
    return "succeeded" if len(group.members) + 1 == group.size else "open"


def check_leave(group: GroupState, customer: str, leader: str, now: datetime) -> None:
    """A member may leave (and is refunded) while the group is open; the leader (团长) may not."""
    if group.status != "open" or now >= group.closes_at:
        raise GroupBuyRefused("group: only an open group can be left", field="group")
    if customer not in group.members:
        raise GroupBuyRefused(f"customer: {customer} is not in this group", field="customer")
    if customer == leader:
        raise GroupBuyRefused("团长不能退团 — customer: the leader cannot leave the group",
                              field="customer")


def expired(groups: Sequence[tuple[int, GroupState]], now: datetime) -> list[int]:
    """The ids of open groups whose window ended short: they fail and every member is refunded."""
    return [gid for gid, g in groups if g.status == "open" and now >= g.closes_at
            and len(g.members) < g.size]
