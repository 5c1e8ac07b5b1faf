"""The engine's fast search (pricing/search.py) against the plain definitions: line sets found
from the index equal ``Promotion.covers``; the chosen combination is the smallest key (total,
fewer gifts last, ids) over every legal combination priced by ``price_combination``, including
carts where offers' line sets overlap (priced line by line) and coupons worth more than what
is left (capped)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopops.pricing.engine import (
    best_item_offers,
    legal_combinations,
    order_candidates,
    price_combination,
    quote,
)
from shopops.pricing.promotions import (
    Cart,
    CartLine,
    Coupon,
    FreeShippingThreshold,
    FullReduction,
    GiftWithPurchase,
    ItemOffer,
    Promotion,
)
from shopops.pricing.search import LineIndex
from tests.unit.test_pricing_properties import NOW, SKUS, STORES, lines, promotion

MANY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def crowded(draw: st.DrawFn) -> tuple[Cart, list[Promotion]]:
    """Up to 9 promotions on up to 5 lines: more overlap than the property tests draw."""
    promos = [draw(promotion(f"p{i}")) for i in range(draw(st.integers(2, 9)))]
    held = tuple(p.id for p in promos if isinstance(p, Coupon) and draw(st.booleans()))
    cart = Cart(tuple(draw(st.lists(lines, min_size=1, max_size=5))),
                member_tier=draw(st.sampled_from([None, "gold"])), coupons=held,
                shipping_fee=Decimal(draw(st.integers(0, 1_500))) / 100)
    return cart, promos


def exhaustive_key(cart: Cart, promos: list[Promotion]) -> tuple[int, int, tuple[str, ...]]:
    """min over every legal combination of (total in 分, −gifts, sorted ids)."""
    return exhaustive(cart, promos)[0]


def exhaustive(cart: Cart, promos: list[Promotion],
               ) -> tuple[tuple[int, int, tuple[str, ...]], tuple[str, ...]]:
    """The smallest key and the ids that took something off in that combination (a quote's
    ``applied``; an offer worth ¥0 there is in the key's ids but not applied)."""
    items = best_item_offers(cart, [p for p in promos if isinstance(p, ItemOffer)], NOW)
    base = [amount for amount, _ in items]
    offers = [o for o, _ in order_candidates(cart, promos, NOW, base).values()]
    keys = []
    for combination in legal_combinations(offers):
        priced = price_combination(cart, base, combination)
        amounts = priced.amounts
        applied = tuple(sorted(o.id for o, _ in priced.steps))

        def goods(p: Promotion, amounts: list[int] = amounts) -> int:
            return sum(a for ln, a in zip(cart.lines, amounts, strict=True) if p.covers(ln))

        active = [p for p in promos if p.usable_by(cart, NOW)]
        gifts = [p for p in active if isinstance(p, GiftWithPurchase)
                 and goods(p) >= int(p.threshold * 100)]
        free = any(isinstance(p, FreeShippingThreshold) and any(p.covers(ln) for ln in cart.lines)
                   and goods(p) >= int(p.threshold * 100) for p in active)
        total = sum(amounts) + (0 if free else int(cart.shipping_fee * 100))
        keys.append(((total, -len(gifts), tuple(sorted(o.id for o in combination))), applied))
    return min(keys)


@MANY
@given(crowded())
def test_search_picks_the_smallest_key_of_every_legal_combination(
        case: tuple[Cart, list[Promotion]]) -> None:
    cart, promos = case
    q = quote(cart, promos, NOW)
    (total, gifts, _), applied = exhaustive(cart, promos)
    assert int(q.total * 100) == total
    assert len(q.gifts) == -gifts
    assert q.applied == applied


@MANY
@given(crowded())
def test_line_index_agrees_with_covers(case: tuple[Cart, list[Promotion]]) -> None:
    cart, promos = case
    index = LineIndex(cart)
    for p in promos:
        assert index.covered(p) == tuple(i for i, ln in enumerate(cart.lines) if p.covers(ln))


def test_line_index_matches_parent_categories_like_covers() -> None:
    cart = Cart((CartLine("A", 1, Decimal("10"), category="tees", category_path=("apparel",)),
                 CartLine("B", 1, Decimal("10"), category="apparel"),
                 CartLine("C", 1, Decimal("10"), category="snacks")))
    promo = FullReduction(id="f", name="服饰满减", categories={"apparel"},
                          tiers=((Decimal("10"), Decimal("1")),))
    assert LineIndex(cart).covered(promo) == (0, 1)
    assert [promo.covers(ln) for ln in cart.lines] == [True, True, False]


def test_overlapping_store_offers_are_priced_line_by_line() -> None:
    # A coupon on SKU A only and a 满减 on the whole store: the 满减's share on A is not known
    # without allocating, so that pick is priced line by line. ¥300: 满300减60 and the ¥50
    # 无门槛 coupon on A → ¥190, under the platform's ¥200; giving up the 满减 (¥250 → −50 …
    # −30 = ¥220) or the coupon (¥240 − 30 = ¥210) costs more, so the platform offer stays out.
    cart = Cart((CartLine("A", 1, Decimal("200"), store="s1"),
                 CartLine("B", 1, Decimal("100"), store="s1")), coupons=("c50",))
    promos: list[Promotion] = [
        FullReduction(id="fr", name="满300减60", store="s1",
                      tiers=((Decimal("300"), Decimal("60")),)),
        Coupon(id="c50", name="A 券", store="s1", skus={"A"}, amount=Decimal("50")),
        FullReduction(id="pf", name="跨店满200减30", level="platform_level",
                      tiers=((Decimal("200"), Decimal("30")),)),
    ]
    q = quote(cart, promos, NOW)
    assert q.applied == ("c50", "fr")
    assert q.total == Decimal("190.00")
    assert [a.amount for a in q.steps[0].allocations] == [Decimal("40.00"), Decimal("20.00")]
    assert exhaustive_key(cart, promos)[0] == 19_000


def test_a_coupon_worth_more_than_what_is_left_is_capped() -> None:
    # 无门槛 ¥45 coupon on a ¥50 line after 满50减10: it can only take the ¥40 left (alone it
    # would leave ¥5).
    cart = Cart((CartLine("A", 1, Decimal("50"), store="s1"),), coupons=("c45",))
    promos: list[Promotion] = [
        FullReduction(id="fr", name="满50减10", store="s1",
                      tiers=((Decimal("50"), Decimal("10")),)),
        Coupon(id="c45", name="券", store="s1", amount=Decimal("45")),
    ]
    q = quote(cart, promos, NOW)
    assert q.total == Decimal("0.00")
    assert [(s.promotion_id, s.amount) for s in q.steps] == [
        ("fr", Decimal("10.00")), ("c45", Decimal("40.00"))]


def test_many_stores_walk_cheapest_first() -> None:
    # Three stores, each 满200减20 or 满200减5 (one activity), and a platform coupon needing ¥550
    # after the store level: every store's own best leaves ¥540 (no coupon, ¥540); the best is
    # two stores at −20 and one at −5: ¥555 − 100 = ¥455, the store giving way being s3 (ids).
    lines_ = tuple(CartLine(f"S{k}", 1, Decimal("200"), store=s) for k, s in enumerate(
        ("s1", "s2", "s3")))
    promos: list[Promotion] = [
        *(FullReduction(id=f"{s}-{name}", name=f"满200减{off}", store=s,
                        tiers=((Decimal("200"), Decimal(off)),))
          for s in ("s1", "s2", "s3") for name, off in (("big", 20), ("small", 5))),
        Coupon(id="pc", name="平台券", level="platform_level", threshold=Decimal("550"),
               amount=Decimal("100")),
    ]
    cart = Cart(lines_, coupons=("pc",))
    q = quote(cart, promos, datetime(2026, 6, 18))
    assert q.total == Decimal("455.00")
    assert q.applied == ("pc", "s1-big", "s2-big", "s3-small")
    assert exhaustive_key(cart, promos) == (45_500, 0, q.applied)
    assert SKUS and STORES  # the drawn carts use the property tests' alphabet
