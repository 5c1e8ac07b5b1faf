"""The pricing console pages on SQLite and PostgreSQL: they need a login; the promotion list
filters and exports to Excel; the editor marks the bad field, shows the floor check (refusal with
the SKU and amounts, pass on 检查底线 without saving, save with an override); the 到手价 simulator
shows the quote service's explanation line by line; the calendar shows phases and campaigns."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shopops.bootstrap import App
from shopops.pricing import campaign_service
from shopops.pricing.models import FloorOverride, Promotion
from shopops.pricing.service import create_promotion, quote_cart
from tests.integration.shops import log_in, promotion_console
from tests.integration.test_promotions import CART, WORKED

PAGES = ("/promotions", "/promotions/new", "/pricing/simulator", "/pricing/calendar")


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    with promotion_console(app) as c:
        yield c


@pytest.fixture
def logged_in(client: TestClient) -> TestClient:
    return log_in(client)


def promotions(app: App) -> int:
    with app.reader() as uow:
        return uow.session.scalar(select(func.count(Promotion.id))) or 0


def test_pages_need_a_login(client: TestClient) -> None:
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and "/login?next=" in response.headers["location"]


def test_list_filters_and_exports(app: App, logged_in: TestClient) -> None:
    with app.uow() as uow:
        for shape in WORKED:
            create_promotion(uow, shape)
    page = logged_in.get("/promotions").text
    assert re.findall(r'<tr data-code="([^"]+)"', page) == ["fr300", "mb2", "c20"]
    assert "满300减40" in page and "满件折" in page
    coupons = logged_in.get("/promotions", params={"type": "coupon"}).text
    assert re.findall(r'<tr data-code="([^"]+)"', coupons) == ["c20"]
    export = logged_in.get("/promotions/export.xlsx", params={"type": "coupon"})
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:3] == ["编码", "名称", "类型"]
    assert [c.value for c in sheet[2]][:3] == ["c20", "满199减20券", "优惠券"]


def test_editor_marks_the_bad_field(app: App, logged_in: TestClient) -> None:
    response = logged_in.post("/promotions/save", data={
        "type": "full_reduction", "store": "tm-1", "tiers": "300:400"})
    assert response.status_code == 400
    assert 'data-field="tiers[0].threshold"' in response.text
    assert 'class="pr-field has-error"' in response.text and 'id="error-tiers"' in response.text
    assert promotions(app) == 0


def test_editor_floor_check_refuses_then_checks_then_saves_with_override(
        app: App, logged_in: TestClient) -> None:
    form = {"type": "timed_discount", "store": "tm-1", "code": "deep", "skus": "A",
            "rate": "0.45", "active": "on"}
    refused = logged_in.post("/promotions/save", data=form)
    assert refused.status_code == 400
    assert 'data-result="below"' in refused.text and 'data-sku="A"' in refused.text
    assert "¥45.00" in refused.text and "¥50.00" in refused.text and "¥5.00" in refused.text
    ok = logged_in.post("/promotions/save", data={**form, "rate": "0.6", "action": "check"})
    assert ok.status_code == 200 and 'data-result="ok"' in ok.text
    assert promotions(app) == 0  # 检查底线 saves nothing
    saved = logged_in.post("/promotions/save", data={**form, "override_reason": "清仓"},
                           follow_redirects=False)
    assert saved.status_code == 303
    with app.reader() as uow:
        override = uow.session.scalars(select(FloorOverride)).one()
        assert (override.reason, override.created_by) == ("清仓", "ops")
    edit = logged_in.get("/promotions/deep/edit").text
    assert 'value="0.45"' in edit
    off = logged_in.post("/promotions/save", data={"editing": "deep", "type": "timed_discount",
                                                   "skus": "A", "rate": "0.45"},
                         follow_redirects=False)  # 启用 unticked: switched off, nothing to check
    assert off.status_code == 303
    with app.reader() as uow:
        assert uow.session.scalars(select(Promotion.active)).one() is False


def test_simulator_shows_the_quote_explanation(app: App, logged_in: TestClient) -> None:
    with app.uow() as uow:
        for shape in WORKED:
            create_promotion(uow, shape)
    params = {"store": "tm-1", "lines": "A 2\nB 1", "coupons": "c20", "at": CART["at"]}
    page = logged_in.get("/pricing/simulator", params=params).text
    with app.reader() as uow:
        expected = quote_cart(uow, CART, uow.now())
    assert f'id="total" data-value="{expected["total"]}"' in page
    explained = re.findall(r"<li>(.*?)</li>", page.split('id="explanation"')[1])
    assert explained == [line.replace("&", "&amp;") for line in expected["explanation"]]
    export = logged_in.get("/pricing/simulator/export.xlsx", params=params)
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["明细", "价格说明"]
    bad = logged_in.get("/pricing/simulator", params={"store": "tm-1", "lines": "NOPE 1"})
    assert bad.status_code == 404 and 'data-field="lines[0].sku"' in bad.text


def test_calendar_shows_phases_and_campaigns(app: App, logged_in: TestClient) -> None:
    with app.uow() as uow:
        campaign_service.create_campaign(uow, {"code": "d11", "event": "double11",
                                               "year": 2026, "targets": {"gmv": "50000"}})
    page = logged_in.get("/pricing/calendar", params={"year": 2026}).text
    assert re.findall(r'id="event-(\w+)"', page) == ["nianhuo", "queen38", "mid618",
                                                     "summer818", "double11", "double12"]
    assert 'data-campaign="d11"' in page and "预热" in page and "¥5.00万" in page
    export = logged_in.get("/pricing/calendar/export.xlsx", params={"year": 2026})
    assert openpyxl.load_workbook(io.BytesIO(export.content)).sheetnames == ["节点阶段",
                                                                            "大促活动"]
