"""Suppliers, purchase orders and replenishment on SQLite and PostgreSQL: the order lifecycle
with a partial delivery posting stock receipts and lowering incoming, refused transitions,
suggestions turned into draft orders grouped by supplier, and the scorecard's numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from shopops.bootstrap import App
from shopops.core.errors import Conflict, NotFound, ValidationError
from shopops.inventory import purchasing_service as po
from shopops.inventory import service as stock
from shopops.inventory.models import StockMove, Warehouse
from shopops.inventory.purchasing import PurchaseOrderStateError
from shopops.inventory.replenishment_service import (
    RecentDemand,
    create_purchase_orders,
    replenishment_plan,
)
from tests.conftest import make_app
from tests.factories import MovingClock, add_category, add_product, add_sku

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, Monday 2026-11-02
TODAY = date(2026, 11, 2)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(T0)


@pytest.fixture
def shop(app: App, database_url: str, clock: MovingClock) -> Iterator[App]:
    """SKUs A, B, C; warehouses WH-E and WH-S; suppliers S1 (A, B preferred; C backup) and
    S2 (C preferred; A backup, dearer)."""
    with app.uow() as uow:
        product = add_product(uow, "P1", add_category(uow, "C1"))
        for code in ("A", "B", "C"):
            add_sku(uow, code, product, price="10", cost="5")
        uow.session.add_all([Warehouse(code="WH-E", name="华东仓", region="华东"),
                             Warehouse(code="WH-S", name="华南仓", region="华南")])
        uow.session.flush()
        po.add_supplier(uow, "S1", "义乌工厂", lead_time_days=10, lead_time_sigma_days="2",
                        moq=50, case_pack=12, return_policy="次品包退")
        po.add_supplier(uow, "S2", "广州档口", lead_time_days=4, lead_time_sigma_days="1")
        po.set_supplier_term(uow, "S1", "A", unit_price="5.00")
        po.set_supplier_term(uow, "S1", "B", unit_price="8.00", case_pack=10, moq=20)
        po.set_supplier_term(uow, "S1", "C", unit_price="3.00", priority=2)
        po.set_supplier_term(uow, "S2", "C", unit_price="2.50")
        po.set_supplier_term(uow, "S2", "A", unit_price="6.00", priority=2)
    clocked = make_app(database_url, clock)
    try:
        yield clocked
    finally:
        clocked.dispose()


def levels(app: App) -> dict[tuple[str, str], tuple[int, int]]:
    with app.reader() as uow:
        return {(lv.sku, lv.warehouse): (lv.on_hand, lv.reserved)
                for lv in stock.stock_levels(uow)}


def incoming(app: App) -> dict[str, int]:
    with app.reader() as uow:
        names = {w.id: w.code for w in uow.session.scalars(select(Warehouse))}
        from shopops.catalog.service import sku_codes
        found = po.incoming_quantities(uow)
        codes = sku_codes(uow, {s for s, _ in found})
        return {f"{codes[s][0]}@{names[w]}": n for (s, w), n in found.items()}


def test_purchase_order_lifecycle_with_a_partial_delivery(shop: App, clock: MovingClock) -> None:
    with shop.uow() as uow:
        order = po.create_purchase_order(uow, "S1", [
            {"sku": "A", "warehouse": "WH-E", "quantity": 60},
            {"sku": "B", "warehouse": "WH-S", "quantity": 40, "unit_price": "7.50"}])
    code = order["code"]
    assert order["status"] == "draft" and order["amount"] == "600.00"  # 60×5 + 40×7.5
    assert incoming(shop) == {"A@WH-E": 60, "B@WH-S": 40}  # a draft counts as incoming
    with shop.uow() as uow:
        sent = po.send_purchase_order(uow, code)
    assert sent["status"] == "sent" and sent["expected_on"] == "2026-11-12"  # today + 10 days
    clock.at += timedelta(days=8)
    with shop.uow() as uow:
        part = po.receive_purchase_order(uow, code, [
            {"sku": "A", "accepted": 30, "defective": 6}])
    assert part["status"] == "partially_received" and part["remaining"] == 24 + 40
    assert levels(shop)[("A", "WH-E")] == (30, 0)  # only accepted units enter stock
    assert incoming(shop) == {"A@WH-E": 24, "B@WH-S": 40}
    with shop.reader() as uow:
        moves = [(m.kind, m.quantity) for m in uow.session.scalars(
            select(StockMove).where(StockMove.reference == code))]
    assert moves == [("receipt", 30)]
    with pytest.raises(ValidationError) as too_many, shop.uow() as uow:
        po.receive_purchase_order(uow, code, [{"sku": "A", "accepted": 25}])
    assert too_many.value.field == "quantity" and "only 24" in too_many.value.message
    clock.at += timedelta(days=5)
    with shop.uow() as uow:
        done = po.receive_purchase_order(uow, code)  # everything still to come
    assert done["status"] == "received" and done["remaining"] == 0
    assert levels(shop)[("A", "WH-E")] == (54, 0) and levels(shop)[("B", "WH-S")] == (40, 0)
    assert incoming(shop) == {}
    with pytest.raises(PurchaseOrderStateError), shop.uow() as uow:
        po.cancel_purchase_order(uow, code)
    with pytest.raises(PurchaseOrderStateError) as again, shop.uow() as uow:
        po.receive_purchase_order(uow, code)
    assert again.value.code == "purchasing.invalid_transition"


def test_transitions_and_bad_input_are_refused_and_change_nothing(shop: App) -> None:
    with shop.uow() as uow:
        code = po.create_purchase_order(uow, "S2", [
            {"sku": "C", "warehouse": "WH-E", "quantity": 5}])["code"]
    # a draft is not received
    with pytest.raises(PurchaseOrderStateError), shop.uow() as uow:
        po.receive_purchase_order(uow, code)
    with shop.uow() as uow:
        assert po.cancel_purchase_order(uow, code)["status"] == "cancelled"
    with pytest.raises(PurchaseOrderStateError), shop.uow() as uow:
        po.send_purchase_order(uow, code)
    for lines, field in (([{"sku": "Z", "warehouse": "WH-E", "quantity": 1}], "sku"),
                         ([{"sku": "A", "warehouse": "WH-X", "quantity": 1}], "lines[0].warehouse"),
                         ([{"sku": "C", "warehouse": "WH-E", "quantity": 0}], "lines[0].quantity"),
                         ([{"sku": "B", "warehouse": "WH-E", "quantity": 1}],
                          "lines[0].unit_price"),
                         ([], "lines")):
        with pytest.raises((ValidationError, NotFound)) as exc, shop.uow() as uow:
            po.create_purchase_order(uow, "S2", lines)
        assert exc.value.field == field
    with pytest.raises(Conflict) as dup, shop.uow() as uow:
        po.add_supplier(uow, "S1", "again", lead_time_days=1)
    assert dup.value.code == "purchasing.supplier_exists"
    with shop.reader() as uow:
        assert po.list_purchase_orders(uow)[1] == 1


def test_scorecard_from_history(shop: App, clock: MovingClock) -> None:
    def order(supplier: str, qty: int) -> str:
        with shop.uow() as uow:
            code = po.create_purchase_order(uow, supplier, [
                {"sku": "C", "warehouse": "WH-E", "quantity": qty}])["code"]
            po.send_purchase_order(uow, code)  # expected in 4 (S2) / 10 (S1) days
        return code

    first = order("S2", 100)
    clock.at += timedelta(days=3)  # early: on time
    with shop.uow() as uow:
        po.receive_purchase_order(uow, first, [{"sku": "C", "accepted": 90, "defective": 10}])
    second = order("S2", 50)
    clock.at += timedelta(days=6)  # 2 days late, 40 of 50 come, the rest is closed short
    with shop.uow() as uow:
        po.receive_purchase_order(uow, second, [{"sku": "C", "accepted": 40}])
        po.cancel_purchase_order(uow, second)
    order("S2", 30)  # still open: not part of the fill rate
    with shop.reader() as uow:
        cards = {c.supplier: c for c in po.supplier_scorecards(uow)}
        listed = {s["code"]: s for s in po.list_suppliers(uow)}
    s2 = cards["S2"]
    assert s2.deliveries == 2 and s2.on_time_rate == Decimal("0.5")
    assert s2.fill_rate == Decimal("0.9333")  # (100 + 40) / (100 + 50)
    assert s2.defect_rate == Decimal("0.0714")  # 10 / 140
    # C: S2 2.50 vs S1 3.00, mean 2.75 → 0.9091; A: S2 6.00 vs S1 5.00 → 1.0909; mean 1.0
    assert s2.price_index == Decimal("1.0000")
    assert cards["S1"].price_index == Decimal("1.0000")
    assert s2.lead_time_mean_days == 4.5  # 3 and 6 days
    assert cards["S1"].deliveries == 0 and cards["S1"].on_time_rate is None
    assert listed["S2"]["open_purchase_orders"] == 1 and listed["S1"]["skus"] == 3


def test_suggestions_become_draft_orders_grouped_by_supplier(shop: App) -> None:
    with shop.uow() as uow:
        stock.receive(uow, "A", "WH-E", 20, "STK")
        stock.receive(uow, "B", "WH-E", 500, "STK")
        stock.receive(uow, "C", "WH-S", 5, "STK")
        stock.reserve(uow, [("A", 5)], "ORD-1", timedelta(hours=2), warehouse="WH-E")
    with shop.reader() as uow:
        from shopops.catalog.service import sku_ids
        ids = sku_ids(uow, ["A", "B", "C"])
    outlooks = {(ids[c], None): RecentDemand(ids[c], None, mean, sd, "test")
                for c, mean, sd in (("A", 6.0, 2.0), ("B", 3.0, 1.0), ("C", 2.0, 1.0))}
    with shop.reader() as uow:
        plan = replenishment_plan(uow, outlooks=outlooks)
    got = {(ln.suggestion.sku, ln.suggestion.warehouse): ln for ln in plan.lines}
    assert set(got) == {("A", "WH-E"), ("B", "WH-E"), ("C", "WH-S")}  # only where stock sits
    a = got[("A", "WH-E")].suggestion
    # A (S1: LT 10 ± 2, MOQ 50, case 12): d 6 σ 2 → FLT 60, SS ⌈1.645·√(10·4 + 36·4)⌉ = 23,
    # ROP 83; position 20 − 5 = 15; up to 83 + 42 = 125 → net 110 → 120 (10 cases)
    assert (a.forecast_lead_time, a.safety_stock, a.reorder_point) == (60, 23, 83)
    assert (a.on_hand, a.reserved, a.position, a.suggested_qty) == (20, 5, 15, 120)
    assert got[("B", "WH-E")].suggestion.suggested_qty == 0  # 500 on hand
    c = got[("C", "WH-S")]
    assert c.supplier == "S2" and c.suggestion.lead_time_days == 4
    with shop.uow() as uow:
        result = create_purchase_orders(uow, outlooks=outlooks)
    orders = {o["supplier"]: o for o in result["purchase_orders"]}
    assert set(orders) == {"S1", "S2"} and result["skipped"] == []
    assert [(ln["sku"], ln["warehouse"], ln["quantity"]) for ln in orders["S1"]["lines"]] == [
        ("A", "WH-E", 120)]
    assert orders["S2"]["lines"][0]["sku"] == "C" and orders["S2"]["status"] == "draft"
    with shop.reader() as uow:  # the drafts are incoming: a second run suggests nothing
        again = replenishment_plan(uow, outlooks=outlooks)
    assert again.to_order() == []
    assert {ln.suggestion.incoming for ln in again.lines if ln.suggestion.sku == "A"} == {120}


def test_two_clerks_receiving_the_same_order_book_it_once(shop: App) -> None:
    import threading

    with shop.uow() as uow:
        code = po.create_purchase_order(uow, "S1", [
            {"sku": "A", "warehouse": "WH-E", "quantity": 48}])["code"]
        po.send_purchase_order(uow, code)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def clerk() -> None:
        barrier.wait()
        try:
            with shop.uow() as uow:
                po.receive_purchase_order(uow, code)
            outcomes.append("received")
        except Conflict as exc:  # PurchaseOrderStateError or "changed meanwhile"
            outcomes.append(exc.code)

    threads = [threading.Thread(target=clerk) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("received") == 1 and len(outcomes) == 4
    assert levels(shop)[("A", "WH-E")] == (48, 0)
    with shop.reader() as uow:
        assert po.get_purchase_order(uow, code)["lines"][0]["received_qty"] == 48


def test_cli_suppliers_and_purchase_orders(shop: App, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shopops import cli

    monkeypatch.setattr(cli, "get_app", lambda: shop)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli.app, list(args))
        if isinstance(result.exception, cli.ShopOpsError):
            assert result.exception.exit_code == code, result.exception.message
            return result.exception.code
        assert result.exit_code == code, result.output
        return result.stdout

    run("suppliers", "add", "S3", "--name", "新供应商", "--lead-time", "6", "--moq", "10")
    run("suppliers", "terms", "S3", "B", "--price", "7.80", "--priority", "2")
    listed = {s["code"]: s for s in json.loads(run("suppliers", "list", "--format", "json"))}
    assert listed["S3"]["skus"] == 1 and listed["S3"]["moq"] == 10
    with shop.uow() as uow:
        code = po.create_purchase_order(uow, "S3", [
            {"sku": "B", "warehouse": "WH-E", "quantity": 30},
            {"sku": "B", "warehouse": "WH-S", "quantity": 10}])["code"]
    run("po", "send", code)
    assert run("po", "receive", code, "--line", "B=5", code=2) == "request.invalid"  # 2 lines
    run("po", "receive", code, "--line", "B@WH-E=20/2")
    orders = json.loads(run("po", "list", "--format", "json", "--supplier", "S3"))
    assert orders[0]["status"] == "partially_received" and orders[0]["remaining"] == 18
    assert levels(shop)[("B", "WH-E")] == (20, 0)
    assert "已取消" in run("po", "cancel", code)
    assert run("po", "send", code, code=4) == "purchasing.invalid_transition"
    assert run("po", "receive", "NOPE", code=3) == "resource.not_found"
    run("po", "list", "--format", "xlsx", "--output", str(tmp_path / "po.xlsx"))
    assert (tmp_path / "po.xlsx").stat().st_size > 0
    run("suppliers", "list", "--format", "xlsx", "--output", str(tmp_path / "s.xlsx"))
    run("replenish", "--demand", "recent", "--format", "xlsx", "--output",
        str(tmp_path / "r.xlsx"))
    assert (tmp_path / "r.xlsx").stat().st_size > 0
