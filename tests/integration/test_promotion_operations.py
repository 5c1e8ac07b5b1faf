"""Promotion operations on SQLite and PostgreSQL: a coupon is claimed within its limits and
redeemed once; creating a promotion below a price floor is refused naming the SKU, and allowed
with a recorded override; a group that ends short refunds every member; presale balance, caps,
new-customer scope, campaigns on the calendar, the floor report and the profit simulation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from shopops import cli
from shopops.bootstrap import App
from shopops.core.clock import FixedClock
from shopops.core.errors import ShopOpsError
from shopops.db.facts import Fact
from shopops.pricing import (
    campaign_service,
    coupon_service,
    group_buy_service,
    presale_service,
    usage_service,
)
from shopops.pricing.models import FloorOverride, GroupBuyMember
from shopops.pricing.planning_service import check_floors, simulate_promotion
from shopops.pricing.service import create_promotion, quote_cart, update_promotion
from tests.conftest import make_app, wipe
from tests.integration.shops import promotion_shop
from tests.integration.test_api import build_web

NOW = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 双11 warm-up


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def core(database_url: str, clock: FixedClock) -> Iterator[App]:
    with promotion_shop(database_url, clock) as application:
        yield application


def fails(code: str, call: Any, *args: Any, **kwargs: Any) -> ShopOpsError:
    with pytest.raises(ShopOpsError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def test_coupon_is_claimed_within_its_limits_and_redeemed_once(core: App) -> None:
    with core.uow() as uow:
        create_promotion(uow, {"type": "coupon", "store": "tm-1", "code": "c20",
                               "threshold": "199", "off": "20", "per_customer": 1,
                               "max_uses": 2})
    with core.uow() as uow:
        claim = coupon_service.claim_coupon(uow, "c20", "buyer-1")
    assert claim.redeemed_at is None
    with core.uow() as uow:
        fails("pricing.coupon_refused", coupon_service.claim_coupon, uow, "c20", "buyer-1")
    with core.uow() as uow:
        coupon_service.claim_coupon(uow, "c20", "buyer-2")
    with core.uow() as uow:  # two handed out = max_uses
        error = fails("pricing.coupon_refused", coupon_service.claim_coupon, uow, "c20", "b-3")
    assert "已领完" in error.message
    with core.uow() as uow:
        used = coupon_service.redeem_coupon(uow, "c20", "buyer-1", "order-1")
    assert used.order_ref == "order-1" and used.redeemed_at is not None
    with core.uow() as uow:
        fails("pricing.coupon_redeemed", coupon_service.redeem_coupon, uow, "c20", "buyer-1",
              "order-2")
    with core.uow() as uow:
        fails("pricing.coupon_refused", coupon_service.redeem_coupon, uow, "c20", "nobody",
              "order-3")
    with core.reader() as uow:
        claims = coupon_service.list_claims(uow, coupon="c20")
        kinds = uow.session.scalars(select(Fact.kind).where(Fact.entity == "coupon_claim")
                                    .order_by(Fact.id)).all()
    assert [(c.customer, c.order_ref) for c in claims] == [("buyer-1", "order-1"),
                                                            ("buyer-2", None)]
    assert kinds == ["coupon.claimed", "coupon.claimed", "coupon.redeemed"]


def test_redeeming_rolls_back_with_the_order_transaction(core: App) -> None:
    with core.uow() as uow:
        create_promotion(uow, {"type": "coupon", "store": "tm-1", "code": "c5",
                               "threshold": "100", "off": "5"})
        coupon_service.claim_coupon(uow, "c5", "buyer-1")
    with pytest.raises(RuntimeError), core.uow() as uow:
        coupon_service.redeem_coupon(uow, "c5", "buyer-1", "order-9")
        raise RuntimeError("the order failed after the coupon was redeemed")
    with core.uow() as uow:  # still usable: the redemption went with the failed order
        assert coupon_service.redeem_coupon(uow, "c5", "buyer-1", "order-10").order_ref \
            == "order-10"


def test_below_floor_is_refused_naming_sku_and_amounts_then_overridden(core: App) -> None:
    # A: price 100, cost 40, tm-1 commission 5%; floor = (40 + 5) / (1 − 0.05 − 0.05) = 50.00
    deep = {"type": "timed_discount", "store": "tm-1", "code": "deep", "skus": ["A"],
            "rate": "0.45"}
    with core.uow() as uow:
        error = fails("pricing.below_floor", create_promotion, uow, deep)
    assert error.field == "override_reason"
    assert "A (tm-1) ¥45.00 < 底线 ¥50.00" in error.message
    assert error.details["breaches"] == [{"store": "tm-1", "sku": "A", "units": 1,
                                          "final_price": "45.00", "floor": "50.00",
                                          "shortfall": "5.00"}]
    with core.uow() as uow:
        create_promotion(uow, {**deep, "override_reason": "清仓 旧款"}, actor="ops")
    with core.reader() as uow:
        override = uow.session.scalars(select(FloorOverride)).one()
        fact = uow.session.scalars(select(Fact).where(
            Fact.kind == "promotion.floor_overridden")).one()
        rows = check_floors(uow, NOW)
        assert (override.reason, override.created_by, override.created_at) == (
            "清仓 旧款", "ops", NOW)
        assert override.breaches[0]["final_price"] == "45.00"
        assert fact.data["skus"] == ["A"] and fact.data["user"] == "ops"
    assert [(r.promotion, r.breach.sku, r.override_reason) for r in rows] == [
        ("deep", "A", "清仓 旧款")]
    with core.uow() as uow:  # editing to a deeper rate is checked again
        fails("pricing.below_floor", update_promotion, uow, "deep", {"rate": "0.4"})
    with core.uow() as uow:
        view = update_promotion(uow, "deep", {"rate": "0.6"})
    assert view.spec["rate"] == "0.6"


def test_floor_worst_case_combines_with_other_offers_at_the_threshold(core: App) -> None:
    with core.uow() as uow:  # 9折 on A: ¥90 ≥ ¥50, fine alone
        create_promotion(uow, {"type": "timed_discount", "store": "tm-1", "code": "t9",
                               "skus": ["A"], "rate": "0.9"})
    with core.uow() as uow:  # 满100减45 on top: one A at ¥90 → 每件 ¥90 − … reaches ¥45
        error = fails("pricing.below_floor", create_promotion, uow,
                      {"type": "full_reduction", "store": "tm-1", "code": "fr",
                       "skus": ["A"], "tiers": [{"threshold": "180", "off": "90"}]})
    assert error.details["breaches"][0]["sku"] == "A"
    assert error.details["breaches"][0]["units"] == 2  # the threshold is first reached at 2


def test_group_ending_short_refunds_every_member(core: App, clock: FixedClock) -> None:
    with core.uow() as uow:
        fails("pricing.invalid_promotion", group_buy_service.create_deal, uow,
              {"store": "tm-1", "sku": "A", "tiers": [{"size": 2, "price": "85"}]})
        deal = group_buy_service.create_deal(uow, {
            "store": "tm-1", "sku": "A", "code": "gbA", "window_hours": 24,
            "tiers": [{"size": 2, "price": "79"}, {"size": 3, "price": "69"}]})
    assert deal["tiers"] == [{"size": 2, "price": "79.00"}, {"size": 3, "price": "69.00"}]
    with core.uow() as uow:
        short = group_buy_service.open_group(uow, "gbA", "leader-1", 3)
        full = group_buy_service.open_group(uow, "gbA", "leader-2", 2)
    with core.uow() as uow:
        group_buy_service.join_group(uow, short.id, "m-1")
        done = group_buy_service.join_group(uow, full.id, "m-2")
    assert done.status == "succeeded"
    with core.uow() as uow:
        fails("pricing.group_buy_refused", group_buy_service.join_group, uow, full.id, "m-3")
        fails("pricing.group_buy_refused", group_buy_service.leave_group, uow, short.id,
              "leader-1")
    clock.at = NOW + timedelta(hours=23)
    with core.uow() as uow:
        assert group_buy_service.sweep_groups(uow, clock.at)["failed_groups"] == []
    clock.at = NOW + timedelta(hours=24)
    with core.uow() as uow:
        swept = group_buy_service.sweep_groups(uow, clock.at)
    assert swept == {"failed_groups": [short.id], "refunded_members": 2}
    with core.uow() as uow:  # idempotent
        assert group_buy_service.sweep_groups(uow, clock.at)["refunded_members"] == 0
    with core.reader() as uow:
        members = {(m.group_id, m.customer): (m.status, m.paid, m.refunded_at)
                   for m in uow.session.scalars(select(GroupBuyMember))}
        refunds = sorted(f.data["customer"] for f in uow.session.scalars(
            select(Fact).where(Fact.kind == "group_buy.refunded")))
    assert members[(short.id, "leader-1")] == ("refunded", Decimal("69.00"), clock.at)
    assert members[(short.id, "m-1")] == ("refunded", Decimal("69.00"), clock.at)
    assert members[(full.id, "m-2")][0] == "joined"
    assert refunds == ["leader-1", "m-1"]


def test_presale_balance_with_a_store_offer_in_the_balance_window(core: App) -> None:
    with core.uow() as uow:
        presale_service.create_presale(uow, {
            "store": "tm-1", "sku": "B", "code": "psB", "price": "150", "deposit": "20",
            "deposit_multiplier": "2", "deposit_starts_at": "2026-10-20T20:00:00",
            "deposit_ends_at": "2026-11-01T00:00:00", "balance_starts_at": "2026-11-01T00:00:00",
            "balance_ends_at": "2026-11-12T00:00:00"})
        create_promotion(uow, {"type": "full_reduction", "store": "tm-1", "code": "fr100",
                               "tiers": [{"threshold": "100", "off": "10"}]})
    with core.reader() as uow:
        result = presale_service.presale_balance(uow, "psB", {"qty": 2}, NOW)
    # 2 × 150 = 300, 满100减10 → 290, deposit 2 × 20 counts 2 × 40 = 80 → 尾款 210
    assert (result["stage"], result["goods_amount"], result["offers_amount"],
            result["deposit_value"], result["balance"], result["total_paid"]) == (
        "balance", "300.00", "10.00", "80.00", "210.00", "250.00")


def test_caps_and_new_customer_scope_in_the_quote(core: App) -> None:
    with core.uow() as uow:
        create_promotion(uow, {"type": "full_reduction", "store": "tm-1", "code": "newbie",
                               "tiers": [{"threshold": "100", "off": "10"}],
                               "new_customers_only": True, "per_customer": 1})
    cart = {"store": "tm-1", "lines": [{"sku": "A", "qty": 1}],
            "customer": {"id": "buyer-1", "is_new": False}}
    with core.reader() as uow:
        assert quote_cart(uow, cart, NOW)["total"] == "100.00"
        cart["customer"]["is_new"] = True  # type: ignore[index]
        assert quote_cart(uow, cart, NOW)["total"] == "90.00"
    with core.uow() as uow:
        usage_service.record_use(uow, "newbie", customer="buyer-1", order_ref="o-1", units=1,
                                 discount="10")
    with core.uow() as uow:
        fails("pricing.cap_reached", usage_service.record_use, uow, "newbie",
              customer="buyer-1", order_ref="o-2", units=1, discount="10")
    with core.reader() as uow:
        assert quote_cart(uow, cart, NOW)["total"] == "100.00"  # used up for buyer-1


def test_campaign_on_the_calendar_with_targets_and_promotions(core: App) -> None:
    with core.uow() as uow:
        create_promotion(uow, {"type": "full_reduction", "store": "tm-1", "code": "d11",
                               "tiers": [{"threshold": "300", "off": "40"}],
                               "starts_at": "2026-11-10T20:00:00",
                               "ends_at": "2026-11-12T00:00:00"})
        create_promotion(uow, {"type": "full_reduction", "store": "tm-1", "code": "summer",
                               "tiers": [{"threshold": "300", "off": "30"}],
                               "starts_at": "2026-07-01T00:00:00",
                               "ends_at": "2026-07-10T00:00:00"})
        campaign_service.create_campaign(uow, {
            "code": "d11-2026", "event": "double11", "year": 2026, "store": "tm-1",
            "targets": {"gmv": "1000000", "orders": 5000, "new_customers": 800}})
        campaign_service.add_promotion(uow, "d11-2026", "d11", "peak")
        fails("pricing.invalid_promotion", campaign_service.add_promotion, uow, "d11-2026",
              "summer")
        fails("pricing.invalid_promotion", campaign_service.create_campaign, uow,
              {"event": "black_friday", "year": 2026})
    with core.reader() as uow:
        events = campaign_service.calendar_year(uow, 2026)
    double11 = next(e for e in events if e["code"] == "double11")
    assert [p["phase"] for p in double11["phases"]] == ["warm_up", "peak", "tail"]
    [campaign] = double11["campaigns"]
    assert campaign["targets"] == {"gmv": "1000000.00", "orders": 5000, "new_customers": 800}
    assert [(p["code"], p["phase"]) for p in campaign["promotions"]] == [("d11", "peak")]


def test_profit_simulation_with_an_entered_uplift(core: App) -> None:
    with core.uow() as uow:
        create_promotion(uow, {"type": "timed_discount", "store": "tm-1", "code": "t8",
                               "skus": ["B"], "rate": "0.8", "active": False})
    with core.reader() as uow:
        result = simulate_promotion(uow, {"promotion": "t8", "uplift": "0.5", "days": 7},
                                    NOW)
    [sku] = result["skus"]
    assert (sku["sku"], sku["base_units"], sku["promo_units"]) == ("B", 0, 0)  # no history
    assert result["uplift"] == "0.5" and result["uplift_source"] == "运营输入"


def test_api_routes_for_coupons_group_buy_and_calendar(core: App) -> None:
    with TestClient(build_web(core)) as client:
        headers = {"Authorization": f"Bearer {core.token}"}  # type: ignore[attr-defined]
        made = client.post("/api/v1/coupons", json={"store": "tm-1", "code": "r9",
                                                    "rate": "0.9", "max_off": "30"},
                           headers=headers)
        assert made.status_code == 201, made.text
        assert (made.json()["rate"], made.json()["max_off"]) == ("0.9", "30.00")
        claim = client.post("/api/v1/coupons/r9/claim", json={"customer": "b1"},
                            headers=headers)
        assert claim.status_code == 201, claim.text
        def redeem() -> Any:
            return client.post("/api/v1/coupons/r9/redeem",
                               json={"customer": "b1", "order_ref": "o1"}, headers=headers)

        assert redeem().status_code == 200
        second = redeem()
        assert (second.status_code, second.json()["code"]) == (409, "pricing.coupon_redeemed")
        listed = client.get("/api/v1/coupons", headers=headers).json()
        assert [(i["code"], i["claimed"], i["redeemed"]) for i in listed["items"]] == [
            ("r9", 1, 1)]
        below = client.post("/api/v1/promotions", json={
            "type": "timed_discount", "store": "tm-1", "skus": ["A"], "rate": "0.3"},
            headers=headers)
        assert (below.status_code, below.json()["field"]) == (422, "override_reason")
        calendar = client.get("/api/v1/pricing/calendar", params={"year": 2026},
                              headers=headers).json()
        assert [e["code"] for e in calendar["events"]][-2:] == ["double11", "double12"]


def test_cli_check_floors_simulate_and_group_buy(core: App, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "get_app", lambda: core)
    with core.uow() as uow:
        create_promotion(uow, {"type": "timed_discount", "store": "tm-1", "code": "deep",
                               "skus": ["A"], "rate": "0.45", "override_reason": "引流"})
    runner = CliRunner()
    result = runner.invoke(cli.app, ["promo", "check-floors", "--store", "tm-1",
                                     "--format", "json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert (row["promotion"], row["sku"], row["final_price"], row["floor"], row["status"]) == (
        "deep", "A", "45.00", "50.00", "已放行")
    xlsx = tmp_path / "floors.xlsx"
    assert runner.invoke(cli.app, ["promo", "check-floors", "--format", "xlsx", "--output",
                                   str(xlsx)]).exit_code == 0
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None and sheet.cell(2, 4).value == "A"
    sim = runner.invoke(cli.app, ["promo", "simulate", "deep", "--uplift", "1", "--format",
                                  "json"])
    assert sim.exit_code == 0, sim.output
    assert json.loads(sim.output)["skus"][0]["sku"] == "A"
    deal = tmp_path / "deal.json"
    deal.write_text(json.dumps({"store": "tm-1", "sku": "B", "code": "gbB",
                                "tiers": [{"size": 2, "price": "119"}]}), encoding="utf-8")
    assert runner.invoke(cli.app, ["promo", "group-buy", "create", str(deal)]).exit_code == 0
    opened = runner.invoke(cli.app, ["promo", "group-buy", "open", "gbB", "lead", "2"])
    group = json.loads(opened.output)["id"]
    joined = runner.invoke(cli.app, ["promo", "group-buy", "join", str(group), "m1"])
    assert json.loads(joined.output)["status"] == "succeeded"
    refused = runner.invoke(cli.app, ["promo", "group-buy", "create", str(deal)])
    assert isinstance(refused.exception, ShopOpsError)
    assert refused.exception.code == "pricing.promotion_exists"


def test_demo_plans_campaigns_with_targets_from_last_year(database_url: str) -> None:
    from shopops.demo.service import build_demo_shop

    demo = make_app(database_url, clock=FixedClock(NOW))
    wipe(demo)
    try:
        summary = build_demo_shop(demo, orders=600, days=400, end_date=date(2026, 11, 28))
        assert summary.planted["campaigns"] == "demo-double12-2026,demo-nianhuo-2027"
        with demo.reader() as uow:
            campaigns = campaign_service.list_campaigns(uow)
            claims = coupon_service.list_claims(uow, coupon="demo-c20")
            cart = {"store": "tmall-flagship", "lines": [{"sku": "P001-01", "qty": 1}],
                    "customer": {"is_new": True}}
            quoted = quote_cart(uow, cart, NOW)
        assert [len(c["promotions"]) for c in campaigns] == [3, 3]
        assert all(Decimal(c["targets"]["gmv"]) > 0 for c in campaigns)
        assert claims and any(c.redeemed_at for c in claims)
        assert "demo-new10" in {s["promotion"] for s in quoted["steps"]} or \
            Decimal(quoted["list_total"]) < 100
    finally:
        demo.dispose()


def test_bundle_and_rate_coupon_round_trip_through_the_store(core: App) -> None:
    with core.uow() as uow:
        bundle = create_promotion(uow, {"type": "bundle", "store": "tm-1", "code": "ab",
                                        "items": {"A": 1, "B": 1}, "price": "230"})
        create_promotion(uow, {"type": "coupon", "store": "tm-1", "code": "r9",
                               "threshold": "100", "rate": "0.9", "max_off": "10"})
        fails("pricing.below_floor", create_promotion, uow, {
            "type": "bundle", "store": "tm-1", "items": {"A": 1, "B": 1}, "price": "100"})
    assert bundle.spec["items"] == {"A": 1, "B": 1} and bundle.spec["price"] == "230.00"
    cart = {"store": "tm-1", "customer": {"coupons": ["r9"]},
            "lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 1}]}
    with core.reader() as uow:
        quoted = quote_cart(uow, cart, NOW)
    # A+B ¥250 → 组合价 ¥230 (−20); the 9折券 on its base ¥250 → −25 capped at −10 → ¥220
    assert (quoted["total"], sorted(quoted["applied"])) == ("220.00", ["ab", "r9"])


def test_a_known_buyer_quotes_only_with_claimed_unused_coupons(core: App) -> None:
    with core.uow() as uow:
        create_promotion(uow, {"type": "coupon", "store": "tm-1", "code": "c20",
                               "threshold": "199", "off": "20"})
    cart = {"store": "tm-1", "lines": [{"sku": "B", "qty": 2}],
            "customer": {"id": "buyer-1", "coupons": ["c20"]}}
    with core.reader() as uow:
        error = fails("pricing.invalid_cart", quote_cart, uow, cart, NOW)
    assert error.field == "customer.coupons[0]"
    with core.uow() as uow:
        coupon_service.claim_coupon(uow, "c20", "buyer-1")
    with core.reader() as uow:
        assert quote_cart(uow, cart, NOW)["total"] == "280.00"
    with core.uow() as uow:
        coupon_service.redeem_coupon(uow, "c20", "buyer-1", "order-1")
    with core.reader() as uow:
        fails("pricing.invalid_cart", quote_cart, uow, cart, NOW)
        anonymous = {**cart, "customer": {"coupons": ["c20"]}}  # the Contract's shape: as held
        assert quote_cart(uow, anonymous, NOW)["total"] == "280.00"
