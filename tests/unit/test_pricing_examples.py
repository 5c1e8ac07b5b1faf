"""Worked examples of the 到手价 engine, from the platforms' own rule texts, computed by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shopops.pricing.engine import allocate, quote
from shopops.pricing.explain import Quote, explanation_lines
from shopops.pricing.promotions import (
    Cart,
    CartLine,
    Coupon,
    FreeShippingThreshold,
    FullReduction,
    GiftWithPurchase,
    InvalidCart,
    InvalidPromotion,
    MemberPrice,
    MultiBuyDiscount,
    TimedDiscount,
)

D = Decimal
NOW = datetime(2026, 6, 18, 10, 0)


def line(sku: str, qty: int, price: str, store: str | None = None) -> CartLine:
    return CartLine(sku, qty, D(price), store=store)


def full_reduction(pid: str, *tiers: tuple[str, str], **kw: Any) -> FullReduction:
    return FullReduction(id=pid, name=kw.pop("name", "满减"),
                         tiers=tuple((D(t), D(o)) for t, o in tiers), **kw)


def assert_adds_up(q: Quote) -> None:
    """Steps take list_total to goods_total; each step's shares add up to it exactly."""
    assert q.list_total - sum(s.amount for s in q.steps) == q.goods_total
    for step in q.steps:
        assert sum(a.amount for a in step.allocations) == step.amount
    assert sum(ln.final_amount for ln in q.lines) == q.goods_total
    assert q.total == q.goods_total + q.shipping_fee


def test_store_full_reduction_with_multi_buy_item_and_shop_coupon() -> None:
    # Tmall 店铺: 满300减40, A is 2件9折 (单品), a ¥20 店铺券 满199可用.
    # A 2×¥100 → 2件9折 → ¥180 (item level); B ¥150. Item-level result ¥330.
    # Store level, thresholds on ¥330: 满300减40 → −40; 券 199 → −20. 到手 330 − 60 = ¥270.
    # 满减 ¥40 shared 180:150 → 21.818… / 18.181… → ¥21.82 / ¥18.18 (largest remainder).
    cart = Cart((line("A", 2, "100"), line("B", 1, "150")), coupons=("c20",))
    promotions = [
        full_reduction("fr300", ("300", "40"), name="满300减40"),
        MultiBuyDiscount(id="mb2", name="2件9折", skus={"A"}, tiers=((2, D("0.9")),)),
        Coupon(id="c20", name="店铺券 满199减20", threshold=D("199"), amount=D("20")),
    ]
    q = quote(cart, promotions, NOW)
    assert q.total == D("270.00")
    assert [(s.promotion_id, s.level, s.amount) for s in q.steps] == [
        ("mb2", "item_level", D("20.00")), ("fr300", "store_level", D("40.00")),
        ("c20", "store_level", D("20.00"))]
    assert [a.amount for a in q.steps[1].allocations] == [D("21.82"), D("18.18")]
    # coupon ¥20 on the remaining 158.18 : 131.82 → 10.909… / 9.090… → ¥10.91 / ¥9.09
    assert [a.amount for a in q.steps[2].allocations] == [D("10.91"), D("9.09")]
    assert [ln.final_amount for ln in q.lines] == [D("147.27"), D("122.73")]
    assert q.lines[0].final_price == D("73.64")  # 147.27 / 2, rounded half up
    assert_adds_up(q)


def test_every_full_200_minus_20_on_650() -> None:
    # 每满200减20: ¥650 holds three full 200s → 3 × 20 = ¥60 off → ¥590.
    q = quote(Cart((line("A", 1, "650"),)),
              [full_reduction("e200", ("200", "20"), repeat=True)], NOW)
    assert (q.discount_total, q.total) == (D("60.00"), D("590.00"))


def test_every_full_reduction_with_a_cap() -> None:
    # 每满100减10, 最高减30 (封顶): ¥560 → 5 × 10 = 50, capped at ¥30 → ¥530.
    promo = full_reduction("e100", ("100", "10"), repeat=True, cap=D("30"))
    assert quote(Cart((line("A", 1, "560"),)), [promo], NOW).total == D("530.00")
    # ¥250 → 2 × 10 = 20, below the cap.
    assert quote(Cart((line("A", 1, "250"),)), [promo], NOW).total == D("230.00")


def test_tiered_full_reduction_takes_the_highest_tier_reached() -> None:
    # 满200减20 / 满400减50: ¥450 reaches 400 → −50 → ¥400; ¥399 reaches 200 → −20 → ¥379.
    promo = full_reduction("t", ("200", "20"), ("400", "50"))
    assert quote(Cart((line("A", 1, "450"),)), [promo], NOW).total == D("400.00")
    assert quote(Cart((line("A", 1, "399"),)), [promo], NOW).total == D("379.00")


def test_member_price_beats_a_timed_discount() -> None:
    # A ¥100: 限时8折 → ¥80; 会员价 gold ¥75 → gold pays ¥75, a non-member ¥80 (one per line).
    promotions = [
        TimedDiscount(id="td", name="限时8折", skus={"A"}, rate=D("0.8")),
        MemberPrice(id="mp", name="会员价", prices={"gold": {"A": D("75")}}),
    ]
    gold = quote(Cart((line("A", 1, "100"),), member_tier="gold"), promotions, NOW)
    assert (gold.total, gold.lines[0].item_offer) == (D("75.00"), "mp")
    guest = quote(Cart((line("A", 1, "100"),)), promotions, NOW)
    assert (guest.total, guest.lines[0].item_offer) == (D("80.00"), "td")


def test_platform_full_reduction_applies_after_the_store_level() -> None:
    # ¥320: store 满300减40 → ¥280; platform 跨店满300减30 counts on ¥280 → not reached;
    # platform 满250减25 is reached on ¥280 → ¥255.
    cart = Cart((line("A", 1, "320", store="s1"),))
    store = full_reduction("store", ("300", "40"), store="s1")
    missed = full_reduction("p300", ("300", "30"), level="platform_level")
    assert quote(cart, [store, missed], NOW).total == D("280.00")
    reached = full_reduction("p250", ("250", "25"), level="platform_level")
    q = quote(cart, [store, reached], NOW)
    assert q.total == D("255.00")
    assert [s.level for s in q.steps] == ["store_level", "platform_level"]


def test_store_coupon_and_platform_coupon_stack_but_two_store_coupons_do_not() -> None:
    # Held: two store coupons (¥10, ¥15, 无门槛) and a platform coupon ¥5 → best store coupon ¥15
    # + platform ¥5: ¥100 → ¥80.
    cart = Cart((line("A", 1, "100"),), coupons=("s10", "s15", "p5"))
    promotions = [Coupon(id="s10", name="店铺券10", amount=D("10")),
                  Coupon(id="s15", name="店铺券15", amount=D("15")),
                  Coupon(id="p5", name="平台券5", amount=D("5"), level="platform_level")]
    q = quote(cart, promotions, NOW)
    assert (q.total, q.applied) == (D("80.00"), ("p5", "s15"))
    assert ("s10", "与所选优惠互斥或叠加后未达门槛，已选更优组合") in q.not_used


def test_one_store_activity_and_exclusive_offers() -> None:
    # 满减 and 店铺满件折 share the activity group: ¥300 (3 items) → 3件8折 (−60) beats 满300减40.
    cart = Cart((line("A", 3, "100"),), coupons=("c",))
    fr = full_reduction("fr", ("300", "40"))
    mb = MultiBuyDiscount(id="mb", name="3件8折", level="store_level", tiers=((3, D("0.8")),))
    assert quote(cart, [fr, mb], NOW).total == D("240.00")
    # An exclusive ¥50 coupon cannot stack with 满减 (−40) or 满件折 (−60): alone it is −50,
    # so the engine prefers 满件折 −60 → ¥240; with a ¥70 exclusive coupon → ¥230.
    lone = Coupon(id="c", name="独享券", amount=D("50"), exclusive=True)
    assert quote(cart, [fr, mb, lone], NOW).applied == ("mb",)
    big = Coupon(id="c", name="独享券", amount=D("70"), exclusive=True)
    assert quote(cart, [fr, mb, big], NOW).total == D("230.00")


def test_free_shipping_threshold_reached_or_not() -> None:
    # 满99包邮, shipping ¥10: goods ¥120 → free, pay ¥120; goods ¥80 → pay ¥90.
    free = FreeShippingThreshold(id="fs", name="满99包邮", threshold=D("99"))
    reached = quote(Cart((line("A", 1, "120"),), shipping_fee=D("10")), [free], NOW)
    assert (reached.free_shipping, reached.total) == ("fs", D("120.00"))
    missed = quote(Cart((line("A", 1, "80"),), shipping_fee=D("10")), [free], NOW)
    assert (missed.free_shipping, missed.total) == (None, D("90.00"))
    # A ¥8 无门槛券 would bring ¥105 to ¥97 < 99 and cost ¥10 shipping (¥107): not used, ¥105.
    cart = Cart((line("A", 1, "105"),), shipping_fee=D("10"), coupons=("c8",))
    q = quote(cart, [free, Coupon(id="c8", name="无门槛券", amount=D("8"))], NOW)
    assert (q.total, q.applied) == (D("105.00"), ())


def test_gift_line_appears_at_zero_price() -> None:
    # 满200赠 a tote bag: ¥240 → gift TOTE ×1 at ¥0, total unchanged.
    gift = GiftWithPurchase(id="g", name="满200赠帆布袋", threshold=D("200"), gift_sku="TOTE")
    q = quote(Cart((line("A", 2, "120"),)), [gift], NOW)
    assert [(g.sku, g.quantity, g.unit_price) for g in q.gifts] == [("TOTE", 1, D("0.00"))]
    assert q.total == D("240.00")
    assert ("g", D("0.00")) in [(s.promotion_id, s.amount) for s in q.steps]
    assert any("赠品 TOTE ×1 ¥0.00" in text for text in explanation_lines(q))
    assert quote(Cart((line("A", 1, "120"),)), [gift], NOW).gifts == ()


def test_coupon_outside_its_validity_window_is_ignored() -> None:
    expired = Coupon(id="old", name="过期券", amount=D("20"), starts_at=NOW - timedelta(days=7),
                     ends_at=NOW - timedelta(seconds=1))
    future = Coupon(id="new", name="未开始券", amount=D("30"), starts_at=NOW + timedelta(hours=1))
    cart = Cart((line("A", 1, "100"),), coupons=("old", "new"))
    q = quote(cart, [expired, future], NOW)
    assert q.total == D("100.00")
    assert q.not_used == (("new", "不在有效期内"), ("old", "不在有效期内"))
    assert quote(cart, [expired, future], NOW + timedelta(hours=2)).total == D("70.00")


def test_coupon_not_held_is_not_used() -> None:
    coupon = Coupon(id="c", name="店铺券", amount=D("20"))
    q = quote(Cart((line("A", 1, "100"),)), [coupon], NOW)
    assert (q.total, q.not_used) == (D("100.00"), (("c", "未持有该优惠券"),))


def test_store_offers_only_touch_their_store_lines() -> None:
    # s1 满100减10 on s1's ¥120; s2's ¥500 line is untouched.
    cart = Cart((line("A", 1, "120", store="s1"), line("B", 1, "500", store="s2")))
    q = quote(cart, [full_reduction("s1fr", ("100", "10"), store="s1")], NOW)
    assert [ln.final_amount for ln in q.lines] == [D("110.00"), D("500.00")]


def test_explanation_reads_from_list_price_to_paid() -> None:
    cart = Cart((line("A", 1, "100"),), coupons=("c",))
    text = explanation_lines(quote(cart, [Coupon(id="c", name="店铺券", amount=D("5"))], NOW))
    assert text[0] == "商品原价 ¥100.00" and text[-1] == "运费 ¥0.00，实付 ¥95.00"


def test_largest_remainder_allocation() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]  # ties go to the earlier line
    assert allocate(1, [0, 5]) == [0, 1]
    assert allocate(0, [3, 4]) == [0, 0]


@pytest.mark.parametrize(("build", "field"), [
    (lambda: full_reduction("x", ("300", "-40")), "tiers[0].off"),
    (lambda: full_reduction("x", ("40", "40")), "tiers[0].threshold"),
    (lambda: full_reduction("x", ("30", "40")), "tiers[0].threshold"),
    (lambda: FullReduction(id="x", name="满减", tiers=()), "tiers"),
    (lambda: full_reduction("x", ("200", "20"), ("300", "30"), repeat=True), "tiers"),
    (lambda: full_reduction("x", ("200", "20"), cap=D("50")), "cap"),
    (lambda: full_reduction("x", ("200", "20"), level="item_level"), "level"),
    (lambda: TimedDiscount(id="x", name="折", skus={"A"}, rate=D("1.2")), "rate"),
    (lambda: TimedDiscount(id="x", name="折", skus={"A"}, rate=D("0")), "rate"),
    (lambda: TimedDiscount(id="x", name="折", skus={"A"}, rate=0.9), "rate"),
    (lambda: TimedDiscount(id="x", name="折", skus={"A"}), "rate"),
    (lambda: MultiBuyDiscount(id="x", name="满件折", tiers=()), "tiers"),
    (lambda: MultiBuyDiscount(id="x", name="满件折", tiers=((2, D("1")),)), "tiers[0].rate"),
    (lambda: Coupon(id="x", name="券", amount=D("-5")), "amount"),
    (lambda: Coupon(id="x", name="券", threshold=D("10"), amount=D("20")), "threshold"),
    (lambda: Coupon(id="", name="券", amount=D("5")), "id"),
    (lambda: Coupon(id="x", name="券", amount=D("5"), starts_at=NOW, ends_at=NOW), "ends_at"),
    (lambda: MemberPrice(id="x", name="会员价", prices={}), "prices"),
    (lambda: MemberPrice(id="x", name="会员价", prices={"gold": {"A": D("-1")}}),
     "prices.gold.A"),
    (lambda: GiftWithPurchase(id="x", name="满赠", threshold=D("100")), "gift_sku"),
])
def test_invalid_promotions_name_the_field(build: Any, field: str) -> None:
    with pytest.raises(InvalidPromotion) as info:
        build()
    assert info.value.field == field
    assert info.value.code == "pricing.invalid_promotion"


@pytest.mark.parametrize(("build", "field"), [
    (lambda: CartLine("A", 0, D("10")), "quantity"),
    (lambda: CartLine("A", 1, D("-1")), "unit_price"),
    (lambda: CartLine("A", 1, 9.9), "unit_price"),
    (lambda: Cart(()), "lines"),
])
def test_invalid_carts_name_the_field(build: Any, field: str) -> None:
    with pytest.raises(InvalidCart) as info:
        build()
    assert info.value.field == field


def test_two_promotions_with_one_id_are_refused() -> None:
    twins = [Coupon(id="c", name="券", amount=D("5")), Coupon(id="c", name="券", amount=D("6"))]
    with pytest.raises(InvalidPromotion) as info:
        quote(Cart((line("A", 1, "100"),)), twins, NOW)
    assert info.value.field == "id"


def test_stores_are_priced_apart_and_a_platform_coupon_spans_them() -> None:
    # s1 ¥300 满300减40 → 260; s2 ¥200 ¥15 store coupon (满199) → 185; platform 满400减30 on
    # 260 + 185 = 445 → −30: 260 + 185 − 30 = ¥415.
    cart = Cart((line("A", 1, "300", store="s1"), line("B", 1, "200", store="s2")),
                coupons=("s2c",))
    promotions = [full_reduction("s1fr", ("300", "40"), store="s1"),
                  Coupon(id="s2c", name="店铺券", store="s2", threshold=D("199"),
                         amount=D("15")),
                  full_reduction("pfr", ("400", "30"), level="platform_level")]
    q = quote(cart, promotions, NOW)
    assert (q.total, q.applied) == (D("415.00"), ("pfr", "s1fr", "s2c"))
    assert_adds_up(q)


def test_giving_up_a_store_offer_can_keep_a_bigger_platform_offer() -> None:
    # ¥310: store 满300减40 → ¥270 misses platform 满300减50 (counted after the store level);
    # without the store offer: 310 − 50 = ¥260 < ¥270, so the buyer is better off without it.
    cart = Cart((line("A", 1, "310", store="s1"),))
    promotions = [full_reduction("s", ("300", "40"), store="s1"),
                  full_reduction("p", ("300", "50"), level="platform_level")]
    q = quote(cart, promotions, NOW)
    assert (q.total, q.applied) == (D("260.00"), ("p",))
