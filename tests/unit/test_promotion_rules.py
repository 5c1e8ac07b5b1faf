"""Worked examples as table tests — from the platforms' rule texts, computed by hand — for the
kinds and scopes added to the engine (rate coupon with a cap, 每满减, new-customer / member-tier /
sub-category scopes, bundles), presale 定金膨胀, group-buy tiers, the profit simulation; and the
property that no accepted promotion sells a line below its floor (without an override)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopops.pricing import floor_service
from shopops.pricing.bundles import Bundle, bind_to_cart
from shopops.pricing.engine import quote
from shopops.pricing.group_buy import (
    GroupBuyDeal,
    GroupBuyRefused,
    GroupState,
    check_join,
    check_leave,
    expired,
)
from shopops.pricing.presale import Presale, balance_due, deposit_refund
from shopops.pricing.promotions import (
    Cart,
    CartLine,
    Coupon,
    FullReduction,
    InvalidPromotion,
    MultiBuyDiscount,
    Promotion,
    TimedDiscount,
    with_sub_categories,
)
from shopops.pricing.simulation import SkuPlan, simulate, uplift_from_history
from shopops.stores.service import StoreView

D = Decimal
NOW = datetime(2026, 11, 11, 10, 0)


def line(sku: str, qty: int, price: str, **kw: Any) -> CartLine:
    return CartLine(sku, qty, D(price), **kw)


def total(cart: Cart, promos: list[Promotion]) -> Decimal:
    return quote(cart, bind_to_cart(cart, promos), NOW).total


# -- the engine: worked examples ------------------------------------------------------------

EVERY_200 = FullReduction(id="e200", name="每满200减20", tiers=((D(200), D(20)),), repeat=True)
EVERY_200_CAP = FullReduction(id="e200c", name="每满200减20 封顶50", tiers=((D(200), D(20)),),
                              repeat=True, cap=D(50))
RATE_COUPON = Coupon(id="r9", name="9折券 最多减30", rate=D("0.9"), max_off=D(30))


@pytest.mark.parametrize(("case", "lines", "promos", "coupons", "expected"), [
    # 每满200减20: ¥450 → 2 × 20 off → ¥410; ¥600 → 3 × 20 → ¥540; 封顶 50 at ¥600 → ¥550
    ("每满200减20 ¥450", [("A", 3, "150")], [EVERY_200], (), "410.00"),
    ("每满200减20 ¥600", [("A", 4, "150")], [EVERY_200], (), "540.00"),
    ("每满200减20 封顶50 ¥600", [("A", 4, "150")], [EVERY_200_CAP], (), "550.00"),
    # 9折券 最多减30: ¥200 → −20 → ¥180; ¥500 → −50 capped at −30 → ¥470
    ("9折券 ¥200", [("A", 2, "100")], [RATE_COUPON], ("r9",), "180.00"),
    ("9折券 封顶 ¥500", [("A", 5, "100")], [RATE_COUPON], ("r9",), "470.00"),
    # 满300减40 + 2件9折 on A + 9折券 最多减30: A 2×100 → 180, B 150 → 330; 满300减40 → 290;
    # the coupon's 9折 is on its threshold base 330 → −33 capped −30 → ¥260
    ("满300减40 + 2件9折 + 9折券", [("A", 2, "100"), ("B", 1, "150")],
     [FullReduction(id="fr", name="满300减40", tiers=((D(300), D(40)),)),
      MultiBuyDiscount(id="mb", name="2件9折", skus={"A"}, tiers=((2, D("0.9")),)),
      RATE_COUPON], ("r9",), "260.00"),
])
def test_worked_examples(case: str, lines: list[tuple[str, int, str]], promos: list[Promotion],
                         coupons: tuple[str, ...], expected: str) -> None:
    cart = Cart(tuple(line(*spec) for spec in lines), coupons=coupons)
    assert total(cart, promos) == D(expected), case


@pytest.mark.parametrize(("is_new", "tier", "expected"), [
    (False, None, "200.00"), (True, None, "180.00"),  # 新客专享 满100减20
    (False, "gold", "190.00"), (True, "gold", "180.00"),  # gold: 满100减10 (one activity)
])
def test_new_customer_and_member_tier_scopes(is_new: bool, tier: str | None,
                                             expected: str) -> None:
    promos: list[Promotion] = [
        FullReduction(id="new", name="新客 满100减20", tiers=((D(100), D(20)),),
                      new_customers_only=True),
        FullReduction(id="gold", name="金卡 满100减10", tiers=((D(100), D(10)),),
                      member_tiers=["gold"]),
    ]
    cart = Cart((line("A", 2, "100"),), is_new=is_new, member_tier=tier)
    assert total(cart, promos) == D(expected)


def test_category_scope_covers_sub_categories() -> None:
    promo = TimedDiscount(id="apparel", name="服饰 8折", categories=["apparel"], rate=D("0.8"))
    tee = line("T", 1, "100", category="tees", category_path=("tees", "apparel"))
    phone = line("P", 1, "100", category="phones", category_path=("phones", "digital"))
    assert (promo.covers(tee), promo.covers(phone)) == (True, False)
    paths = {"apparel": ("apparel",), "tees": ("tees", "apparel"),
             "phones": ("phones", "digital"), "digital": ("digital",)}
    wide = with_sub_categories(promo, paths)
    assert wide.categories == {"apparel", "tees"}
    assert total(Cart((tee, phone)), [wide]) == D("180.00")


@pytest.mark.parametrize(("a", "b", "expected"), [
    (1, 1, "230.00"),  # one set A+B (¥100 + ¥150) for ¥230
    (2, 1, "330.00"),  # one set + one A at list
    (2, 2, "460.00"),  # two sets
    (1, 0, "100.00"),  # no complete set
])
def test_bundle_prices_complete_sets(a: int, b: int, expected: str) -> None:
    bundle = Bundle(id="set", name="A+B 组合价230", items={"A": 1, "B": 1}, price=D(230))
    lines = [line(s, q, p) for s, q, p in (("A", a, "100"), ("B", b, "150")) if q]
    assert total(Cart(tuple(lines)), [bundle]) == D(expected)


def test_rate_coupon_validation_names_the_field() -> None:
    with pytest.raises(InvalidPromotion) as caught:
        Coupon(id="x", name="x", rate=D("0.9"), amount=D(5))
    assert caught.value.field == "rate"
    with pytest.raises(InvalidPromotion) as caught:
        Coupon(id="x", name="x", amount=D(5), max_off=D(3))
    assert caught.value.field == "max_off"


# -- presale 定金膨胀 ---------------------------------------------------------------------------

def presale(price: str, deposit: str, deposit_multiplier: str, refundable: bool = False) -> Presale:
    start = datetime(2026, 10, 20, 20)
    return Presale(sku="P", price=D(price), deposit=D(deposit),
                   deposit_multiplier=D(deposit_multiplier),
                   deposit_starts_at=start, deposit_ends_at=start + timedelta(days=11),
                   balance_starts_at=start + timedelta(days=11),
                   balance_ends_at=start + timedelta(days=21), refundable=refundable)


@pytest.mark.parametrize(("price", "deposit", "mult", "qty", "after", "balance", "paid"), [
    ("599", "50", "2", 1, "599", "499.00", "549.00"),  # 定金50抵100, no other offer
    ("599", "50", "2", 1, "549", "449.00", "499.00"),  # + 满500减50 on the presale price
    ("599", "50", "2", 2, "1098", "898.00", "998.00"),  # 2 件: each deposit counts ×2
    ("120", "30", "3", 1, "80", "0.00", "30.00"),  # 满100减40: 80 − 90 → never below ¥0
    ("100", "10", "1", 1, "100", "90.00", "100.00"),  # no expansion: 定金 just counts
])
def test_presale_balance_examples(price: str, deposit: str, mult: str, qty: int, after: str,
                                  balance: str, paid: str) -> None:
    result = balance_due(presale(price, deposit, mult), qty, D(after))
    assert (result.balance, result.total_paid) == (D(balance), D(paid))


def test_presale_rules_refuse_an_expansion_above_the_price_and_refund_by_setting() -> None:
    with pytest.raises(InvalidPromotion) as caught:
        presale("150", "100", "2")
    assert caught.value.field == "deposit_multiplier"
    keep, refund = presale("599", "50", "2"), presale("599", "50", "2", refundable=True)
    during, after = datetime(2026, 10, 25), datetime(2026, 11, 5)
    assert deposit_refund(keep, during, balance_paid=False) == D(50)
    assert deposit_refund(keep, after, balance_paid=False) == D(0)  # 定金不退
    assert deposit_refund(refund, after, balance_paid=False) == D(50)
    assert (keep.stage(during), keep.stage(after)) == ("deposit", "balance")


# -- group buy 拼团 ------------------------------------------------------------------------------

@pytest.mark.parametrize(("tiers", "window", "field"), [
    (((2, "80"),), 24, None),  # exactly 20% below ¥100: allowed
    (((2, "80.01"),), 24, "tiers[0].price"),  # less than 20% below
    (((6, "70"),), 24, "tiers[0].size"),  # groups are 2–5
    (((1, "70"),), 24, "tiers[0].size"),
    (((2, "70"),), 12, "window_hours"),  # open 24–48 h
    (((2, "70"),), 49, "window_hours"),
    (((2, "70"), (3, "75")), 48, "tiers"),  # a bigger group may not pay more
])
def test_group_buy_deal_bounds(tiers: tuple[tuple[int, str], ...], window: int,
                               field: str | None) -> None:
    def build() -> GroupBuyDeal:
        return GroupBuyDeal(sku="A", normal_price=D(100), window_hours=window,
                            tiers=tuple((s, D(p)) for s, p in tiers))
    if field is None:
        assert build().price_for(2) == D(80)
        return
    with pytest.raises(InvalidPromotion) as caught:
        build()
    assert caught.value.field == field


def test_group_buy_tiers_and_life() -> None:
    deal = GroupBuyDeal(sku="A", normal_price=D(100), window_hours=24,
                        tiers=((3, D(69)), (2, D(79)), (5, D(59))))
    assert [deal.price_for(n) for n in (2, 3, 5)] == [D(79), D(69), D(59)]
    closes = deal.closes_at(NOW)
    group = GroupState(3, closes, "open", ("lead", "m1"))
    assert check_join(group, "m2", NOW) == "succeeded"
    with pytest.raises(GroupBuyRefused):
        check_join(group, "m1", NOW)
    with pytest.raises(GroupBuyRefused):
        check_join(group, "m2", closes)
    with pytest.raises(GroupBuyRefused):
        check_leave(group, "lead", "lead", NOW)
    assert expired([(1, group), (2, GroupState(2, closes, "open", ("a", "b")))], closes) == [1]


# -- profit simulation ---------------------------------------------------------------------------

def test_profit_simulation_worked_example() -> None:
    # list ¥100, 8折 → ¥80; cost 40, shipping 5, commission 5%: margin/unit 50 → 31
    # 10 units/period → +50% uplift → 15 units
    plan = SkuPlan("A", D(100), D(80), D(40), D(5), D("0.05"), 10)
    result = simulate([plan], D("0.5"))
    [sku] = result.skus
    assert (sku.base_units, sku.promo_units) == (10, 15)
    assert (sku.base_revenue, sku.promo_revenue, sku.discount_cost) == (D(1000), D(1200),
                                                                        D(300))
    assert (sku.base_margin, sku.promo_margin, result.margin_delta) == (D(500), D(465),
                                                                        D(-35))
    assert result.breakeven_uplift == D("0.6129")  # 500 / (31 × 10) − 1
    assert uplift_from_history(300, 10, 280, 28) == D("2.0000")  # 30/day vs 10/day


# -- property: nothing accepted sells below its floor -------------------------------------------

STORE = StoreView(1, "tm-1", "tmall", "天猫", "Asia/Shanghai", D("0.05"))


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[floor_service.SkuInfo], list[Promotion]]:
    skus = []
    for i in range(draw(st.integers(1, 3))):
        cents = draw(st.integers(1_000, 30_000))
        # list price at or above the floor: cost ≤ price × (1 − 5% − 5%) − ¥5 shipping
        cost = draw(st.integers(0, cents * 90 // 100 - 500))
        skus.append(floor_service.SkuInfo(f"S{i}", D(cents) / 100, D(cost) / 100, "c", ("c",)))
    promos: list[Promotion] = []
    if draw(st.booleans()):
        promos.append(TimedDiscount(id="t", name="t", store="tm-1",
                                    rate=D(draw(st.integers(50, 95))) / 100))
    threshold = draw(st.integers(50, 400))
    off = draw(st.integers(1, threshold - 1))
    promos.append(FullReduction(id="f", name="f", store="tm-1", repeat=draw(st.booleans()),
                                tiers=((D(threshold), D(off)),)))
    if draw(st.booleans()):
        promos.append(MultiBuyDiscount(id="m", name="m", store="tm-1", level="store_level",
                                       tiers=((draw(st.integers(2, 4)),
                                               D(draw(st.integers(60, 95))) / 100),)))
    return skus, promos


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_no_accepted_promotion_sells_a_single_sku_cart_below_its_floor(
        case: tuple[list[floor_service.SkuInfo], list[Promotion]]) -> None:
    """Each promotion is 'created' in turn through the floor check (the others already
    accepted); a refused one is only kept with an override. Then no single-SKU cart of any size
    up to MAX_UNITS prices a line below its floor unless that line uses an overridden one."""
    skus, candidates = case
    floors = {s.sku: floor_service.sku_floor(s, STORE, floor_service.FLOOR_DEFAULTS)
              for s in skus}
    accepted: list[Promotion] = []
    overridden: set[str] = set()
    for promo in candidates:
        if floor_service.breaches(promo, accepted, skus, STORE, floors, NOW):
            overridden.add(promo.id)  # created only with a recorded override_reason
        accepted.append(promo)
    for info in skus:
        for units in range(1, floor_service.MAX_UNITS + 1):
            cart = Cart((floor_service.cart_line(info, units, "tm-1"),), is_new=True)
            result = quote(cart, bind_to_cart(cart, accepted), NOW)
            [priced] = result.lines
            below = priced.final_amount < floors[info.sku] * units
            used = set(result.applied) | {priced.item_offer} - {None}
            assert not below or used & overridden, (info, units, result.applied)
