"""The JSON API under /api/v1, on SQLite and PostgreSQL: authentication, the KPI report
(the same object as `shopops kpi`), business-day bucketing, lists with pagination and
filters, problem+json for every bad input (never a 500) and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.middleware.sessions import SessionMiddleware

from shopops.accounts.service import create_token, create_user
from shopops.analytics.service import Filters, kpi_report, period_from
from shopops.bootstrap import App
from shopops.stores.service import add_store
from tests.factories import (
    Line,
    add_category,
    add_customer,
    add_order,
    add_product,
    add_sku,
    shanghai,
)

PROBLEM = "application/problem+json"


def build_web(core: App) -> FastAPI:
    try:
        from shopops.web.app import create_app
    except ModuleNotFoundError as exc:  # the console module may not exist yet
        if exc.name != "shopops.web.console":
            raise
        from shopops.web.api_v1 import router
        from shopops.web.errors import install_error_handlers

        api = FastAPI(openapi_url="/api/v1/openapi.json")
        api.state.shopops = core
        install_error_handlers(api)
        api.add_middleware(SessionMiddleware, secret_key="test-secret")
        api.include_router(router, prefix="/api/v1")
        return api
    return create_app(core)


@dataclass
class Shop:
    client: TestClient
    token: str
    user_id: int
    orders: dict[str, int]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(f"/api/v1{path}", params=params, headers=self.auth)
        assert response.status_code == 200, response.text
        return response.json()

    def problem(self, path: str, status: int, code: str, field: str | None, /,
                **params: Any) -> dict[str, Any]:
        response = self.client.get(f"/api/v1{path}", params=params, headers=self.auth)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        body: dict[str, Any] = response.json()
        assert body["code"] == code, body
        assert body.get("field") == field, body
        return body


def seed(core: App) -> tuple[str, int, dict[str, int]]:
    """Two stores, a small catalog tree, three customers and four orders around the
    Shanghai midnight of 2026-11-20/21."""
    with core.uow() as uow:
        user = create_user(uow, "ops", "correct-horse", display_name="运营")
        token = create_token(uow, "ops", "tests")
        tm = add_store(uow, "tm", "tmall")
        jd = add_store(uow, "jd1", "jd")
        apparel = add_category(uow, "apparel", "服饰")
        tops = add_category(uow, "tops", "上衣", parent=apparel)
        digital = add_category(uow, "digital", "数码")
        tee = add_product(uow, "TEE", tops, "纯棉T恤")
        phone = add_product(uow, "PHONE", digital, "手机")
        red = add_sku(uow, "TS-RED-M", tee, price="129.00", cost="45.00", name="T恤 红 M",
                      attributes={"颜色": "红", "尺码": "M"})
        blue = add_sku(uow, "TS-BLU-L", tee, price="139.00", cost="48.50", name="T恤 蓝 L")
        ph1 = add_sku(uow, "PH-1", phone, price="1999.00", cost="1500.00", name="手机 128G")
        c1, c2, c3 = (add_customer(uow, n) for n in ("张三", "李四", "王五"))
        orders = {
            # 23:30 Shanghai on 11-20 → business day 11-20
            "late": add_order(uow, tm.id, "TM-1", [Line(red, 1, "100.00")], shipping="10.00",
                              paid_at=shanghai(2026, 11, 20, 23, 30), customer=c1).id,
            # 00:30 Shanghai on 11-21 (= 11-20 16:30 UTC) → business day 11-21, fully refunded
            "refunded": add_order(uow, tm.id, "TM-2",
                                  [Line(ph1, 1, "1800.00", refund="1800.00")],
                                  paid_at=shanghai(2026, 11, 21, 0, 30), customer=c2).id,
            "jd": add_order(uow, jd.id, "JD-1", [Line(blue, 2, "250.00")],
                            paid_at=shanghai(2026, 11, 20, 10, 0), customer=c3).id,
            "unpaid": add_order(uow, tm.id, "TM-3", [Line(red, 1, "129.00")],
                                created_at=shanghai(2026, 11, 19, 9, 0)).id,
        }
    return token, user.id, orders


@pytest.fixture
def shop(app: App) -> Iterator[Shop]:
    token, user_id, orders = seed(app)
    web = build_web(app)
    with TestClient(web, raise_server_exceptions=False) as client:
        yield Shop(client, token, user_id, orders)


# --- authentication -------------------------------------------------------------------------

PROTECTED = ["/metrics?period=day&date=2026-11-20", "/cockpit?period=day&date=2026-11-20",
             "/stores", "/stores/tm", "/skus", "/skus/TS-RED-M", "/categories", "/products",
             "/orders", "/orders/1"]


@pytest.mark.parametrize("path", PROTECTED)
def test_every_endpoint_needs_authentication(shop: Shop, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer sho_not-a-real-token"},
                    {"Authorization": "Basic b3BzOnB3"}):
        response = shop.client.get(f"/api/v1{path}", headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "auth.unauthorized"


def test_post_store_needs_authentication(shop: Shop) -> None:
    response = shop.client.post("/api/v1/stores", json={"code": "x", "platform": "jd"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.unauthorized"


def test_a_signed_in_console_session_may_call_the_api(shop: Shop) -> None:
    """The console's own JS calls the API with its session cookie, no token."""
    web: Any = shop.client.app

    def login(request: Request) -> dict[str, bool]:
        request.session["user_id"] = shop.user_id
        return {"ok": True}

    web.add_api_route("/_test/login", login, methods=["POST"])
    assert shop.client.get("/api/v1/stores").status_code == 401
    assert shop.client.post("/_test/login").status_code == 200
    response = shop.client.get("/api/v1/stores")
    assert response.status_code == 200, response.text
    assert [s["code"] for s in response.json()] == ["tm", "jd1"]


# --- metrics --------------------------------------------------------------------------------

def expected_report(core: App, day: str, **filters: str) -> dict[str, Any]:
    with core.reader() as uow:
        return kpi_report(uow, period_from("day", day), Filters(**filters))


def test_metrics_is_exactly_the_kpi_report(shop: Shop, app: App) -> None:
    for params in ({}, {"store": "tm"}, {"platform": "jd"}, {"category": "apparel"},
                   {"sku": "TS-RED-M"}):
        body = shop.get("/metrics", period="day", date="2026-11-20", **params)
        assert body == expected_report(app, "2026-11-20", **params)


def test_orders_are_counted_on_their_shanghai_business_day(shop: Shop) -> None:
    # paid 2026-11-20 23:30 Shanghai → 11-20; paid 2026-11-21 00:30 Shanghai → 11-21
    day20 = shop.get("/metrics", period="day", date="2026-11-20", store="tm")
    assert (day20["paid_orders"], day20["buyers"], day20["has_data"]) == (1, 1, True)
    assert day20["refund_rate"] == "0.0000"
    day21 = shop.get("/metrics", period="day", date="2026-11-21", store="tm")
    assert (day21["paid_orders"], day21["buyers"]) == (1, 1)
    assert day21["refund_rate"] == "1.0000"  # the refunded order is counted on its paid day
    assert shop.get("/metrics", period="day", date="2026-11-20")["paid_orders"] == 2
    assert shop.get("/metrics", period="day", date="2026-11-20", store="jd1")["buyers"] == 1


def test_week_month_and_custom_range(shop: Shop) -> None:
    week = shop.get("/metrics", period="week", date="2026-11-20")
    assert (week["start"], week["end"], week["label"]) == ("2026-11-16", "2026-11-22",
                                                           "2026-W47")
    assert (week["paid_orders"], week["refund_rate"]) == (3, "0.3333")
    assert week["pop"]["start"] == "2026-11-09" and week["yoy"]["start"] == "2025-11-17"
    month = shop.get("/metrics", period="month", date="2026-11-03")
    assert (month["start"], month["end"], month["paid_orders"]) == ("2026-11-01",
                                                                    "2026-11-30", 3)
    custom = shop.get("/metrics", start="2026-11-21", end="2026-11-21")
    assert (custom["period"], custom["paid_orders"], custom["refund_rate"]) == (
        "custom", 1, "1.0000")


def test_a_period_without_data_gives_zeros(shop: Shop) -> None:
    body = shop.get("/metrics", period="day", date="2025-01-01")
    assert body["has_data"] is False
    assert (body["gmv"], body["net_gmv"], body["paid_orders"], body["uv"]) == (
        "0.00", "0.00", 0, 0)
    assert body["aov"] is None and body["conversion_rate"] is None


def test_cockpit_serialises_every_part(shop: Shop, app: App) -> None:
    body = shop.get("/cockpit", period="day", date="2026-11-20", trend_days=7)
    assert body["report"] == expected_report(app, "2026-11-20")
    assert [t["bucket"] for t in body["trend"]] == [f"2026-11-{d}" for d in range(14, 21)]
    assert (body["trend"][-1]["paid_orders"], body["trend"][-1]["uv"]) == (2, 0)
    by_store = {row["key"]: row for row in body["breakdown"]}
    assert set(by_store) == {"tm", "jd1"}
    assert by_store["tm"]["paid_orders"] == 1 and by_store["tm"]["conversion_rate"] is None
    assert [r["sku"] for r in body["top_skus"]] == ["TS-BLU-L", "TS-RED-M"]
    assert (body["top_skus"][0]["units"], body["top_skus"][0]["days"]) == (2, 1)
    assert body["slow_skus"] == []  # no stock on hand anywhere
    platforms = shop.get("/cockpit", period="week", date="2026-11-20", breakdown="platform",
                         trend="week", trend_days=14)
    assert {r["key"] for r in platforms["breakdown"]} == {"tmall", "jd"}
    assert platforms["trend_granularity"] == "week"


def test_amounts_are_yuan_and_refunds_reduce_net_gmv(shop: Shop) -> None:
    day20 = shop.get("/metrics", period="day", date="2026-11-20", store="tm")
    assert (day20["gmv"], day20["net_gmv"], day20["aov"]) == ("100.00", "100.00", "100.00")
    day21 = shop.get("/metrics", period="day", date="2026-11-21", store="tm")
    assert (day21["gmv"], day21["net_gmv"], day21["refund_amount"]) == (
        "1800.00", "0.00", "1800.00")
    both = shop.get("/metrics", period="day", date="2026-11-20")
    assert (both["gmv"], both["aov"]) == ("350.00", "175.00")
    week = shop.get("/metrics", period="week", date="2026-11-20")
    assert (week["gmv"], week["net_gmv"]) == ("2150.00", "350.00")


def test_cockpit_amounts_are_yuan(shop: Shop) -> None:
    body = shop.get("/cockpit", period="day", date="2026-11-20", trend_days=7)
    assert body["trend"][-1]["gmv"] == "350.00"
    by_store = {row["key"]: row for row in body["breakdown"]}
    assert (by_store["jd1"]["gmv"], by_store["tm"]["gmv"]) == ("250.00", "100.00")
    assert by_store["tm"]["aov"] == "100.00"
    assert body["top_skus"][0]["gmv"] == "250.00"


@pytest.mark.parametrize(("params", "status", "code", "field"), [
    ({"period": "day", "date": "2026-11-20", "store": "nope"}, 404, "stores.unknown_store",
     "store"),
    ({"period": "day", "date": "2026-13-01"}, 422, "request.invalid_date", "date"),
    ({"period": "day", "date": "20-11-2026"}, 422, "request.invalid_date", "date"),
    ({"period": "day"}, 422, "request.invalid_date", "date"),
    ({"period": "year", "date": "2026-11-20"}, 422, "request.invalid_period", "period"),
    ({"date": "2026-11-20"}, 422, "request.invalid_period", "period"),
    ({}, 422, "request.invalid_period", "period"),
    ({"start": "2026-11-21", "end": "2026-11-20"}, 422, "request.invalid_period", "end"),
    ({"start": "2026-11-21"}, 422, "request.invalid_date", "end"),
    ({"start": "2026-02-30", "end": "2026-03-01"}, 422, "request.invalid_date", "start"),
    ({"period": "day", "date": "2026-11-20", "start": "2026-11-01", "end": "2026-11-02"},
     422, "request.invalid_period", "start"),
    ({"period": "day", "date": "2026-11-20", "platform": "amazon"}, 422, "request.invalid",
     "platform"),
    ({"period": "day", "date": "2026-11-20", "category": "nope"}, 404, "resource.not_found",
     "category"),
    ({"period": "day", "date": "2026-11-20", "sku": "nope"}, 404, "resource.not_found", "sku"),
])
def test_bad_metrics_input_is_a_problem_never_a_500(shop: Shop, params: dict[str, str],
                                                     status: int, code: str,
                                                     field: str) -> None:
    for path in ("/metrics", "/cockpit"):
        shop.problem(path, status, code, field, **params)


@pytest.mark.parametrize(("params", "code", "field"), [
    ({"trend": "hour"}, "request.invalid_period", "trend"),
    ({"breakdown": "sku"}, "request.invalid", "breakdown"),
    ({"trend_days": "0"}, "request.invalid", "trend_days"),
    ({"top": "x"}, "request.invalid", "top"),
])
def test_bad_cockpit_options(shop: Shop, params: dict[str, str], code: str,
                             field: str) -> None:
    shop.problem("/cockpit", 422, code, field, period="day", date="2026-11-20", **params)


# --- stores ---------------------------------------------------------------------------------

def test_stores_list_add_and_get(shop: Shop) -> None:
    assert [s["code"] for s in shop.get("/stores")] == ["tm", "jd1"]
    response = shop.client.post("/api/v1/stores", headers=shop.auth, json={
        "code": "dy-1", "platform": "douyin", "name": "抖音小店", "commission": "0.03"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["code"] == "dy-1" and created["commission_rate"] == "0.03"
    assert created["timezone"] == "Asia/Shanghai"
    assert shop.get("/stores/dy-1") == created
    assert shop.get("/stores/tm")["platform"] == "tmall"
    shop.problem("/stores/nope", 404, "stores.unknown_store", "store")


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"code": "x", "platform": "amazon"}, 422, "request.invalid", "platform"),
    ({"code": "bad code!", "platform": "jd"}, 422, "request.invalid", "code"),
    ({"code": "x", "platform": "jd", "commission": "abc"}, 422, "request.invalid",
     "commission"),
    ({"code": "x", "platform": "jd", "commission": "1.5"}, 422, "request.invalid",
     "commission"),
    ({"code": "x", "platform": "jd", "commission": 0.05}, 422, "request.invalid",
     "commission"),
    ({"code": "x", "platform": "jd", "timezone": "Mars/Base"}, 422, "request.invalid",
     "timezone"),
    ({"platform": "jd"}, 422, "request.invalid", "code"),
    ({"code": "tm", "platform": "tmall"}, 409, "stores.store_exists", "code"),
])
def test_bad_store_input_names_the_field(shop: Shop, body: dict[str, Any], status: int,
                                         code: str, field: str) -> None:
    response = shop.client.post("/api/v1/stores", headers=shop.auth, json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert (response.json()["code"], response.json().get("field")) == (code, field)
    assert [s["code"] for s in shop.get("/stores")] == ["tm", "jd1"]  # nothing half-written


# --- catalog --------------------------------------------------------------------------------

def test_skus_paginate_with_price_and_cost_as_decimal_strings(shop: Shop) -> None:
    first = shop.get("/skus", page=1, page_size=2)
    assert (first["page"], first["page_size"], first["total"]) == (1, 2, 3)
    assert [i["sku"] for i in first["items"]] == ["PH-1", "TS-BLU-L"]
    second = shop.get("/skus", page=2, page_size=2)
    assert [i["sku"] for i in second["items"]] == ["TS-RED-M"]
    red = second["items"][0]
    assert {k: red[k] for k in ("sku", "name", "price", "cost", "product", "category")} == {
        "sku": "TS-RED-M", "name": "T恤 红 M", "price": "129.00", "cost": "45.00",
        "product": "TEE", "category": "tops"}
    assert red["attributes"] == {"颜色": "红", "尺码": "M"} and red["active"] is True
    assert shop.get("/skus", page=3, page_size=2)["items"] == []
    assert shop.get("/skus/TS-BLU-L")["cost"] == "48.50"


def test_sku_filters(shop: Shop) -> None:
    assert shop.get("/skus", category="apparel")["total"] == 2  # includes sub-category tops
    assert shop.get("/skus", category="digital")["items"][0]["sku"] == "PH-1"
    assert [i["sku"] for i in shop.get("/skus", q="blu")["items"]] == ["TS-BLU-L"]
    assert shop.get("/skus", q="手机")["total"] == 1
    shop.problem("/skus", 404, "resource.not_found", "category", category="nope")
    shop.problem("/skus/NOPE", 404, "resource.not_found", "sku")


def test_categories_and_products(shop: Shop) -> None:
    categories = shop.get("/categories")
    assert [(c["code"], c["parent"]) for c in categories["items"]] == [
        ("apparel", None), ("digital", None), ("tops", "apparel")]
    products = shop.get("/products", page_size=1)
    assert products["total"] == 2
    assert products["items"] == [{"product": "PHONE", "name": "手机", "category": "digital",
                                  "created_at": "2026-01-01T00:00:00+00:00", "skus": 1}]
    assert shop.get("/products", category="apparel")["items"][0]["skus"] == 2


@pytest.mark.parametrize(("params", "field"), [
    ({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"page_size": "0"}, "page_size"),
    ({"page_size": "501"}, "page_size"),
])
def test_bad_pagination_names_the_parameter(shop: Shop, params: dict[str, str],
                                            field: str) -> None:
    for path in ("/skus", "/orders", "/products", "/categories"):
        body = shop.problem(path, 422, "request.invalid", field, **params)
        assert field in body["detail"]


# --- orders ---------------------------------------------------------------------------------

def test_orders_newest_payment_first_with_store_times(shop: Shop) -> None:
    body = shop.get("/orders")
    assert body["total"] == 4
    assert [o["channel_order_no"] for o in body["items"]] == ["TM-2", "TM-1", "JD-1", "TM-3"]
    late = body["items"][1]
    assert late == {
        "id": shop.orders["late"], "store": "tm", "channel_order_no": "TM-1", "status": "paid",
        "customer_id": late["customer_id"], "created_at": "2026-11-20T23:25:00+08:00",
        "paid_at": "2026-11-20T23:30:00+08:00", "paid_date": "2026-11-20",
        "goods_amount": "100.00", "shipping_fee": "10.00", "paid_amount": "110.00",
        "refund_amount": "0.00", "discount_amount": "29.00", "list_amount": "129.00",
        "store_name": "天猫 tm", "platform": "tmall", "buyer": "张三"}
    assert body["items"][0]["paid_at"] == "2026-11-21T00:30:00+08:00"
    assert body["items"][0]["paid_date"] == "2026-11-21"
    assert body["items"][3]["paid_at"] is None


def test_order_filters_and_pagination(shop: Shop) -> None:
    def numbers(**params: Any) -> list[str]:
        return [o["channel_order_no"] for o in shop.get("/orders", **params)["items"]]

    assert numbers(paid_from="2026-11-20", paid_to="2026-11-20") == ["TM-1", "JD-1"]
    assert numbers(paid_from="2026-11-21") == ["TM-2"]
    assert numbers(paid_to="2026-11-20", store="tm") == ["TM-1"]
    assert numbers(store="jd1") == ["JD-1"]
    assert numbers(status="refunded") == ["TM-2"]
    assert numbers(status="created") == ["TM-3"]
    page2 = shop.get("/orders", page=2, page_size=3)
    assert (page2["total"], page2["page"], page2["page_size"]) == (4, 2, 3)
    assert [o["channel_order_no"] for o in page2["items"]] == ["TM-3"]


@pytest.mark.parametrize(("params", "status", "code", "field"), [
    ({"paid_from": "2026-11-31"}, 422, "request.invalid_date", "paid_from"),
    ({"paid_to": "yesterday"}, 422, "request.invalid_date", "paid_to"),
    ({"paid_from": "2026-11-21", "paid_to": "2026-11-20"}, 422, "request.invalid", "paid_to"),
    ({"store": "nope"}, 404, "stores.unknown_store", "store"),
    ({"status": "lost"}, 422, "request.invalid", "status"),
])
def test_bad_order_filters(shop: Shop, params: dict[str, str], status: int, code: str,
                           field: str) -> None:
    shop.problem("/orders", status, code, field, **params)


def test_order_detail_has_lines_and_timeline(shop: Shop) -> None:
    body = shop.get(f"/orders/{shop.orders['refunded']}")
    assert body["store"] == "tm" and body["refund_amount"] == "1800.00"
    assert body["lines"] == [{
        "id": body["lines"][0]["id"], "sku": "PH-1", "sku_name": "手机 128G", "quantity": 1,
        "list_price": "1999.00", "discount_amount": "199.00", "paid_amount": "1800.00",
        "refund_amount": "1800.00"}]
    assert body["timeline"] == [
        {"step": "created", "at": "2026-11-21T00:25:00+08:00"},
        {"step": "paid", "at": "2026-11-21T00:30:00+08:00"},
        {"step": "refunded", "at": "2026-11-22T00:30:00+08:00"},
    ]
    shop.problem("/orders/999999", 404, "resource.not_found", "order_id")
    shop.problem("/orders/abc", 422, "request.invalid", "order_id")


# --- OpenAPI --------------------------------------------------------------------------------

def test_openapi_lists_every_path_and_the_bearer_scheme(shop: Shop) -> None:
    response = shop.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    for path in ("/metrics", "/cockpit", "/stores", "/stores/{code}", "/skus", "/skus/{code}",
                 "/categories", "/products", "/orders", "/orders/{order_id}"):
        assert f"/api/v1{path}" in doc["paths"], path
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    metrics = doc["paths"]["/api/v1/metrics"]["get"]
    assert metrics["security"] == [{"bearerAuth": []}]
    assert {p["name"] for p in metrics["parameters"]} >= {
        "period", "date", "start", "end", "store", "platform", "category", "sku"}
    assert "401" in metrics["responses"]
