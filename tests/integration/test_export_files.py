"""`shopops demo --export-files DIR` on SQLite and PostgreSQL: the demo shop's orders written as
platform export files (天猫 pair in GBK, 拼多多, 抖店 xlsx, 京东 订单导出 + 结算, own-store
generic + mapping) import into an empty database with the same stores and SKUs, and the
imported order book equals the demo's for those orders: count, GMV (goods paid), paid amounts,
business days and statuses — where a platform cannot tell two statuses apart, the expected
status is spelled out below."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from shopops.bootstrap import App
from shopops.db.registry import Base
from shopops.demo.export_files import export_demo_files
from shopops.demo.service import build_demo_shop
from shopops.orders.importers import ColumnMapping
from shopops.orders.imports import import_orders
from shopops.orders.models import Order, OrderLine
from shopops.stores.models import Store
from tests.conftest import private_app

# what the platform's export shows instead of the demo's status (nothing else may differ)
PLATFORM_VIEW = {
    "tmall": {"delivered": "shipped",  # 淘宝 has no 签收 status: 卖家已发货，等待买家确认
              "cancelled": "closed"},  # an unpaid order that timed out: 交易关闭
    "jd": {"delivered": "shipped"},  # 京东 shows 签收 as 等待确认收货
}
CATALOG = ("stores", "categories", "products", "skus")


def book(app: App) -> dict[str, dict[str, Any]]:
    """Every order: store code, status, amounts, business day, SKUs and units, by number."""
    with app.reader() as uow:
        lines = dict(uow.session.execute(
            select(OrderLine.order_id, func.count(func.distinct(OrderLine.sku_id)))
            .group_by(OrderLine.order_id)).all())
        units = dict(uow.session.execute(select(OrderLine.order_id, func.sum(OrderLine.quantity))
                                         .group_by(OrderLine.order_id)).all())
        rows = uow.session.execute(select(Order, Store.code, Store.platform)
                                   .join(Store, Store.id == Order.store_id)).all()
        return {order.channel_order_no: {
            "store": code, "platform": platform, "status": order.status,
            "goods": order.goods_amount, "paid": order.paid_amount,
            "shipping": order.shipping_fee, "paid_date": order.paid_date,
            "delivered_at": order.delivered_at,
            "skus": lines.get(order.id, 0), "units": units.get(order.id, 0)}
            for order, code, platform in rows}


def copy_catalog(source: App, target: App) -> None:
    tables = Base.metadata.tables
    with source.engine.connect() as read, target.engine.begin() as write:
        for name in CATALOG:
            rows = [dict(r._mapping) for r in read.execute(select(tables[name]))]
            write.execute(insert(tables[name]), rows)


def import_all(target: App, folder: Path) -> list[dict[str, Any]]:
    summaries = []
    for step in json.loads((folder / "manifest.json").read_text(encoding="utf-8")):
        mapping = (ColumnMapping.from_json((folder / step["mapping"]).read_text(encoding="utf-8"))
                   if step["mapping"] else None)
        files = [(name, (folder / name).read_bytes()) for name in step["files"]]
        with target.uow() as uow:
            summary = import_orders(uow, files, step["store"], mapping=mapping).as_json()
        summaries.append({**step, "summary": summary})
    return summaries


def exported(order: dict[str, Any]) -> bool:
    """The demo orders a platform's export can hold (拼多多: paid, one goods per order; 京东's
    order export: no refunded orders)."""
    if order["platform"] == "jd":
        return order["status"] != "refunded"
    return order["platform"] != "pdd" or (order["paid_date"] is not None and order["skus"] == 1)


def gmv(orders: list[dict[str, Any]]) -> Decimal:
    return sum((o["goods"] for o in orders if o["paid_date"] is not None), Decimal(0))


@pytest.fixture
def demo(app: App) -> App:
    build_demo_shop(app, seed=11, orders=600, days=45, end_date=date(2026, 11, 20))
    return app


def test_export_then_import_gives_the_same_order_book(demo: App, database_url: str,
                                                      tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    steps = export_demo_files(demo, folder)
    assert {s.platform for s in steps} == {"tmall", "pdd", "douyin", "jd", "generic"}
    original = book(demo)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with private_app(backend, tmp_path) as fresh:
        copy_catalog(demo, fresh)
        summaries = import_all(fresh, folder)
        imported = book(fresh)
        again = import_all(fresh, folder)  # the same files twice: nothing changes
        assert book(fresh) == imported

    for step in summaries:
        s = step["summary"]
        assert s["rejected"] == 0, step
        assert s["read"] == step["orders"], step
        expected_new = 0 if "结算" in step["files"][0] else step["orders"]  # 结算 creates none
        assert s["new"] == expected_new, step
    assert all(step["summary"]["new"] == 0 and step["summary"]["updated"] == 0
               for step in again)

    expected = {no: o for no, o in original.items() if exported(o)}
    left_out = sum(sum(s.left_out.values()) for s in steps
                   if s.platform == "pdd" or s.files[0].endswith("订单导出.csv"))
    assert len(original) - len(expected) == left_out > 0
    assert set(imported) == set(expected)
    for store in {o["store"] for o in original.values()}:
        mine = [o for o in expected.values() if o["store"] == store]
        theirs = [o for o in imported.values() if o["store"] == store]
        assert len(theirs) == len(mine), store
        assert gmv(theirs) == gmv(mine), store
    for no, before in expected.items():
        after = imported[no]
        view = PLATFORM_VIEW.get(before["platform"], {})
        assert after["status"] == view.get(before["status"], before["status"]), (no, before)
        assert after["goods"] == before["goods"], no
        assert after["paid_date"] == before["paid_date"], no
        assert (after["skus"], after["units"]) == (before["skus"], before["units"]), no
        if before["platform"] != "douyin":  # 抖店's export carries no shipping column
            assert after["paid"] == before["paid"], no
        if before["platform"] == "own":  # the generic file carries 签收时间
            assert after["delivered_at"] == before["delivered_at"], no
    statuses = Counter(o["status"] for o in imported.values())
    assert statuses["refunded"] > 0 and statuses["completed"] > 0


def test_files_carry_the_platform_quirks(demo: App, tmp_path: Path) -> None:
    export_demo_files(demo, tmp_path)
    orders = (tmp_path / "tmall-flagship_ExportOrderList.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        orders.decode("utf-8")  # GBK, as 淘宝 writes it
    text = orders.decode("gbk")
    assert '\r\n="2' in text  # ="…" order numbers, unquoted as Excel writes them
    assert "****" in text and ",'1" in text  # masked and apostrophe phones
    assert "0.00元" in text and "收货地址 ," in text  # amounts with 元, header with a space
    pdd = (tmp_path / "pdd-main_订单明细.csv").read_bytes()
    assert pdd.startswith(b"\xef\xbb\xbf") and "(元)".encode() in pdd
    mapping = json.loads((tmp_path / "generic-mapping.json").read_text(encoding="utf-8"))
    ColumnMapping.from_json(json.dumps(mapping))  # a valid saved mapping
    readme = (tmp_path / "README.txt").read_text(encoding="utf-8")
    assert "shopops import orders" in readme and "--mapping generic-mapping.json" in readme


def test_cli_option_writes_the_files(tmp_path: Path) -> None:
    env = {**os.environ, "SHOPOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    folder = tmp_path / "files"
    done = subprocess.run(
        [sys.executable, "-m", "shopops", "demo", "--orders", "300", "--days", "30",
         "--end-date", "2026-11-20", "--no-serve", "--export-files", str(folder)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert sum(step["orders"] for step in manifest if "结算" not in step["files"][0]) > 250
    for step in manifest:
        assert all((folder / name).stat().st_size > 0 for name in step["files"])
    generic = next(step for step in manifest if step["platform"] == "generic")
    imported = subprocess.run(
        [sys.executable, "-m", "shopops", "import", "orders",
         *[str(folder / n) for n in generic["files"]], "--store", generic["store"],
         "--mapping", str(folder / generic["mapping"]), "--format", "json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout)
    # into the demo's own database: every order is already there with the same status
    assert summary["read"] == generic["orders"] and summary["new"] == 0
    assert summary["rejected"] == 0
