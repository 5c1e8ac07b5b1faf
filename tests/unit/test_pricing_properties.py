"""Invariants of the 到手价 engine on random carts and promotions (hypothesis)."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopops.pricing.engine import best_item_offers, price_combination, quote
from shopops.pricing.floors import check_floors
from shopops.pricing.promotions import (
    BelowFloor,
    Cart,
    CartLine,
    Coupon,
    FreeShippingThreshold,
    FullReduction,
    GiftWithPurchase,
    ItemOffer,
    MemberPrice,
    MultiBuyDiscount,
    OrderOffer,
    Promotion,
    TimedDiscount,
)

NOW = datetime(2026, 6, 18, 12)
SKUS = ("A", "B", "C")
STORES = ("s1", "s2")
FAST = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(FAST, max_examples=300)  # the optimality check earns the most examples


def yuan(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda cents: Decimal(cents) / 100)


def rates() -> st.SearchStrategy[Decimal]:
    return st.integers(50, 99).map(lambda r: Decimal(r) / 100)


lines = st.builds(CartLine, st.sampled_from(SKUS), st.integers(1, 4),
                  yuan(0, 30_000) | yuan(5_000, 30_000), store=st.sampled_from(STORES))


@st.composite
def window(draw: st.DrawFn) -> dict[str, datetime | None]:
    if draw(st.integers(0, 3)):  # most offers are running now
        return {}
    start = NOW + timedelta(hours=draw(st.integers(-48, 24)))
    return {"starts_at": start, "ends_at": start + timedelta(hours=draw(st.integers(1, 72)))}


@st.composite
def promotion(draw: st.DrawFn, pid: str) -> Promotion:
    kind = draw(st.sampled_from(["full", "coupon", "multi", "timed", "member", "ship",
                                 "gift"]))
    common = {"id": pid, "name": f"活动{pid}", **draw(window())}
    store = draw(st.sampled_from([None, *STORES]))
    skus = draw(st.none() | st.frozensets(st.sampled_from(SKUS), min_size=1))
    if kind == "timed":
        return TimedDiscount(**common, skus=skus, rate=draw(rates()))
    if kind == "member":
        return MemberPrice(**common, prices={"gold": {draw(st.sampled_from(SKUS)):
                                                      draw(yuan(0, 20_000))}})
    if kind == "multi":
        return MultiBuyDiscount(**common, skus=skus, store=store,
                                level=draw(st.sampled_from(["item_level", "store_level"])),
                                tiers=((draw(st.integers(2, 4)), draw(rates())),))
    level = draw(st.sampled_from(["store_level", "platform_level"]))
    order = {"store": store if level == "store_level" else None, "level": level,
             "group": draw(st.sampled_from([None, None, "x"])), "exclusive": draw(st.booleans())}
    if kind == "full":
        threshold = draw(st.integers(2_000, 40_000))
        off = Decimal(draw(st.integers(100, threshold - 1))) / 100
        repeat = draw(st.booleans())
        cap = draw(st.none() | yuan(100, 20_000)) if repeat else None
        return FullReduction(**common, **order, skus=skus, repeat=repeat, cap=cap,
                             tiers=((Decimal(threshold) / 100, off),))
    if kind == "coupon":
        amount = draw(st.integers(100, 10_000))
        threshold = draw(st.sampled_from([0, amount + draw(st.integers(1, 40_000))]))
        return Coupon(**{**common, **order, "group": None}, skus=skus,
                      amount=Decimal(amount) / 100, threshold=Decimal(threshold) / 100)
    if kind == "ship":
        return FreeShippingThreshold(**common, store=order["store"], level=level,
                                     threshold=draw(yuan(0, 50_000)))
    return GiftWithPurchase(**common, store=order["store"], level=level,
                            threshold=draw(yuan(1, 50_000)), gift_sku="GIFT")


@st.composite
def scenario(draw: st.DrawFn) -> tuple[Cart, list[Promotion]]:
    n = draw(st.integers(0, 4) | st.just(4))
    promos = [draw(promotion(f"p{i}")) for i in range(n)]
    coupon_ids = [p.id for p in promos if isinstance(p, Coupon)]
    cart = Cart(tuple(draw(st.lists(lines, min_size=1, max_size=3))),
                member_tier=draw(st.sampled_from([None, "gold"])),
                coupons=tuple(draw(st.lists(st.sampled_from(coupon_ids), unique=True)))
                if coupon_ids else (),
                shipping_fee=draw(yuan(0, 1_500)))
    return cart, promos


# ---- a brute-force enumerator written apart from the engine's search ----------------------

def usable(promo: Promotion, cart: Cart) -> bool:
    held = not isinstance(promo, Coupon) or promo.id in cart.coupons
    in_window = (promo.starts_at is None or promo.starts_at <= NOW) and \
        (promo.ends_at is None or promo.ends_at > NOW)
    return held and in_window


def legal(subset: tuple[OrderOffer, ...]) -> bool:
    """≤ 1 per (level, store, group); an exclusive offer alone at its (level, store)."""
    seen = set()
    for p in subset:
        key = (p.level, p.store, p.group or ("coupon" if isinstance(p, Coupon) else "activity"))
        if key in seen:
            return False
        seen.add(key)
    return not any(p.exclusive and any(q is not p and (q.level, q.store) == (p.level, p.store)
                                       for q in subset) for p in subset)


def paid_total(cart: Cart, promos: list[Promotion], amounts: list[int]) -> int:
    free = any(isinstance(p, FreeShippingThreshold) and usable(p, cart)
               and any(p.covers(ln) for ln in cart.lines)
               and sum(a for ln, a in zip(cart.lines, amounts, strict=True) if p.covers(ln))
               >= int(p.threshold * 100) for p in promos)
    return sum(amounts) + (0 if free else int(cart.shipping_fee * 100))


def brute_force_best(cart: Cart, promos: list[Promotion]) -> int:
    items = best_item_offers(cart, [p for p in promos if isinstance(p, ItemOffer)], NOW)
    base = [amount for amount, _ in items]
    offers = [p for p in promos if isinstance(p, OrderOffer) and p.level != "item_level"
              and usable(p, cart)]
    totals = []
    for size in range(len(offers) + 1):
        for subset in itertools.combinations(offers, size):
            if legal(subset):
                totals.append(paid_total(cart, promos,
                                         price_combination(cart, base, subset).amounts))
    return min(totals)


# ---- properties ---------------------------------------------------------------------------

@THOROUGH
@given(scenario())
def test_engine_matches_brute_force_and_adds_up(case: tuple[Cart, list[Promotion]]) -> None:
    cart, promos = case
    q = quote(cart, promos, NOW)
    assert int(q.total * 100) == brute_force_best(cart, promos)
    assert q.total >= 0 and q.goods_total >= 0
    assert all(ln.final_amount >= 0 and ln.final_price >= 0 for ln in q.lines)
    assert q.list_total - sum(s.amount for s in q.steps) == q.goods_total
    for step in q.steps:  # every discount's allocations add up to it to the cent
        assert sum(a.amount for a in step.allocations) == step.amount
        assert all(a.amount >= 0 for a in step.allocations)
    for ln in q.lines:
        assert ln.list_amount - sum(amount for _, amount in ln.discounts) == ln.final_amount
    assert q.total == q.goods_total + q.shipping_fee


@FAST
@given(scenario(), st.randoms(use_true_random=False))
def test_quoting_is_deterministic(case: tuple[Cart, list[Promotion]],
                                  rnd: random.Random) -> None:
    cart, promos = case
    first = quote(cart, promos, NOW)
    shuffled = list(promos)
    rnd.shuffle(shuffled)
    assert quote(cart, promos, NOW) == first
    assert quote(cart, shuffled, NOW) == first


@FAST
@given(scenario(), st.dictionaries(st.sampled_from(SKUS), yuan(0, 20_000)),
       st.dictionaries(st.sampled_from(SKUS), st.sampled_from(["", "清仓", "新品引流"])))
def test_no_line_below_its_floor_without_an_override(
        case: tuple[Cart, list[Promotion]], floors: dict[str, Decimal],
        overrides: dict[str, str]) -> None:
    cart, promos = case
    try:
        q = quote(cart, promos, NOW, floors=floors, overrides=overrides)
    except BelowFloor:  # the list price itself is under the floor: nothing to quote
        assert any(ln.sku in floors and not overrides.get(ln.sku)
                   and ln.unit_price < floors[ln.sku] for ln in cart.lines)
        return
    assert check_floors(q, floors, overrides) == []
    assert q.total <= quote(cart, [], NOW, floors=floors, overrides=overrides).total
