"""The engine's hot path (pure): which lines each offer covers, each store's legal picks summed
up without allocating, and the best-first walk over store × platform picks.

Everything is integer cents. Exactness rules, in the order they are used:
- an order-level offer's discount depends only on its level's starting amounts; at the store
  level those are the item-level amounts, so each offer's discount (``Scope.off``) is computed
  once per quote;
- an earlier offer's share on a later offer's lines is its whole discount when its lines are a
  subset of the later one's, nothing when they are disjoint, and unknown otherwise — then the
  pick is priced line by line (``Pick.priced``), which is always exact;
- a discount never shrinks as its base grows (满减 tiers, 券 thresholds, 满件折 rates), and later
  levels only lower a base, so the discount at the item-level base bounds what an offer can take
  anywhere.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter

from shopops.pricing.explain import Priced
from shopops.pricing.promotions import Cart, OrderOffer, Promotion

_by_order = attrgetter("order")


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
    if not left:
        return shares
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        shares[i] += 1
    return shares


class LineIndex:
    """The cart's lines by SKU, store and category, so an offer's lines are found from its scope
    instead of asking every line; an offer class with its own ``covers`` is asked line by line."""

    def __init__(self, cart: Cart) -> None:
        self.lines = cart.lines
        self.every = tuple(range(len(cart.lines)))
        self.by_sku: dict[str, list[int]] = defaultdict(list)
        self.by_store: dict[str | None, list[int]] = defaultdict(list)
        for i, line in enumerate(cart.lines):
            self.by_sku[line.sku].append(i)
            self.by_store[line.store].append(i)
        self._covered: dict[int, tuple[int, ...]] = {}

    def covered(self, promo: Promotion) -> tuple[int, ...]:
        """Indexes of the lines ``promo.covers``, ascending (cached per object)."""
        found = self._covered.get(id(promo))
        if found is not None:
            return found
        lines = self.lines
        if type(promo).covers is not Promotion.covers:
            found = tuple(i for i in self.every if promo.covers(lines[i]))
        else:
            store, skus, categories = promo.store, promo.skus, promo.categories
            if skus is not None:
                pool: Sequence[int] = sorted([i for sku in skus for i in self.by_sku.get(sku, ())])
                if store is not None:
                    pool = [i for i in pool if lines[i].store == store]
            elif store is not None:
                pool = self.by_store.get(store, ())
            else:
                pool = self.every
            # the category test of Promotion.covers: the line's category or one of its parents
            found = tuple(pool) if categories is None else tuple(
                i for i in pool if lines[i].category in categories
                or any(c in categories for c in lines[i].category_path))
        self._covered[id(promo)] = found
        return found


@dataclass(slots=True)
class Scope:
    """An order-level candidate: its lines (indexes and bit mask), item count, item-level base
    and discount there (``off`` ≤ base: the most it can take at any later point)."""

    offer: OrderOffer
    lines: tuple[int, ...]
    mask: int
    count: int
    base: int
    off: int
    order: tuple[bool, str] = (False, "")  # inside a level: the activity before the coupon, by id

    def __post_init__(self) -> None:
        self.order = (self.offer.exclusion_group == "coupon", self.offer.id)


def apply_scopes(amounts: list[int], scopes: Sequence[Scope], steps: list[tuple[Promotion,
                 list[int]]], *, item_level_start: bool) -> None:
    """One level, line by line: thresholds on the level's starting amounts (at the store level
    those are the item-level amounts, so each scope's precomputed ``off`` is its discount)."""
    start = None if item_level_start else list(amounts)
    for scope in sorted(scopes, key=_by_order):
        if start is None:
            off = scope.off
        else:
            off = scope.offer.discount_cents(sum([start[i] for i in scope.lines]), scope.count)
        off = min(off, sum([amounts[i] for i in scope.lines]))
        if off <= 0:
            continue
        per_line = [0] * len(amounts)
        for i, share in zip(scope.lines, allocate(off, [amounts[i] for i in scope.lines]),
                            strict=True):
            per_line[i] = share
            amounts[i] -= share
        steps.append((scope.offer, per_line))


def _share(scope: Scope, off: int, mask: int) -> int | None:
    """What ``scope`` took off the lines of ``mask``: all, nothing, or unknown (None)."""
    if scope.mask & mask == 0:
        return 0
    return off if scope.mask & ~mask == 0 else None


class Pick:
    """One store's legal pick of store-level offers: its goods change (``delta`` ≤ 0) summed
    without allocating where the line sets allow it, priced line by line only when needed."""

    __slots__ = ("_item", "_platform", "_priced", "delta", "offs", "scopes")

    def __init__(self, scopes: Sequence[Scope], item: Sequence[int]) -> None:
        self.scopes = tuple(scopes) if len(scopes) < 2 else tuple(sorted(scopes, key=_by_order))
        self._item = item
        self._priced: Priced | None = None
        self._platform: list[int] | None = None
        self.offs = self._offs()
        self.delta = -sum(self.offs) if self.offs is not None else \
            sum(self.priced().amounts) - sum(item)

    def _offs(self) -> list[int] | None:
        offs: list[int] = []
        for k, scope in enumerate(self.scopes):
            off, taken, exact = scope.off, 0, True
            for j in range(k):
                earlier = self.scopes[j]
                if earlier.mask & scope.mask:
                    taken += offs[j]  # its share on these lines, or more
                    exact = exact and earlier.mask & ~scope.mask == 0
            if off > scope.base - taken:  # capped at what is left of its lines
                if not exact:
                    return None
                off = scope.base - taken
            offs.append(max(off, 0))
        return offs

    def priced(self) -> Priced:
        if self._priced is None:
            priced = Priced(list(self._item), [])
            apply_scopes(priced.amounts, self.scopes, priced.steps, item_level_start=True)
            self._priced = priced
        return self._priced

    def platform_deltas(self, platform: Sequence[Scope]) -> list[int]:
        """The change of each platform candidate's base caused by this pick."""
        if self._platform is None:
            deltas: list[int] = []
            for target in platform:
                shares = [_share(scope, off, target.mask)
                          for scope, off in zip(self.scopes, self.offs or (), strict=False)]
                if self.offs is None or None in shares:  # line by line
                    amounts = self.priced().amounts
                    deltas.append(sum(amounts[i] - self._item[i] for i in target.lines))
                else:
                    deltas.append(-sum(s for s in shares if s is not None))
            self._platform = deltas
        return self._platform


def legal_picks(scopes: Sequence[Scope]) -> list[tuple[Scope, ...]]:
    """Every pick of ≤ 1 per (level, store, exclusion group); an exclusive offer alone at its
    (level, store)."""
    groups: dict[tuple[str, str, str], list[Scope]] = defaultdict(list)
    for scope in scopes:
        o = scope.offer
        groups[(o.level, o.store or "", o.exclusion_group)].append(scope)
    options = [[None, *sorted(groups[key], key=lambda s: s.offer.id)] for key in sorted(groups)]
    any_exclusive = any(s.offer.exclusive for s in scopes)
    picks = []
    for pick in itertools.product(*options):
        chosen = tuple(s for s in pick if s is not None)
        if any_exclusive and not _legal(chosen):
            continue
        picks.append(chosen)
    return picks


def _legal(chosen: Sequence[Scope]) -> bool:
    scopes: dict[tuple[str, str | None], int] = defaultdict(int)
    for s in chosen:
        scopes[(s.offer.level, s.offer.store)] += 1
    return all(scopes[(s.offer.level, s.offer.store)] == 1 for s in chosen if s.offer.exclusive)


def store_picks(scopes: Sequence[Scope], item: Sequence[int]) -> list[list[Pick]]:
    """Per store (店铺), its legal picks, cheapest first. Offers naming different stores touch
    disjoint lines; an offer without a store spans the cart, and then all form one scope."""
    by_store: dict[str | None, list[Scope]] = defaultdict(list)
    for scope in scopes:
        by_store[scope.offer.store].append(scope)
    if None in by_store and len(by_store) > 1:
        by_store = {None: list(scopes)}
    return [sorted((Pick(pick, item) for pick in legal_picks(by_store[store])),
                   key=lambda p: p.delta)
            for store in sorted(by_store, key=lambda store: store or "")]


def cheapest_first(options: Sequence[Sequence[Pick]]) -> Iterator[tuple[int, tuple[Pick, ...]]]:
    """One pick per store, in order of the summed goods change (the k smallest sums by a heap:
    a combination's parent lowers its last raised index, so each is pushed once)."""
    first = tuple(0 for _ in options)
    heap = [(sum(store[0].delta for store in options), first)]
    while heap:
        delta, at = heapq.heappop(heap)
        yield delta, tuple(store[k] for store, k in zip(options, at, strict=True))
        last = max((n for n, k in enumerate(at) if k), default=0)
        for n in range(last, len(at)):
            if at[n] + 1 < len(options[n]):
                step = options[n][at[n] + 1].delta - options[n][at[n]].delta
                heapq.heappush(heap, (delta + step, (*at[:n], at[n] + 1, *at[n + 1:])))
