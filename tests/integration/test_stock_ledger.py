"""The stock ledger's use cases on SQLite and PostgreSQL: receipts, reservations with expiry,
shipments, returns (restock / quarantine), stocktake, transfers in transit — and the ledger
staying consistent (在库 = Σ moves, 占用 = Σ active reservations) whatever happens."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shopops.bootstrap import App
from shopops.core.errors import (
    Conflict,
    InsufficientStock,
    NotFound,
    ValidationError,
)
from shopops.db.facts import Fact
from shopops.inventory import ledger
from shopops.inventory import service as stock
from shopops.inventory.models import Reservation, StockBalance, StockMove, Warehouse
from tests.conftest import make_app
from tests.factories import MovingClock, add_category, add_product, add_sku

HOUR = timedelta(hours=1)
T0 = datetime(2026, 11, 11, 0, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(T0)


@pytest.fixture
def shop(app: App, database_url: str, clock: MovingClock) -> Iterator[App]:
    """SKUs A, B, C and warehouses WH-E (华东) and WH-S (华南), on a clock the test moves."""
    with app.uow() as uow:
        product = add_product(uow, "P1", add_category(uow, "C1"))
        for code in ("A", "B", "C"):
            add_sku(uow, code, product, price="10", cost="5")
        uow.session.add_all([Warehouse(code="WH-E", name="华东仓", region="华东"),
                             Warehouse(code="WH-S", name="华南仓", region="华南")])
    clocked = make_app(database_url, clock)
    try:
        yield clocked
    finally:
        clocked.dispose()


def level(app: App, sku: str, warehouse: str) -> stock.StockLevel:
    with app.reader() as uow:
        levels = stock.stock_levels(uow, sku=sku, warehouse=warehouse)
    assert len(levels) == 1
    return levels[0]


def counts(app: App, sku: str, warehouse: str) -> tuple[int, int, int, int]:
    lv = level(app, sku, warehouse)
    return lv.on_hand, lv.reserved, lv.available, lv.in_transit


def fact_kinds(app: App) -> list[str]:
    with app.reader() as uow:
        return list(uow.session.scalars(select(Fact.kind).order_by(Fact.id)))


def receive(app: App, sku: str, warehouse: str, qty: int) -> None:
    with app.uow() as uow:
        stock.receive(uow, sku, warehouse, qty, "PO-1")


def test_receive_reserve_ship_and_release(shop: App) -> None:
    receive(shop, "A", "WH-E", 10)
    with shop.uow() as uow:
        shipped = stock.reserve(uow, [("A", 3)], "ORDER-1", HOUR)
        cancelled = stock.reserve(uow, [("A", 2)], "ORDER-2", HOUR)
    assert counts(shop, "A", "WH-E") == (10, 5, 5, 0)
    with shop.uow() as uow:
        stock.ship(uow, shipped[0])
        stock.release(uow, cancelled[0])
    assert counts(shop, "A", "WH-E") == (7, 0, 7, 0)
    with shop.uow() as uow, pytest.raises(Conflict, match="fulfilled"):
        stock.release(uow, shipped[0])
    assert fact_kinds(shop) == ["stock.received", "stock.reserved", "stock.reserved",
                                "stock.shipped", "stock.released"]


def test_reserve_takes_warehouses_in_a_stable_order_or_the_one_given(shop: App) -> None:
    receive(shop, "A", "WH-E", 4)
    receive(shop, "A", "WH-S", 5)
    with shop.uow() as uow:
        ids = stock.reserve(uow, [("A", 6)], "ORDER-1", HOUR)
        taken = [(r.warehouse_id, r.quantity) for r in
                 uow.session.scalars(select(Reservation).order_by(Reservation.id))]
    assert len(ids) == 2 and [q for _, q in taken] == [4, 2]
    with shop.uow() as uow:
        stock.reserve(uow, [("A", 3)], "ORDER-2", HOUR, warehouse="WH-S")
    assert counts(shop, "A", "WH-S")[:3] == (5, 5, 0)
    with shop.uow() as uow, pytest.raises(InsufficientStock):
        stock.reserve(uow, [("A", 1)], "ORDER-3", HOUR, warehouse="WH-E")


def test_insufficient_stock_names_every_short_sku_and_changes_nothing(shop: App) -> None:
    receive(shop, "A", "WH-E", 5)
    receive(shop, "B", "WH-S", 1)
    receive(shop, "C", "WH-E", 10)
    with shop.uow() as uow, pytest.raises(InsufficientStock) as err:
        stock.reserve(uow, [("C", 2), ("A", 4), ("B", 3), ("A", 2)], "ORDER-1", HOUR)
        # even if the caller goes on and commits, the refused order left nothing behind
    assert err.value.code == "inventory.insufficient_stock"
    assert err.value.details["shortages"] == [
        {"sku": "A", "requested": 6, "available": 5, "shortfall": 1},
        {"sku": "B", "requested": 3, "available": 1, "shortfall": 2},
    ]
    assert "A short by 1" in err.value.message and "B short by 2" in err.value.message
    assert counts(shop, "A", "WH-E")[:3] == (5, 0, 5)
    assert counts(shop, "C", "WH-E")[:3] == (10, 0, 10)
    with shop.reader() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Reservation)) == 0
        assert uow.session.scalar(select(func.count()).where(StockMove.kind == "reservation")) == 0
    assert "stock.reserved" not in fact_kinds(shop)


def test_expired_reservations_never_count_and_are_swept(shop: App, clock: MovingClock) -> None:
    receive(shop, "A", "WH-E", 10)
    with shop.uow() as uow:
        first = stock.reserve(uow, [("A", 4)], "ORDER-1", timedelta(minutes=15))[0]
        stock.reserve(uow, [("A", 6)], "ORDER-2", timedelta(minutes=30))
    clock.at = T0 + timedelta(minutes=20)
    assert counts(shop, "A", "WH-E")[:3] == (10, 6, 4)  # the expired 4 do not count
    with shop.uow() as uow, pytest.raises(Conflict, match="expired"):
        stock.ship(uow, first)
    with shop.uow() as uow:  # reserving sweeps the SKU's expired reservations first
        stock.reserve(uow, [("A", 4)], "ORDER-3", HOUR)
    clock.at = T0 + 2 * HOUR
    with shop.uow() as uow:
        assert stock.sweep_expired_reservations(uow) == 2
    with shop.uow() as uow:
        assert stock.sweep_expired_reservations(uow) == 0
        statuses = sorted(uow.session.scalars(select(Reservation.status)))
        balance = uow.session.scalars(select(StockBalance)).one()
    assert statuses == ["expired", "expired", "expired"]
    assert (balance.on_hand, balance.reserved) == (10, 0)
    assert fact_kinds(shop).count("stock.reservation_expired") == 3


def test_transfer_is_in_transit_until_received(shop: App) -> None:
    receive(shop, "A", "WH-E", 10)
    with shop.uow() as uow:
        transfer = stock.transfer_out(uow, "A", "WH-E", "WH-S", 4, "TR-1")
    assert counts(shop, "A", "WH-E") == (6, 0, 6, 0)
    assert counts(shop, "A", "WH-S") == (0, 0, 0, 4)  # 在途, not yet 可用
    with shop.uow() as uow:
        stock.transfer_in(uow, transfer)
    assert counts(shop, "A", "WH-S") == (4, 0, 4, 0)
    with shop.uow() as uow, pytest.raises(Conflict, match="already received"):
        stock.transfer_in(uow, transfer)
    with shop.uow() as uow, pytest.raises(InsufficientStock, match="available 6"):
        stock.transfer_out(uow, "A", "WH-E", "WH-S", 7)
    with shop.uow() as uow, pytest.raises(ValidationError) as err:
        stock.transfer_out(uow, "A", "WH-E", "WH-E", 1)
    assert err.value.field == "to_warehouse"


def test_returns_restock_or_wait_in_quarantine(shop: App) -> None:
    receive(shop, "A", "WH-E", 1)
    with shop.uow() as uow:
        assert stock.return_goods(uow, "A", "WH-E", 2, True, "7天无理由") == "WH-E"
        assert stock.return_goods(uow, "A", "WH-E", 3, False, "破损待检") == "WH-E-QC"
        assert stock.return_goods(uow, "A", "WH-E", 1, False, "破损待检") == "WH-E-QC"
    assert counts(shop, "A", "WH-E") == (3, 0, 3, 0)
    quarantine = level(shop, "A", "WH-E-QC")
    assert (quarantine.on_hand, quarantine.available, quarantine.sellable) == (4, 0, False)
    with shop.uow() as uow, pytest.raises(InsufficientStock):
        stock.reserve(uow, [("A", 4)], "ORDER-1", HOUR)  # quarantined units are never sold
    with shop.uow() as uow, pytest.raises(ValidationError) as err:
        stock.reserve(uow, [("A", 1)], "ORDER-1", HOUR, warehouse="WH-E-QC")
    assert err.value.field == "warehouse"
    with shop.uow() as uow:  # inspected and passed: back to the shelf
        stock.transfer_in(uow, stock.transfer_out(uow, "A", "WH-E-QC", "WH-E", 4))
    assert counts(shop, "A", "WH-E") == (7, 0, 7, 0)


def test_stocktake_adjustment_needs_a_reason_and_keeps_reserved_units(shop: App) -> None:
    receive(shop, "A", "WH-E", 10)
    with shop.uow() as uow:
        stock.reserve(uow, [("A", 6)], "ORDER-1", HOUR)
        stock.adjust(uow, "A", "WH-E", -3, "盘点差异")
        stock.adjust(uow, "C", "WH-S", 2, "盘盈")
    assert counts(shop, "A", "WH-E") == (7, 6, 1, 0)
    assert counts(shop, "C", "WH-S")[:3] == (2, 0, 2)
    with shop.uow() as uow, pytest.raises(InsufficientStock, match="available 1"):
        stock.adjust(uow, "A", "WH-E", -2, "破损")
    with shop.uow() as uow, pytest.raises(ValidationError) as err:
        stock.adjust(uow, "A", "WH-E", -1, "")
    assert err.value.field == "reason"


@pytest.mark.parametrize(("call", "field", "message"), [
    (lambda uow: stock.receive(uow, "A", "WH-E", -3, "PO"), "quantity",
     "quantity must be a positive whole number, got -3"),
    (lambda uow: stock.receive(uow, "NOPE", "WH-E", 1, "PO"), "sku", "unknown SKU 'NOPE'"),
    (lambda uow: stock.receive(uow, "A", "WH-X", 1, "PO"), "warehouse",
     "unknown warehouse 'WH-X'"),
    (lambda uow: stock.reserve(uow, [("A", 1), ("B", 0)], "O", HOUR), "lines[1].quantity",
     "lines[1].quantity must be a positive whole number, got 0"),
    (lambda uow: stock.reserve(uow, [], "O", HOUR), "lines", "lines must name"),
    (lambda uow: stock.reserve(uow, [("A", 1)], "", HOUR), "reference", "reference is required"),
    (lambda uow: stock.adjust(uow, "A", "WH-E", 0, "x"), "delta", "delta must be"),
    (lambda uow: stock.release(uow, 999), "reservation_id", "unknown reservation 999"),
    (lambda uow: stock.transfer_in(uow, 999), "transfer_id", "unknown transfer 999"),
    (lambda uow: stock.transfer_out(uow, "A", "WH-E", "WH-X", 1), "to_warehouse",
     "unknown warehouse 'WH-X'"),
])
def test_bad_input_names_the_field(shop: App, call: object, field: str, message: str) -> None:
    assert callable(call)
    with shop.uow() as uow, pytest.raises((ValidationError, NotFound)) as err:
        call(uow)
    assert err.value.field == field
    assert message in err.value.message


def _random_operation(rnd: random.Random, app: App, open_ids: list[int],
                      transfers: list[int]) -> None:
    sku, wh, other = rnd.choice("ABC"), *rnd.sample(["WH-E", "WH-S"], 2)
    qty = rnd.randint(1, 8)
    op = rnd.choice(["receive", "reserve", "reserve", "release", "ship", "adjust",
                     "transfer_out", "transfer_in", "return"])
    with app.uow() as uow:
        if op == "receive":
            stock.receive(uow, sku, wh, qty, "PO")
        elif op == "reserve":
            lines = [(s, rnd.randint(1, 6)) for s in rnd.sample("ABC", rnd.randint(1, 3))]
            open_ids += stock.reserve(uow, lines, "O", HOUR, rnd.choice([None, wh]))
        elif op in ("release", "ship") and open_ids:
            rid = open_ids.pop(rnd.randrange(len(open_ids)))
            (stock.release if op == "release" else stock.ship)(uow, rid)
        elif op == "adjust":
            stock.adjust(uow, sku, wh, rnd.choice([qty, -qty]), "盘点")
        elif op == "transfer_out":
            transfers.append(stock.transfer_out(uow, sku, wh, other, qty))
        elif op == "transfer_in" and transfers:
            stock.transfer_in(uow, transfers.pop(0))
        elif op == "return":
            stock.return_goods(uow, sku, wh, qty, rnd.random() < 0.5, "退货")


def test_ledger_stays_consistent_after_random_service_calls(shop: App) -> None:
    rnd, open_ids, transfers = random.Random(20261111), [], []
    refused = 0
    for _ in range(150):
        try:
            _random_operation(rnd, shop, open_ids, transfers)
        except InsufficientStock:
            refused += 1
    assert refused > 0
    with shop.reader() as uow:
        moves: dict[tuple[int, int], list[tuple[str, int]]] = {}
        for move in uow.session.scalars(select(StockMove).order_by(StockMove.id)):
            moves.setdefault((move.sku_id, move.warehouse_id), []).append(
                (move.kind, move.quantity))
        active = dict(((s, w), int(n)) for s, w, n in uow.session.execute(
            select(Reservation.sku_id, Reservation.warehouse_id, func.sum(Reservation.quantity))
            .where(Reservation.status == "active")
            .group_by(Reservation.sku_id, Reservation.warehouse_id)))
        balances = list(uow.session.scalars(select(StockBalance)))
        assert {(b.sku_id, b.warehouse_id) for b in balances} >= set(moves)
        for b in balances:
            replayed = ledger.replay(moves.get((b.sku_id, b.warehouse_id), []))
            assert (b.on_hand, b.reserved) == (replayed.on_hand, replayed.reserved)
            assert b.reserved == active.get((b.sku_id, b.warehouse_id), 0)
            assert b.on_hand >= b.reserved >= 0
        in_transit = sum(lv.in_transit for lv in stock.stock_levels(uow))
    assert in_transit == sum(-q for ms in moves.values() for k, q in ms if k == "transfer_out") \
        - sum(q for ms in moves.values() for k, q in ms if k == "transfer_in")
