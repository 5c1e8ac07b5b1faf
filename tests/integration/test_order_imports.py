"""Importing platform order exports into the order book (both databases): new orders, re-imports
that change nothing, forward-only status moves with one fact each, the rejected-rows report,
all-or-nothing batches (a kill -9 half-way, then a re-run, equals one clean run) and the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from shopops import cli
from shopops.analytics.service import Filters, kpi_report, period_from
from shopops.bootstrap import App
from shopops.core.errors import ShopOpsError
from shopops.customers.models import Customer
from shopops.db.facts import Fact
from shopops.db.migrate import upgrade
from shopops.db.registry import Base
from shopops.orders.browse import OrderQuery, search_orders
from shopops.orders.importers import ColumnMapping, Export, ImportFileError
from shopops.orders.imports import ImportSummary, import_orders, import_report
from shopops.orders.models import ImportBatch, ImportFile, Order, OrderLine
from shopops.orders.service import get_order
from shopops.stores.service import add_store
from tests import factories
from tests.conftest import make_app, wipe
from tests.importers.fixtures import (
    GENERIC_MAPPING_JSON,
    PDD_HEADERS,
    csv_bytes,
    malformed_files,
    platform_files,
)

ROOT = Path(__file__).resolve().parents[2]
FILES = platform_files()
SKUS = ("SKU-A", "SKU-B", "SKU-C", "SKU-D", "PDD-SKU-1", "PDD-SKU-2", "PDD-SKU-3", "DY-1",
        "DY-2", "DY-3", "OWN-1", "OWN-2")
STORES = (("tm-1", "tmall"), ("pdd-1", "pdd"), ("dy-1", "douyin"), ("jd-1", "jd"),
          ("own-1", "own"))
# store, files, mapping, orders, lines, customers, (order no, paid, paid_date, status)
CASES: dict[str, tuple[str, list[str], str | None, int, int, int, tuple[str, str, str, str]]] = {
    "pdd": ("pdd-1", ["订单明细-pdd.csv"], None, 3, 3, 0,
            ("201118-323456789012345", "1249.00", "2026-11-18", "paid")),
    "taobao": ("tm-1", ["ExportOrderList202611.csv", "ExportOrderDetailList202611.csv"], None,
               4, 5, 2, ("1930679858170647", "188.00", "2026-11-20", "paid")),
    "douyin": ("dy-1", ["抖店订单导出.xlsx"], None, 2, 3, 0,
               ("6920000000000000001", "119.00", "2026-11-20", "shipped")),
    "generic": ("own-1", ["own-store.csv"], GENERIC_MAPPING_JSON, 2, 3, 1,
                ("W-1001", "60.00", "2026-11-20", "paid")),
}


def setup_shop(app: App) -> None:
    with app.uow() as uow:
        for code, platform in STORES:
            add_store(uow, code, platform)
        product = factories.add_product(uow, "P-1", factories.add_category(uow, "C-1"))
        for code in SKUS:
            factories.add_sku(uow, code, product, price="10.00", cost="5.00")


def run_import(app: App, store: str, files: dict[str, bytes], **options: Any) -> ImportSummary:
    with app.uow() as uow:
        return import_orders(uow, list(files.items()), store, **options)


def pdd_row(n: int, status: str = "待发货", *, sku: str = "PDD-SKU-1",
            paid_at: str = "2026-11-21 07:30:00", after_sale: str = "无售后或售后取消"
            ) -> dict[str, object]:
    """One PDD order of one unit at 10.00 (paid 07:30 Shanghai = the day before in UTC)."""
    return {"订单成交时间": paid_at, "商品": "纸巾", "订单号": f"261121-{n:015d}",
            "订单状态": status, "商品总价(元)": "10.00", "邮费(元)": "0",
            "用户实付金额(元)": "10.00", "商品数量(件)": "1", "商品id": "5550001",
            "商家编码-规格维度": sku, "售后状态": after_sale}


def pdd_file(rows: list[dict[str, object]]) -> dict[str, bytes]:
    return {"pdd.csv": csv_bytes(PDD_HEADERS, rows)}


def counts(app: App) -> dict[str, int]:
    """Rows in every table: what 'nothing stored changes' is checked against."""
    with app.engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in Base.metadata.tables.items()}


def facts(app: App, prefix: str = "order.") -> list[Fact]:
    with app.reader() as uow:
        found = uow.session.scalars(select(Fact).where(Fact.kind.startswith(prefix))
                                    .order_by(Fact.id)).all()
        uow.session.expunge_all()
        return list(found)


def order_of(app: App, number: str) -> Order:
    with app.reader() as uow:
        order = uow.session.scalars(select(Order).where(Order.channel_order_no == number)).one()
        uow.session.expunge(order)
        return order


# ---- each platform -------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(CASES))
def test_each_platform_export_creates_orders_lines_and_customers(app: App, case: str) -> None:
    store, names, mapping, n_orders, n_lines, n_customers, probe = CASES[case]
    setup_shop(app)
    summary = run_import(app, store, {n: FILES[n] for n in names},
                         mapping=ColumnMapping.from_json(mapping) if mapping else None)
    assert (summary.read, summary.new, summary.updated, summary.unchanged, summary.rejected) == (
        n_orders, n_orders, 0, 0, 0)
    found = counts(app)
    assert (found["orders"], found["order_lines"], found["customers"]) == (
        n_orders, n_lines, n_customers)
    number, paid, paid_date, status = probe
    order = order_of(app, number)
    assert (order.paid_amount, order.paid_date, order.status) == (
        Decimal(paid), date.fromisoformat(paid_date), status)
    with app.reader() as uow:
        for o in uow.session.scalars(select(Order)):
            lines = uow.session.scalars(select(OrderLine).where(OrderLine.order_id == o.id)).all()
            assert sum((line.paid_amount for line in lines), Decimal(0)) == o.goods_amount
            assert o.goods_amount + o.shipping_fee == o.paid_amount
        batch = uow.session.get(ImportBatch, summary.import_id)
        assert batch is not None and batch.new_count == n_orders
        archived = uow.session.scalars(select(ImportFile).order_by(ImportFile.id)).all()
        assert [(f.name, f.checksum, f.content) for f in archived] == [
            (n, hashlib.sha256(FILES[n]).hexdigest(), FILES[n]) for n in names]


def test_taobao_amounts_and_buyers_are_exact(app: App) -> None:
    setup_shop(app)
    names = CASES["taobao"][1]
    run_import(app, "tm-1", {n: FILES[n] for n in names})
    order = order_of(app, "1930679858170647")
    assert (order.list_amount, order.discount_amount, order.goods_amount, order.shipping_fee) == (
        Decimal("198.00"), Decimal("10.00"), Decimal("188.00"), Decimal("0.00"))
    with app.reader() as uow:
        detail = get_order(uow, order.id)
        names_ = uow.session.scalars(select(Customer.name).order_by(Customer.id)).all()
    assert [(line["sku"], line["quantity"], line["paid_amount"]) for line in detail["lines"]] == [
        ("SKU-A", 1, "94.00"), ("SKU-B", 2, "94.00")]
    assert names_ == ["tb_小明", "tb_待付"]  # masked buyers (t**3, ****) make no customer
    assert order_of(app, "1930679858170648").customer_id is None


def test_paid_date_is_the_stores_business_day(app: App) -> None:
    setup_shop(app)
    run_import(app, "pdd-1", pdd_file([pdd_row(1, paid_at="2026-11-21 07:30:00")]))
    order = order_of(app, "261121-000000000000001")
    assert order.paid_at is not None and order.paid_at.date() == date(2026, 11, 20)  # UTC
    assert order.paid_date == date(2026, 11, 21)  # Shanghai


# ---- re-imports and later exports ------------------------------------------------------------

def test_importing_the_same_file_twice_changes_nothing(app: App) -> None:
    setup_shop(app)
    files = {n: FILES[n] for n in CASES["taobao"][1]}
    first = run_import(app, "tm-1", files)
    before, facts_before = counts(app), len(facts(app))
    again = run_import(app, "tm-1", files)
    assert (again.read, again.new, again.updated, again.unchanged, again.rejected) == (
        4, 0, 0, 4, 0)
    assert again.import_id != first.import_id
    after = counts(app)
    assert {k: v for k, v in after.items() if not k.startswith("import_")} == {
        k: v for k, v in before.items() if not k.startswith("import_")}
    assert len(facts(app)) == facts_before


def test_a_later_export_moves_status_forward_with_one_fact_per_transition(app: App) -> None:
    setup_shop(app)
    run_import(app, "pdd-1", pdd_file([pdd_row(1), pdd_row(2), pdd_row(3)]))
    first_facts = len(facts(app))
    later = run_import(app, "pdd-1", pdd_file([
        pdd_row(1, "已发货，待签收"), pdd_row(2, "已收货"), pdd_row(3)]))
    assert (later.new, later.updated, later.unchanged, later.rejected) == (0, 2, 1, 0)
    new_facts = facts(app)[first_facts:]
    assert [(f.kind, f.data["from_status"], f.data["to_status"]) for f in new_facts] == [
        ("order.shipped", "paid", "shipped"), ("order.completed", "paid", "completed")]
    assert all(f.data["import_id"] == later.import_id for f in new_facts)
    assert order_of(app, "261121-000000000000001").status == "shipped"
    assert order_of(app, "261121-000000000000002").status == "completed"
    refund = run_import(app, "pdd-1", pdd_file([pdd_row(2, "已收货", after_sale="退款成功")]))
    assert (refund.updated, [f.kind for f in facts(app)[first_facts + 2:]]) == (
        1, ["order.refunded"])
    refunded = order_of(app, "261121-000000000000002")
    assert (refunded.status, refunded.refund_amount) == ("refunded", Decimal("10.00"))


def test_a_backwards_status_is_reported_and_not_applied(app: App) -> None:
    setup_shop(app)
    run_import(app, "pdd-1", pdd_file([pdd_row(1, "已发货"), pdd_row(2)]))
    facts_before = len(facts(app))
    older = run_import(app, "pdd-1", pdd_file([pdd_row(1, "待发货"), pdd_row(2)]))
    assert (older.read, older.updated, older.unchanged, older.rejected) == (2, 0, 1, 1)
    assert order_of(app, "261121-000000000000001").status == "shipped"
    assert len(facts(app)) == facts_before
    with app.reader() as uow:
        problems = import_report(uow, older.import_id)["problems"]
    assert [(p["row"], p["column"], p["value"]) for p in problems] == [(2, "订单状态", "待发货")]
    assert "backwards from shipped to paid" in problems[0]["reason"]


def test_an_unknown_sku_rejects_its_order_and_the_rest_import(app: App) -> None:
    setup_shop(app)
    summary = run_import(app, "pdd-1", pdd_file([pdd_row(1), pdd_row(2, sku="NOPE-9"),
                                                 pdd_row(3)]))
    assert (summary.read, summary.new, summary.rejected) == (3, 2, 1)
    with app.reader() as uow:
        report = import_report(uow, summary.import_id)
        numbers = set(uow.session.scalars(select(Order.channel_order_no)))
    assert numbers == {"261121-000000000000001", "261121-000000000000003"}
    [problem] = report["problems"]
    assert (problem["row"], problem["column"], problem["value"], problem["file"]) == (
        3, "商家编码-规格维度", "NOPE-9", "pdd.csv")
    assert "unknown SKU code 'NOPE-9'" in problem["reason"]


def test_rows_the_parser_rejects_are_kept_in_the_report(app: App) -> None:
    setup_shop(app)
    bad = malformed_files()["bad-amounts.csv"]
    summary = run_import(app, "pdd-1", {"bad-amounts.csv": bad})
    assert summary.rejected == 2 and summary.new == 1 and summary.read == 3
    with app.reader() as uow:
        problems = import_report(uow, summary.import_id)["problems"]
    assert [(p["row"], p["file"]) for p in problems] == [(2, "bad-amounts.csv"),
                                                         (3, "bad-amounts.csv")]


# ---- a big first import is parsed and written in chunks: the same outcome ----------------

def mixed_pdd_rows(count: int) -> list[dict[str, object]]:
    """PDD orders of every kind, with rejected rows (bad amount, impossible date, unknown
    status, unknown SKU) spread over the file."""
    statuses = ["待发货", "已发货，待签收", "已收货", "待支付", "已取消"]
    rows = []
    for n in range(count):
        row = pdd_row(n, statuses[n % 5], sku=f"PDD-SKU-{n % 3 + 1}",
                      paid_at=f"2026-11-{n % 20 + 1:02d} {n % 24:02d}:15:00",
                      after_sale="退款成功" if n % 11 == 4 else "无售后或售后取消")
        row["发货时间"] = "2026-11-25 10:00:00" if n % 5 in (1, 2) else ""
        row["快递单号"] = f"'YT{n:010d}" if n % 5 in (1, 2) else ""
        if n % 13 == 6:
            row["用户实付金额(元)"] = "abc"
        elif n % 17 == 8:
            row["订单成交时间"] = "2026-13-45 10:00:00"
        elif n % 19 == 9:
            row["订单状态"] = "神秘状态"
        elif n % 23 == 10:
            row["商家编码-规格维度"] = "NOPE-9"
        rows.append(row)
    return rows


def imported_book(app: App, summary: ImportSummary) -> dict[str, Any]:
    """What an import left behind, ids and import ids relative (PostgreSQL's sequences go on
    after a wipe): orders with lines and fingerprints, facts in id order, the report."""
    with app.engine.connect() as conn:
        orders = conn.execute(text(
            "SELECT o.id, o.channel_order_no, o.status, o.customer_id IS NULL, o.list_amount, "
            "o.discount_amount, o.goods_amount, o.shipping_fee, o.paid_amount, o.refund_amount, "
            "o.created_at, o.paid_at, o.paid_date, o.shipped_at, o.completed_at, s.code, "
            "l.quantity, l.list_price, l.discount_amount, l.paid_amount, l.refund_amount, "
            "f.fingerprint FROM orders o JOIN order_lines l ON l.order_id = o.id "
            "JOIN skus s ON s.id = l.sku_id JOIN order_fingerprints f ON f.order_id = o.id "
            "ORDER BY o.id")).all()
        first = orders[0][0] if orders else 0
        fact_rows = conn.execute(text(
            "SELECT kind, entity_id, occurred_at, data FROM facts WHERE kind LIKE 'order.%' "
            "ORDER BY id")).all()
    book = [(row[0] - first, *row[1:]) for row in orders]
    fact_list = [(kind, entity_id - first, at, {**json.loads(data), "import_id": 0}
                  if isinstance(data, str) else {**data, "import_id": 0})
                 for kind, entity_id, at, data in fact_rows]
    with app.reader() as uow:
        problems = import_report(uow, summary.import_id)["problems"]
    return {"summary": {**summary.as_json(), "import_id": 0}, "orders": book,
            "facts": fact_list, "problems": problems}


def test_a_big_first_import_in_chunks_equals_the_whole_file_import(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from shopops.orders import imports

    files = pdd_file(mixed_pdd_rows(120))
    setup_shop(app)
    # one clock for both imports (a refund without a ship time is recorded at "now")
    app = make_app(app.engine.url.render_as_string(hide_password=False),
                   factories.MovingClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC)))
    whole = run_import(app, "pdd-1", files)
    expected = imported_book(app, whole)
    wipe(app)
    setup_shop(app)
    calls: list[int] = []
    streamed_import = imports._import_streamed

    def spy(*args: Any) -> ImportSummary | None:
        found = streamed_import(*args)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(imports, "STREAM_MIN_ROWS", 50)
    monkeypatch.setattr(imports, "STREAM_CHUNK", 17)
    monkeypatch.setattr(imports, "_import_streamed", spy)
    progress: list[tuple[str, int, int]] = []
    streamed = run_import(app, "pdd-1", files,
                          progress=lambda *step: progress.append(step))
    assert calls == [True]  # the chunked path ran
    assert [done for stage, done, _ in progress if stage == "orders"][:3] == [17, 34, 51]
    assert whole.rejected > 10 and whole.new > 80  # each kind of row is there
    assert imported_book(app, streamed) == expected
    app.dispose()


def test_chunks_are_not_used_when_rows_share_an_order_number_or_orders_exist(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from shopops.orders import imports

    monkeypatch.setattr(imports, "STREAM_MIN_ROWS", 5)
    monkeypatch.setattr(imports, "STREAM_CHUNK", 3)
    calls: list[object] = []
    monkeypatch.setattr(imports, "_import_streamed", lambda *args: calls.append(args))
    setup_shop(app)
    rows = mixed_pdd_rows(12)
    duplicated = run_import(app, "pdd-1", pdd_file([*rows, rows[0]]))  # an exact duplicate
    # collapsed as in one go; rows 7-10 (orders 6, 8, 9, 10) rejected
    assert (duplicated.read, duplicated.new, duplicated.rejected) == (12, 8, 4)
    later = [pdd_row(n, "已收货") for n in range(20, 26)] + [pdd_row(0, "已收货")]
    again = run_import(app, "pdd-1", pdd_file(later))  # order 0 exists: moved forward
    assert (again.new, again.updated, again.rejected) == (6, 1, 0)
    assert order_of(app, "261121-000000000000000").status == "completed"
    assert calls == []


def test_a_re_import_leaves_unchanged_orders_rows_out_with_the_same_outcome(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from shopops.orders import imports

    first = mixed_pdd_rows(60)
    later = [dict(row) for row in first]
    for row in later[::4]:
        row["订单状态"] = "已收货"  # moved on (or rejected: backwards, unknown words stay)
    later += mixed_pdd_rows(70)[60:]  # and new orders
    clock = factories.MovingClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    app = make_app(app.engine.url.render_as_string(hide_password=False), clock)
    books = []
    kept: list[int] = []
    without = imports._without
    for leave_out in (True, False):
        wipe(app)
        setup_shop(app)
        run_import(app, "pdd-1", pdd_file(first))
        if leave_out:
            def spy(*args: Any) -> Export:
                found = without(*args)
                kept.append(len(found.tables[0].rows))
                return found

            monkeypatch.setattr(imports, "_without", spy)
        else:
            monkeypatch.setattr(imports, "_without", lambda export, *args: export)
        summary = run_import(app, "pdd-1", pdd_file(later))
        books.append(imported_book(app, summary))
    assert kept and kept[0] < len(later) // 2  # most rows were left out of the parse
    assert books[0]["summary"]["unchanged"] > 30 and books[0]["summary"]["updated"] > 3
    assert books[0] == books[1]
    app.dispose()


def test_a_chunk_failing_to_write_leaves_nothing_stored(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from shopops.orders import import_writes, imports

    monkeypatch.setattr(imports, "STREAM_MIN_ROWS", 5)
    monkeypatch.setattr(imports, "STREAM_CHUNK", 4)
    stage = import_writes.Staging.stage
    jobs: list[int] = []

    def failing(self: import_writes.Staging, statements: Any) -> Callable[[], None]:
        job = stage(self, statements)
        jobs.append(len(jobs))

        def run(number: int = len(jobs)) -> None:
            if number == 2:
                raise RuntimeError("disk full")
            job()
        return run

    monkeypatch.setattr(import_writes.Staging, "stage", failing)
    setup_shop(app)
    before = counts(app)
    with pytest.raises(RuntimeError, match="disk full"):
        run_import(app, "pdd-1", pdd_file([pdd_row(n) for n in range(12)]))
    assert len(jobs) >= 2 and counts(app) == before


def test_the_import_gives_the_cyclic_collector_back(app: App) -> None:
    import gc

    setup_shop(app)
    run_import(app, "pdd-1", pdd_file([pdd_row(1)]))
    assert gc.isenabled()
    with pytest.raises(ImportFileError, match="empty"):
        run_import(app, "pdd-1", {"zero-bytes.csv": b""})
    assert gc.isenabled()


# ---- whole-file errors: nothing stored changes -------------------------------------------

@pytest.mark.parametrize("name", ["zero-bytes.csv", "empty.csv", "missing-column.csv",
                                  "truncated.xlsx", "not-a-workbook.xlsx", "undecodable.csv"])
def test_a_malformed_file_is_a_clear_error_and_changes_nothing(app: App, name: str) -> None:
    setup_shop(app)
    run_import(app, "pdd-1", pdd_file([pdd_row(1)]))
    before = counts(app)
    with pytest.raises(ImportFileError) as caught:
        run_import(app, "pdd-1", {name: malformed_files()[name]}, platform="pdd")
    assert caught.value.message and caught.value.exit_code == 2
    assert counts(app) == before


def test_a_file_from_another_platform_is_refused(app: App) -> None:
    setup_shop(app)
    with pytest.raises(ImportFileError, match="pdd export but store 'dy-1' is a douyin store"):
        run_import(app, "dy-1", pdd_file([pdd_row(1)]))
    assert counts(app)["import_batches"] == 0


# ---- the rest of the system sees imported orders ------------------------------------------

def test_imported_orders_appear_in_the_order_list_and_the_kpis(app: App) -> None:
    setup_shop(app)
    run_import(app, "pdd-1", pdd_file([pdd_row(n) for n in range(1, 6)]))
    with app.reader() as uow:
        page = search_orders(uow, OrderQuery(store="pdd-1", paid_from="2026-11-21",
                                             paid_to="2026-11-21"), 1, 50)
        report = kpi_report(uow, period_from("day", "2026-11-21"), Filters(store="pdd-1"))
    assert page["total"] == 5
    assert {item["paid_amount"] for item in page["items"]} == {"10.00"}
    assert Decimal(report["gmv"]) == Decimal("50.00") and report["paid_orders"] == 5


# ---- the CLI contract -----------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def shopops(app: App, monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    monkeypatch.setattr(cli, "get_app", lambda: app)

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli.app, list(args))
        if isinstance(result.exception, ShopOpsError):  # what main() turns into exit codes
            exc = result.exception
            assert exc.exit_code == code, exc.message
            return f"{exc.code}: {exc.message}"
        assert result.exit_code == code, result.output
        return result.stdout

    return invoke


def test_cli_import_orders_and_report_as_json(app: App, shopops: Callable[..., str],
                                              tmp_path: Path) -> None:
    setup_shop(app)
    path = tmp_path / "pdd.csv"
    path.write_bytes(pdd_file([pdd_row(1), pdd_row(2, sku="NOPE-9")])["pdd.csv"])
    summary = json.loads(shopops("import", "orders", str(path), "--platform", "pdd",
                                 "--store", "pdd-1", "--format", "json"))
    assert list(summary) == ["platform", "encoding", "read", "new", "updated", "unchanged",
                             "rejected", "import_id"]
    assert {k: summary[k] for k in list(summary)[:7]} == {
        "platform": "pdd", "encoding": "utf-8", "read": 2, "new": 1, "updated": 0,
        "unchanged": 0, "rejected": 1}
    rows = json.loads(shopops("import", "report", str(summary["import_id"]), "--format", "json"))
    assert [(r["row"], r["column"]) for r in rows] == [(3, "商家编码-规格维度")]
    assert "NOPE-9" in rows[0]["reason"]
    workbook = tmp_path / "report.xlsx"
    shopops("import", "report", str(summary["import_id"]), "--format", "xlsx",
            "--output", str(workbook))
    sheet = load_workbook(workbook).active
    assert sheet is not None and [c.value for c in sheet[2]][:2] == [3, "商家编码-规格维度"]
    table = shopops("import", "orders", str(path), "--store", "pdd-1")
    assert "unchanged" in table and "rejected" in table


def test_cli_generic_import_with_mapping_and_the_only_store(
        app: App, shopops: Callable[..., str], tmp_path: Path) -> None:
    with app.uow() as uow:
        add_store(uow, "own-1", "own")
        product = factories.add_product(uow, "P-1", factories.add_category(uow, "C-1"))
        for code in ("OWN-1", "OWN-2"):
            factories.add_sku(uow, code, product, price="10.00", cost="5.00")
    (tmp_path / "own.csv").write_bytes(FILES["own-store.csv"])
    (tmp_path / "mapping.json").write_text(GENERIC_MAPPING_JSON, encoding="utf-8")
    summary = json.loads(shopops("import", "orders", str(tmp_path / "own.csv"), "--platform",
                                 "generic", "--mapping", str(tmp_path / "mapping.json"),
                                 "--format", "json"))
    assert (summary["platform"], summary["new"]) == ("generic", 2)


def test_cli_errors_are_clear_and_exit_non_zero(app: App, shopops: Callable[..., str],
                                                tmp_path: Path) -> None:
    setup_shop(app)
    good = tmp_path / "pdd.csv"
    good.write_bytes(pdd_file([pdd_row(1)])["pdd.csv"])
    missing = tmp_path / "missing-column.csv"
    missing.write_bytes(malformed_files()["missing-column.csv"])
    assert "unknown store 'nope'" in shopops("import", "orders", str(good), "--store", "nope",
                                             "--format", "json", code=3)
    assert "cannot read" in shopops("import", "orders", str(tmp_path / "absent.csv"),
                                    "--store", "pdd-1", code=2)
    assert "用户实付金额(元)" in shopops("import", "orders", str(missing), "--store", "pdd-1",
                                       "--format", "json", code=2)
    assert "--store is required" in shopops("import", "orders", str(good), code=2)
    assert "no import with id 999" in shopops("import", "report", "999", code=3)
    assert counts(app)["orders"] == 0


# ---- kill -9 half-way, re-run: the same order book as one clean run -----------------------

CRASH_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.orders.imports import import_orders

    import shopops.orders.imports as imports
    imports.STREAM_MIN_ROWS, imports.STREAM_CHUNK = int(sys.argv[3]), int(sys.argv[4])
    app = App(Settings(database_url=sys.argv[1]))
    data = open(sys.argv[2], "rb").read()

    def progress(stage, done, total):
        if stage == "orders" and 0 < done < total:
            print("half-way", done, total, flush=True)
            time.sleep(60)  # killed here, inside the open transaction

    with app.uow() as uow:
        import_orders(uow, [("big.csv", data)], "pdd-1", progress=progress)
    print("finished", flush=True)
""")


def order_book_hash(app: App) -> str:
    query = text("""
        SELECT o.channel_order_no, o.status, o.customer_id IS NULL, o.list_amount,
               o.discount_amount, o.goods_amount, o.shipping_fee, o.paid_amount,
               o.refund_amount, o.created_at, o.paid_at, o.paid_date, o.shipped_at,
               o.completed_at, s.code, l.quantity, l.list_price, l.discount_amount,
               l.paid_amount, l.refund_amount
        FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN skus s ON s.id = l.sku_id
        ORDER BY o.channel_order_no, s.code, l.id""")
    digest = hashlib.sha256()
    with app.engine.connect() as conn:
        for row in conn.execute(query):
            digest.update(repr(tuple(row)).encode())
        digest.update(repr(conn.execute(text("SELECT count(*) FROM orders")).scalar()).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("streamed", [False, True], ids=["whole-file", "in-chunks"])
def test_kill_minus_nine_half_way_then_rerun_equals_one_clean_import(tmp_path: Path,
                                                                     streamed: bool) -> None:
    statuses = ["待发货", "已发货，待签收", "已收货"]
    rows = [pdd_row(n, statuses[n % 3], sku=f"PDD-SKU-{n % 3 + 1}",
                    paid_at=f"2026-11-{n % 20 + 1:02d} 0{n % 10}:15:00") for n in range(6000)]
    big = tmp_path / "big.csv"
    big.write_bytes(pdd_file(rows)["pdd.csv"])
    crashed_url = f"sqlite:///{tmp_path / 'crashed.db'}"
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    apps = [make_app(crashed_url), make_app(clean_url)]
    for application in apps:
        upgrade(application.engine)
        setup_shop(application)
    crashed, clean = apps
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    chunking = ["1000", "1000"] if streamed else ["100000", "5000"]
    process = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, crashed_url, str(big),
                                *chunking],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("half-way"), line + (process.stderr.read() if process.stderr
                                                    else "")
        process.kill()  # SIGKILL: no rollback, no cleanup
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -9
    crashed.dispose()
    assert counts(crashed)["orders"] == 0 and counts(crashed)["import_batches"] == 0
    rerun = run_import(crashed, "pdd-1", {"big.csv": big.read_bytes()})
    once = run_import(clean, "pdd-1", {"big.csv": big.read_bytes()})
    assert rerun.new == once.new == 6000
    assert order_book_hash(crashed) == order_book_hash(clean)
    assert counts(crashed) == counts(clean)
    for application in apps:
        application.dispose()
