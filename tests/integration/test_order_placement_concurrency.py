"""Orders racing for the last uses of a cap or for one claimed coupon, on SQLite and
PostgreSQL (threads started together): never a use over a budget, 限量 or 每人限用, a coupon
redeemed by exactly one order, and every refused order leaves nothing behind."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from shopops.bootstrap import App
from shopops.core.clock import FixedClock
from shopops.core.errors import ShopOpsError
from shopops.orders.models import Order
from shopops.orders.placement import place_order
from shopops.pricing import coupon_service
from shopops.pricing.models import CouponClaim, PromotionUse
from shopops.pricing.service import create_promotion
from shopops.pricing.usage_models import PromotionCounter, PromotionCustomerCounter
from tests.integration.shops import promotion_shop

NOW = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
THREADS = 20  # below the PostgreSQL pool (10 + 20 overflow)
FR300 = {"type": "full_reduction", "store": "tm-1", "code": "fr300",
         "tiers": [{"threshold": "300", "off": "40"}]}


@pytest.fixture
def core(database_url: str) -> Iterator[App]:
    with promotion_shop(database_url, FixedClock(NOW)) as application:
        yield application


def race(core: App, requests: list[dict[str, Any]]) -> list[str]:
    """Place every request at once; each outcome is "placed" or the error's code."""
    start = threading.Barrier(len(requests))

    def one(request: dict[str, Any]) -> str:
        start.wait()
        try:
            with core.uow() as uow:
                place_order(uow, request)
        except ShopOpsError as exc:
            return exc.code
        return "placed"

    with ThreadPoolExecutor(max_workers=len(requests)) as workers:
        return [f.result(timeout=120) for f in
                [workers.submit(one, request) for request in requests]]


@pytest.mark.parametrize(("cap", "same_buyer", "room"), [
    ({"max_uses": 5}, False, 5),  # 限量 5 单
    ({"budget": "200"}, False, 5),  # 预算 ¥200 at ¥40 an order
    ({"per_customer": 2}, True, 2),  # 每人限用 2 次, one buyer in every thread
])
def test_orders_racing_for_the_last_uses_never_pass_the_cap(
        core: App, cap: dict[str, Any], same_buyer: bool, room: int) -> None:
    with core.uow() as uow:
        create_promotion(uow, {**FR300, **cap})
    # B × 2 = 300 → 满300减40 → 260: every buyer was shown 260 and keeps to it
    outcomes = race(core, [{"store": "tm-1", "expected_total": "260.00",
                            "customer": {"id": "buyer" if same_buyer else f"b{n:02d}"},
                            "lines": [{"sku": "B", "qty": 2}]} for n in range(THREADS)])
    seen = Counter(outcomes)
    assert seen["placed"] == room, seen
    # refused: the quote already left the promotion out (price changed), or the quote still had
    # it and the counter row had no room left (cap reached) — a 409 either way
    assert set(seen) <= {"placed", "orders.price_changed", "pricing.cap_reached"}, seen
    with core.reader() as uow:
        s = uow.session
        paid = s.scalars(select(Order.paid_amount)).all()
        uses = s.scalar(select(func.count(PromotionUse.id)))
        counter = s.scalars(select(PromotionCounter)).one()
        totals = (counter.uses, counter.discount)
        mine = sorted(c.uses for c in s.scalars(select(PromotionCustomerCounter)))
    assert sorted(paid) == [Decimal("260.00")] * room
    assert uses == room and totals == (room, Decimal(40 * room))
    assert mine == ([room] if same_buyer else [1] * room)


def test_orders_racing_for_one_claimed_coupon_redeem_it_once(core: App) -> None:
    with core.uow() as uow:
        create_promotion(uow, {"type": "coupon", "store": "tm-1", "code": "c20",
                               "threshold": "199", "off": "20"})
        coupon_service.claim_coupon(uow, "c20", "buyer-1")
    with core.uow() as uow:  # a known buyer: the racing orders do not wait on creating them
        place_order(uow, {"store": "tm-1", "order_no": "first", "customer": {"id": "buyer-1"},
                          "lines": [{"sku": "G", "qty": 1}]})
    outcomes = race(core, [{"store": "tm-1", "order_no": f"C-{n}",
                            "customer": {"id": "buyer-1", "coupons": ["c20"]},
                            "lines": [{"sku": "A", "qty": 2}]} for n in range(THREADS)])
    seen = Counter(outcomes)
    assert seen["placed"] == 1, seen
    # refused: the quote saw the coupon used (422, names customer.coupons[0]) or the
    # conditional redemption found it taken (409)
    assert set(seen) <= {"placed", "pricing.invalid_cart", "pricing.coupon_redeemed"}, seen
    with core.reader() as uow:
        s = uow.session
        orders = s.execute(select(Order.channel_order_no, Order.paid_amount)
                           .where(Order.channel_order_no != "first")).all()
        claim = s.scalars(select(CouponClaim)).one()
        redeemed_by = claim.order_ref
        uses = s.scalars(select(PromotionUse.order_ref)).all()
    [(order_no, paid)] = orders
    assert paid == Decimal("180.00") and redeemed_by == order_no and uses == [order_no]
