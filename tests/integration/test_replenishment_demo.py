"""Replenishment and purchasing on a demo shop, on SQLite and PostgreSQL: the demo's purchase
history agrees with its stock ledger and gives a scorecard that shows its late, short and
defective deliveries; the `shopops replenish --format json` contract; the API; the console
pages (suggestions → 生成采购单 → purchasing page → receive) and their Excel exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text
from typer.testing import CliRunner

from shopops import cli
from shopops.accounts.service import create_token, create_user
from shopops.bootstrap import App
from shopops.core.clock import FixedClock
from shopops.demo.service import DemoSummary, build_demo_shop
from shopops.inventory.purchasing_service import list_purchase_orders, supplier_scorecards
from shopops.inventory.replenishment import Suggestion
from shopops.inventory.replenishment_service import replenishment_plan
from shopops.web.app import create_app
from tests.conftest import private_app
from tests.unit.test_replenishment_rule import adds_up

END = date(2026, 11, 20)
CONTRACT_KEYS = {"sku", "warehouse", "suggested_qty", "forecast_lead_time", "safety_stock",
                 "on_hand", "incoming", "reserved", "reorder_point"}
USER, PASSWORD = "ops", "correct horse battery"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[App, DemoSummary]]:
    with private_app(request.param, tmp_path_factory.mktemp("replenish")) as app:
        summary = build_demo_shop(app, seed=5, orders=6000, end_date=END, days=450)
        app.clock = FixedClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # 20:00 on END
        with app.uow() as uow:
            create_user(uow, USER, PASSWORD)
        yield app, summary


def run_cli(app: App, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setattr(cli, "get_app", lambda: app)
    result = CliRunner().invoke(cli.app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def as_suggestion(item: dict[str, Any]) -> Suggestion:
    return Suggestion(**{k: item[k] for k in Suggestion.__dataclass_fields__})


def test_demo_purchase_history_matches_the_ledger(demo: tuple[App, DemoSummary]) -> None:
    app, summary = demo
    with app.reader() as uow:
        unmatched = uow.session.execute(text(
            "SELECT m.reference, m.sku_id, m.warehouse_id, m.quantity FROM stock_moves m "
            "WHERE m.kind = 'receipt' AND NOT EXISTS (SELECT 1 FROM purchase_orders p "
            "JOIN purchase_order_lines l ON l.purchase_order_id = p.id "
            "WHERE p.code = m.reference AND l.sku_id = m.sku_id "
            "AND l.warehouse_id = m.warehouse_id AND l.received_qty = m.quantity)")).all()
        without_terms = uow.session.scalar(text(
            "SELECT COUNT(*) FROM skus s WHERE NOT EXISTS (SELECT 1 FROM supplier_terms t "
            "WHERE t.sku_id = s.id AND t.priority = 1)"))
        cards = {c.supplier: c for c in supplier_scorecards(uow)}
        overdue, _ = list_purchase_orders(uow, status="sent", limit=500)
    assert unmatched == [] and without_terms == 0
    assert len(cards) == 7 and all(c.deliveries > 0 for c in cards.values())
    # the history tells the truth: someone is late, someone ships short, someone sends defects
    assert min(c.on_time_rate or 1 for c in cards.values()) < Decimal("0.8")
    assert min(c.fill_rate or 1 for c in cards.values()) < Decimal("0.98")
    assert max(c.defect_rate or 0 for c in cards.values()) > Decimal("0.01")
    assert any(c.price_index is not None and c.price_index < 1 for c in cards.values())
    best = summary.planted["about_to_run_out_sku"]
    late = [o for o in overdue if o["lines"][0]["sku"] == best and o["expected_on"] < str(END)]
    assert late and late[0]["note"]
    with app.reader() as uow:  # its suggestion says so, and names the backup supplier
        plan = replenishment_plan(uow, demand="recent")
    flagged = next(ln.suggestion for ln in plan.lines if ln.suggestion.sku == best
                   and ln.suggestion.warehouse == late[0]["lines"][0]["warehouse"])
    assert flagged.overdue_incoming == late[0]["remaining"] and "逾期未到" in flagged.explanation
    # suppliers with a history are planned with the lead time they actually took
    for ln in plan.lines:
        card = cards.get(ln.supplier or "")
        if card is not None and card.deliveries >= 5:
            assert ln.suggestion.lead_time_deliveries == card.deliveries
            assert ln.suggestion.lead_time_days == card.lead_time_mean_days
            assert f"按 {card.deliveries} 批到货实测" in ln.suggestion.explanation


def test_a_coming_promotion_adds_a_build_up(demo: tuple[App, DemoSummary]) -> None:
    app, _ = demo
    with app.reader() as uow:  # 双11 falls within lead time + review of 2026-10-30
        before = replenishment_plan(uow, as_of=date(2026, 10, 30), demand="recent")
        ordinary = replenishment_plan(uow, as_of=date(2026, 9, 1), demand="recent")
    built = [ln.suggestion for ln in before.lines if ln.suggestion.promo_build_up]
    assert built and {s.promo_name for s in built} == {"双11 全球狂欢节"}
    assert all("双11 全球狂欢节 备货" in s.explanation for s in built if s.suggested_qty)
    assert not any(ln.suggestion.promo_build_up for ln in ordinary.lines)
    for s in built:
        adds_up(s)


def test_replenish_json_contract(demo: tuple[App, DemoSummary],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = demo
    items = json.loads(run_cli(app, monkeypatch, "replenish", "--format", "json"))
    assert isinstance(items, list) and items
    for item in items:
        assert set(item) >= CONTRACT_KEYS
        assert all(isinstance(item[k], int) for k in CONTRACT_KEYS - {"sku", "warehouse"})
        assert item["suggested_qty"] > 0 and item["explanation"]
        adds_up(as_suggestion(item))
    assert {i["demand_model"] for i in items} != {"recent_mean"}  # the forecaster's outlook
    every = json.loads(run_cli(app, monkeypatch, "replenish", "--format", "json", "--all",
                               "--demand", "recent", "--date", str(END)))
    assert len(every) > len(items) / 2 and any(i["suggested_qty"] == 0 for i in every)
    for item in every:
        adds_up(as_suggestion(item))
    with app.reader() as uow:  # incoming = the open purchase orders still to come
        open_units = uow.session.scalar(text(
            "SELECT SUM(l.quantity - l.received_qty - l.defective_qty) FROM purchase_order_lines l "
            "JOIN purchase_orders p ON p.id = l.purchase_order_id "
            "WHERE p.status IN ('draft', 'sent', 'partially_received')"))
    assert sum(i["incoming"] for i in every) >= open_units > 0
    table = run_cli(app, monkeypatch, "replenish", "--demand", "recent")
    assert "补货建议" in table
    suppliers = json.loads(run_cli(app, monkeypatch, "suppliers", "list", "--format", "json"))
    assert {"on_time_rate", "fill_rate", "defect_rate", "price_index"} <= set(
        suppliers[0]["scorecard"])


def test_api_suggestions_agree_with_the_service(demo: tuple[App, DemoSummary]) -> None:
    app, _ = demo
    with app.uow() as uow:
        token = create_token(uow, USER)
    client = TestClient(create_app(app))
    headers = {"Authorization": f"Bearer {token}"}
    got = client.get("/api/v1/replenishment/suggestions",
                     params={"demand": "recent", "page_size": 500}, headers=headers)
    assert got.status_code == 200, got.text
    with app.reader() as uow:
        plan = replenishment_plan(uow, demand="recent")
    assert [(i["sku"], i["warehouse"], i["suggested_qty"]) for i in got.json()["items"]] == [
        (ln.suggestion.sku, ln.suggestion.warehouse, ln.suggestion.suggested_qty)
        for ln in plan.to_order()]
    assert client.get("/api/v1/suppliers", headers=headers).json()["total"] == 7
    one_store = client.get("/api/v1/replenishment/suggestions", headers=headers, params={
        "demand": "recent", "store": "tmall-flagship", "all": "true", "page_size": 500})
    assert one_store.status_code == 200
    shop_wide = {(ln.suggestion.sku, ln.suggestion.warehouse): ln.suggestion.daily_mean
                 for ln in plan.lines}
    assert all(i["daily_mean"] <= shop_wide.get((i["sku"], i["warehouse"]), 0) + 1e-9
               for i in one_store.json()["items"])
    unknown = client.get("/api/v1/replenishment/suggestions", headers=headers,
                         params={"store": "nope"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "store"
    bad = client.post("/api/v1/purchase-orders/NOPE/send", headers=headers)
    assert bad.status_code == 404 and bad.json()["field"] == "code"
    listed = client.get("/api/v1/purchase-orders", params={"status": "received"},
                        headers=headers).json()
    code = listed["items"][0]["code"]
    again = client.post(f"/api/v1/purchase-orders/{code}/receive", headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "purchasing.invalid_transition"


def test_console_suggestions_to_purchase_orders_and_receipt(
        demo: tuple[App, DemoSummary]) -> None:
    app, _ = demo
    with TestClient(create_app(app)) as client:
        assert client.get("/replenishment", follow_redirects=False).status_code == 303
        client.post("/login", data={"username": USER, "password": PASSWORD})
        page = client.get("/replenishment", params={"demand": "recent"})
        assert page.status_code == 200 and 'data-state="ready"' in page.text
        with app.reader() as uow:
            plan = replenishment_plan(uow, demand="recent")
        first = plan.to_order()[0].suggestion
        assert f'value="{first.sku}|{first.warehouse}"' in page.text
        assert f'data-col="safety_stock" data-value="{first.safety_stock}"' in page.text
        assert first.explanation in page.text and "生成采购单" in page.text
        export = client.get("/replenishment/export.xlsx", params={"demand": "recent"})
        sheet = load_workbook(BytesIO(export.content)).active
        assert sheet is not None and sheet.max_row == len(plan.to_order()) + 1
        picks = [f"{ln.suggestion.sku}|{ln.suggestion.warehouse}"
                 for ln in plan.to_order()[:3] if ln.supplier]
        made = client.post("/replenishment/purchase-orders",
                           data={"pick": picks, "demand": "recent"}, follow_redirects=False)
        assert made.status_code == 303 and made.headers["location"].startswith("/purchasing")
        done = client.get(made.headers["location"])
        assert done.status_code == 200 and 'id="created"' in done.text
        code = done.text.split('data-codes="', 1)[1].split('"', 1)[0].split(",")[0]
        assert f'data-po="{code}" data-status="draft"' in done.text
        client.post(f"/purchasing/orders/{code}/send")
        received = client.post(f"/purchasing/orders/{code}/receive")
        assert received.status_code == 200 and "全部到货" in received.text
        assert f'data-po="{code}" data-status="received"' in received.text
        refused = client.post(f"/purchasing/orders/{code}/cancel")
        assert refused.status_code == 409 and 'data-code="purchasing.invalid_transition"' in (
            refused.text)
        book = load_workbook(BytesIO(client.get("/purchasing/export.xlsx").content))
        assert book.sheetnames == ["供应商", "采购单", "采购明细"]
        english = client.get("/purchasing", params={"lang": "en"})
        assert "Supplier scorecard" in english.text
        with app.reader() as uow:
            after = replenishment_plan(uow, demand="recent")
        ordered = {tuple(p.split("|")) for p in picks}
        assert not any((ln.suggestion.sku, ln.suggestion.warehouse) in ordered
                       and ln.suggestion.suggested_qty for ln in after.lines)


def test_replenish_create_pos_makes_one_draft_per_supplier(
        demo: tuple[App, DemoSummary], monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = demo
    items = json.loads(run_cli(app, monkeypatch, "replenish", "--format", "json",
                               "--demand", "recent", "--create-pos"))
    placed = [i for i in items if i["purchase_order"]]
    assert placed and all(set(i) >= CONTRACT_KEYS for i in items)
    by_supplier: dict[str, set[str]] = {}
    for i in placed:
        by_supplier.setdefault(i["supplier"], set()).add(i["purchase_order"])
    assert all(len(codes) == 1 for codes in by_supplier.values())  # grouped by supplier
    drafts = json.loads(run_cli(app, monkeypatch, "po", "list", "--status", "draft",
                                "--format", "json", "--limit", "500"))
    lines = {(ln["sku"], ln["warehouse"]): (o["code"], ln["quantity"])
             for o in drafts for ln in o["lines"]}
    assert all(lines[(i["sku"], i["warehouse"])] == (i["purchase_order"], i["suggested_qty"])
               for i in placed)
    again = json.loads(run_cli(app, monkeypatch, "replenish", "--format", "json",
                               "--demand", "recent"))
    assert not {(i["sku"], i["warehouse"]) for i in again} & set(lines)
