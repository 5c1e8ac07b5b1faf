"""Later exports of orders already imported: line-level changes and the fingerprints that make
an unchanged re-import cheap (issue 4, import semantics)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from shopops.bootstrap import App
from shopops.orders.import_models import OrderFingerprint
from shopops.orders.importers import ColumnMapping
from shopops.orders.models import Order, OrderLine
from tests.importers.fixtures import PDD_HEADERS, csv_bytes
from tests.integration.test_order_imports import (
    counts,
    facts,
    order_of,
    pdd_file,
    pdd_row,
    run_import,
    setup_shop,
)

HEADERS = ["单号", "状态", "下单时间", "付款时间", "SKU", "数量", "单价", "行退款"]
MAPPING = ColumnMapping({
    "单号": "channel_order_no", "状态": "status", "下单时间": "created_at",
    "付款时间": "paid_at", "SKU": "sku_code", "数量": "quantity", "单价": "unit_price",
    "行退款": "line_refund_amount"})


def own_file(*lines: tuple[str, str, int, str, str]) -> dict[str, bytes]:
    """(order no, SKU, quantity, unit price, line refund) per line; all 已完成."""
    rows = [{"单号": number, "状态": "已完成", "下单时间": "2026-11-20 10:00:00",
             "付款时间": "2026-11-20 10:01:00", "SKU": sku, "数量": quantity, "单价": price,
             "行退款": refund} for number, sku, quantity, price, refund in lines]
    return {"own.csv": csv_bytes(HEADERS, rows)}


def lines_of(app: App, number: str) -> list[tuple[int, int, Decimal, Decimal]]:
    """(sku id, quantity, paid, refund) of an order's lines, in stored order."""
    with app.reader() as uow:
        order_id = uow.session.scalars(select(Order.id).where(
            Order.channel_order_no == number)).one()
        return [(line.sku_id, line.quantity, line.paid_amount, line.refund_amount)
                for line in uow.session.scalars(select(OrderLine).where(
                    OrderLine.order_id == order_id).order_by(OrderLine.id))]


def test_a_refund_on_one_line_updates_that_line_and_the_order_with_one_fact(app: App) -> None:
    setup_shop(app)
    run_import(app, "own-1", own_file(("W-1", "OWN-1", 1, "30.00", "0"),
                                      ("W-1", "OWN-2", 2, "10.00", "0")), mapping=MAPPING)
    before = len(facts(app))
    later = run_import(app, "own-1", own_file(("W-1", "OWN-1", 1, "30.00", "30.00"),
                                              ("W-1", "OWN-2", 2, "10.00", "0")),
                       mapping=MAPPING)
    assert (later.updated, later.unchanged, later.rejected) == (1, 0, 0)
    assert [(paid, refund) for _, _, paid, refund in lines_of(app, "W-1")] == [
        (Decimal("30.00"), Decimal("30.00")), (Decimal("20.00"), Decimal("0.00"))]
    assert order_of(app, "W-1").refund_amount == Decimal("30.00")
    [fact] = facts(app)[before:]
    assert (fact.kind, fact.data["changed"], fact.data["added"], fact.data["import_id"]) == (
        "order.lines_updated", 1, 0, later.import_id)
    again = run_import(app, "own-1", own_file(("W-1", "OWN-1", 1, "30.00", "30.00"),
                                              ("W-1", "OWN-2", 2, "10.00", "0")),
                       mapping=MAPPING)
    assert (again.updated, again.unchanged) == (0, 1)
    assert len(facts(app)) == before + 1


def test_a_line_added_by_a_later_export_is_stored_and_the_amounts_follow(app: App) -> None:
    setup_shop(app)
    run_import(app, "own-1", own_file(("W-2", "OWN-1", 1, "30.00", "0")), mapping=MAPPING)
    later = run_import(app, "own-1", own_file(("W-2", "OWN-1", 1, "30.00", "0"),
                                              ("W-2", "OWN-2", 1, "15.00", "0")),
                       mapping=MAPPING)
    assert later.updated == 1
    assert [(quantity, paid) for _, quantity, paid, _ in lines_of(app, "W-2")] == [
        (1, Decimal("30.00")), (1, Decimal("15.00"))]
    order = order_of(app, "W-2")
    assert (order.goods_amount, order.paid_amount) == (Decimal("45.00"), Decimal("45.00"))
    assert facts(app)[-1].kind == "order.lines_updated" and facts(app)[-1].data["added"] == 1


def test_an_export_without_a_stored_line_is_reported_and_not_applied(app: App) -> None:
    setup_shop(app)
    run_import(app, "own-1", own_file(("W-3", "OWN-1", 1, "30.00", "0"),
                                      ("W-3", "OWN-2", 1, "15.00", "0")), mapping=MAPPING)
    before = counts(app)
    fewer = run_import(app, "own-1", own_file(("W-3", "OWN-1", 1, "30.00", "0")),
                       mapping=MAPPING)
    assert (fewer.updated, fewer.rejected) == (0, 1)
    assert len(lines_of(app, "W-3")) == 2
    assert order_of(app, "W-3").goods_amount == Decimal("45.00")
    assert {k: v for k, v in counts(app).items() if not k.startswith("import_")} == {
        k: v for k, v in before.items() if not k.startswith("import_")}


def test_every_imported_order_has_a_fingerprint_and_a_reshuffled_file_is_still_unchanged(
        app: App) -> None:
    setup_shop(app)
    rows = [pdd_row(1), pdd_row(2, "已发货，待签收"), pdd_row(3, "已收货")]
    first = run_import(app, "pdd-1", pdd_file(rows))
    with app.reader() as uow:
        prints = uow.session.scalar(select(func.count()).select_from(OrderFingerprint))
    assert (first.new, prints) == (3, 3)
    # same orders, columns in another order and rows reversed: parsed, compared, unchanged
    reshuffled = {"pdd.csv": csv_bytes(list(reversed(PDD_HEADERS)), list(reversed(rows)))}
    before = counts(app)
    again = run_import(app, "pdd-1", reshuffled)
    assert (again.read, again.new, again.updated, again.unchanged, again.rejected) == (
        3, 0, 0, 3, 0)
    assert {k: v for k, v in counts(app).items() if not k.startswith("import_")} == {
        k: v for k, v in before.items() if not k.startswith("import_")}
    # and a later export still moves a status forward after fingerprints were replaced
    later = run_import(app, "pdd-1", pdd_file([pdd_row(1, "已收货")]))
    assert (later.updated, order_of(app, "261121-000000000000001").status) == (1, "completed")
