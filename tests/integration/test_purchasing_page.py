"""/purchasing names each purchase order's supplier by its name (义乌工厂), not its code (S1),
on the page and in the Excel export, on SQLite and PostgreSQL."""

from __future__ import annotations

from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from shopops.accounts.service import create_user
from shopops.bootstrap import App
from shopops.inventory import purchasing_service as po
from shopops.inventory.models import Warehouse
from shopops.web.app import create_app
from tests.factories import add_category, add_product, add_sku

USER, PASSWORD = "buyer", "correct horse battery"


def test_purchase_orders_show_the_supplier_name(app: App) -> None:
    with app.uow() as uow:
        create_user(uow, USER, PASSWORD)
        add_sku(uow, "A", add_product(uow, "P1", add_category(uow, "C1")), price="10",
                cost="5")
        uow.session.add(Warehouse(code="WH-E", name="华东仓", region="华东"))
        uow.session.flush()
        po.add_supplier(uow, "S1", "义乌工厂", lead_time_days=10)
        po.add_supplier(uow, "S2", "广州档口", lead_time_days=4)
        first = po.create_purchase_order(uow, "S1", [{"sku": "A", "warehouse": "WH-E",
                                                      "quantity": 12, "unit_price": "5"}])
        second = po.create_purchase_order(uow, "S2", [{"sku": "A", "warehouse": "WH-E",
                                                       "quantity": 3, "unit_price": "6"}])
    with TestClient(create_app(app)) as client:
        client.post("/login", data={"username": USER, "password": PASSWORD})
        page = client.get("/purchasing")
        assert page.status_code == 200
        for order, code, name in ((first, "S1", "义乌工厂"), (second, "S2", "广州档口")):
            row = page.text.split(f'data-po="{order["code"]}"', 1)[1].split("</tr>", 1)[0]
            assert (f'data-col="supplier" data-value="{code}" title="{code}">{name}</td>'
                    in row)
        book = load_workbook(BytesIO(client.get("/purchasing/export.xlsx").content))
        sheet = book["采购单"]
        rows = list(sheet.iter_rows(values_only=True))
        column = rows[0].index("供应商")
        assert {(r[0], r[column]) for r in rows[1:]} == {(first["code"], "义乌工厂"),
                                                         (second["code"], "广州档口")}
