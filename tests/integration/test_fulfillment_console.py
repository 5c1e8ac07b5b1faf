"""The 履约看板 console page on SQLite and PostgreSQL: login required, counts and tables equal
the board service, the exception queue can be worked from the page, and the Excel export."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.fulfillment import service as fulfil
from shopops.web.app import create_app
from tests.factories import MovingClock
from tests.integration import test_fulfillment as base
from tests.integration.test_fulfillment import T0, paid_order, receive

shop, clock = base.shop, base.clock  # the same shop and clock fixtures
HOUR = timedelta(hours=1)


def count(html: str, name: str) -> int:
    found = re.search(rf'data-count="{name}"[^>]*>.*?data-value="(\d+)"', html, re.S)
    assert found, name
    return int(found.group(1))


def test_fulfillment_board_page(shop: App, clock: MovingClock) -> None:
    receive(shop, WH_GZ={"A": 5})
    late = paid_order(shop, "LATE-1", {"A": 1}, store="jd")  # JD: 24 h
    paid_order(shop, "WAIT-2", {"A": 1})  # Tmall: 48 h
    shipped = paid_order(shop, "SHIP-3", {"A": 1})
    with shop.uow() as uow:
        create_user(uow, "ops", "secret-pass-1")
        fulfil.ship_order(uow, shipped, "SF", "SF77", promised_by=T0 + 200 * HOUR)
    client = TestClient(create_app(shop))
    assert client.get("/fulfillment", follow_redirects=False).status_code == 303
    client.post("/login", data={"username": "ops", "password": "secret-pass-1"})

    clock.at = T0 + 30 * HOUR
    page = client.get("/fulfillment")
    assert page.status_code == 200 and "履约看板" in page.text
    assert (count(page.text, "to_ship"), count(page.text, "overdue")) == (2, 1)
    assert (count(page.text, "not_shipped"), count(page.text, "no_first_scan")) == (1, 1)
    assert 'id="overdue-table"' in page.text and "LATE-1" in page.text
    assert "超时 6.0 小时" in page.text and "剩 18.0 小时" in page.text
    assert 'href="/fulfillment?kind=not_shipped"' in page.text

    only = client.get("/fulfillment", params={"kind": "no_first_scan"})
    assert "SF77" in only.text and 'data-kind="not_shipped"' not in only.text
    bad = client.get("/fulfillment", params={"kind": "lost"})
    assert bad.status_code == 400 and 'data-field="kind"' in bad.text

    key = re.search(r'data-key="(not_shipped:[^"]+)"', page.text)
    assert key and f":{late}:" in key.group(1)
    done = client.post("/fulfillment/handle", data={
        "key": key.group(1), "action": "resolve", "note": "已发货", "back": "/fulfillment"},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/fulfillment"
    after = client.get("/fulfillment")
    assert count(after.text, "not_shipped") == 0 and count(after.text, "overdue") == 1

    cockpit = client.get("/cockpit")
    assert cockpit.status_code == 200 and 'id="logistics-strip"' in cockpit.text
    strip = cockpit.text.split('id="logistics-strip"')[1]
    assert (count(strip, "overdue"), count(strip, "no_first_scan")) == (1, 1)
    jd_only = client.get("/cockpit", params={"store": "jd"}).text.split('id="logistics-strip"')[1]
    assert (count(jd_only, "to_ship"), count(jd_only, "no_first_scan")) == (1, 0)

    csv = "运单号,时间,描述\nSF77,2026-11-12 09:00,已揽收\nSF77,nope,运输中\n"
    imported = client.post("/fulfillment/tracking",
                           files={"file": ("sf.csv", csv.encode("gb18030"), "text/csv")})
    assert imported.status_code == 200
    assert 'data-added="1" data-rejected="1"' in imported.text
    assert 'id="tracking-problems"' in imported.text and "时间无法识别" in imported.text
    assert count(imported.text, "no_first_scan") == 0
    empty = client.post("/fulfillment/tracking", files={"file": ("x.csv", b"", "text/csv")})
    assert 'id="tracking-error"' in empty.text

    english = client.get("/fulfillment", params={"lang": "en"})
    assert "Fulfillment board" in english.text

    export = client.get("/fulfillment/export.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    rows = list(book["待发货"].iter_rows(values_only=True))
    assert rows[0][0] == "订单号" and [r[0] for r in rows[1:]] == ["LATE-1", "WAIT-2"]
    # the imported scan closed the no-first-scan exception; the resolved one left the queue
    exceptions = list(book["物流异常"].iter_rows(values_only=True))
    assert exceptions[0][0] == "类型" and exceptions[1:] == []
