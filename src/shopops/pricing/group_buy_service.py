"""拼团 group buy use cases: create a deal, open a group, join, leave, and the sweep that fails
and refunds groups whose window ended short. One transaction each; ``now`` is the unit of work's
clock (the sweep takes it explicitly so a job or a test can run it for any instant).

A join is a conditional UPDATE of the group's member count (``… WHERE status = 'open' AND
joined < size AND closes_at > now``), so two buyers racing for the last seat cannot overfill a
group. Paying the group price places a paid order (:func:`shopops.orders.placement.write_order`,
number ``PT-<group>-<member>``, one line at the group price with the 拼团 discount off the normal
price), in the same transaction as the seat. A refund (退团, or the sweep when a group ends
short) marks the member row refunded and refunds that order in full through the order
lifecycle (``refunded``, so net GMV drops by it); a ``group_buy.refunded`` fact carries the
amount. Members who joined before orders were placed have no order: only their row is marked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from shopops.catalog.service import get_sku
from shopops.core.errors import NotFound
from shopops.core.money import round_cents
from shopops.core.uow import UnitOfWork
from shopops.db.shop_settings import read_settings
from shopops.orders.placement import NewOrder, PricedLine, find_order, refund_order, write_order
from shopops.pricing import group_buy as rules
from shopops.pricing.models import GroupBuyDeal, GroupBuyGroup, GroupBuyMember
from shopops.pricing.payloads import DEFAULT_TZ, as_list, as_object, as_text, invalid, parse_time
from shopops.pricing.service import PromotionExists
from shopops.stores.service import StoreView, get_store, list_stores, store_by_id


class UnknownGroupBuy(NotFound):
    code = "pricing.unknown_group_buy"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@dataclass(frozen=True)
class GroupView:
    id: int
    deal: str
    leader: str
    size: int
    price: Decimal
    status: str
    opened_at: datetime
    closes_at: datetime
    members: tuple[tuple[str, str, Decimal], ...]  # (customer, status, paid)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "deal": self.deal, "leader": self.leader, "size": self.size,
                "price": str(self.price), "status": self.status,
                "status_zh": rules.STATUS_ZH.get(self.status, self.status),
                "opened_at": _iso(self.opened_at), "closes_at": _iso(self.closes_at),
                "members": [{"customer": c, "status": s, "paid": str(paid)}
                            for c, s, paid in self.members]}


def _deal_json(row: GroupBuyDeal, store: str) -> dict[str, Any]:
    return {"code": row.code, "store": store, "sku": row.sku,
            "normal_price": str(row.normal_price), "tiers": row.tiers,
            "window_hours": row.window_hours, "starts_at": _iso(row.starts_at),
            "ends_at": _iso(row.ends_at), "active": row.active}


def _rule_deal(row: GroupBuyDeal) -> rules.GroupBuyDeal:
    return rules.GroupBuyDeal(sku=row.sku, normal_price=row.normal_price,
                              tiers=tuple((t["size"], Decimal(t["price"])) for t in row.tiers),
                              window_hours=row.window_hours)


def create_deal(uow: UnitOfWork, payload: object) -> dict[str, Any]:
    """创建拼团: a SKU's tiered prices by group size, checked against SPEC §5 (≥ 20% below the
    normal price, 2–5 members, 24–48 h; per-shop settings may change the bounds)."""
    data = as_object(payload, "body")
    if extra := sorted(set(data) - {"code", "store", "sku", "tiers", "window_hours",
                                    "starts_at", "ends_at"}):
        raise invalid(extra[0], "unknown field for a group buy")
    store = get_store(uow, as_text(data.get("store"), "store"))
    sku = get_sku(uow, as_text(data.get("sku"), "sku"))
    code = as_text(data["code"], "code") if data.get("code") else f"gb-{uuid.uuid4().hex[:8]}"
    if uow.session.scalar(select(GroupBuyDeal.id).where(GroupBuyDeal.code == code)):
        raise PromotionExists(f"code: group buy {code!r} already exists", field="code")
    tiers: list[tuple[Any, Any]] = []
    for n, tier in enumerate(as_list(data.get("tiers"), "tiers")):
        tier = as_object(tier, f"tiers[{n}]")
        tiers.append((tier.get("size"), tier.get("price")))
    deal = rules.GroupBuyDeal(sku=sku["sku"], normal_price=Decimal(sku["price"]),
                              tiers=tuple(tiers), window_hours=data.get("window_hours", 24),
                              rules=read_settings(uow, rules.DEFAULT_RULES))
    starts, ends = (parse_time(data[n], n, store.timezone or DEFAULT_TZ)
                    if data.get(n) is not None else None for n in ("starts_at", "ends_at"))
    row = GroupBuyDeal(code=code, store_id=store.id, sku=deal.sku,
                       normal_price=deal.normal_price,
                       tiers=[{"size": s, "price": str(round_cents(p))} for s, p in deal.tiers],
                       window_hours=deal.window_hours, starts_at=starts, ends_at=ends,
                       active=True, created_at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    uow.record("group_buy.created", entity="group_buy_deal", entity_id=row.id,
               store_id=store.id, code=code, sku=deal.sku)
    return _deal_json(row, store.code)


def list_deals(uow: UnitOfWork) -> list[dict[str, Any]]:
    codes = {s.id: s.code for s in list_stores(uow)}
    return [_deal_json(r, codes.get(r.store_id, "")) for r in
            uow.session.scalars(select(GroupBuyDeal).order_by(GroupBuyDeal.id))]


def _group(uow: UnitOfWork, group_id: int) -> tuple[GroupBuyGroup, GroupBuyDeal]:
    group = uow.session.get(GroupBuyGroup, group_id)
    if group is None:
        raise UnknownGroupBuy(f"group: unknown group {group_id}", field="group")
    deal = uow.session.get(GroupBuyDeal, group.deal_id)
    assert deal is not None
    return group, deal


def _members(uow: UnitOfWork, group_id: int) -> list[GroupBuyMember]:
    return list(uow.session.scalars(select(GroupBuyMember)
                                    .where(GroupBuyMember.group_id == group_id)
                                    .order_by(GroupBuyMember.id)))


def _state(group: GroupBuyGroup, members: list[GroupBuyMember]) -> rules.GroupState:
    return rules.GroupState(group.size, group.closes_at, group.status,  # type: ignore[arg-type]
                            tuple(m.customer for m in members if m.status == "joined"))


def order_no(group_id: int, member_id: int) -> str:
    """The number of the order a member paid with (拼团订单号)."""
    return f"PT-{group_id}-{member_id}"


def _store(uow: UnitOfWork, store_id: int) -> StoreView:
    return store_by_id(uow, store_id)


def _pay(uow: UnitOfWork, deal: GroupBuyDeal, group: GroupBuyGroup,
         member: GroupBuyMember) -> None:
    """付款: the member's paid order at the group price (one unit of the deal's SKU)."""
    uow.session.flush()  # the member's id numbers the order
    line = PricedLine(deal.sku, 1, deal.normal_price, deal.normal_price - group.price,
                      group.price, ((deal.code, deal.normal_price - group.price),))
    write_order(uow, NewOrder(_store(uow, deal.store_id), member.customer,
                              order_no(group.id, member.id), (line,), source="group_buy",
                              facts={"group_buy": deal.code, "group": group.id}))


def group_view(uow: UnitOfWork, group_id: int) -> GroupView:
    group, deal = _group(uow, group_id)
    return GroupView(group.id, deal.code, group.leader, group.size, group.price, group.status,
                     group.opened_at, group.closes_at,
                     tuple((m.customer, m.status, m.paid) for m in _members(uow, group.id)))


def open_group(uow: UnitOfWork, deal_code: str, leader: object, size: object) -> GroupView:
    """开团: the leader opens a group of ``size`` at that tier's price and pays it."""
    deal = uow.session.scalar(select(GroupBuyDeal).where(GroupBuyDeal.code == deal_code))
    if deal is None or not deal.active:
        raise UnknownGroupBuy(f"deal: unknown group buy {deal_code!r}", field="deal")
    now = uow.now()
    if (deal.starts_at and now < deal.starts_at) or (deal.ends_at and now >= deal.ends_at):
        raise rules.GroupBuyRefused("deal: this group buy is not running now", field="deal")
    rule = _rule_deal(deal)
    if isinstance(size, bool) or not isinstance(size, int):
        raise invalid("size", "must be an integer group size")
    price = rule.price_for(size)
    who = as_text(leader, "leader")
    group = GroupBuyGroup(deal_id=deal.id, leader=who, size=size, joined=1, price=price,
                          opened_at=now, closes_at=rule.closes_at(now), status="open")
    uow.session.add(group)
    uow.session.flush()
    leader_row = GroupBuyMember(group_id=group.id, customer=who, paid=price,
                                status="joined", joined_at=now)
    uow.session.add(leader_row)
    _pay(uow, deal, group, leader_row)
    uow.record("group_buy.opened", entity="group_buy_group", entity_id=group.id,
               store_id=deal.store_id, deal=deal.code, leader=who, size=size, price=str(price))
    return group_view(uow, group.id)


def join_group(uow: UnitOfWork, group_id: int, customer: object) -> GroupView:
    """参团: pay the group price; the group succeeds (成团) when this join fills it."""
    group, deal = _group(uow, group_id)
    who, now = as_text(customer, "customer"), uow.now()
    members = _members(uow, group.id)
    status = rules.check_join(_state(group, members), who, now)
    if any(m.customer == who for m in members):  # left before: one row per buyer and group
        raise rules.GroupBuyRefused(f"customer: {who} already left this group",
                                    field="customer")
    seat = uow.session.execute(
        update(GroupBuyGroup).where(GroupBuyGroup.id == group.id, GroupBuyGroup.status == "open",
                                    GroupBuyGroup.joined < GroupBuyGroup.size,
                                    GroupBuyGroup.closes_at > now)
        .values(joined=GroupBuyGroup.joined + 1).execution_options(synchronize_session=False))
    if seat.rowcount != 1:  # type: ignore[attr-defined]
        raise rules.GroupBuyRefused("group: this group is full or closed", field="group")
    member = GroupBuyMember(group_id=group.id, customer=who, paid=group.price,
                            status="joined", joined_at=now)
    uow.session.add(member)
    _pay(uow, deal, group, member)
    uow.session.refresh(group)
    if status == "succeeded" or group.joined >= group.size:
        group.status, group.closed_at = "succeeded", now
        uow.record("group_buy.succeeded", entity="group_buy_group", entity_id=group.id,
                   store_id=deal.store_id, deal=deal.code, members=group.joined)
    uow.record("group_buy.joined", entity="group_buy_group", entity_id=group.id,
               store_id=deal.store_id, customer=who, paid=str(group.price))
    uow.session.flush()
    return group_view(uow, group.id)


def _refund(uow: UnitOfWork, member: GroupBuyMember, deal: GroupBuyDeal, why: str) -> None:
    member.status, member.refunded_at = ("left" if why == "left" else "refunded"), uow.now()
    order_id = find_order(uow, deal.store_id, order_no(member.group_id, member.id))
    if order_id is not None:
        refund_order(uow, order_id, reference=f"group_buy:{member.group_id}:{why}")
    uow.record("group_buy.refunded", entity="group_buy_group", entity_id=member.group_id,
               store_id=deal.store_id, customer=member.customer, amount=str(member.paid),
               reason=why, order_id=order_id)


def leave_group(uow: UnitOfWork, group_id: int, customer: object) -> GroupView:
    """退团: a member (not the leader) leaves an open group and is refunded at once."""
    group, deal = _group(uow, group_id)
    who = as_text(customer, "customer")
    members = _members(uow, group.id)
    rules.check_leave(_state(group, members), who, group.leader, uow.now())
    member = next(m for m in members if m.customer == who and m.status == "joined")
    _refund(uow, member, deal, "left")
    group.joined -= 1
    uow.session.flush()
    return group_view(uow, group.id)


def sweep_groups(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    """拼团失败处理: every open group whose window ended at ``now`` short of its size fails and
    each of its members is refunded. Idempotent: a failed group is not swept again."""
    open_groups = list(uow.session.scalars(
        select(GroupBuyGroup).where(GroupBuyGroup.status == "open",
                                    GroupBuyGroup.closes_at <= now)))
    failed: list[int] = []
    refunded = 0
    members_of = {g.id: _members(uow, g.id) for g in open_groups}
    for gid in rules.expired([(g.id, _state(g, members_of[g.id])) for g in open_groups], now):
        group, deal = _group(uow, gid)
        group.status, group.closed_at = "failed", now
        for member in members_of[gid]:
            if member.status == "joined":
                _refund(uow, member, deal, "group_failed")
                refunded += 1
        uow.record("group_buy.failed", entity="group_buy_group", entity_id=gid,
                   store_id=deal.store_id, deal=deal.code, members=group.joined)
        failed.append(gid)
    uow.session.flush()
    return {"failed_groups": failed, "refunded_members": refunded}


def list_groups(uow: UnitOfWork, deal_code: str | None = None) -> list[GroupView]:
    query = select(GroupBuyGroup.id).order_by(GroupBuyGroup.id)
    if deal_code is not None:
        query = query.join(GroupBuyDeal, GroupBuyDeal.id == GroupBuyGroup.deal_id).where(
            GroupBuyDeal.code == deal_code)
    return [group_view(uow, gid) for gid in uow.session.scalars(query)]
