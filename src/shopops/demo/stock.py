"""库存: warehouses, a consistent stock ledger for the last months (opening stocktake,
purchase receipts, daily batch shipments) and balances that equal the ledger's sum.

Replenishment follows a simple (s, S) rule — reorder below ~15 days of cover, fill up to
30–50 days — except for the planted cases: one best-seller whose purchase order is late
(under 3 days of cover left) and a few slow movers sitting on months of stock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shopops.demo.catalog import SHANGHAI, Catalog
from shopops.demo.data import WAREHOUSES

Row = dict[str, Any]
LEDGER_DAYS = 90  # the ledger starts with a stocktake (期初盘点) this many days back
REORDER_DAYS = 15
LATE_PO_DAYS = 20  # the planted best-seller's last receipt was this long ago
RUN_OUT_COVER = 1.3  # days of cover it has left


@dataclass
class Ledger:
    moves: list[Row] = field(default_factory=list)
    balances: list[Row] = field(default_factory=list)
    as_of: datetime | None = None  # no move later than this


def warehouse_rows() -> list[Row]:
    return [{"id": i + 1, "code": code, "name": name, "region": region}
            for i, (code, name, region) in enumerate(WAREHOUSES)]


def pick_best_seller(units: NDArray[np.int64], exclude: list[int]) -> int:
    """The top seller of the last 30 days (units), other than the planted drop SKU."""
    recent = units[-30:].sum(axis=0).astype(np.float64)
    recent[exclude] = -1
    return int(np.argmax(recent))


def build_ledger(rng: np.random.Generator, cat: Catalog, days: list[date],
                 shipments: NDArray[np.int64], units: NDArray[np.int64], best_seller: int,
                 slow_skus: NDArray[np.int64], as_of: datetime | None = None) -> Ledger:
    """shipments: ledger day × sku × warehouse units shipped; units: day × sku units sold.
    as_of (the demo's now): the last day's receipt (09:00) and shipment batch (20:00) are
    booked at as_of when that is earlier — no move is dated in the future."""
    window, n_sku, n_wh = shipments.shape
    first = days[len(days) - window]
    rate = shipments.mean(axis=0)
    cover = rng.uniform(30, 50, (n_sku, 1))
    up_to = np.ceil(rate * cover).astype(np.int64) + (rate > 0)
    reorder = np.ceil(rate * REORDER_DAYS).astype(np.int64)
    reorder[slow_skus] = -1  # nobody re-orders a slow mover
    balance = up_to.copy()
    balance[slow_skus] = rng.integers(60, 180, (len(slow_skus), n_wh))  # bought too much
    ledger = Ledger(as_of=as_of)
    for s, w in zip(*np.nonzero(balance), strict=True):
        _move(ledger, cat, first, 0, s, w, "adjustment", int(balance[s, w]), "STK-OPEN", "期初盘点")
    late_po_day = max(window - LATE_PO_DAYS, 0)
    avg30 = float(units[-30:, best_seller].sum()) / 30.0
    for t in range(window):
        ship = shipments[t]
        receipt = np.where(balance - ship < reorder, up_to + ship - balance, 0)
        receipt = np.maximum(receipt, ship - balance)  # never ship what is not there
        if t == late_po_day:  # planted: the last receipt before the supplier runs late
            receipt[best_seller] = _late_po(shipments[t:, best_seller], balance[best_seller],
                                            int(np.floor(RUN_OUT_COVER * avg30)))
        elif t > late_po_day:
            receipt[best_seller] = np.maximum(ship[best_seller] - balance[best_seller], 0)
        for s, w in zip(*np.nonzero(receipt), strict=True):
            kind = "receipt" if receipt[s, w] > 0 else "adjustment"
            _move(ledger, cat, days[len(days) - window + t], 9, s, w, kind, int(receipt[s, w]),
                  f"PO-{days[len(days) - window + t]:%Y%m%d}-{s + 1:03d}",
                  "采购入库" if kind == "receipt" else "盘点差异")
        balance += receipt
        for s, w in zip(*np.nonzero(ship), strict=True):
            day = days[len(days) - window + t]
            _move(ledger, cat, day, 20, s, w, "shipment", -int(ship[s, w]), f"SHIP-{day:%Y%m%d}",
                  "订单发货 (日批)")
        balance -= ship
    assert (balance >= 0).all(), "stock ledger went negative"
    _balances(ledger, cat, balance)
    return ledger


def _late_po(remaining: NDArray[np.int64], balance: NDArray[np.int64],
             final_total: int) -> NDArray[np.int64]:
    """Receive just enough to ship what is still coming and end with `final_total` units."""
    final = np.zeros_like(balance)
    final[int(np.argmax(remaining.sum(axis=0)))] = final_total
    return np.asarray(remaining.sum(axis=0) + final - balance, dtype=np.int64)


def _move(ledger: Ledger, cat: Catalog, day: date, hour: int, sku: int, wh: int, kind: str,
          quantity: int, reference: str, reason: str) -> None:
    at = datetime.combine(day, time(hour), SHANGHAI)
    if ledger.as_of is not None:
        at = min(at, ledger.as_of)
    ledger.moves.append({"id": len(ledger.moves) + 1, "sku_id": int(cat.sku_ids[sku]),
                         "warehouse_id": int(wh) + 1, "kind": kind, "quantity": quantity,
                         "occurred_at": at, "reference": reference, "reason": reason})


def _balances(ledger: Ledger, cat: Catalog, balance: NDArray[np.int64]) -> None:
    last: dict[tuple[int, int], datetime] = {}
    for move in ledger.moves:
        last[(move["sku_id"], move["warehouse_id"])] = move["occurred_at"]
    start = min((m["occurred_at"] for m in ledger.moves), default=datetime.now(SHANGHAI))
    for s in range(balance.shape[0]):
        for w in range(balance.shape[1]):
            key = (int(cat.sku_ids[s]), w + 1)
            ledger.balances.append({"sku_id": key[0], "warehouse_id": key[1],
                                    "on_hand": int(balance[s, w]), "reserved": 0,
                                    "updated_at": last.get(key, start)})


def move_facts(moves: list[Row]) -> list[Row]:
    return [{"kind": "stock.moved", "occurred_at": m["occurred_at"], "store_id": None,
             "entity": "sku", "entity_id": m["sku_id"],
             "data": {"warehouse_id": m["warehouse_id"], "move_kind": m["kind"],
                      "quantity": m["quantity"], "reference": m["reference"]}}
            for m in moves]

