"""The cart pricing engine (到手价引擎): the best legal combination of offers for the buyer.

Pure: cart, promotions, ``now`` (and optional floors) in; a :class:`Quote` out. All arithmetic is
in integer cents (分) so allocations add up exactly.

Order of work (see :mod:`shopops.pricing.promotions` for the stacking rules):
1. item level — each line takes its own best item offer (lowest line amount; tie → lower id),
   skipping one that would sell the line below its floor;
2. store level — thresholds on the item-level result; 3. platform level — thresholds on the
   amounts after the store level. Each order-level discount is allocated to its eligible lines
   in proportion to their current amounts with the largest-remainder method (最大余数法), so the
   shares add up to the discount to the cent and no line goes below zero.

Search: the item level is fixed (automatic on the platforms); the store- and platform-level
offers that are active, held (coupons) and worth something at the item-level base are grouped by
(level, store, exclusion group), and every pick of ≤ 1 per group is priced. Cost:
O(Π (|group| + 1) × lines × offers) — in practice one activity group and one coupon group per
store plus two platform groups, i.e. a few hundred combinations even with 50 promotions.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shopops.core.money import cents_to_yuan, round_cents
from shopops.pricing.promotions import (
    BelowFloor,
    Cart,
    CartLine,
    FreeShippingThreshold,
    GiftWithPurchase,
    ItemOffer,
    Level,
    OrderOffer,
    Promotion,
    to_cents,
)


@dataclass(frozen=True, slots=True)
class Allocation:
    """One line's share of a step (分摊): line index in the cart, SKU, amount off."""

    line: int
    sku: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Step:
    """One applied offer in the explanation; ``amount`` is what it took off (¥0 for gifts)."""

    promotion_id: str
    name: str
    kind: str
    level: Level
    amount: Decimal
    allocations: tuple[Allocation, ...]

    @property
    def lines(self) -> tuple[int, ...]:
        return tuple(a.line for a in self.allocations)


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """A priced cart line: list amount → item-level amount → final amount (到手价)."""

    sku: str
    quantity: int
    unit_price: Decimal
    list_amount: Decimal
    item_offer: str | None  # the item-level promotion used, if any
    item_amount: Decimal
    final_amount: Decimal
    discounts: tuple[tuple[str, Decimal], ...]  # (promotion id, amount) in step order

    @property
    def final_price(self) -> Decimal:
        """到手价 per unit, to the cent (the line amount is the exact figure)."""
        return round_cents(self.final_amount / self.quantity)


@dataclass(frozen=True, slots=True)
class GiftLine:
    """满赠 gift: a zero-price line (赠品 ¥0)."""

    sku: str
    quantity: int
    promotion_id: str
    unit_price: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Quote:
    """The answer: ``list_total − Σ steps = goods_total``; ``total = goods_total + shipping``."""

    lines: tuple[QuoteLine, ...]
    steps: tuple[Step, ...]
    gifts: tuple[GiftLine, ...]
    list_total: Decimal
    discount_total: Decimal
    goods_total: Decimal
    shipping_fee: Decimal
    free_shipping: str | None  # id of the 包邮 promotion that waived shipping
    total: Decimal
    applied: tuple[str, ...]  # order-level promotion ids chosen by the search
    not_used: tuple[tuple[str, str], ...]  # (promotion id, why) for the offers left out


Floors = Mapping[str, Decimal]
Overrides = Mapping[str, str]


def allocate(amount_cents: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount_cents`` in proportion to ``weights`` by largest remainder (最大余数法).

    Shares add up exactly; ties go to the earlier line; no share exceeds its weight when
    ``amount_cents ≤ sum(weights)``."""
    total = sum(weights)
    if total <= 0 or amount_cents <= 0:
        return [0] * len(weights)
    shares = [amount_cents * w // total for w in weights]
    remainders = [amount_cents * w % total for w in weights]
    left = amount_cents - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def _floor_ok(line: CartLine, amount_cents: int, floors: Floors | None,
              overrides: Overrides | None) -> bool:
    floor = (floors or {}).get(line.sku)
    if floor is None or (overrides or {}).get(line.sku, "").strip():
        return True
    return amount_cents >= to_cents(floor) * line.quantity


def best_item_offers(cart: Cart, offers: Iterable[ItemOffer], now: datetime,
                     floors: Floors | None = None, overrides: Overrides | None = None,
                     ) -> list[tuple[int, ItemOffer | None]]:
    """Per line: (amount in cents after the best item-level offer, that offer or None)."""
    usable = sorted((o for o in offers if o.level == "item_level" and o.usable_by(cart, now)),
                    key=lambda o: o.id)
    result: list[tuple[int, ItemOffer | None]] = []
    for line in cart.lines:
        best: tuple[int, ItemOffer | None] = (line.list_cents, None)
        for offer in usable:
            if not offer.covers(line):
                continue
            unit = offer.unit_price_for(line, cart)
            if unit is None:
                continue
            amount = to_cents(unit) * line.quantity
            if amount < best[0] and _floor_ok(line, amount, floors, overrides):
                best = (amount, offer)
        result.append(best)
    return result


@dataclass
class _Priced:
    """A combination priced: amounts per line, steps in cents, the chosen ids."""

    amounts: list[int]
    steps: list[tuple[Promotion, list[int]]]  # (promotion, cents off per line)
    idle: list[Promotion]  # chosen but worth nothing at this point


def _apply_order_level(cart: Cart, amounts: list[int], offers: Sequence[OrderOffer],
                       priced: _Priced) -> None:
    """Apply one level: thresholds on the level's starting amounts, activity before coupon."""
    start = list(amounts)
    for offer in sorted(offers, key=lambda o: (o.exclusion_group == "coupon", o.id)):
        eligible = [i for i, line in enumerate(cart.lines) if offer.covers(line)]
        base = sum(start[i] for i in eligible)
        count = sum(cart.lines[i].quantity for i in eligible)
        off = min(offer.discount_cents(base, count), sum(amounts[i] for i in eligible))
        if off <= 0:
            priced.idle.append(offer)
            continue
        shares = allocate(off, [amounts[i] for i in eligible])
        per_line = [0] * len(amounts)
        for i, share in zip(eligible, shares, strict=True):
            per_line[i] = share
            amounts[i] -= share
        priced.steps.append((offer, per_line))


def price_combination(cart: Cart, item_amounts: Sequence[int],
                      combination: Iterable[OrderOffer]) -> _Priced:
    """Price one combination of store/platform offers on top of the item-level amounts."""
    chosen = list(combination)
    priced = _Priced(list(item_amounts), [], [])
    for level in ("store_level", "platform_level"):
        _apply_order_level(cart, priced.amounts, [o for o in chosen if o.level == level], priced)
    return priced


def _is_legal(combination: Sequence[OrderOffer]) -> bool:
    """≤ 1 per (level, store, group) is built in; an exclusive offer must be alone."""
    scopes: dict[tuple[str, str | None], int] = defaultdict(int)
    for offer in combination:
        scopes[(offer.level, offer.store)] += 1
    return all(scopes[(o.level, o.store)] == 1 for o in combination if o.exclusive)


def legal_combinations(candidates: Sequence[OrderOffer]) -> Iterator[tuple[OrderOffer, ...]]:
    """Every pick of at most one offer per (level, store, exclusion group)."""
    groups: dict[tuple[str, str, str], list[OrderOffer]] = defaultdict(list)
    for offer in candidates:
        groups[(offer.level, offer.store or "", offer.exclusion_group)].append(offer)
    options = [[None, *sorted(groups[key], key=lambda o: o.id)] for key in sorted(groups)]
    for pick in itertools.product(*options):
        combination = tuple(o for o in pick if o is not None)
        if _is_legal(combination):
            yield combination


def order_candidates(cart: Cart, promotions: Iterable[Promotion], now: datetime,
                     item_amounts: Sequence[int]) -> list[OrderOffer]:
    """Prune: active, held, covering a line and worth something at the item-level base.

    Every discount grows with its base and later levels only lower the base, so an offer worth
    ¥0 at the item-level base is worth ¥0 in every combination."""
    result = []
    for promo in promotions:
        if not isinstance(promo, OrderOffer) or promo.level == "item_level" \
                or not promo.usable_by(cart, now):
            continue
        eligible = [i for i, line in enumerate(cart.lines) if promo.covers(line)]
        base = sum(item_amounts[i] for i in eligible)
        count = sum(cart.lines[i].quantity for i in eligible)
        if eligible and promo.discount_cents(base, count) > 0:
            result.append(promo)
    return result


def _goods_for(cart: Cart, promo: Promotion, amounts: Sequence[int]) -> int:
    return sum(a for line, a in zip(cart.lines, amounts, strict=True) if promo.covers(line))


def _extras(cart: Cart, promotions: Sequence[Promotion], now: datetime, amounts: Sequence[int],
            ) -> tuple[list[GiftWithPurchase], FreeShippingThreshold | None]:
    """满赠 and 包邮 on the paid goods amount (after every discount)."""
    active = sorted((p for p in promotions if p.usable_by(cart, now)), key=lambda p: p.id)
    gifts = [p for p in active if isinstance(p, GiftWithPurchase)
             and _goods_for(cart, p, amounts) >= to_cents(p.threshold)]
    shipping = next((p for p in active if isinstance(p, FreeShippingThreshold)
                     and any(p.covers(line) for line in cart.lines)
                     and _goods_for(cart, p, amounts) >= to_cents(p.threshold)), None)
    return gifts, shipping


def _floors_hold(cart: Cart, amounts: Sequence[int], floors: Floors | None,
                 overrides: Overrides | None) -> bool:
    return all(_floor_ok(line, a, floors, overrides)
               for line, a in zip(cart.lines, amounts, strict=True))


def quote(cart: Cart, promotions: Iterable[Promotion], now: datetime,
          floors: Floors | None = None, overrides: Overrides | None = None) -> Quote:
    """The best legal combination for the buyer: lowest total (goods + shipping); ties → more
    gifts, then the lexicographically smallest sorted id tuple (deterministic).

    With ``floors`` (sku → 价格底线 per unit) no combination that sells a line below its floor is
    legal unless ``overrides`` has a non-empty reason for that SKU; :class:`BelowFloor` when even
    the list prices are below the floor."""
    promos = sorted(promotions, key=lambda p: p.id)
    item_offers = [p for p in promos if isinstance(p, ItemOffer) and p.level == "item_level"]
    item = best_item_offers(cart, item_offers, now, floors, overrides)
    item_amounts = [amount for amount, _ in item]
    candidates = order_candidates(cart, promos, now, item_amounts)
    shipping_cents = to_cents(cart.shipping_fee)
    best: tuple[tuple[int, int, tuple[str, ...]], _Priced, list[GiftWithPurchase],
                FreeShippingThreshold | None] | None = None
    for combination in legal_combinations(candidates):
        priced = price_combination(cart, item_amounts, combination)
        if not _floors_hold(cart, priced.amounts, floors, overrides):
            continue
        gifts, free = _extras(cart, promos, now, priced.amounts)
        total = sum(priced.amounts) + (0 if free else shipping_cents)
        key = (total, -len(gifts), tuple(sorted(o.id for o in combination)))
        if best is None or key < best[0]:
            best = (key, priced, gifts, free)
    if best is None:
        shorts = [line.sku for line, a in zip(cart.lines, item_amounts, strict=True)
                  if not _floor_ok(line, a, floors, overrides)]
        raise BelowFloor(f"lines: list price below the price floor for {', '.join(shorts)}",
                         field="lines", skus=shorts)
    _, priced, gifts, free = best
    return _build_quote(cart, promos, now, item, priced, gifts, free, candidates)


def _item_steps(cart: Cart, item: Sequence[tuple[int, ItemOffer | None]]) -> list[Step]:
    by_offer: dict[str, list[Allocation]] = defaultdict(list)
    offers: dict[str, ItemOffer] = {}
    for i, (line, (amount, offer)) in enumerate(zip(cart.lines, item, strict=True)):
        if offer is not None:
            offers[offer.id] = offer
            by_offer[offer.id].append(
                Allocation(i, line.sku, cents_to_yuan(line.list_cents - amount)))
    return [Step(o.id, o.name, o.kind, o.level, sum((a.amount for a in by_offer[o.id]),
                                                     Decimal("0.00")), tuple(by_offer[o.id]))
            for o in sorted(offers.values(), key=lambda o: o.id)]


def _order_step(cart: Cart, promo: Promotion, per_line: Sequence[int]) -> Step:
    allocations = tuple(Allocation(i, cart.lines[i].sku, cents_to_yuan(c))
                        for i, c in enumerate(per_line) if c)
    return Step(promo.id, promo.name, promo.kind, promo.level,
                cents_to_yuan(sum(per_line)), allocations)


def _why_not_used(cart: Cart, promo: Promotion, now: datetime,
                  candidates: Sequence[OrderOffer]) -> str:
    """Why an offer is not in the quote (为什么没用上), for the explanation."""
    if not promo.is_active(now):
        return "不在有效期内"
    if not promo.usable_by(cart, now):
        return "未持有该优惠券"
    if not any(promo.covers(line) for line in cart.lines):
        return "购物车中没有适用商品"
    if isinstance(promo, ItemOffer) and promo.level == "item_level":
        return "每件商品只享一个单品优惠，已取更优者"
    if promo in candidates:
        return "与所选优惠互斥或叠加后未达门槛，已选更优组合"
    return "未达使用门槛"


def _build_quote(cart: Cart, promos: Sequence[Promotion], now: datetime,
                 item: Sequence[tuple[int, ItemOffer | None]], priced: _Priced,
                 gifts: Sequence[GiftWithPurchase], free: FreeShippingThreshold | None,
                 candidates: Sequence[OrderOffer]) -> Quote:
    steps = _item_steps(cart, item)
    steps += [_order_step(cart, promo, per_line) for promo, per_line in priced.steps]
    steps += [Step(g.id, g.name, g.kind, g.level, Decimal("0.00"), ()) for g in gifts]
    line_discounts: list[list[tuple[str, Decimal]]] = [[] for _ in cart.lines]
    for step in steps:
        for a in step.allocations:
            line_discounts[a.line].append((step.promotion_id, a.amount))
    lines = tuple(
        QuoteLine(line.sku, line.quantity, line.unit_price, cents_to_yuan(line.list_cents),
                  offer.id if offer else None, cents_to_yuan(amount), cents_to_yuan(final),
                  tuple(line_discounts[i]))
        for i, (line, (amount, offer), final)
        in enumerate(zip(cart.lines, item, priced.amounts, strict=True)))
    list_cents = sum(line.list_cents for line in cart.lines)
    goods = sum(priced.amounts)
    shipping = 0 if free else to_cents(cart.shipping_fee)
    used = {promo.id for promo, _ in priced.steps}
    taken = used | {o.id for _, o in item if o} | {g.id for g in gifts} | {free.id if free else ""}
    not_used = tuple((p.id, _why_not_used(cart, p, now, candidates)) for p in promos
                     if p.id not in taken)
    return Quote(
        lines=lines, steps=tuple(steps),
        gifts=tuple(GiftLine(g.gift_sku, g.gift_quantity, g.id) for g in gifts),
        list_total=cents_to_yuan(list_cents), discount_total=cents_to_yuan(list_cents - goods),
        goods_total=cents_to_yuan(goods), shipping_fee=cents_to_yuan(shipping),
        free_shipping=free.id if free else None, total=cents_to_yuan(goods + shipping),
        applied=tuple(sorted(used)), not_used=not_used)
