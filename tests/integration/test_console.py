"""The console (运营驾驶舱) on SQLite and PostgreSQL: login, the cockpit's figures equal the
KPI report (compared through the pages' data-value attributes), filters, empty state,
friendly errors (400/404, never 500), the Excel export, English, and no CDN anywhere."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from shopops.accounts.service import create_user
from shopops.analytics.service import Filters, kpi_report, period_from
from shopops.bootstrap import App
from shopops.inventory.models import StockBalance, Warehouse
from shopops.marketing.models import AdCampaign, AdSpendDaily, TrafficDaily
from shopops.stores.service import add_store
from shopops.web import formatting
from shopops.web.app import create_app
from shopops.web.cockpit_view import KPI_METRICS
from shopops.web.excel import Percent, content_disposition, write_workbook
from tests.factories import (
    EPOCH,
    Line,
    add_category,
    add_customer,
    add_order,
    add_product,
    add_sku,
    shanghai,
)

USER, PASSWORD = "ops", "correct horse battery"
LATEST = date(2026, 11, 20)


def build_shop(app: App) -> None:
    """Two stores; orders on the latest day, the day before (环比) and a year before (同比);
    traffic, ad spend, and a SKU with stock but no sales (滞销)."""
    with app.uow() as uow:
        create_user(uow, USER, PASSWORD, display_name="运营小王")
        tm = add_store(uow, "tm1", "tmall", name="天猫旗舰店")
        jd = add_store(uow, "jd1", "jd", name="京东自营店")
        dress = add_product(uow, "P-DRESS", add_category(uow, "women", "女装"), "真丝连衣裙")
        a = add_sku(uow, "SKU-A", dress, price="399", cost="150", name="连衣裙 黑 M")
        b = add_sku(uow, "SKU-B", dress, price="299", cost="100", name="连衣裙 白 S")
        c = add_sku(uow, "SKU-C", dress, price="999", cost="400", name="连衣裙 限量款")
        zhang, li, wang = (add_customer(uow, n) for n in ("张三", "李四", "王五"))
        add_order(
            uow,
            tm.id,
            "T1",
            [Line(a, 2, "12345.60")],
            paid_at=shanghai(2026, 11, 20, 9),
            customer=zhang,
        )
        add_order(
            uow,
            tm.id,
            "T2",
            [Line(b, 1, "259.00", refund="259.00")],
            paid_at=shanghai(2026, 11, 20, 23, 50),
            customer=li,
        )
        add_order(
            uow,
            jd.id,
            "J1",
            [Line(a, 1, "379.00"), Line(b, 1, "279.00")],
            paid_at=shanghai(2026, 11, 20, 0, 10),
            customer=wang,
        )
        add_order(
            uow,
            tm.id,
            "T0",
            [Line(a, 1, "399.00")],
            paid_at=shanghai(2026, 11, 19, 12),
            customer=zhang,
        )
        add_order(
            uow,
            tm.id,
            "TY",
            [Line(b, 3, "800.00")],
            paid_at=shanghai(2025, 11, 20, 12),
            customer=li,
        )
        s = uow.session
        for store_id, sku_id, uv, pv in (
            (tm.id, a.id, 120, 400),
            (tm.id, b.id, 30, 90),
            (jd.id, a.id, 50, 120),
        ):
            s.add(
                TrafficDaily(
                    store_id=store_id, day=LATEST, sku_id=sku_id, source="search", uv=uv, pv=pv
                )
            )
        s.add(
            TrafficDaily(
                store_id=tm.id, day=date(2026, 11, 19), sku_id=a.id, source="paid", uv=80, pv=200
            )
        )
        campaign = AdCampaign(store_id=tm.id, code="ZTC-1", name="直通车 连衣裙", channel="ztc")
        s.add(campaign)
        warehouse = Warehouse(code="SH", name="上海仓", region="华东")
        s.add(warehouse)
        s.flush()
        s.add(
            AdSpendDaily(
                campaign_id=campaign.id,
                day=LATEST,
                store_id=tm.id,
                spend=Decimal("1500.00"),
                impressions=10000,
                clicks=300,
            )
        )
        s.add(
            StockBalance(
                sku_id=c.id, warehouse_id=warehouse.id, on_hand=80, reserved=0, updated_at=EPOCH
            )
        )
        s.add(
            StockBalance(
                sku_id=a.id, warehouse_id=warehouse.id, on_hand=40, reserved=5, updated_at=EPOCH
            )
        )


@pytest.fixture
def shop(app: App) -> Iterator[App]:
    build_shop(app)
    yield app


@pytest.fixture
def client(shop: App) -> Iterator[TestClient]:
    with TestClient(create_app(shop)) as c:
        yield c


@pytest.fixture
def logged_in(client: TestClient) -> TestClient:
    response = client.post("/login", data={"username": USER, "password": PASSWORD})
    assert response.status_code == 200, response.text  # followed the 303 to the cockpit
    return client


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def rendered_values(html: str, element_id: str = "kpis") -> dict[str, str]:
    """{metric: data-value} of one part of the page."""
    pairs = re.findall(r'data-metric="([^"]+)" data-value="([^"]*)"', section(html, element_id))
    return dict(pairs)


def expected_values(report: dict[str, Any]) -> dict[str, str]:
    out = {}
    for metric in KPI_METRICS:
        out[metric] = formatting.raw(report[metric])
        out[f"{metric}.pop"] = formatting.raw(report["pop"]["change"][metric])
        out[f"{metric}.yoy"] = formatting.raw(report["yoy"]["change"][metric])
    return out


def report_for(app: App, granularity: str, day: date, **filters: str) -> dict[str, Any]:
    with app.reader() as uow:
        return kpi_report(uow, period_from(granularity, day), Filters(**filters))


# ------------------------------------------------------------------ login


def test_every_console_page_needs_login(client: TestClient) -> None:
    for path in ("/cockpit?store=tm1", "/cockpit/export.xlsx"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
        assert unquote(response.headers["location"].split("next=", 1)[1]) == path
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_wrong_password_shows_the_form_again(client: TestClient) -> None:
    response = client.post("/login", data={"username": USER, "password": "wrong password"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert 'name="password"' in response.text
    assert client.get("/cockpit", follow_redirects=False).status_code == 303


def test_login_goes_to_next_but_never_off_site(client: TestClient) -> None:
    ok = client.post(
        "/login",
        follow_redirects=False,
        data={"username": USER, "password": PASSWORD, "next": "/cockpit?store=jd1"},
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/cockpit?store=jd1"
    evil = client.post(
        "/login",
        follow_redirects=False,
        data={"username": USER, "password": PASSWORD, "next": "//evil.example/x"},
    )
    assert evil.headers["location"] == "/cockpit"


def test_logout_ends_the_session(logged_in: TestClient) -> None:
    assert logged_in.get("/", follow_redirects=False).headers["location"] == "/cockpit"
    response = logged_in.post("/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert logged_in.get("/cockpit", follow_redirects=False).status_code == 303


# ------------------------------------------------------------------ the cockpit's figures


def test_cockpit_opens_on_the_latest_day_with_data(shop: App, logged_in: TestClient) -> None:
    html = logged_in.get("/cockpit").text
    assert 'data-period="2026-11-20"' in html
    assert rendered_values(html) == expected_values(report_for(shop, "day", LATEST))
    assert "运营小王" in html and "运营驾驶舱" in html
    assert "环比 2026-11-19 ~ 2026-11-19" in html and "同比 2025-11-20 ~ 2025-11-20" in html


@pytest.mark.parametrize(
    ("query", "granularity", "day", "filters"),
    [
        ("granularity=day&date=2026-11-20&store=tm1", "day", LATEST, {"store": "tm1"}),
        ("granularity=day&date=2026-11-20&platform=jd", "day", LATEST, {"platform": "jd"}),
        ("granularity=week&date=2026-11-18", "week", date(2026, 11, 18), {}),
        (
            "granularity=month&date=2026-11-01&store=tm1",
            "month",
            date(2026, 11, 1),
            {"store": "tm1"},
        ),
    ],
)
def test_kpi_cards_equal_the_kpi_report(
    shop: App,
    logged_in: TestClient,
    query: str,
    granularity: str,
    day: date,
    filters: dict[str, str],
) -> None:
    response = logged_in.get(f"/cockpit?{query}")
    assert response.status_code == 200
    report = report_for(shop, granularity, day, **filters)
    assert report["has_data"]
    assert rendered_values(response.text) == expected_values(report)


def test_store_filter_changes_figures_and_tables(shop: App, logged_in: TestClient) -> None:
    everything = rendered_values(logged_in.get("/cockpit?date=2026-11-20").text)
    html = logged_in.get("/cockpit?date=2026-11-20&store=jd1").text
    jd_only = rendered_values(html)
    assert jd_only["paid_orders"] == "1" and everything["paid_orders"] == "3"
    assert jd_only["gmv"] == report_for(shop, "day", LATEST, store="jd1")["gmv"]
    breakdown = section(html, "breakdown-table")
    assert 'data-key="jd1"' in breakdown and 'data-key="tm1"' not in breakdown
    assert '<option value="jd1" selected>' in html


def test_kpis_are_formatted_the_chinese_way(logged_in: TestClient) -> None:
    kpis = section(logged_in.get("/cockpit?date=2026-11-20&store=tm1").text, "kpis")
    # GMV 12,345.60 + 259.00 = 12,604.60 → ¥1.26万 (raw value kept in data-value)
    assert re.search(r'data-metric="gmv" data-value="12604.60"\s*>¥1.26万<', kpis)
    assert re.search(r'data-metric="refund_rate" data-value="0.5000"[^>]*>50.00%<', kpis)
    assert "badge-" in kpis and "达标" in kpis


def test_tables_show_breakdown_top_and_slow_skus(logged_in: TestClient) -> None:
    html = logged_in.get("/cockpit?date=2026-11-20&breakdown=platform").text
    assert "天猫" in section(html, "breakdown-table") and "京东" in section(html, "breakdown-table")
    assert 'data-sku="SKU-A"' in section(html, "top-skus")
    slow = section(html, "slow-skus")
    assert 'data-sku="SKU-C"' in slow and 'data-metric="available" data-value="80"' in slow


def test_trend_data_is_embedded_for_the_chart(logged_in: TestClient) -> None:
    html = logged_in.get("/cockpit?date=2026-11-20&trend=month").text
    payload = re.search(
        r'<script type="application/json" id="trend-data">(.*?)</script>', html, re.S
    )
    assert payload and '"granularity": "month"' in payload.group(1)
    assert "2026-11-01" in payload.group(1)


def test_empty_period_shows_an_explicit_empty_state(logged_in: TestClient) -> None:
    response = logged_in.get("/cockpit?date=2020-01-01")
    assert response.status_code == 200
    assert 'data-state="empty"' in response.text and "暂无数据" in response.text
    assert 'id="kpis"' not in response.text


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("store=nope", 404, "没有这个店铺"),
        ("date=2026-13-01", 400, "日期格式不正确"),
        ("date=yesterday", 400, "日期格式不正确"),
        ("granularity=custom&start=2026-11-10&end=2026-11-01", 400, "统计周期不正确"),
        ("granularity=year", 400, "统计周期不正确"),
        ("trend=hour", 400, "统计周期不正确"),
        ("breakdown=sku", 400, "查询参数不正确"),
        ("platform=amazon", 400, "查询参数不正确"),
    ],
)
def test_bad_filters_get_a_friendly_message(
    logged_in: TestClient, query: str, status: int, message: str
) -> None:
    response = logged_in.get(f"/cockpit?{query}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="error"' in response.text and message in response.text
    assert 'id="filters"' in response.text  # the filter bar stays, to fix the mistake
    export = logged_in.get(f"/cockpit/export.xlsx?{query}")
    assert export.status_code == status and message in export.text


def test_custom_range_works(shop: App, logged_in: TestClient) -> None:
    html = logged_in.get("/cockpit?granularity=custom&start=2026-11-19&end=2026-11-20").text
    assert 'data-period="2026-11-19~2026-11-20"' in html
    assert rendered_values(html)["paid_orders"] == "4"


# ------------------------------------------------------------------ Excel export


def test_export_is_one_workbook_of_every_table(shop: App, logged_in: TestClient) -> None:
    response = logged_in.get("/cockpit/export.xlsx?granularity=day&date=2026-11-20&store=tm1")
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="shopops-cockpit-2026-11-20-tm1.xlsx"')
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "运营驾驶舱_2026-11-20_tm1.xlsx"
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["KPI", "趋势", "渠道", "热销SKU", "滞销SKU"]
    report = report_for(shop, "day", LATEST, store="tm1")
    kpi = {row[1]: row for row in wb["KPI"].iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(kpi["gmv"][2])) == Decimal(report["gmv"])
    assert kpi["paid_orders"][2] == report["paid_orders"]
    assert Decimal(str(kpi["gmv"][3])) == Decimal(report["pop"]["change"]["gmv"])
    gmv_cell = wb["KPI"].cell(row=2, column=3)
    assert gmv_cell.data_type == "n" and gmv_cell.number_format == "#,##0.00"
    assert wb["KPI"].cell(row=8, column=3).number_format == "0.00%"  # conversion rate
    assert [r[0] for r in wb["渠道"].iter_rows(min_row=2, values_only=True)] == ["tm1"]
    assert wb["趋势"].max_row == 366  # header + 365 days
    assert any(r[0] == "SKU-C" for r in wb["滞销SKU"].iter_rows(min_row=2, values_only=True))


def test_write_workbook_writes_numbers_as_numbers() -> None:
    body = write_workbook(
        {
            "表": (
                ["名称", "金额", "件数", "比例"],
                [["甲", Decimal("12.30"), 3, Percent("0.0342")], ["乙", None, 0, Percent(None)]],
            )
        }
    )
    ws = load_workbook(io.BytesIO(body))["表"]
    assert [c.value for c in ws[2]] == ["甲", 12.3, 3, 0.0342]
    assert [c.number_format for c in ws[2]][1:] == ["#,##0.00", "#,##0", "0.00%"]
    header = content_disposition("报表 2026.xlsx", "report.xlsx")
    assert header == (
        "attachment; filename=\"report.xlsx\"; filename*=UTF-8''%E6%8A%A5%E8%A1%A8%202026.xlsx"
    )


# ------------------------------------------------------------------ language, formatting, assets


def test_english_switch_is_remembered(logged_in: TestClient) -> None:
    english = logged_in.get("/cockpit?lang=en&date=2026-11-20").text
    assert '<html lang="en">' in english
    assert "Operations cockpit" in english and "Conversion rate" in english
    assert "运营驾驶舱" not in english
    assert "Operations cockpit" in logged_in.get("/cockpit").text  # the session remembers
    chinese = logged_in.get("/cockpit?lang=zh").text
    assert '<html lang="zh-CN">' in chinese and "运营驾驶舱" in chinese


def test_no_page_loads_anything_from_the_internet(client: TestClient) -> None:
    pages = [client.get("/login").text]
    client.post("/login", data={"username": USER, "password": PASSWORD})
    for query in ("", "?date=2020-01-01", "?store=nope", "?lang=en"):
        pages.append(client.get(f"/cockpit{query}").text)
    for html in pages:
        assert "http://" not in html and "https://" not in html
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(a.startswith(("/", "#", "?")) for a in assets), assets
    for asset in (
        "/static/vendor/echarts.min.js",
        "/static/vendor/htmx.min.js",
        "/static/shopops.css",
        "/static/cockpit.js",
    ):
        assert client.get(asset).status_code == 200, asset


@pytest.mark.parametrize(
    ("metric", "value", "zh", "en"),
    [
        ("gmv", "123456.78", "¥12.35万", "¥123,456.78"),
        ("gmv", "9999.99", "¥9,999.99", "¥9,999.99"),
        ("gmv", "250000000.00", "¥2.50亿", "¥250,000,000.00"),
        ("uv", 12345, "1.23万", "12,345"),
        ("paid_orders", 856, "856", "856"),
        ("conversion_rate", "0.0342", "3.42%", "3.42%"),
        ("roi", "3.25", "3.25", "3.25"),
        ("aov", None, "—", "—"),
    ],
)
def test_formatting(metric: str, value: object, zh: str, en: str) -> None:
    assert formatting.format_metric(metric, value, "zh") == zh
    assert formatting.format_metric(metric, value, "en") == en


def test_changes_are_signed_with_arrows() -> None:
    assert formatting.format_change("0.1234") == "▲ +12.34%"
    assert formatting.format_change("-0.05") == "▼ -5.00%"
    assert formatting.format_change(None) == "—"
    assert formatting.change_direction("0.1") == "up"
    assert formatting.change_direction("-0.1") == "down"
