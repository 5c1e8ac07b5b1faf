"""The demo shop's after-sales (SQLite and PostgreSQL): every demo refund is explained by a
request with the same money, reasons follow the category, and the planted situations — a SKU
with a high return rate, refunds overdue past 24 h — are what the board and analysis find."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shopops.core.clock import FixedClock
from shopops.db.registry import Base
from shopops.demo.service import build_demo_shop
from shopops.service import queries
from tests.conftest import make_app, wipe

END = date(2026, 11, 20)
SHANGHAI = ZoneInfo("Asia/Shanghai")
T = Base.metadata.tables


def test_demo_after_sales_explain_refunds_and_plant_the_situations(database_url: str) -> None:
    # the board is read half an hour after the demo's last business day closed
    app = make_app(database_url, FixedClock(datetime.combine(END + timedelta(days=1),
                                                             time(0, 30), SHANGHAI)))
    wipe(app)
    summary = build_demo_shop(app, seed=11, orders=3000, end_date=END, days=60)
    try:
        with app.engine.connect() as conn:
            lines = {r.id: r for r in conn.execute(select(T["order_lines"]))}
            requests = list(conn.execute(select(T["after_sales"])))
            kinds = {sku: kind for sku, kind in conn.execute(
                select(T["skus"].c.id, T["categories"].c.kind)
                .join(T["products"], T["products"].c.id == T["skus"].c.product_id)
                .join(T["categories"], T["categories"].c.id == T["products"].c.category_id))}
        paid_back: dict[int, Decimal] = defaultdict(Decimal)
        for r in requests:
            if r.refunded_at is not None:
                paid_back[r.order_line_id] += r.amount
        refunded = {i: ln.refund_amount for i, ln in lines.items() if ln.refund_amount > 0}
        assert paid_back == refunded  # the same money, line by line
        reasons = Counter(r.reason for r in requests if kinds[r.sku_id] == "apparel"
                          and r.kind != "exchange")
        assert reasons.most_common(1)[0][0] == "size"
        with app.reader() as uow:
            board = queries.board(uow)
            report = queries.return_analysis(uow, END - timedelta(days=40), END, ("sku",))
        planted = summary.planted
        assert {str(r["id"]) for r in board["overdue"]} == set(
            planted["overdue_refund_requests"].split(","))
        assert len(board["overdue"]) == 3 and all(r["overdue"] for r in board["overdue"])
        assert board["counts"]["requested"] >= 1
        top = report["by"]["sku"][0]
        assert (top["key"], top["alert"]) == (planted["high_return_rate_sku"], True)
        assert Decimal(top["return_rate"]) > Decimal("0.2")
    finally:
        app.dispose()
