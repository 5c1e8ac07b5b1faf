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
(level, store, exclusion group); a legal combination picks ≤ 1 per group. Each store's picks are
priced once (S = Σ over stores of Π (|group| + 1) evaluations, O(lines × offers) each); the
store picks are combined (P = Π over stores of their pick counts) with every platform pick (Q),
each given a cheap lower bound, and exact pricing runs best bound first until no bound can beat
the best total found (branch and bound). Cost O(S·L·K + P·Q·L + e·L·K) for e exact pricings,
usually 1–3. A single-store cart with 50 promotions is a few hundred bounds; a cart across many
stores multiplies P, the known limit of this first version.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from shopops.pricing.explain import Priced, Quote, build_quote
from shopops.pricing.promotions import (
    BelowFloor,
    Cart,
    CartLine,
    FreeShippingThreshold,
    GiftWithPurchase,
    InvalidPromotion,
    ItemOffer,
    OrderOffer,
    Promotion,
    to_cents,
)

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
    """Price one combination of store/platform offers on top of the item-level amounts."""
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


def order_candidates(cart: Cart, promotions: Iterable[Promotion], now: datetime,
                     item_amounts: Sequence[int]) -> dict[str, tuple[OrderOffer, int]]:
    """Prune: active, held, covering a line and worth something at the item-level base.

    Maps each candidate's id to it and its discount at the item-level base, an upper bound of
    what it can take in any combination: every discount grows with its base and later levels
    only lower the base (so an offer worth ¥0 there is worth ¥0 everywhere)."""
    result = {}
    for promo in promotions:
        if not isinstance(promo, OrderOffer) or promo.level == "item_level" \
                or not promo.usable_by(cart, now):
            continue
        eligible = [i for i, line in enumerate(cart.lines) if promo.covers(line)]
        base = sum(item_amounts[i] for i in eligible)
        count = sum(cart.lines[i].quantity for i in eligible)
        bound = promo.discount_cents(base, count) if eligible else 0
        if bound > 0:
            result[promo.id] = (promo, min(bound, base))
    return result


StorePick = tuple[tuple[OrderOffer, ...], Priced]  # one store's offers and their pricing


def _store_options(cart: Cart, item_amounts: Sequence[int], offers: Sequence[OrderOffer],
                   ) -> list[list[StorePick]]:
    """Per store (店铺), every legal pick of its store-level offers, priced once.

    Offers naming different stores touch disjoint lines, so each store is priced on its own;
    an offer without a store spans the cart, and then all store offers form one scope."""
    by_store: dict[str | None, list[OrderOffer]] = defaultdict(list)
    for offer in offers:
        by_store[offer.store].append(offer)
    if None in by_store and len(by_store) > 1:
        by_store = {None: list(offers)}
    return [[(combination, price_combination(cart, item_amounts, combination))
             for combination in legal_combinations(by_store[store])]
            for store in sorted(by_store, key=lambda store: store or "")]


def _compose(item_amounts: Sequence[int], picks: Sequence[StorePick],
             ) -> tuple[tuple[OrderOffer, ...], Priced]:
    """One pick per store put together: each store only changed its own lines."""
    composed = Priced(list(item_amounts), [])
    chosen: tuple[OrderOffer, ...] = ()
    for combination, priced in picks:
        chosen += combination
        composed.steps.extend(priced.steps)
        for i, (amount, before) in enumerate(zip(priced.amounts, item_amounts, strict=True)):
            if amount != before:
                composed.amounts[i] = amount
    return chosen, composed


def _ranked(cart: Cart, item_amounts: Sequence[int],
            candidates: Mapping[str, tuple[OrderOffer, int]],
            ) -> list[tuple[int, tuple[StorePick, ...], tuple[OrderOffer, ...]]]:
    """(lower bound of the goods total, store picks, platform pick), best bound first.

    The bound is exact but for caps on what is left of a line (a discount takes at most its
    computed amount), so the first few entries are nearly always the answer. Store picks are
    summed as deltas from the item-level amounts, composed only when priced exactly."""
    offers = [offer for offer, _ in candidates.values()]
    platform = [o for o in offers if o.level == "platform_level"]
    eligible = {o.id: [i for i, line in enumerate(cart.lines) if o.covers(line)] for o in platform}
    counts = {o.id: sum(cart.lines[i].quantity for i in eligible[o.id]) for o in platform}
    item_base = {o.id: sum(item_amounts[i] for i in eligible[o.id]) for o in platform}
    platform_picks = list(legal_combinations(platform))
    goods_before = sum(item_amounts)
    options = [[(pick, sum(pick[1].amounts) - goods_before,
                 {o.id: sum(pick[1].amounts[i] - item_amounts[i] for i in eligible[o.id])
                  for o in platform}) for pick in store_picks]
               for store_picks in _store_options(
                   cart, item_amounts, [o for o in offers if o.level == "store_level"])]
    ranked = []
    for combo in itertools.product(*options):
        goods = goods_before + sum(delta for _, delta, _ in combo)
        bound = {o.id: o.discount_cents(item_base[o.id] + sum(d[o.id] for _, _, d in combo),
                                        counts[o.id]) for o in platform}
        picks = tuple(pick for pick, _, _ in combo)
        ranked += [(goods - sum(bound[o.id] for o in pick), picks, pick)
                   for pick in platform_picks]
    ranked.sort(key=lambda entry: entry[0])
    return ranked


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


def _require_unique_ids(promos: Sequence[Promotion]) -> None:
    for before, after in itertools.pairwise(promos):
        if before.id == after.id:
            raise InvalidPromotion(f"id: {after.id!r} is used by two promotions", field="id")


def quote(cart: Cart, promotions: Iterable[Promotion], now: datetime,
          floors: Floors | None = None, overrides: Overrides | None = None) -> Quote:
    """The best legal combination for the buyer: lowest total (goods + shipping); ties → more
    gifts, then the lexicographically smallest sorted id tuple (deterministic).

    With ``floors`` (sku → 价格底线 per unit) no combination that sells a line below its floor is
    legal unless ``overrides`` has a non-empty reason for that SKU; :class:`BelowFloor` when even
    the list prices are below the floor."""
    promos = sorted(promotions, key=lambda p: p.id)
    _require_unique_ids(promos)
    item_offers = [p for p in promos if isinstance(p, ItemOffer) and p.level == "item_level"]
    item = best_item_offers(cart, item_offers, now, floors, overrides)
    item_amounts = [amount for amount, _ in item]
    candidates = order_candidates(cart, promos, now, item_amounts)
    shipping_cents = to_cents(cart.shipping_fee)
    best: tuple[tuple[int, int, tuple[str, ...]], Priced, list[GiftWithPurchase],
                FreeShippingThreshold | None] | None = None
    # Branch and bound: price exactly, best bound first; stop once no bound can reach the best
    # total found (shipping ≥ 0, so the goods bound is a bound of the total too).
    for bound, store_picks, platform_pick in _ranked(cart, item_amounts, candidates):
        if best is not None and bound > best[0][0]:
            break
        store_pick, priced = _compose(item_amounts, store_picks)
        _apply_order_level(cart, priced.amounts, platform_pick, priced)
        if not _floors_hold(cart, priced.amounts, floors, overrides):
            continue
        gifts, free = _extras(cart, promos, now, priced.amounts)
        total = sum(priced.amounts) + (0 if free else shipping_cents)
        key = (total, -len(gifts), tuple(sorted(o.id for o in store_pick + platform_pick)))
        if best is None or key < best[0]:
            best = (key, priced, gifts, free)
    if best is None:
        shorts = [line.sku for line, a in zip(cart.lines, item_amounts, strict=True)
                  if not _floor_ok(line, a, floors, overrides)]
        raise BelowFloor(f"lines: list price below the price floor for {', '.join(shorts)}",
                         field="lines", skus=shorts)
    _, priced, gifts, free = best
    return build_quote(cart, promos, now, item, priced, gifts, free, candidates)


