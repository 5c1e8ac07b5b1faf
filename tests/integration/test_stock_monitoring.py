"""The stock monitoring board on a demo shop, on SQLite and PostgreSQL: the planted stock
situations come out as alerts, 动销比 and on-hand agree with counts made straight from the
stored rows, the CLI and the API give the same alerts, and the shop's settings move the lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text
from typer.testing import CliRunner

from shopops import cli
from shopops.accounts.service import create_token, create_user
from shopops.bootstrap import App
from shopops.core.clock import FixedClock
from shopops.db.shop_settings import ShopSetting, write_setting
from shopops.demo.service import DemoSummary, build_demo_shop
from shopops.inventory import service as stock
from shopops.inventory.monitoring import Board
from shopops.inventory.monitoring_service import stock_board
from shopops.web.app import create_app
from tests.conftest import make_app, private_app

END = date(2026, 11, 20)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[App, DemoSummary]]:
    """One demo shop per backend for the whole module."""
    with private_app(request.param, tmp_path_factory.mktemp("stock")) as app:
        summary = build_demo_shop(app, seed=3, orders=4000, end_date=END, days=200)
        with app.uow() as uow:
            create_user(uow, "ops", "correct horse battery")
        yield app, summary


def board_of(app: App, day: date = END) -> Board:
    with app.reader() as uow:
        return stock_board(uow, day)


def alerted(board: Board, kind: str) -> set[str]:
    return {a.sku for a in board.alerts if a.kind == kind}


def run_cli(app: App, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setattr(cli, "get_app", lambda: app)
    result = CliRunner().invoke(cli.app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def api_get(app: App, path: str, **params: Any) -> Any:
    with app.uow() as uow:
        token = create_token(uow, "ops")
    response = TestClient(create_app(app)).get(
        f"/api/v1{path}", params=params, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


def test_planted_stock_situations_raise_their_alerts(demo: tuple[App, DemoSummary]) -> None:
    app, summary = demo
    board = board_of(app)
    run_out = summary.planted["about_to_run_out_sku"]
    assert run_out in alerted(board, "best_seller_low_cover")
    slow = set(summary.planted["slow_mover_skus"].split(","))
    assert slow <= alerted(board, "slow_mover_high_cover")
    best = next(a for a in board.alerts if a.sku == run_out)
    assert best.abc == "A" and best.days_of_cover is not None and best.days_of_cover < 3
    assert best.action == "补货" and "补货" in best.message
    for alert in (a for a in board.alerts if a.sku in slow):
        assert alert.action == "清仓促销" and alert.clearance is not None
        assert 0 < alert.clearance.units_to_sell <= alert.available
        # the markdown is checked against the strictest store's price floor (价格底线)
        plan = alert.clearance
        assert plan.floor is not None and plan.markdown_price is not None
        assert plan.markdown_price >= min(plan.floor, plan.price or plan.floor)
        assert "价格底线" in alert.message
    assert board.summary["alerts"]["best_seller_low_cover"] == len(
        alerted(board, "best_seller_low_cover"))


def test_sell_through_and_on_hand_agree_with_the_stored_rows(
        demo: tuple[App, DemoSummary]) -> None:
    app, _ = demo
    board = board_of(app)
    first = END - timedelta(days=29)
    with app.reader() as uow:
        sold = set(uow.session.scalars(text(
            "SELECT DISTINCT s.code FROM order_lines l JOIN orders o ON o.id = l.order_id "
            "JOIN skus s ON s.id = l.sku_id WHERE o.paid_date IS NOT NULL "
            "AND o.paid_date BETWEEN :a AND :b"), {"a": first, "b": END}))
        in_stock = set(uow.session.scalars(text(
            "SELECT DISTINCT s.code FROM stock_balances b JOIN skus s ON s.id = b.sku_id "
            "WHERE b.on_hand > 0")))
    expected = round(len(sold) / len(sold | in_stock), 4)
    assert float(board.summary["sell_through_ratio"]) == pytest.approx(expected)
    rows_sold = {r.sku for r in board.rows if r.units_sold > 0}
    assert rows_sold == sold
    assert {r.sku for r in board.rows if r.on_hand > 0} == in_stock
    assert board.summary["skus_with_sales"] == len(sold)
    assert board.summary["skus_in_stock"] == len(sold | in_stock)


def test_an_earlier_day_rebuilds_on_hand_from_the_ledger(demo: tuple[App, DemoSummary]) -> None:
    app, _ = demo
    day = END - timedelta(days=10)
    cutoff = datetime.combine(day + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    with app.reader() as uow:
        ledger = {code: int(n) for code, n in uow.session.execute(text(
            "SELECT s.code, SUM(m.quantity) FROM stock_moves m JOIN skus s ON s.id = m.sku_id "
            "WHERE m.kind NOT IN ('reservation', 'release') AND m.occurred_at < :cut "
            "GROUP BY s.code"), {"cut": cutoff})}
    board = board_of(app, day)
    assert board.as_of == day
    for row in board.rows:
        assert row.on_hand == ledger.get(row.sku, 0), row.sku
        assert row.on_hand == sum(w.on_hand for w in row.warehouses)


def test_cli_and_api_give_the_same_alerts(demo: tuple[App, DemoSummary],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = demo
    printed = json.loads(run_cli(app, monkeypatch, "stock", "alerts", "--format", "json",
                                 "--date", END.isoformat()))
    served = api_get(app, "/stock/alerts", date=END.isoformat())
    assert printed == served
    assert printed["as_of"] == END.isoformat() and printed["alerts"]
    board = api_get(app, "/stock/board", date=END.isoformat())
    assert board["alerts"] == served["alerts"]
    assert {r["abc"] for r in board["rows"]} <= {"A", "B", "C"}
    table = run_cli(app, monkeypatch, "stock", "alerts", "--date", END.isoformat())
    assert "清仓促销" in table and "补货" in table


def test_cli_board_and_levels_exports(demo: tuple[App, DemoSummary], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    app, summary = demo
    target = tmp_path / "board.xlsx"
    run_cli(app, monkeypatch, "stock", "board", "--format", "xlsx", "--date", END.isoformat(),
            "--output", str(target))
    book = load_workbook(BytesIO(target.read_bytes()))
    assert book.sheetnames == ["库存监控", "库存预警"]
    assert book["库存监控"].max_row == len(board_of(app).rows) + 1
    assert "动销比" in run_cli(app, monkeypatch, "stock", "board", "--date", END.isoformat())
    sku = summary.planted["about_to_run_out_sku"]
    levels = json.loads(run_cli(app, monkeypatch, "stock", "levels", "--sku", sku,
                                "--format", "json"))
    page = api_get(app, "/stock/levels", sku=sku, page=1, page_size=2)
    assert page["total"] == len(levels) and page["items"] == levels[:2]
    assert sum(lv["on_hand"] for lv in levels) == next(
        r.on_hand for r in board_of(app).rows if r.sku == sku)


def test_settings_move_the_alert_lines(demo: tuple[App, DemoSummary]) -> None:
    app, summary = demo
    before = board_of(app)
    try:
        with app.uow() as uow:
            write_setting(uow, "inventory.best_seller_cover_days", 0.5)
            write_setting(uow, "inventory.slow_mover_cover_days", 365)
        after = board_of(app)
    finally:
        with app.uow() as uow:
            for key in ("inventory.best_seller_cover_days", "inventory.slow_mover_cover_days"):
                row = uow.session.get(ShopSetting, key)
                if row is not None:
                    uow.session.delete(row)
    assert summary.planted["about_to_run_out_sku"] not in alerted(
        after, "best_seller_low_cover")  # its ~0.7 days is above 0.5
    slow_after = alerted(after, "slow_mover_high_cover")
    assert slow_after < alerted(before, "slow_mover_high_cover")
    assert all(a.days_of_cover is None or a.days_of_cover > 365
               for a in after.alerts if a.kind == "slow_mover_high_cover")
    assert set(summary.planted["slow_mover_skus"].split(",")) <= slow_after  # never sold
    assert board_of(app).alerts == before.alerts  # settings removed: the spec's lines again


def test_stock_sweep_expires_reservations(demo: tuple[App, DemoSummary],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    app, summary = demo
    sku = summary.planted["slow_mover_skus"].split(",")[0]
    with app.uow() as uow:
        (reservation,) = stock.reserve(uow, [(sku, 2)], "SWEEP-1", timedelta(minutes=30))
    later = make_app(app.engine.url.render_as_string(hide_password=False),
                     FixedClock(datetime.now(UTC) + timedelta(days=1)))
    try:
        assert "expired 1 reservations" in run_cli(later, monkeypatch, "stock", "sweep")
    finally:
        later.dispose()
    with app.reader() as uow:
        status = uow.session.scalar(text("SELECT status FROM reservations WHERE id = :i"),
                                    {"i": reservation})
        assert status == "expired"
        assert all(lv.reserved == 0 for lv in stock.stock_levels(uow, sku=sku))
