"""The quote's promotion cache (pricing.promotion_cache), on SQLite and PostgreSQL: the next
quote sees a promotion created, edited, ended or changed by plain SQL, in this process or
another; a rolled-back write leaves nothing behind; a missing token row means no caching; and
cached quotes equal uncached ones over seeded random carts and promotions."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import delete, text

from shopops.bootstrap import App
from shopops.core.errors import ShopOpsError
from shopops.pricing import promotion_cache
from shopops.pricing.models import PromotionVersion
from shopops.pricing.service import create_promotion, quote_cart, update_promotion
from shopops.pricing.usage_service import record_use
from shopops.stores.service import add_store
from tests.conftest import make_app
from tests.factories import add_category, add_product, add_sku

AT = "2026-11-11T10:00:00+08:00"
SKUS = [f"K{n:02d}" for n in range(12)]
FR = {"type": "full_reduction", "store": "tm-1", "code": "fr300",
      "tiers": [{"threshold": "300", "off": "40"}]}
CART = {"store": "tm-1", "lines": [{"sku": "K08", "qty": 1}, {"sku": "K09", "qty": 1}],
        "at": AT}


def seed(core: App) -> None:
    """Two stores; 12 SKUs (¥50–¥300, cost ¥1) in 服饰 > 上衣 and 零食."""
    with core.uow() as uow:
        add_store(uow, "tm-1", "tmall")
        add_store(uow, "jd-1", "jd")
        apparel = add_category(uow, "apparel", "服饰")
        tops = add_category(uow, "apparel-tops", "上衣", parent=apparel)
        snacks = add_category(uow, "snacks", "零食")
        products = [add_product(uow, f"P{n}", c) for n, c in enumerate((apparel, tops, snacks))]
        for n, code in enumerate(SKUS):
            add_sku(uow, code, products[n % 3], price=str(50 + 25 * n), cost="1")


@pytest.fixture
def shop(app: App) -> Iterator[App]:
    seed(app)
    yield app


def quote(core: App, cart: dict[str, Any] | None = None) -> dict[str, Any]:
    with core.reader() as uow:
        return quote_cart(uow, cart or CART, uow.now())


def create(core: App, payload: dict[str, Any]) -> None:
    with core.uow() as uow:
        create_promotion(uow, payload)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the promotion loads (cache misses)."""
    calls: list[int] = []
    real = promotion_cache.rows

    def counting(*args: Any, **kwargs: Any) -> tuple[promotion_cache.Entry, ...]:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(promotion_cache, "rows", counting)
    return calls


def test_a_new_promotion_is_seen_by_the_next_quote(shop: App, loads: list[int]) -> None:
    create(shop, {**FR, "store": "jd-1", "code": "jd-fr"})  # the wipe took the token row
    assert quote(shop)["discount_total"] == "0.00"
    assert quote(shop)["discount_total"] == "0.00"
    assert len(loads) == 1  # the second quote read the cache
    create(shop, FR)
    after = quote(shop)
    assert (after["discount_total"], after["applied"]) == ("40.00", ["fr300"])
    assert len(loads) == 2


def test_an_edited_or_ended_promotion_is_seen_by_the_next_quote(shop: App) -> None:
    create(shop, FR)
    assert quote(shop)["discount_total"] == "40.00"
    with shop.uow() as uow:
        update_promotion(uow, "fr300", {"tiers": [{"threshold": "300", "off": "55"}]})
    assert quote(shop)["discount_total"] == "55.00"
    with shop.uow() as uow:
        update_promotion(uow, "fr300", {"ends_at": "2026-11-10T00:00:00+08:00"})
    assert quote(shop)["discount_total"] == "0.00"
    with shop.uow() as uow:
        update_promotion(uow, "fr300", {"ends_at": None, "active": False})
    assert quote(shop)["applied"] == []
    with shop.uow() as uow:
        update_promotion(uow, "fr300", {"active": True})
    assert quote(shop)["applied"] == ["fr300"]


def test_plain_sql_writes_bump_the_token_too(shop: App) -> None:
    create(shop, FR)
    assert quote(shop)["applied"] == ["fr300"]
    with shop.engine.begin() as conn:  # not through the service: the trigger still sees it
        conn.execute(text("UPDATE promotions SET active = false WHERE code = 'fr300'"))
    assert quote(shop)["applied"] == []
    with shop.engine.begin() as conn:
        conn.execute(text("UPDATE promotions SET active = true WHERE code = 'fr300'"))
    assert quote(shop)["applied"] == ["fr300"]
    with shop.engine.begin() as conn:
        conn.execute(text("DELETE FROM promotion_floor_overrides"))
        conn.execute(text("DELETE FROM promotions"))
    assert quote(shop)["applied"] == []


def test_another_process_sees_a_change_made_here(shop: App, database_url: str) -> None:
    other = make_app(database_url)  # its own engine and cache, like a second worker
    try:
        assert quote(other)["applied"] == []
        create(shop, FR)
        assert quote(other)["applied"] == ["fr300"]
        with shop.uow() as uow:
            update_promotion(uow, "fr300", {"tiers": [{"threshold": "300", "off": "45"}]})
        assert quote(other)["discount_total"] == "45.00"
    finally:
        other.dispose()


def test_a_rolled_back_write_leaves_nothing_cached(shop: App) -> None:
    before = quote(shop)
    with pytest.raises(RuntimeError), shop.uow() as uow:
        create_promotion(uow, FR)
        inside = quote_cart(uow, CART, uow.now())  # cached under the uncommitted token
        assert inside["applied"] == ["fr300"]
        raise RuntimeError("rolled back")
    assert quote(shop) == before
    create(shop, {**FR, "code": "fr-other", "tiers": [{"threshold": "300", "off": "30"}]})
    assert quote(shop)["applied"] == ["fr-other"]


def test_without_the_token_row_every_quote_loads(shop: App, loads: list[int]) -> None:
    create(shop, FR)
    with shop.uow() as uow:
        uow.session.execute(delete(PromotionVersion))
    assert quote(shop)["applied"] == ["fr300"]
    assert quote(shop)["applied"] == ["fr300"]
    assert len(loads) == 2
    with shop.engine.begin() as conn:  # still right after a write: the trigger puts it back
        conn.execute(text("UPDATE promotions SET active = false"))
    assert quote(shop)["applied"] == []
    assert quote(shop)["applied"] == []
    assert len(loads) == 3


def test_the_cart_is_checked_line_by_line_in_order(shop: App) -> None:
    """One query for the SKUs, yet the first bad line (in order) is the error."""
    cases = [([{"sku": "NOPE", "qty": 1}, {"sku": "K01", "qty": 0}], "lines[0].sku"),
             ([{"sku": "K00", "qty": 0}, {"sku": "NOPE", "qty": 1}], "lines[0].qty"),
             ([{"sku": "K00", "qty": 1}, "K01", {"sku": "NOPE", "qty": 1}], "lines[1]"),
             ([{"sku": "K00", "qty": 1}, {"sku": "NOPE", "qty": 1}, 7], "lines[1].sku")]
    for lines, field in cases:
        with pytest.raises(ShopOpsError) as caught:
            quote(shop, {**CART, "lines": lines})
        assert caught.value.field == field


# -- cached == uncached over random carts ------------------------------------------------------

WINDOWS = [(None, None), ("2026-11-01T00:00:00+08:00", "2026-11-12T00:00:00+08:00"),
           ("2026-11-11T12:00:00+08:00", None), (None, "2026-11-11T08:00:00+08:00")]
INSTANTS = ["2026-11-11T07:00:00+08:00", AT, "2026-11-11T20:00:00+08:00"]


def random_payloads(rng: random.Random) -> tuple[list[dict[str, Any]], list[str]]:
    """~40 promotions of every kind (some platform-level, some by category, some out of
    window, inactive or capped) and the coupon codes a buyer may hold."""
    def full_reduction() -> dict[str, Any]:
        tiers = [{"threshold": str(t), "off": str(t // rng.choice((8, 10, 12)))}
                 for t in sorted(rng.sample((100, 200, 300, 500, 800), rng.randint(1, 3)))]
        return {"type": "full_reduction", "tiers": tiers,
                "repeat": len(tiers) == 1 and rng.random() < 0.5}

    kinds: list[Callable[[], dict[str, Any]]] = [
        full_reduction,
        lambda: {"type": "multi_buy_discount", "skus": rng.sample(SKUS, rng.randint(2, 6)),
                 "tiers": [{"qty": 2, "rate": rng.choice(("0.9", "0.95"))},
                           {"qty": 3, "rate": "0.85"}]},
        lambda: {"type": "coupon", "threshold": str(rng.choice((0, 99, 199, 399))),
                 "off": str(rng.choice((10, 20, 30)))},
        lambda: {"type": "timed_discount", "skus": rng.sample(SKUS, rng.randint(1, 4)),
                 "rate": rng.choice(("0.8", "0.88", "0.95"))},
        lambda: {"type": "timed_discount", "categories": [rng.choice(("apparel", "snacks"))],
                 "rate": "0.9"},
        lambda: {"type": "member_price", "prices": {"gold": {
            sku: str(40 + 25 * SKUS.index(sku)) for sku in rng.sample(SKUS, 3)}}},
        lambda: {"type": "free_shipping_threshold", "threshold": str(rng.choice((99, 199)))},
        lambda: {"type": "gift_with_purchase", "threshold": "500", "gift_sku": "K00"},
    ]
    payloads, coupons = [], []
    for n in range(40):
        payload = rng.choice(kinds)()
        platform = payload["type"] in ("full_reduction", "coupon") and rng.random() < 0.25
        if not platform:
            payload["store"] = rng.choice(("tm-1", "tm-1", "jd-1"))
        starts, ends = rng.choice(WINDOWS)
        payload.update(code=f"r{n:02d}", starts_at=starts, ends_at=ends,
                       active=rng.random() > 0.1, override_reason="test: any price")
        if rng.random() < 0.15:
            payload["max_uses"] = 1
        if payload["type"] == "coupon":
            coupons.append(payload["code"])
        payloads.append(payload)
    return payloads, coupons


def random_cart(rng: random.Random, coupons: list[str]) -> dict[str, Any]:
    return {"store": rng.choice(("tm-1", "tm-1", "jd-1")),
            "customer": {"tier": rng.choice((None, "gold")), "is_new": rng.random() < 0.3,
                         "coupons": rng.sample(coupons, min(len(coupons), rng.randint(0, 2)))},
            "lines": [{"sku": sku, "qty": rng.randint(1, 3)}
                      for sku in rng.sample(SKUS, rng.randint(1, 8))],
            "shipping_fee": "8", "at": rng.choice(INSTANTS)}


def outcome(core: App, cart: dict[str, Any]) -> Any:
    try:
        return quote(core, cart)
    except ShopOpsError as exc:  # a held coupon of the other store: the same error either way
        return (exc.code, exc.field, exc.message)


@pytest.mark.parametrize("seed_", [1, 2])
def test_cached_quotes_equal_uncached_ones(shop: App, loads: list[int], seed_: int) -> None:
    rng = random.Random(seed_)
    payloads, coupons = random_payloads(rng)
    with shop.uow() as uow:
        for payload in payloads:
            create_promotion(uow, payload)
        for payload in payloads:
            if payload.get("max_uses") and payload["active"]:  # used up: capped, left out
                record_use(uow, payload["code"], customer="someone", order_ref="o-1",
                           units=1, discount="1")
    carts = [random_cart(rng, coupons) for _ in range(60)]
    with promotion_cache.uncached():
        uncached = [outcome(shop, cart) for cart in carts]
    assert len(loads) == len(carts)
    cached = [outcome(shop, cart) for cart in carts]
    assert len(loads) == len(carts) + 2  # one load per store, then the cache
    assert cached == uncached
    assert sum(isinstance(o, dict) and o["applied"] != [] for o in cached) >= 30
