"""A real, public order data set through the generic importer (both databases): Olist's
15,000-order sample (../shared/data/olist, see its PROVENANCE.md), order and item tables joined
into the flat line file a shop system would export, imported with a saved column mapping
(tests/data/olist-generic-mapping.json). Its delivery and promised (estimated) dates give the
late-delivery share, which must equal an independent count straight from the raw CSV."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.catalog.models import Sku
from shopops.orders.importers import ColumnMapping
from shopops.orders.imports import import_orders, import_report
from shopops.orders.models import Order
from shopops.orders.service import late_delivery
from shopops.stores.service import add_store
from shopops.web.app import create_app
from tests import factories
from tests.conftest import SHARED_DATA, require

OLIST = SHARED_DATA / "olist" / "sample_15k_orders"
MAPPING = Path(__file__).resolve().parents[1] / "data" / "olist-generic-mapping.json"
STATUS = {"created": "created", "approved": "paid", "invoiced": "paid", "processing": "paid",
          "shipped": "shipped", "delivered": "delivered", "canceled": "cancelled",
          "unavailable": "cancelled"}
HEADERS = ["order_id", "order_status", "order_purchase_timestamp", "order_approved_at",
           "order_delivered_carrier_date", "order_delivered_customer_date",
           "order_estimated_delivery_date", "customer_unique_id", "order_item_id",
           "product_id", "quantity", "price", "order_freight_value"]


def table(name: str) -> list[dict[str, str]]:
    with gzip.open(OLIST / f"{name}.csv.gz", "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def olist() -> dict[str, list[dict[str, str]]]:
    require(OLIST.is_dir(), f"the Olist sample is not here: {OLIST} (../shared/data is not part "
                            "of a fresh clone; see ../shared/data/README.md)")
    return {name: table(f"olist_{name}_dataset") for name in ("orders", "order_items",
                                                              "customers")}


def flat_export(data: dict[str, list[dict[str, str]]]) -> bytes:
    """One row per order line with the order's fields repeated (an order without items is one
    row without a product: the importer must reject it, with its row and reason)."""
    customers = {c["customer_id"]: c["customer_unique_id"] for c in data["customers"]}
    items: dict[str, list[dict[str, str]]] = defaultdict(list)
    for item in data["order_items"]:
        items[item["order_id"]].append(item)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for order in data["orders"]:
        lines = items.get(order["order_id"]) or [{}]
        freight = sum((Decimal(i["freight_value"]) for i in lines if i), Decimal(0))
        for item in lines:
            writer.writerow([*(order[h] for h in HEADERS[:7]), customers[order["customer_id"]],
                             item.get("order_item_id", ""), item.get("product_id", ""),
                             "1" if item else "", item.get("price", ""), f"{freight:.2f}"])
    return out.getvalue().encode("utf-8")


def raw_late_count(orders: list[dict[str, str]]) -> tuple[int, int]:
    """Independent of ShopOps: delivered orders with an estimate, and those delivered on a
    later calendar day than the estimated one (both are local São Paulo times in the file)."""
    delivered = [o for o in orders
                 if o["order_delivered_customer_date"] and o["order_estimated_delivery_date"]]
    late = sum(1 for o in delivered if o["order_delivered_customer_date"][:10]
               > o["order_estimated_delivery_date"][:10])
    return len(delivered), late


def setup_store(app: App, data: dict[str, list[dict[str, str]]]) -> None:
    prices = {i["product_id"]: i["price"] for i in data["order_items"]}
    with app.uow() as uow:
        add_store(uow, "olist", "own", name="Olist marketplace", timezone="America/Sao_Paulo")
        product = factories.add_product(uow, "OLIST", factories.add_category(uow, "olist"))
        uow.session.execute(insert(Sku), [
            {"code": code, "product_id": product.id, "name": code, "attributes": {},
             "price": Decimal(price), "cost": Decimal(0), "listed_at": None, "active": True}
            for code, price in prices.items()])


def test_olist_orders_give_the_raw_files_late_delivery_share(
        app: App, olist: dict[str, list[dict[str, str]]]) -> None:
    setup_store(app, olist)
    mapping = ColumnMapping.from_json(MAPPING.read_text(encoding="utf-8"))
    with app.uow() as uow:
        summary = import_orders(uow, [("olist_orders_flat.csv", flat_export(olist))], "olist",
                                mapping=mapping)

    with_items = {i["order_id"] for i in olist["order_items"]}
    orders = olist["orders"]
    assert summary.platform == "generic" and summary.encoding == "utf-8"
    assert summary.read == len(orders) == 15_000
    assert summary.new == len(with_items) == 14_885
    assert summary.rejected == len(orders) - len(with_items)
    with app.reader() as uow:
        problems = import_report(uow, summary.import_id)["problems"]
        assert {p["column"] for p in problems} <= {"product_id", "quantity", "price"}
        statuses = dict(uow.session.execute(
            select(Order.status, func.count(Order.id)).group_by(Order.status)).all())
        result = late_delivery(uow, "olist")
    expected_statuses = Counter(STATUS[o["order_status"]] for o in orders
                                if o["order_id"] in with_items)
    assert statuses == dict(expected_statuses)

    delivered, late = raw_late_count(orders)
    assert (result.delivered, result.late) == (delivered, late) == (14_552, 957)
    assert result.share == (Decimal(late) / Decimal(delivered)).quantize(Decimal("0.0001"))
    assert result.as_json()["late_share"] == "0.0658"

    with app.uow() as uow:
        create_user(uow, "ops", "correct horse battery")
    with TestClient(create_app(app)) as client:
        client.post("/login", data={"username": "ops", "password": "correct horse battery"})
        body = client.get("/api/v1/orders/late-delivery", params={"store": "olist"}).json()
        assert body == {"delivered": 14_552, "late": 957, "late_share": "0.0658"}

    with app.uow() as uow:  # the same file again changes nothing
        again = import_orders(uow, [("olist_orders_flat.csv", flat_export(olist))], "olist",
                              mapping=mapping)
    assert (again.new, again.updated, again.unchanged) == (0, 0, summary.new)
