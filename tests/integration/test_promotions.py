"""Promotions stored and quoted, on SQLite and PostgreSQL: every Contract shape through the API
and the service, 422s naming the field with nothing stored, all-or-nothing import, and the quote
(API == `shopops promo quote` == the engine called directly) on the worked example
满300减40 + 2件9折 + ¥20 店铺券."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from shopops import cli
from shopops.accounts.service import create_token, create_user
from shopops.bootstrap import App
from shopops.db.facts import Fact
from shopops.pricing import promotions as p
from shopops.pricing.engine import quote
from shopops.pricing.models import Promotion
from shopops.pricing.service import (
    create_promotion,
    engine_promotions,
    import_promotions,
    list_promotions,
    quote_cart,
    quote_json,
)
from shopops.stores.service import add_store
from tests.factories import add_category, add_product, add_sku, shanghai
from tests.integration.test_api import build_web

PROBLEM = "application/problem+json"
AT = "2026-11-11T10:00:00+08:00"
FULL_REDUCTION = {"type": "full_reduction", "store": "tm-1", "code": "fr300",
                  "tiers": [{"threshold": "300", "off": "40"}], "repeat": False,
                  "starts_at": "2026-11-01T00:00:00+08:00", "ends_at": "2026-11-12T00:00:00+08:00"}
MULTI_BUY = {"type": "multi_buy_discount", "store": "tm-1", "code": "mb2", "skus": ["A"],
             "tiers": [{"qty": 2, "rate": "0.9"}]}
COUPON = {"type": "coupon", "store": "tm-1", "code": "c20", "threshold": "199", "off": "20"}
WORKED = [FULL_REDUCTION, MULTI_BUY, COUPON]
CART = {"store": "tm-1", "customer": {"tier": None, "is_new": False, "coupons": ["c20"]},
        "lines": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}], "at": AT}


@dataclass
class Api:
    client: TestClient
    headers: dict[str, str]

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params=params, headers=self.headers)


def seed(core: App) -> None:
    with core.uow() as uow:
        add_store(uow, "tm-1", "tmall", commission="0.05")
        add_store(uow, "jd-1", "jd")
        category = add_category(uow, "cat", "服饰")
        product = add_product(uow, "P1", category)
        add_sku(uow, "A", product, price="100", cost="40")
        add_sku(uow, "B", product, price="150", cost="60")
        add_sku(uow, "G", product, price="10", cost="2")
        create_user(uow, "ops", "correct-horse", display_name="运营")
        token = create_token(uow, "ops", "tests")
    core.token = token  # type: ignore[attr-defined]


@pytest.fixture
def api(app: App) -> Iterator[Api]:
    seed(app)
    with TestClient(build_web(app)) as client:
        yield Api(client, {"Authorization": f"Bearer {app.token}"})  # type: ignore[attr-defined]


def stored(core: App) -> int:
    with core.reader() as uow:
        return uow.session.scalar(select(func.count(Promotion.id))) or 0


def problem(response: Any, status: int, code: str, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert (body["code"], body.get("field")) == (code, field), body
    return body


def test_each_contract_shape_is_created_through_the_api_and_listed(api: Api, app: App) -> None:
    shapes = [*WORKED,
              {"type": "timed_discount", "store": "tm-1", "skus": ["B"], "rate": "0.8"},
              {"type": "member_price", "store": "tm-1", "prices": {"gold": {"A": "88"}}},
              {"type": "free_shipping_threshold", "store": "tm-1", "threshold": "99"},
              {"type": "gift_with_purchase", "store": "tm-1", "threshold": "300",
               "gift_sku": "G"},
              {"type": "full_reduction", "tiers": [{"threshold": "500", "off": "50"}]}]
    created = []
    for shape in shapes:
        response = api.post("/promotions", shape)
        assert response.status_code == 201, response.text
        created.append(response.json())
    fr, mb, coupon = created[:3]
    assert fr["tiers"] == [{"threshold": "300.00", "off": "40.00"}] and fr["repeat"] is False
    assert (fr["level"], fr["name"], fr["store"]) == ("store_level", "满300减40", "tm-1")
    assert fr["starts_at"].startswith("2026-10-31T16:00")  # stored in UTC
    assert mb["tiers"] == [{"qty": 2, "rate": "0.9"}] and mb["level"] == "item_level"
    assert mb["name"] == "2件9折" and mb["skus"] == ["A"]
    assert (coupon["threshold"], coupon["off"], coupon["name"]) == ("199.00", "20.00",
                                                                   "满199减20券")
    assert created[-1]["store"] is None and created[-1]["level"] == "platform_level"
    listed = api.get("/promotions").json()
    assert listed["total"] == len(shapes)
    assert [i["code"] for i in listed["items"]] == [c["code"] for c in created]
    assert api.get("/promotions", store="jd-1").json()["total"] == 1  # the platform's only
    with app.reader() as uow:
        facts = uow.session.scalars(select(Fact.kind).where(Fact.entity == "promotion")).all()
    assert facts == ["promotion.created"] * len(shapes)


def test_each_contract_shape_through_the_service(app: App) -> None:
    seed(app)
    with app.uow() as uow:
        views = [create_promotion(uow, shape) for shape in WORKED]
    with app.reader() as uow:
        listed, total = list_promotions(uow, store="tm-1")
        engine = {pr.id: pr for pr in engine_promotions(uow, ["fr300", "mb2", "c20"])}
    assert total == 3 and [v.code for v in listed] == [v.code for v in views]
    fr = engine["fr300"]
    assert isinstance(fr, p.FullReduction) and fr.tiers == ((Decimal("300"), Decimal("40")),)
    assert fr.starts_at == shanghai(2026, 11, 1) and fr.store == "tm-1"
    mb = engine["mb2"]
    assert isinstance(mb, p.MultiBuyDiscount) and mb.tiers == ((2, Decimal("0.9")),)
    coupon = engine["c20"]
    assert isinstance(coupon, p.Coupon) and coupon.amount == Decimal("20")


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({**FULL_REDUCTION, "tiers": [{"threshold": "300", "off": "-40"}]}, 422,
     "pricing.invalid_promotion", "tiers[0].off"),
    ({**FULL_REDUCTION, "tiers": [{"threshold": "300"}]}, 422, "pricing.invalid_promotion",
     "tiers[0].off"),
    ({**FULL_REDUCTION, "tiers": [{"threshold": 300.5, "off": "40"}]}, 422,
     "pricing.invalid_promotion", "tiers[0].threshold"),
    ({**MULTI_BUY, "tiers": [{"qty": 2, "rate": "1.2"}]}, 422, "pricing.invalid_promotion",
     "tiers[0].rate"),
    ({**MULTI_BUY, "tiers": [{"qty": 0, "rate": "0.9"}]}, 422, "pricing.invalid_promotion",
     "tiers[0].qty"),
    ({**COUPON, "off": "0"}, 422, "pricing.invalid_promotion", "off"),
    ({**COUPON, "threshold": "10"}, 422, "pricing.invalid_promotion", "threshold"),
    ({**COUPON, "colour": "red"}, 422, "pricing.invalid_promotion", "colour"),
    ({**COUPON, "store": "nope"}, 404, "stores.unknown_store", "store"),
    ({**FULL_REDUCTION, "starts_at": "11/11"}, 422, "request.invalid_date", "starts_at"),
    ({**FULL_REDUCTION, "ends_at": "2026-10-01T00:00:00+08:00"}, 422,
     "pricing.invalid_promotion", "ends_at"),
    ({"type": "flash_sale", "store": "tm-1", "sku": "A", "price": "59", "units": 0,
      "per_customer": 1}, 422, "flash_sale.invalid", "units"),
    ({"type": "bogus"}, 422, "pricing.unsupported_type", "type"),
])
def test_invalid_payloads_are_422_naming_the_field_and_store_nothing(
        api: Api, app: App, body: dict[str, Any], status: int, code: str, field: str) -> None:
    problem(api.post("/promotions", body), status, code, field)
    assert stored(app) == 0


def test_an_existing_code_is_a_conflict(api: Api, app: App) -> None:
    assert api.post("/promotions", COUPON).status_code == 201
    problem(api.post("/promotions", COUPON), 409, "pricing.promotion_exists", "code")
    assert stored(app) == 1


def test_import_is_all_or_nothing(app: App) -> None:
    seed(app)
    bad = [FULL_REDUCTION, MULTI_BUY, {**COUPON, "off": "abc"}]
    with pytest.raises(p.InvalidPromotion) as caught, app.uow() as uow:
        import_promotions(uow, bad)
    assert caught.value.field == "[2].off" and "item 2" in caught.value.message
    assert stored(app) == 0
    with app.uow() as uow:
        assert [v.code for v in import_promotions(uow, WORKED)] == ["fr300", "mb2", "c20"]
    assert stored(app) == 3


def worked_quote(app: App, at: str = AT) -> dict[str, Any]:
    with app.reader() as uow:
        return quote_cart(uow, {**CART, "at": at}, uow.now())


def test_worked_example_gives_the_hand_computed_total(app: App) -> None:
    seed(app)
    with app.uow() as uow:
        import_promotions(uow, WORKED)
    result = worked_quote(app)
    # A 2×100 → 2件9折 180; B 150; item total 330 ≥ 300 → −40 = 290; coupon 满199 → −20 = 270
    assert (result["total"], result["discount_total"], result["list_total"]) == (
        "270.00", "80.00", "350.00")
    assert sorted(result["applied"]) == ["c20", "fr300"]
    lines = result["lines"]
    assert [(line["sku"], line["qty"]) for line in lines] == [("A", 2), ("B", 1)]
    assert sum(Decimal(line["final_amount"]) for line in lines) == Decimal("270.00")
    assert {o["promotion"] for o in lines[0]["offers"]} == {"mb2", "fr300", "c20"}
    assert result["explanation"][0] == "商品原价 ¥350.00"
    assert result["explanation"][-1].endswith("实付 ¥270.00")


def test_a_promotion_outside_its_window_is_not_applied(app: App) -> None:
    seed(app)
    with app.uow() as uow:
        import_promotions(uow, WORKED)
    after = worked_quote(app, "2026-11-12T00:00:00+08:00")  # 满300减40 ended at this instant
    assert "fr300" not in after["applied"] and after["total"] == "310.00"
    naive = worked_quote(app, "2026-11-11T23:59:59")  # read in the store's zone: still on
    assert naive["total"] == "270.00"


def test_quote_api_equals_cli_equals_engine(api: Api, app: App, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for shape in WORKED:
        assert api.post("/promotions", shape).status_code == 201
    response = api.post("/pricing/quote", CART)
    assert response.status_code == 200, response.text
    from_api = response.json()
    assert from_api["total"] == "270.00"

    monkeypatch.setattr(cli, "get_app", lambda: app)
    cart = tmp_path / "cart.json"
    cart.write_text(json.dumps(CART), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["promo", "quote", "--cart", str(cart),
                                          "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == from_api
    table = CliRunner().invoke(cli.app, ["promo", "quote", "--cart", str(cart)])
    assert table.exit_code == 0 and "实付 ¥270.00" in table.stdout

    def yuan(v: str) -> Decimal:
        return Decimal(v)
    direct = quote(
        p.Cart((p.CartLine("A", 2, yuan("100"), store="tm-1"),
                p.CartLine("B", 1, yuan("150"), store="tm-1")), coupons=("c20",)),
        [p.FullReduction(id="fr300", name="满300减40", store="tm-1",
                         tiers=((yuan("300"), yuan("40")),),
                         starts_at=shanghai(2026, 11, 1), ends_at=shanghai(2026, 11, 12)),
         p.MultiBuyDiscount(id="mb2", name="2件9折", store="tm-1", skus=["A"],
                            tiers=((2, yuan("0.9")),)),
         p.Coupon(id="c20", name="满199减20券", store="tm-1", threshold=yuan("199"),
                  amount=yuan("20"))],
        shanghai(2026, 11, 11, 10))
    expected = quote_json(direct)
    assert {k: from_api[k] for k in expected} == expected


def test_cli_import_and_list(app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(app)
    monkeypatch.setattr(cli, "get_app", lambda: app)
    runner = CliRunner()
    file = tmp_path / "promos.json"
    file.write_text(json.dumps([FULL_REDUCTION, {**COUPON, "off": "-1"}]), encoding="utf-8")
    bad = runner.invoke(cli.app, ["promo", "import", str(file)])
    assert isinstance(bad.exception, p.InvalidPromotion) and bad.exception.field == "[1].off"
    assert stored(app) == 0
    file.write_text(json.dumps(WORKED), encoding="utf-8")
    assert runner.invoke(cli.app, ["promo", "import", str(file)]).exit_code == 0
    listed = runner.invoke(cli.app, ["promo", "list", "--format", "json"])
    assert [i["code"] for i in json.loads(listed.stdout)] == ["fr300", "mb2", "c20"]
    assert "fr300" in runner.invoke(cli.app, ["promo", "list"]).stdout


@pytest.mark.parametrize(("change", "status", "code", "field"), [
    ({"store": "nope"}, 404, "stores.unknown_store", "store"),
    ({"lines": [{"sku": "ZZZ", "qty": 1}]}, 404, "pricing.unknown_sku", "lines[0].sku"),
    ({"lines": [{"sku": "A", "qty": 0}]}, 422, "pricing.invalid_cart", "lines[0].qty"),
    ({"lines": []}, 422, "pricing.invalid_cart", "lines"),
    ({"at": "yesterday"}, 422, "request.invalid_date", "at"),
    ({"customer": {"coupons": ["nope"]}}, 422, "pricing.invalid_cart", "customer.coupons[0]"),
])
def test_bad_quote_requests_name_the_field(api: Api, change: dict[str, Any], status: int,
                                           code: str, field: str) -> None:
    for shape in WORKED:
        api.post("/promotions", shape)
    problem(api.post("/pricing/quote", {**CART, **change}), status, code, field)
