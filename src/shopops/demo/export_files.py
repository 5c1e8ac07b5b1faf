"""`shopops demo --export-files DIR`: the demo shop's orders as the platforms' own export files,
so a new user can try `shopops import orders` on something that looks real.

Per store: 天猫 订单报表 + 宝贝报表 (GBK CSV), 拼多多 订单导出 (UTF-8 BOM CSV), 抖店 订单导出
(XLSX), 京东 (订单导出, then the 结算 fee file of its completed orders, both GB18030) and the own
store's generic CSV with its column mapping. `manifest.json` lists the import steps in order
(store, files, mapping) and every order left out with the reason; README.txt says the same for
people."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import select

from shopops.bootstrap import App
from shopops.catalog.models import Product, Sku
from shopops.core.errors import ValidationError
from shopops.customers.models import CustomerIdentity
from shopops.demo import export_formats as fmt
from shopops.demo.export_formats import Cells, DemoLine, DemoOrder
from shopops.orders.models import Order, OrderLine
from shopops.stores.models import Store

MAPPING_FILE = "generic-mapping.json"
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')
CHUNK = 2_000  # orders loaded at a time


@dataclass(slots=True)
class ImportStep:
    """One `shopops import orders` run: which store, which files, which mapping."""

    store: str
    platform: str
    files: list[str]
    mapping: str | None = None
    orders: int = 0
    left_out: dict[str, int] = field(default_factory=dict)

    def command(self) -> str:
        files = " ".join(f'"{name}"' for name in self.files)
        mapping = f" --mapping {self.mapping}" if self.mapping else ""
        return f"shopops import orders {files} --store {self.store}{mapping}"


def export_demo_files(app: App, directory: Path) -> list[ImportStep]:
    """Write every store's export files into `directory` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    if not directory.is_dir():
        raise ValidationError(f"{directory} is not a folder", field="export-files")
    steps: list[ImportStep] = []
    with app.reader() as uow:
        stores = list(uow.session.scalars(select(Store).order_by(Store.id)))
        for store in stores:
            orders = _orders(uow.session, store)
            steps.extend(_write_store(directory, store, orders))
    (directory / MAPPING_FILE).write_text(
        json.dumps(fmt.GENERIC_MAPPING, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    manifest = [{"store": s.store, "platform": s.platform, "files": s.files,
                 "mapping": s.mapping, "orders": s.orders, "left_out": s.left_out,
                 "command": s.command()} for s in steps]
    (directory / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (directory / "README.txt").write_text(_readme(steps), encoding="utf-8")
    return steps


def _write_store(directory: Path, store: Store, orders: list[DemoOrder]) -> list[ImportStep]:
    code, platform = store.code, store.platform
    if platform in ("tmall", "taobao"):
        step = ImportStep(code, platform, [f"{code}_ExportOrderList.csv",
                                           f"{code}_ExportOrderDetailList.csv"])
        _csv(directory / step.files[0], fmt.TAOBAO_ORDER_HEADERS,
             (fmt.taobao_order_row(o, store.name) for o in orders), "gbk")
        _csv(directory / step.files[1], fmt.TAOBAO_ITEM_HEADERS,
             (row for o in orders for row in fmt.taobao_item_rows(o)), "gbk")
        step.orders = len(orders)
        return [step]
    if platform == "pdd":
        step = ImportStep(code, platform, [f"{code}_订单明细.csv"])
        kept = _kept(orders, fmt.pdd_exportable, step)
        _csv(directory / step.files[0], fmt.PDD_HEADERS, map(fmt.pdd_row, kept), "utf-8-sig")
        return [step]
    if platform == "douyin":
        step = ImportStep(code, platform, [f"{code}_抖店订单导出.xlsx"])
        _xlsx(directory / step.files[0], fmt.DOUYIN_HEADERS,
              (row for o in orders for row in fmt.douyin_rows(o)))
        step.orders = len(orders)
        return [step]
    if platform != "jd":
        generic = ImportStep(code, "generic", [f"{code}_订单_通用.csv"], MAPPING_FILE,
                             len(orders))
        _csv(directory / generic.files[0], fmt.GENERIC_HEADERS,
             (row for o in orders for row in fmt.generic_rows(o)), "utf-8")
        return [generic]
    listed = ImportStep(code, "jd", [f"{code}_订单导出.csv"])
    _csv(directory / listed.files[0], fmt.JD_ORDER_HEADERS,
         (row for o in _kept(orders, fmt.jd_exportable, listed) for row in fmt.jd_order_rows(o)),
         "gb18030")
    settled = ImportStep(code, "jd", [f"{code}_结算明细.csv"])
    done = _kept(orders, lambda o: None if o.status == "completed" else
                 "not settled: a 京东 结算 file lists completed orders only", settled)
    _csv(directory / settled.files[0], fmt.JD_SETTLEMENT_HEADERS,
         (row for o in done for row in fmt.jd_settlement_rows(o, store.commission_rate)),
         "gb18030")
    return [listed, settled]


def _kept(orders: list[DemoOrder], why_not: Callable[[DemoOrder], str | None],
          step: ImportStep) -> list[DemoOrder]:
    kept = []
    for order in orders:
        reason = why_not(order)
        if reason is None:
            kept.append(order)
        else:
            step.left_out[reason] = step.left_out.get(reason, 0) + 1
    step.orders = len(kept)
    return kept


def _cell(value: object) -> str:
    """CSV quoting, except the ="…" guard that platforms write as is (Excel keeps the text)."""
    text = "" if value is None else str(value)
    if not _NEEDS_QUOTES.search(text):
        return text
    if text.startswith('="') and text.endswith('"') and '"' not in text[2:-1]:
        return text
    return '"' + text.replace('"', '""') + '"'


def _csv(path: Path, headers: list[str], rows: Iterable[Cells], encoding: str) -> None:
    buffer = io.StringIO(newline="")
    buffer.write(",".join(map(_cell, headers)) + "\r\n")
    for row in rows:
        buffer.write(",".join(_cell(row.get(h)) for h in headers) + "\r\n")
    text = buffer.getvalue()
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # a character outside GBK: GB18030 is its superset
        data = text.encode("gb18030")
    path.write_bytes(data)


def _xlsx(path: Path, headers: list[str], rows: Iterable[Cells]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单列表")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    book.save(path)


def _local(at: datetime | None, zone: ZoneInfo) -> datetime | None:
    return at.astimezone(zone) if at else None


def _orders(session: Any, store: Store) -> list[DemoOrder]:
    zone = ZoneInfo(store.timezone)
    buyers = dict(session.execute(select(CustomerIdentity.customer_id, CustomerIdentity.buyer_id)
                                  .where(CustomerIdentity.store_id == store.id)).all())
    orders: list[DemoOrder] = []
    for chunk in _chunks(session.scalars(select(Order).where(Order.store_id == store.id)
                                         .order_by(Order.id)).yield_per(CHUNK)):
        lines = _lines(session, [o.id for o in chunk])
        orders.extend(DemoOrder(
            id=o.id, no=o.channel_order_no, status=o.status,
            buyer=buyers.get(o.customer_id), customer_id=o.customer_id,
            created_at=o.created_at.astimezone(zone), paid_at=_local(o.paid_at, zone),
            shipped_at=_local(o.shipped_at, zone), delivered_at=_local(o.delivered_at, zone),
            completed_at=_local(o.completed_at, zone), list_amount=o.list_amount,
            discount=o.discount_amount, goods=o.goods_amount, shipping=o.shipping_fee,
            paid=o.paid_amount, refund=o.refund_amount, lines=_merged(lines.get(o.id, [])))
            for o in chunk if lines.get(o.id))
    return orders


def _chunks(items: Iterable[Order]) -> Iterator[list[Order]]:
    chunk: list[Order] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _merged(lines: list[DemoLine]) -> tuple[DemoLine, ...]:
    """One line per SKU, as a platform shows a cart (the demo may draw a SKU twice)."""
    by_sku: dict[str, DemoLine] = {}
    for line in lines:
        seen = by_sku.get(line.sku)
        by_sku[line.sku] = line if seen is None else replace(
            seen, quantity=seen.quantity + line.quantity, paid=seen.paid + line.paid,
            refund=seen.refund + line.refund)
    return tuple(by_sku.values())


def _spec(attributes: dict[str, Any]) -> str:
    return "；".join(f"{k}：{v}" for k, v in attributes.items())


def _lines(session: Any, order_ids: list[int]) -> dict[int, list[DemoLine]]:
    found: dict[int, list[DemoLine]] = {}
    for start in range(0, len(order_ids), 500):
        rows = session.execute(
            select(OrderLine, Sku.code, Sku.attributes, Product.code, Product.name)
            .join(Sku, Sku.id == OrderLine.sku_id).join(Product, Product.id == Sku.product_id)
            .where(OrderLine.order_id.in_(order_ids[start:start + 500]))
            .order_by(OrderLine.order_id, OrderLine.id))
        for line, sku, attributes, product_code, product_name in rows:
            found.setdefault(line.order_id, []).append(DemoLine(
                sku=sku, product_code=product_code, title=product_name,
                spec=_spec(attributes or {}), quantity=line.quantity,
                list_price=line.list_price, paid=line.paid_amount,
                refund=line.refund_amount or Decimal(0)))
    return found


def _readme(steps: list[ImportStep]) -> str:
    lines = ["ShopOps 演示店铺的平台导出文件 / the demo shop's orders as platform export files",
             "", "按顺序导入 (import in this order, into a database with the same stores and "
             "SKUs):", ""]
    for step in steps:
        lines.append(f"  {step.command()}    # {step.orders} orders")
        for reason, count in step.left_out.items():
            lines.append(f"      left out {count}: {reason}")
    lines += ["", "京东: the 订单导出 (GB18030) first; the 结算 file then only confirms the "
              "completed orders' status. JD shows a delivered order as 等待确认收货 (shipped).",
              "Into the demo's own database every order is already there: mostly `unchanged`; "
              "天猫 shows a delivered order as 卖家已发货 (shipped) and an unpaid one as 交易关闭 "
              "(closed), so those rows are reported, not applied (a status never moves back); "
              "a platform splits an order's payment over its lines by its own rule, so some "
              "orders count as `updated` (their lines); the demo may draw a SKU twice in one "
              "order, which the files show as one line, reported as a line not in the export.",
              "Into an empty database with the same stores and SKUs every order is new.", ""]
    return "\n".join(lines)
