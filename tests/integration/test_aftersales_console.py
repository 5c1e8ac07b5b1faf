"""售后看板 on SQLite and PostgreSQL: login required, the queue counts, the overdue refund
highlighted, filters, the reason analysis, a friendly error for a bad date, the xlsx export
and English."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.service import queries
from shopops.web.app import create_app
from tests.factories import MovingClock
from tests.integration.test_aftersales import clock as clock
from tests.integration.test_aftersales import create, step
from tests.integration.test_aftersales import shop as shop
from tests.integration.test_console import section


@pytest.fixture
def console(shop: App, clock: MovingClock) -> Iterator[TestClient]:
    with shop.uow() as uow:
        create_user(uow, "ops", "correct horse battery", display_name="售后小李")
    late = create(shop, reason="quality", quantity=1)
    step(shop, "approve", late)
    step(shop, "receive", late, "SH")
    create(shop, reason="size", quantity=1)
    clock.at += timedelta(hours=30)  # the quality refund is now 30 h late
    with TestClient(create_app(shop)) as client:
        yield client


def login(client: TestClient) -> None:
    response = client.post("/login", data={"username": "ops",
                                           "password": "correct horse battery"})
    assert response.status_code == 200


def test_board_needs_login_and_shows_queue_overdue_and_reasons(console: TestClient) -> None:
    for path in ("/aftersales", "/aftersales/export.xlsx"):
        assert console.get(path, follow_redirects=False).status_code == 303
    login(console)
    page = console.get("/aftersales", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-state="ready"' in html and "售后看板" in html
    queue = section(html, "queue")
    assert 'data-status="requested"><dt>待审核</dt><dd data-value="1">' in queue
    assert '<dd data-value="1"><a href="/aftersales?overdue=1">' in queue
    overdue = section(html, "overdue")
    assert 'data-overdue="true" class="overdue"' in overdue and "质量问题" in overdue
    assert "需致歉" in overdue
    reasons = html[html.index('id="by-reason"'):html.index('id="by-category-panel"')]
    assert "质量问题" in reasons and "尺码不合适" in reasons
    assert 'data-metric="return_rate" data-value="0.5000"' in reasons
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing from a CDN
    only = console.get("/aftersales", params={"overdue": "1"}).text
    assert section(only, "requests").count("<tr data-id=") == 1


def test_bad_filters_are_friendly_and_export_has_every_table(console: TestClient) -> None:
    login(console)
    bad = console.get("/aftersales", params={"to": "2026-13-01"})
    assert bad.status_code == 400 and 'data-field="to"' in bad.text
    unknown = console.get("/aftersales", params={"status": "lost"})
    assert unknown.status_code == 400 and 'data-field="status"' in unknown.text
    export = console.get("/aftersales/export.xlsx",
                         params={"from": "2026-11-01", "to": "2026-11-30"})
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["售后单", "超时退款", "按SKU", "按类目", "按店铺", "按原因"]
    assert [c.value for c in book["超时退款"][1]][:3] == ["售后单号", "店铺", "订单"]
    assert book["超时退款"].max_row == 2 and book["售后单"].max_row == 3
    english = console.get("/aftersales", params={"lang": "en"}).text
    assert "After-sales board" in english and "Overdue refunds" in english


def test_detail_page_walks_requests_through_their_steps(console: TestClient,
                                                       shop: App) -> None:
    with shop.reader() as uow:
        items = queries.list_requests(uow, queries.RequestFilters())["items"]
    late = next(r["id"] for r in items if r["reason"] == "quality")  # received, overdue
    size = next(r["id"] for r in items if r["reason"] == "size")  # requested (exchange)
    assert console.get(f"/aftersales/{size}", follow_redirects=False).status_code == 303
    login(console)
    page = console.get(f"/aftersales/{size}").text
    assert 'data-status="requested"' in page and 'id="do-approve"' in page
    assert 'id="do-exchange"' not in page  # only the next legal steps are offered
    done = console.post(f"/aftersales/{size}/approve")
    assert done.status_code == 200 and 'id="done"' in done.text
    missing = console.post(f"/aftersales/{size}/receive", data={"warehouse": "NOPE"})
    assert missing.status_code == 404 and 'data-field="warehouse"' in missing.text
    page = console.post(f"/aftersales/{size}/receive",
                        data={"warehouse": "SH", "restock": "0"}).text
    assert 'data-status="received"' in page and "SH-QC" in page
    page = console.post(f"/aftersales/{size}/exchange", data={"warehouse": ""}).text
    assert 'data-status="exchanged"' in page
    assert 'id="overdue"' in console.get(f"/aftersales/{late}").text
    too_much = console.post(f"/aftersales/{late}/refund", data={"amount": "600.01"})
    assert too_much.status_code == 400 and 'data-code="service.over_refund"' in too_much.text
    page = console.post(f"/aftersales/{late}/refund", data={"amount": ""}).text
    assert 'data-status="refunded"' in page and 'id="refund-hours" data-value="30.0"' in page
    assert console.get("/api/v1/orders").json()["items"][0]["refund_amount"] == "300.00"
    assert 'data-step="closed"' in console.post(f"/aftersales/{late}/close").text
    assert console.post(f"/aftersales/{late}/fly").status_code == 400
    assert console.get("/aftersales/9999").status_code == 404
