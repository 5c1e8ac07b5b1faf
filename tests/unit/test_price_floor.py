"""价格底线: floor = (cost + shipping) / (1 − commission − min margin), rounded up to the cent."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from shopops.pricing.engine import quote
from shopops.pricing.floors import FloorBreach, check_floors, price_floor
from shopops.pricing.promotions import (
    BelowFloor,
    Cart,
    CartLine,
    Coupon,
    InvalidFloor,
    TimedDiscount,
)

D = Decimal
NOW = datetime(2026, 11, 11)


@pytest.mark.parametrize(("cost", "commission", "shipping", "margin", "floor"), [
    # (40 + 8) / (1 − 0.05 − 0.15) = 48 / 0.8 = 60.00 (Tmall 5% commission)
    ("40", "0.05", "8", "0.15", "60.00"),
    # (30 + 5) / (1 − 0.006 − 0.1) = 35 / 0.894 = 39.1498… → rounded UP to 39.15 (PDD 0.6%)
    ("30", "0.006", "5", "0.1", "39.15"),
    # no fees, no margin: the floor is the cost
    ("12.34", "0", "0", "0", "12.34"),
    # (10 + 0) / (1 − 0.08 − 0.2) = 10 / 0.72 = 13.888… → 13.89 (JD 8%)
    ("10", "0.08", "0", "0.2", "13.89"),
])
def test_floor_formula(cost: str, commission: str, shipping: str, margin: str,
                       floor: str) -> None:
    assert price_floor(D(cost), D(commission), D(shipping), D(margin)) == D(floor)


@pytest.mark.parametrize(("args", "field"), [
    (("-1", "0.05", "8", "0.1"), "cost"),
    (("10", "0.05", "-8", "0.1"), "shipping_cost"),
    (("10", "1", "0", "0.1"), "commission_rate"),
    (("10", "-0.1", "0", "0.1"), "commission_rate"),
    (("10", "0.05", "0", "1.5"), "min_margin_rate"),
    (("10", "0.5", "0", "0.5"), "min_margin_rate"),  # nothing left to pay the goods
    ((10.0, "0.05", "0", "0.1"), "cost"),  # float money is refused
    (("10", 0.05, "0", "0.1"), "commission_rate"),
])
def test_floor_validation_names_the_field(args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(InvalidFloor) as info:
        price_floor(*args)
    assert info.value.field == field
    assert info.value.code == "pricing.invalid_floor"


def test_check_floors_names_sku_price_floor_and_shortfall() -> None:
    # A ¥100 at 5折 → ¥50 against a ¥60 floor: short by ¥10 a unit.
    cart = Cart((CartLine("A", 2, D("100")), CartLine("B", 1, D("100"))))
    sale = TimedDiscount(id="half", name="5折", rate=D("0.5"))
    q = quote(cart, [sale], NOW)
    floors = {"A": D("60"), "B": D("40")}
    assert check_floors(q, floors, {}) == [FloorBreach("A", D("50.00"), D("60.00"), D("10.00"))]
    assert check_floors(q, floors, {"A": "清仓 clearance, approved"}) == []
    assert len(check_floors(q, floors, {"A": "  "})) == 1  # a blank reason is no override


def test_quote_with_floors_skips_offers_that_would_breach() -> None:
    # 5折 would put A at ¥50 < ¥60 floor: the line keeps its list price; the ¥30 coupon would
    # take A to ¥70 ≥ 60 → allowed. A coupon of ¥45 would breach → not used.
    cart = Cart((CartLine("A", 1, D("100")),), coupons=("c",))
    sale = TimedDiscount(id="half", name="5折", rate=D("0.5"))
    floors = {"A": D("60")}
    assert quote(cart, [sale, Coupon(id="c", name="券", amount=D("30"))], NOW,
                 floors=floors).total == D("70.00")
    assert quote(cart, [Coupon(id="c", name="券", amount=D("45"))], NOW,
                 floors=floors).total == D("100.00")
    overridden = quote(cart, [sale], NOW, floors=floors, overrides={"A": "新品引流"})
    assert overridden.total == D("50.00")


def test_list_price_below_floor_is_refused_naming_the_sku() -> None:
    with pytest.raises(BelowFloor) as info:
        quote(Cart((CartLine("A", 1, D("30")),)), [], NOW, floors={"A": D("60")})
    assert info.value.details["skus"] == ["A"]
    assert info.value.code == "pricing.below_floor"
