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

Search (exact): the item level is fixed (automatic on the platforms). Store- and platform-level
offers that are active, held (coupons) and worth something at the item-level base are grouped by
(level, store, exclusion group); a legal combination picks ≤ 1 per group. Every store's legal
picks are summed up without allocating (an offer's discount at the store level only depends on
the item-level amounts; whether an earlier offer's share lands on a later offer's lines follows
from the line sets being nested or disjoint — otherwise that pick is priced line by line). Store
picks are then combined cheapest goods first (a heap over the per-store sorted picks) and each
combination gets its platform picks' lower bounds; exact pricing (allocation, floors, gifts,
包邮) runs best bound first, and the walk stops once the goods amount minus the most any platform
pick can take exceeds the best total found (branch and bound; discounts never shrink as their
base grows, and later levels only lower a base, so both bounds hold). A few exact pricings per
quote, whatever the number of store combinations. :func:`price_combination` stays the plain
definition that the brute-force checks (tests, benchmark) use.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter

from shopops.pricing.explain import Priced, Quote, build_quote
from shopops.pricing.promotions import (
    BelowFloor,
    Cart,
    CartLine,
    FreeShippingThreshold,
    GiftWithPurchase,
    InvalidPromotion,
    ItemOffer,
    MemberPrice,
    MultiBuyDiscount,
    OrderOffer,
    Promotion,
    TimedDiscount,
    to_cents,
)
from shopops.pricing.search import (
    LineIndex,
    Pick,
    Scope,
    apply_scopes,
    cheapest_first,
    legal_picks,
    store_picks,
)
from shopops.pricing.search import allocate as allocate

Floors = Mapping[str, Decimal]
_by_id = attrgetter("id")
Overrides = Mapping[str, str]


def _floor_ok(line: CartLine, amount_cents: int, floors: Floors | None,
              overrides: Overrides | None) -> bool:
    floor = (floors or {}).get(line.sku)
    if floor is None or (overrides or {}).get(line.sku, "").strip():
        return True
    return amount_cents >= to_cents(floor) * line.quantity


def _at_rate(cents: Sequence[int], covered: Sequence[int], rate: Decimal,
             ) -> list[tuple[int, int | None]]:
    """``round_cents(yuan × rate)`` per covered line, in integer cents: rate = n/d exactly, half
    up is ⌊(2·c·n + d) / 2d⌋ — the same 分 as the Decimal rule, without Decimal in the loop."""
    n2, d, d2 = _ratio(rate)
    return [(i, (cents[i] * n2 + d) // d2) for i in covered]


@lru_cache(maxsize=4096)
def _ratio(rate: Decimal) -> tuple[int, int, int]:
    """(2n, d, 2d) of rate = n/d, once per distinct rate (Decimal → ratio is slow)."""
    n, d = rate.as_integer_ratio()
    return 2 * n, d, 2 * d


_MEMBER_CENTS: dict[int, tuple[MemberPrice, dict[str, dict[str, int]]]] = {}


def _member_cents(offer: MemberPrice) -> dict[str, dict[str, int]]:
    """``prices[tier][sku]`` in cents, once per promotion object (keyed by identity, checked,
    so a recycled id never reads another object's prices)."""
    entry = _MEMBER_CENTS.get(id(offer))
    if entry is None or entry[0] is not offer:
        if len(_MEMBER_CENTS) > 4096:  # promotions are reloaded per request: stay bounded
            _MEMBER_CENTS.clear()
        entry = (offer, {tier: {sku: to_cents(p) for sku, p in prices.items()}
                         for tier, prices in offer.prices.items()})
        _MEMBER_CENTS[id(offer)] = entry
    return entry[1]


_cents = lru_cache(maxsize=4096)(to_cents)  # flash and fixed prices recur across quotes


def _unit_cents(offer: ItemOffer, covered: Sequence[int], cart: Cart,
                unit_cents: Sequence[int]) -> list[tuple[int, int | None]]:
    """(line, unit price in cents or None) for the covered lines; the two common kinds by
    integer arithmetic, any other through its own ``unit_price_for``."""
    lines = cart.lines
    kind = type(offer)
    if kind is MultiBuyDiscount:  # its unit_price_for recounts the cart for every line
        assert isinstance(offer, MultiBuyDiscount)
        tier_rate = offer.rate_for(sum([lines[i].quantity for i in covered]))
        return [] if tier_rate is None else _at_rate(unit_cents, covered, tier_rate)
    if kind is TimedDiscount:
        assert isinstance(offer, TimedDiscount)
        if offer.price is not None:
            price = _cents(offer.price)
            return [(i, price) for i in covered]
        assert offer.rate is not None
        return _at_rate(unit_cents, covered, offer.rate)
    if kind is MemberPrice:
        assert isinstance(offer, MemberPrice)
        if cart.member_tier is None:
            return []
        prices = _member_cents(offer).get(cart.member_tier)
        return [] if not prices else [(i, prices.get(lines[i].sku)) for i in covered]
    out: list[tuple[int, int | None]] = []
    for i in covered:
        unit = offer.unit_price_for(lines[i], cart)
        out.append((i, None if unit is None else to_cents(unit)))
    return out


def best_item_offers(cart: Cart, offers: Iterable[ItemOffer], now: datetime,
                     floors: Floors | None = None, overrides: Overrides | None = None,
                     index: LineIndex | None = None, *, checked: bool = False,
                     ) -> list[tuple[int, ItemOffer | None]]:
    """Per line: (amount in cents after the best item-level offer, that offer or None).

    Offers are tried in id order and only a strictly lower amount replaces the best, so a tie
    keeps the lower id. ``checked``: the caller passes only usable offers, already in id order."""
    index = index or LineIndex(cart)
    lines = cart.lines
    usable = [o for o in offers if o.level == "item_level"] if checked else sorted(
        (o for o in offers if o.level == "item_level" and o.usable_by(cart, now)), key=_by_id)
    unit_cents = [int(line.unit_price * 100) for line in lines]  # validated: ≤ 2 decimals
    amounts = [u * line.quantity for u, line in zip(unit_cents, lines, strict=True)]
    chosen: list[ItemOffer | None] = [None] * len(lines)
    for offer in usable:
        covered = index.covered(offer)
        if not covered:
            continue
        for i, unit in _unit_cents(offer, covered, cart, unit_cents):
            if unit is None:
                continue
            amount = unit * lines[i].quantity
            if amount < amounts[i] and (not floors or _floor_ok(lines[i], amount, floors,
                                                                   overrides)):
                amounts[i], chosen[i] = amount, offer
    return list(zip(amounts, chosen, strict=True))


def _apply_order_level(cart: Cart, amounts: list[int], offers: Sequence[OrderOffer],
                       priced: Priced) -> None:
    """Apply one level: thresholds on the level's starting amounts, activity before coupon."""
    start = list(amounts)
    for offer in sorted(offers, key=lambda o: (o.exclusion_group == "coupon", o.id)):
        eligible = [i for i, line in enumerate(cart.lines) if offer.covers(line)]
        base = sum(start[i] for i in eligible)
        count = sum(cart.lines[i].quantity for i in eligible)
        off = min(offer.discount_cents(base, count), sum(amounts[i] for i in eligible))
        if off <= 0:
            continue
        shares = allocate(off, [amounts[i] for i in eligible])
        per_line = [0] * len(amounts)
        for i, share in zip(eligible, shares, strict=True):
            per_line[i] = share
            amounts[i] -= share
        priced.steps.append((offer, per_line))


def price_combination(cart: Cart, item_amounts: Sequence[int],
                      combination: Iterable[OrderOffer]) -> Priced:
    """Price one combination of store/platform offers on top of the item-level amounts: the
    plain definition (the search prices the same way from precomputed line sets)."""
    chosen = list(combination)
    priced = Priced(list(item_amounts), [])
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


def _scopes(cart: Cart, usable: Iterable[Promotion], item_amounts: Sequence[int],
            index: LineIndex) -> list[Scope]:
    """The order-level candidates among ``usable`` (promotions already checked usable)."""
    result = []
    lines = cart.lines
    # many offers share their lines (a store's 满减 tiers and coupons): base, count and mask once
    shared: dict[tuple[int, ...], tuple[int, int, int]] = {}
    for promo in usable:
        if not isinstance(promo, OrderOffer) or promo.level == "item_level":
            continue
        covered = index.covered(promo)
        if not covered:
            continue
        sums = shared.get(covered)
        if sums is None:
            mask = 0
            for i in covered:
                mask |= 1 << i
            sums = shared[covered] = (sum([item_amounts[i] for i in covered]),
                                      sum([lines[i].quantity for i in covered]), mask)
        base, count, mask = sums
        bound = promo.discount_cents(base, count)
        if bound > 0:
            result.append(Scope(promo, covered, mask, count, base, min(bound, base)))
    return result


def order_candidates(cart: Cart, promotions: Iterable[Promotion], now: datetime,
                     item_amounts: Sequence[int]) -> dict[str, tuple[OrderOffer, int]]:
    """Prune: active, held, covering a line and worth something at the item-level base.

    Maps each candidate's id to it and its discount at the item-level base, an upper bound of
    what it can take in any combination: every discount grows with its base and later levels
    only lower the base (so an offer worth ¥0 there is worth ¥0 everywhere)."""
    return {s.offer.id: (s.offer, s.off)
            for s in _scopes(cart, [p for p in promotions if p.usable_by(cart, now)],
                             item_amounts, LineIndex(cart))}


class _Extras:
    """满赠 and 包邮 on the paid goods amount (after every discount)."""

    def __init__(self, usable: Sequence[Promotion], index: LineIndex) -> None:
        active = [p for p in usable if isinstance(p, GiftWithPurchase | FreeShippingThreshold)]
        self.gifts = [(p, index.covered(p), to_cents(p.threshold)) for p in active
                      if isinstance(p, GiftWithPurchase)]
        self.shipping = [(p, covered, to_cents(p.threshold)) for p in active
                         if isinstance(p, FreeShippingThreshold)
                         and (covered := index.covered(p))]

    def __call__(self, amounts: Sequence[int],
                 ) -> tuple[list[GiftWithPurchase], FreeShippingThreshold | None]:
        gifts = [p for p, covered, threshold in self.gifts
                 if sum([amounts[i] for i in covered]) >= threshold]
        free = next((p for p, covered, threshold in self.shipping
                     if sum([amounts[i] for i in covered]) >= threshold), None)
        return gifts, free


def _floors_hold(cart: Cart, amounts: Sequence[int], floors: Floors | None,
                 overrides: Overrides | None) -> bool:
    return all(_floor_ok(line, a, floors, overrides)
               for line, a in zip(cart.lines, amounts, strict=True))


def _require_unique_ids(promos: Sequence[Promotion]) -> None:
    for before, after in itertools.pairwise(promos):
        if before.id == after.id:
            raise InvalidPromotion(f"id: {after.id!r} is used by two promotions", field="id")


Best = tuple[tuple[int, int, tuple[str, ...]], Priced, list[GiftWithPurchase],
             FreeShippingThreshold | None]


def quote(cart: Cart, promotions: Iterable[Promotion], now: datetime,
          floors: Floors | None = None, overrides: Overrides | None = None) -> Quote:
    """The best legal combination for the buyer: lowest total (goods + shipping); ties → more
    gifts, then the lexicographically smallest sorted id tuple (deterministic).

    With ``floors`` (sku → 价格底线 per unit) no combination that sells a line below its floor is
    legal unless ``overrides`` has a non-empty reason for that SKU; :class:`BelowFloor` when even
    the list prices are below the floor."""
    promos = sorted(promotions, key=_by_id)
    _require_unique_ids(promos)
    index = LineIndex(cart)
    floors = {sku: f for sku, f in (floors or {}).items() if sku in index.by_sku}
    usable = [p for p in promos if p.usable_by(cart, now)]
    item = best_item_offers(cart, [p for p in usable if isinstance(p, ItemOffer)], now,
                            floors, overrides, index, checked=True)
    item_amounts = [amount for amount, _ in item]
    scopes = _scopes(cart, usable, item_amounts, index)
    platform = [s for s in scopes if s.offer.level == "platform_level"]
    options = store_picks([s for s in scopes if s.offer.level == "store_level"], item_amounts)
    position = {id(s): j for j, s in enumerate(platform)}
    platform_picks = [tuple(position[id(s)] for s in pick) for pick in legal_picks(platform)]
    most_off = max(sum(platform[j].off for j in pick) for pick in platform_picks)
    extras = _Extras(usable, index)
    shipping = to_cents(cart.shipping_fee)
    goods_before = sum(item_amounts)
    best: Best | None = None
    for delta, combo in cheapest_first(options):
        goods = goods_before + delta
        if best is not None and goods - most_off > best[0][0]:
            break  # no platform pick can bring this or any later combination to the best
        bases = [s.base for s in platform]
        for pick in combo:
            for j, d in enumerate(pick.platform_deltas(platform)):
                bases[j] += d
        takes = [min(s.offer.discount_cents(b, s.count), b) for s, b in zip(platform, bases,
                                                                              strict=True)]
        bounds = sorted((goods - sum(takes[j] for j in q), q) for q in platform_picks)
        for bound, q in bounds:
            if best is not None and bound > best[0][0]:
                break
            found = _price(cart, item_amounts, combo, [platform[j] for j in q], extras,
                           shipping, floors, overrides)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
    if best is None:
        shorts = [line.sku for line, a in zip(cart.lines, item_amounts, strict=True)
                  if not _floor_ok(line, a, floors, overrides)]
        raise BelowFloor(f"lines: list price below the price floor for {', '.join(shorts)}",
                         field="lines", skus=shorts)
    _, priced, gifts, free = best
    return build_quote(cart, promos, now, item, priced, gifts, free,
                       {s.offer.id: s for s in scopes}, index.covered,
                       {p.id for p in usable})


def _price(cart: Cart, item_amounts: Sequence[int], combo: Sequence[Pick],
           platform: Sequence[Scope], extras: _Extras, shipping: int, floors: Floors,
           overrides: Overrides | None) -> Best | None:
    """Exact pricing of one combination (None when it sells a line below its floor)."""
    priced = Priced(list(item_amounts), [])
    for pick in combo:
        store = pick.priced()
        priced.steps.extend(store.steps)
        for i, (amount, before) in enumerate(zip(store.amounts, item_amounts, strict=True)):
            if amount != before:
                priced.amounts[i] = amount
    apply_scopes(priced.amounts, platform, priced.steps, item_level_start=False)
    if floors and not _floors_hold(cart, priced.amounts, floors, overrides):
        return None
    gifts, free = extras(priced.amounts)
    total = sum(priced.amounts) + (0 if free else shipping)
    ids = tuple(sorted([s.offer.id for p in combo for s in p.scopes]
                       + [s.offer.id for s in platform]))
    return (total, -len(gifts), ids), priced, gifts, free
