"""After an import commits (both databases): the orders it made paid are allocated (a shop
setting), orders imported already shipped get their shipment from the export's carrier and
tracking number, a later export that ships an allocated order ships its parcel in the ledger,
one that cancels it releases the stock; a re-import does nothing again. Import jobs write their
progress, summary and follow-ups to ``import_jobs`` for any process to read; the CLI too."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from shopops import cli
from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.core.errors import NotFound
from shopops.db.shop_settings import write_setting
from shopops.fulfillment.models import Shipment
from shopops.inventory import service as stock
from shopops.inventory.models import Warehouse
from shopops.orders import import_followups as followups_module
from shopops.orders import import_jobs as jobs_module
from shopops.orders.allocation_models import OrderAllocation
from shopops.orders.import_followups import (
    ALLOCATE_KEY,
    FollowupReport,
    fact_mark,
    follow_up,
    import_with_followups,
)
from shopops.orders.import_jobs import (
    STALE_AFTER,
    ImportJobs,
    create_row,
    is_interrupted,
    job_view,
    new_job,
    recent_jobs,
    run_job,
    touch_row,
    write_row,
)
from shopops.orders.import_models import ImportJobRecord
from shopops.orders.imports import ImportSummary, import_orders, import_report
from shopops.orders.models import Order
from shopops.stores.service import add_store
from shopops.web.app import create_app
from tests import factories
from tests.importers.fixtures import PDD_HEADERS, PDD_ORDERS, Row, csv_bytes
from tests.importers.jd_order_fixtures import JD_ORDERS, jd_orders_csv

SHIPPED = "201120-123456789012345"  # 已发货，待签收, 圆通快递 'YT1234567890
REFUNDED = "201119-223456789012345"  # 已收货 + 退款成功, no tracking number
PAID = "201118-323456789012345"  # 待发货: to allocate (PDD-SKU-3)
PDD_FILE = csv_bytes(PDD_HEADERS, PDD_ORDERS)
SKUS = ("PDD-SKU-1", "PDD-SKU-2", "PDD-SKU-3", "SKU-A", "SKU-B", "SKU-C", "SKU-D")


@pytest.fixture
def shop(app: App) -> Iterator[App]:
    with app.uow() as uow:
        add_store(uow, "pdd-1", "pdd")
        add_store(uow, "jd-1", "jd")
        product = factories.add_product(uow, "P-1", factories.add_category(uow, "C-1"))
        for code in SKUS:
            factories.add_sku(uow, code, product, price="10.00", cost="5.00")
        uow.session.add(Warehouse(code="WH-SH", name="上海仓", region="华东"))
    yield app


def receive(app: App, sku: str, qty: int) -> None:
    with app.uow() as uow:
        stock.receive(uow, sku, "WH-SH", qty, "PO-1")


def levels(app: App, sku: str) -> tuple[int, int]:
    with app.reader() as uow:
        level = stock.stock_levels(uow, sku)[0]
        return level.on_hand, level.reserved


def run(app: App, data: bytes, store: str = "pdd-1", name: str = "订单明细.csv",
        ) -> tuple[ImportSummary, FollowupReport]:
    return import_with_followups(app.uow, [(name, data)], store)


def status_of(app: App, number: str) -> str:
    with app.reader() as uow:
        found = uow.session.scalar(select(Order.status).where(Order.channel_order_no == number))
        assert found is not None
        return found


def shipments(app: App) -> list[tuple[str, str, str, str, datetime, datetime | None]]:
    with app.reader() as uow:
        return [(no, s.carrier_code, s.tracking_no, s.status, s.shipped_at, s.delivered_at)
                for s, no in uow.session.execute(
                    select(Shipment, Order.channel_order_no).join(
                        Order, Order.id == Shipment.order_id).order_by(Shipment.id))]


def pdd_with(number: str, **changes: str) -> bytes:
    rows: list[Row] = [{**row, **changes} if row["订单号"] == number else row
                       for row in PDD_ORDERS]
    return csv_bytes(PDD_HEADERS, rows)


def test_paid_orders_allocated_and_shipped_orders_get_their_shipment(shop: App) -> None:
    receive(shop, "PDD-SKU-3", 5)
    summary, done = run(shop, PDD_FILE)
    assert (summary.new, summary.rejected) == (3, 0)
    assert (done.allocation, done.allocated, done.allocation_failed, done.error) == (
        "on", 1, [], None)
    assert status_of(shop, PAID) == "allocated"
    assert levels(shop, "PDD-SKU-3") == (5, 1)
    # the shipped order's 圆通快递 / 'YT1234567890 became a shipment; the refunded one has none
    assert done.shipments == 1 and done.shipment_problems == []
    assert shipments(shop) == [(SHIPPED, "YTO", "YT1234567890", "shipped",
                                datetime(2026, 11, 21, 1, 0, tzinfo=UTC), None)]
    assert status_of(shop, SHIPPED) == "shipped"

    again, nothing = run(shop, PDD_FILE)
    assert (again.new, again.unchanged) == (0, 3)
    assert (nothing.allocated, nothing.shipments, nothing.shipment_problems) == (0, 0, [])
    assert len(shipments(shop)) == 1
    with shop.reader() as uow:
        assert uow.session.scalar(select(func.count(OrderAllocation.id))) == 1


def test_later_export_ships_the_reserved_parcel_or_releases_it(shop: App) -> None:
    receive(shop, "PDD-SKU-3", 5)
    run(shop, PDD_FILE)
    assert levels(shop, "PDD-SKU-3") == (5, 1)
    later = pdd_with(PAID, 订单状态="已发货，待签收", 发货时间="2026-11-19 10:00:00",
                     快递单号="'SF1000000001", 快递公司="顺丰速运")
    summary, done = run(shop, later, name="later.csv")
    assert summary.updated == 1 and done.parcels_shipped == 1 and done.shipments == 1
    assert levels(shop, "PDD-SKU-3") == (4, 0)  # reserved → shipped in the ledger
    assert shipments(shop)[-1][:4] == (PAID, "SF", "SF1000000001", "shipped")
    with shop.reader() as uow:
        parcel = uow.session.scalars(select(Shipment).where(
            Shipment.tracking_no == "SF1000000001")).one()
        assert (parcel.allocation_id is not None, parcel.warehouse_code) == (True, "WH-SH")


def test_an_export_that_closes_an_allocated_order_releases_its_stock(shop: App) -> None:
    receive(shop, "PDD-SKU-3", 5)
    run(shop, PDD_FILE)
    closed = pdd_with(PAID, 订单状态="交易关闭")
    _, done = run(shop, closed, name="closed.csv")
    assert done.released == 1 and status_of(shop, PAID) == "closed"
    assert levels(shop, "PDD-SKU-3") == (5, 0)


def test_short_stock_is_reported_and_the_import_stands(shop: App) -> None:
    summary, done = run(shop, PDD_FILE)  # no stock at all
    assert summary.new == 3
    assert [(f["code"], "PDD-SKU-3" in f["message"]) for f in done.allocation_failed] == [
        ("inventory.insufficient_stock", True)]
    assert status_of(shop, PAID) == "paid"


def test_allocation_on_import_is_a_shop_setting(shop: App) -> None:
    receive(shop, "PDD-SKU-3", 5)
    with shop.uow() as uow:
        write_setting(uow, ALLOCATE_KEY, False)
    _, done = run(shop, PDD_FILE)
    assert (done.allocation, done.allocated) == ("off", 0)
    assert status_of(shop, PAID) == "paid"
    assert done.shipments == 1  # shipments do not depend on it


def test_unknown_carrier_and_shared_tracking_number_are_reported(shop: App) -> None:
    rows = [{**PDD_ORDERS[0], "快递公司": "火星快递"},
            {**PDD_ORDERS[0], "订单号": "201120-999", "快递单号": "YT1234567890"}]
    _, done = run(shop, csv_bytes(PDD_HEADERS, rows))
    assert done.shipments == 1
    reasons = [p["reason"] for p in done.shipment_problems]
    assert any("unknown carrier '火星快递'" in r for r in reasons), reasons
    # the second order's carrier is known: recorded; the first is reported, nothing half-done
    assert [s[0] for s in shipments(shop)] == ["201120-999"]


def test_follow_up_can_run_again_later_from_the_import_id(shop: App) -> None:
    with shop.uow() as uow:  # an import whose follow-ups never ran (the process died)
        summary = import_orders(uow, [("a.csv", PDD_FILE)], "pdd-1")
    receive(shop, "PDD-SKU-3", 5)
    with shop.uow() as uow:
        done = follow_up(uow, summary.import_id)  # since=0: every fact of that batch
    assert (done.allocated, done.shipments) == (1, 1)
    with shop.uow() as uow:
        assert fact_mark(uow) > 0
        with pytest.raises(NotFound, match="no import with id 999999"):
            follow_up(uow, 999_999)


def test_cli_follow_up_reruns_an_import_s_follow_ups(shop: App,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with shop.uow() as uow:
        summary = import_orders(uow, [("a.csv", PDD_FILE)], "pdd-1")
    receive(shop, "PDD-SKU-3", 5)
    monkeypatch.setattr(cli, "get_app", lambda: shop)
    runner = CliRunner()
    first = runner.invoke(cli.app, ["import", "follow-up", str(summary.import_id),
                                    "--format", "json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["allocated"] == 1
    again = runner.invoke(cli.app, ["import", "follow-up", str(summary.import_id)])
    assert again.exit_code == 0 and "allocated" not in again.output  # nothing left to do
    missing = runner.invoke(cli.app, ["import", "follow-up", "999999"])
    assert isinstance(missing.exception, NotFound)  # main() turns it into exit code 3
    assert missing.exception.message == "no import with id 999999"
    assert status_of(shop, PAID) == "allocated" and len(shipments(shop)) == 1


def test_jd_order_export_imports_and_allocates(shop: App) -> None:
    receive(shop, "SKU-A", 3)
    receive(shop, "SKU-B", 3)
    summary, done = run(shop, jd_orders_csv(), store="jd-1", name="jd.csv")
    assert (summary.platform, summary.new, summary.rejected) == ("jd", 5, 0)
    assert status_of(shop, "11729384072") == "allocated"  # 等待出库: paid, both SKUs in stock
    assert done.allocated == 1 and done.shipments == 0  # JD's export has no tracking number


def test_jd_order_export_reports_an_unknown_sku_under_its_own_column(shop: App) -> None:
    """The order export has no 商品编号 (the 结算 file's column): an unknown code is reported
    under the column it was read from, 货号 here."""
    rows = [*JD_ORDERS]
    rows[3] = {**rows[3], "货号": "NOPE-9"}  # order 11729384074, file row 5
    summary, _ = run(shop, jd_orders_csv(rows), store="jd-1", name="jd.csv")
    assert (summary.new, summary.rejected) == (4, 1)
    with shop.reader() as uow:
        [problem] = import_report(uow, summary.import_id)["problems"]
    assert (problem["row"], problem["column"], problem["value"]) == (5, "货号", "NOPE-9")


# ---- import jobs: progress in the database ------------------------------------------------


def test_job_row_follows_the_import_and_its_follow_ups(shop: App) -> None:
    receive(shop, "PDD-SKU-3", 5)
    job = new_job([("a.csv", PDD_FILE)])
    seen: list[str] = []
    run_job(shop.uow, job, [("a.csv", PDD_FILE)], "pdd-1", None, None,
            lambda stage, done, total: seen.append(stage))
    assert seen[0] == "read" and "orders" in seen and seen[-1] == "followups"
    with shop.reader() as uow:
        view = job_view(uow, job.id)
        row = uow.session.get(ImportJobRecord, job.id)
        assert row is not None and row.finished_at is not None and row.store == "pdd-1"
        import_id = row.import_id
    assert (view.state, view.percent, view.files) == ("done", 100, ("a.csv",))
    assert view.summary is not None and view.summary["new"] == 3
    assert import_id == view.summary["import_id"]
    assert view.followups is not None and view.followups["allocated"] == 1
    # a late progress write never undoes the end
    stale = new_job([("a.csv", b"")])
    stale.id = job.id
    stale.progress("orders", 1, 2)
    assert write_row(shop.uow, stale) is False
    with shop.reader() as uow:
        assert job_view(uow, job.id).state == "done"


def test_failed_job_keeps_its_error_for_other_processes(shop: App) -> None:
    job = new_job([("x.csv", b"")])
    run_job(shop.uow, job, [("x.csv", b"")], "pdd-1", None, None)
    with shop.reader() as uow:
        view = job_view(uow, job.id)
    assert view.state == "failed" and view.error is not None
    assert (view.error.code, view.error.field) == ("orders.import_file_invalid", "file")
    assert "empty" in view.error.message
    jobs = ImportJobs()  # a process that never ran it reads it from the row
    assert jobs.get(job.id) is None
    other = jobs.get(job.id, shop.reader)
    assert other is not None and other.state == "failed"
    assert other.error is not None and other.error.code == view.error.code


def test_cli_import_is_a_job_and_jobs_lists_it(shop: App, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    receive(shop, "PDD-SKU-3", 5)
    monkeypatch.setattr(cli, "get_app", lambda: shop)
    path = tmp_path / "订单明细.csv"
    path.write_bytes(PDD_FILE)
    runner = CliRunner()
    result = runner.invoke(cli.app, ["import", "orders", str(path), "--store", "pdd-1",
                                     "--format", "json"])
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    assert set(summary) == {"platform", "encoding", "read", "new", "updated", "unchanged",
                            "rejected", "import_id"}
    listed = runner.invoke(cli.app, ["import", "jobs", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    jobs = json.loads(listed.stdout)
    assert jobs[0]["state"] == "done" and jobs[0]["summary"] == summary
    assert jobs[0]["followups"]["allocated"] == 1 and jobs[0]["followups"]["shipments"] == 1
    table = runner.invoke(cli.app, ["import", "orders", str(path), "--store", "pdd-1"])
    assert table.exit_code == 0 and "unchanged" in table.output
    with shop.reader() as uow:
        assert len(recent_jobs(uow)) == 2


# ---- the console: the job panel says what followed; another worker reads the row ----------


def test_console_job_panel_shows_follow_ups_and_another_app_reads_the_job(shop: App) -> None:
    receive(shop, "PDD-SKU-3", 5)
    with shop.uow() as uow:
        create_user(uow, "ops", "correct horse battery")
    login = {"username": "ops", "password": "correct horse battery"}
    with TestClient(create_app(shop)) as client, TestClient(create_app(shop)) as other:
        assert client.post("/login", data=login).status_code == 200
        assert other.post("/login", data=login).status_code == 200
        started = client.post("/imports", data={"store": "pdd-1"},
                              headers={"HX-Request": "true"},
                              files=[("files", ("订单明细.csv", PDD_FILE, "text/csv"))])
        job = re.search(r'data-job="(\w+)"', started.text)
        assert job, started.text
        panel = started.text
        for _ in range(300):
            if 'data-state="running"' not in panel:
                break
            time.sleep(0.1)
            panel = client.get(f"/imports/jobs/{job.group(1)}",
                               headers={"HX-Request": "true"}).text
        assert 'data-state="done"' in panel, panel
        assert 'data-allocated="1" data-shipments="1"' in panel
        assert "自动分仓 1 单" in panel and "登记运单 1 个" in panel
        # a second app (another worker) never ran it: the panel comes from import_jobs
        elsewhere = other.get(f"/imports/jobs/{job.group(1)}", headers={"HX-Request": "true"})
        assert elsewhere.status_code == 200 and 'data-state="done"' in elsewhere.text
        assert 'data-allocated="1"' in elsewhere.text


def test_api_import_runs_as_a_job_with_follow_ups(shop: App) -> None:
    receive(shop, "PDD-SKU-3", 5)
    with shop.uow() as uow:
        create_user(uow, "ops", "correct horse battery")
    with TestClient(create_app(shop)) as client:
        assert client.post("/login", data={"username": "ops",
                                           "password": "correct horse battery"}).status_code == 200
        posted = client.post("/api/v1/imports", data={"store": "pdd-1"},
                             files=[("files", ("订单明细.csv", PDD_FILE, "text/csv"))])
        assert posted.status_code == 201, posted.text
        assert set(posted.json()) == {"platform", "encoding", "read", "new", "updated",
                                      "unchanged", "rejected", "import_id"}
        jobs = client.get("/api/v1/imports/jobs").json()
        assert jobs[0]["state"] == "done" and jobs[0]["summary"] == posted.json()
        one = client.get(f"/api/v1/imports/jobs/{jobs[0]['id']}").json()
        assert one["followups"]["allocated"] == 1 and one["followups"]["shipments"] == 1
        assert client.get("/api/v1/imports/jobs/nope").status_code == 404
    assert status_of(shop, PAID) == "allocated"


def test_a_follow_up_crash_leaves_the_import_committed_and_says_so(
        shop: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> FollowupReport:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(followups_module, "follow_up", broken)
    summary, done = run(shop, PDD_FILE)
    assert summary.new == 3 and status_of(shop, PAID) == "paid"  # committed
    assert done.error == "follow-ups failed: RuntimeError: disk on fire"


def test_a_job_that_cannot_be_recorded_does_not_import(shop: App,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def no_table(*args: object) -> None:
        raise RuntimeError("no such table: import_jobs")

    monkeypatch.setattr(jobs_module, "create_row", no_table)
    job = new_job([("a.csv", PDD_FILE)])
    run_job(shop.uow, job, [("a.csv", PDD_FILE)], "pdd-1", None, None)
    view = job.view()
    assert view.state == "failed" and view.error is not None
    assert "import not started" in view.error.message and "shopops db upgrade" in \
        view.error.message
    with shop.reader() as uow:
        assert uow.session.scalar(select(func.count(Order.id))) == 0


def test_progress_reaches_the_row_while_the_import_runs(shop: App) -> None:
    """Another process sees the job while it runs: the row exists (written before the import's
    transaction) and, on PostgreSQL, moves with the progress. SQLite has one writer: the
    import holds its lock from BEGIN IMMEDIATE, so the row catches up when the import commits
    (the process that runs it has the live progress in memory)."""
    live = shop.engine.dialect.name == "postgresql"
    seen: list[tuple[str, str, int]] = []
    job = new_job([("a.csv", PDD_FILE)])

    def watch(stage: str, done: int, total: int) -> None:
        if (stage, done) != ("read", 2):
            return
        for _ in range(50):  # the writer thread writes every WRITE_EVERY seconds
            with shop.reader() as uow:
                row = uow.session.get(ImportJobRecord, job.id)
                assert row is not None and row.state == "running"
                if not live or row.done >= 1:
                    seen.append((row.state, row.stage, row.done))
                    return
            time.sleep(0.1)

    run_job(shop.uow, job, [("a.csv", PDD_FILE)], "pdd-1", None, None, watch)
    assert seen and seen[0][:2] == ("running", "read"), seen
    if live:
        assert seen[0][2] >= 1  # the row moved while the import was running
    with shop.reader() as uow:
        assert job_view(uow, job.id).state == "done"


def test_a_later_export_that_only_adds_the_tracking_number_gets_its_shipment(shop: App
                                                                             ) -> None:
    first, done = run(shop, pdd_with(SHIPPED, 快递单号="", 快递公司=""))
    assert first.new == 3 and done.shipments == 0 and shipments(shop) == []
    assert status_of(shop, SHIPPED) == "shipped"
    # the same order, still 已发货: only the tracking number is new (no status change, no fact)
    later, added = run(shop, PDD_FILE)
    assert (later.new, later.rejected) == (0, 0)
    assert (added.shipments, added.shipment_problems, added.error) == (1, [], None)
    assert shipments(shop) == [(SHIPPED, "YTO", "YT1234567890", "shipped",
                                datetime(2026, 11, 21, 1, 0, tzinfo=UTC), None)]
    # idempotent: the file again, or its follow-ups re-run, adds nothing
    _, again = run(shop, PDD_FILE)
    assert (again.shipments, again.shipment_problems) == (0, [])
    with shop.uow() as uow:
        assert follow_up(uow, later.import_id).shipments == 0
    assert len(shipments(shop)) == 1


# ---- a job whose process died (kill -9) is read as 中断, not "running" for ever --------------


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def running_row(app: App, worker: str, written: timedelta = timedelta(0)) -> str:
    """A job row left "running" by ``worker``, last written ``written`` ago, mid-import."""
    job = new_job([("订单明细.csv", PDD_FILE)])
    create_row(app.uow, job, "pdd-1", None)
    job.progress("orders", 40, 100)
    assert write_row(app.uow, job)
    with app.uow() as uow:
        row = uow.session.get(ImportJobRecord, job.id)
        assert row is not None
        row.worker, row.updated_at = worker, uow.now() - written
    return job.id


def test_interrupted_rule_pid_on_this_host_heartbeat_elsewhere() -> None:
    now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    alive = {7}.__contains__
    fresh, stale = now - timedelta(minutes=1), now - STALE_AFTER - timedelta(seconds=1)
    assert is_interrupted("here:8", fresh, now, "here", alive)  # pid gone, however fresh
    assert not is_interrupted("here:7", stale, now, "here", alive)  # alive (SQLite: no beat)
    assert is_interrupted("there:7", stale, now, "here", alive)
    assert not is_interrupted("there:7", fresh, now, "here", alive)
    assert not is_interrupted("there:7", now - STALE_AFTER, now, "here", alive)  # not past it


def test_a_job_whose_process_died_reads_as_interrupted_everywhere(
        shop: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = socket.gethostname()
    killed = running_row(shop, f"{here}:{dead_pid()}")
    silent = running_row(shop, "other-host:1234", STALE_AFTER + timedelta(minutes=1))
    busy = running_row(shop, "other-host:1234", timedelta(minutes=2))
    mine = running_row(shop, f"{here}:{os.getpid()}", timedelta(hours=1))
    with shop.reader() as uow:
        views = {v.id: v for v in recent_jobs(uow)}
        assert job_view(uow, killed).state == "interrupted"
    assert {j: views[j].state for j in (killed, silent, busy, mine)} == {
        killed: "interrupted", silent: "interrupted", busy: "running", mine: "running"}
    view = views[killed]
    assert (view.stage, view.done, view.total, view.percent) == ("orders", 40, 100, 46)
    assert view.error is not None and view.error.code == "orders.import_interrupted"
    assert "Re-run the import" in view.error.message and "nothing of it was stored" in \
        view.error.message
    # nothing was written for it: the row still says running (a reader only reads)
    with shop.reader() as uow:
        row = uow.session.get(ImportJobRecord, killed)
        assert row is not None and row.state == "running" and row.finished_at is None

    monkeypatch.setattr(cli, "get_app", lambda: shop)
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli.app, ["import", "jobs", "--format", "json"]).stdout)
    assert {j["id"]: j["state"] for j in listed}[killed] == "interrupted"
    one = json.loads(runner.invoke(cli.app, ["import", "jobs", killed, "--format", "json"]
                                   ).stdout)
    assert one["error"]["code"] == "orders.import_interrupted"
    table = runner.invoke(cli.app, ["import", "jobs"], env={"COLUMNS": "300"})
    assert table.exit_code == 0 and "中断 interrupted" in table.output
    assert f"中断 {killed}: import interrupted" in table.output.replace("\n", "")

    with shop.uow() as uow:
        create_user(uow, "ops", "correct horse battery")
    with TestClient(create_app(shop)) as client:
        assert client.post("/login", data={"username": "ops",
                                           "password": "correct horse battery"}).status_code == 200
        api = {j["id"]: j for j in client.get("/api/v1/imports/jobs").json()}
        assert api[killed]["state"] == "interrupted" and api[busy]["state"] == "running"
        assert api[killed]["error"]["code"] == "orders.import_interrupted"
        panel = client.get(f"/imports/jobs/{killed}", headers={"HX-Request": "true"}).text
        assert 'data-state="interrupted"' in panel and "导入中断" in panel
        assert "重新导入" in panel and "hx-get" not in panel  # no polling a dead job
        running = client.get(f"/imports/jobs/{busy}", headers={"HX-Request": "true"}).text
        assert 'data-state="running"' in running and "hx-get" in running


def test_the_heartbeat_touches_a_running_row_only(shop: App) -> None:
    old = running_row(shop, "other-host:1", STALE_AFTER + timedelta(minutes=5))
    with shop.reader() as uow:
        assert job_view(uow, old).state == "interrupted"
    assert touch_row(shop.uow, old)
    with shop.reader() as uow:
        assert job_view(uow, old).state == "running"  # it wrote: alive again
    job = new_job([("a.csv", PDD_FILE)])
    run_job(shop.uow, job, [("a.csv", PDD_FILE)], "pdd-1", None, None)
    assert touch_row(shop.uow, job.id) is False  # an ended job is left as it is
