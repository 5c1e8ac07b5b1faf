"""供应商与采购历史 of the demo shop: suppliers per category with lead times, MOQ, case packs and
return policies; per-SKU terms (a preferred supplier, a backup for most SKUs); and a purchase
order behind every receipt of the stock ledger, so the ledger and the orders tell one story.

Each receipt move (reference `PO-YYYYMMDD-nnn`) becomes the delivery of a purchase order with
that code: sent the supplier's actual lead time before (on time, or 1–6 days late at the
supplier's own rate), some delivered short (the rest closed, 短交关闭) and some with defective
units refused at inspection (not in the ledger, which holds the accepted units). At the end a
few orders are still open: the planted best seller's order is overdue, a few orders are on
their way, a few came partly. Deterministic for a seed (its own random stream, so the rest of
the demo is unchanged)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from shopops.db.registry import Base
from shopops.demo.catalog import SHANGHAI
from shopops.inventory.models import StockMove

Row = dict[str, Any]
TABLES = Base.metadata.tables

# code, name, kind, lead time, its std, MOQ, case pack, price factor, late rate, short rate,
# defect rate, return policy
SUPPLIERS = (
    ("SUP-HZ-APP", "杭州四季青服饰厂", "apparel", 12, "3", 50, 20, "1.00", 0.30, 0.15, 0.20,
     "质量问题 30 天内包退包换"),
    ("SUP-GZ-APP", "广州十三行档口", "apparel", 5, "1.5", 20, 10, "1.08", 0.05, 0.05, 0.05,
     "次品 7 天内换货"),
    ("SUP-SZ-DIG", "深圳华强北电子", "digital", 9, "2", 20, 10, "1.00", 0.10, 0.10, 0.04,
     "一年保修，次品包退"),
    ("SUP-DG-DIG", "东莞代工厂", "digital", 20, "5", 100, 50, "0.94", 0.40, 0.20, 0.08,
     "批次不良率超 3% 整批退货"),
    ("SUP-YW-FOOD", "义乌食品批发", "food", 4, "1", 24, 24, "1.00", 0.08, 0.10, 0.02,
     "临期 30 天内包退"),
    ("SUP-FS-HOME", "佛山家居制造", "home", 15, "4", 30, 6, "1.00", 0.25, 0.10, 0.06,
     "破损包退"),
    ("SUP-YW-HOME", "义乌小商品城", "home", 7, "2", 12, 12, "1.05", 0.10, 0.05, 0.03,
     "不退不换（质量问题除外）"),
)
KIND_CASE = {"apparel": (10, 20), "digital": (5, 10, 20), "food": (12, 24), "home": (4, 6, 12)}
IN_TRANSIT_ORDERS = 6
PARTIAL_ORDERS = 3
BACKUP_SHARE = 0.2


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def build_purchasing(conn: Connection, seed: int, end: date, run_out_sku_id: int,
                     as_of: datetime | None = None) -> dict[str, int]:
    """Write suppliers, terms and the purchase history (nothing later than `as_of`, the demo's
    now; default the close of `end`); returns the row counts."""
    as_of = as_of or datetime.combine(end, time(23, 59, 59), SHANGHAI)
    rng = np.random.default_rng(seed + 9009)
    created = _at(end - timedelta(days=730), 9)
    suppliers = [{"id": i + 1, "code": s[0], "name": s[1], "contact": None,
                  "lead_time_days": s[3], "lead_time_sigma_days": Decimal(s[4]), "moq": s[5],
                  "case_pack": s[6], "return_policy": s[11], "active": True,
                  "created_at": created} for i, s in enumerate(SUPPLIERS)]
    skus = conn.execute(select(TABLES["skus"].c.id, TABLES["skus"].c.cost,
                               TABLES["categories"].c.kind)
                        .join(TABLES["products"], TABLES["products"].c.id
                              == TABLES["skus"].c.product_id)
                        .join(TABLES["categories"], TABLES["categories"].c.id
                              == TABLES["products"].c.category_id)
                        .order_by(TABLES["skus"].c.id)).all()
    terms, preferred = _terms(rng, skus)
    orders, lines, receipts = _history(conn, rng, preferred, terms, end, run_out_sku_id, as_of)
    for name, rows in (("suppliers", suppliers), ("supplier_terms", terms),
                       ("purchase_orders", orders), ("purchase_order_lines", lines),
                       ("purchase_receipts", receipts)):
        if rows:
            conn.execute(TABLES[name].insert(), rows)
    return {"suppliers": len(suppliers), "purchase_orders": len(orders)}


def _terms(rng: np.random.Generator, skus: Sequence[Any]
           ) -> tuple[list[Row], dict[int, list[int]]]:
    """Every SKU gets its category's first supplier as preferred; 80% also get a backup."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(SUPPLIERS):
        by_kind[s[2]].append(i)
    terms: list[Row] = []
    preferred: dict[int, list[int]] = {}
    for sku_id, cost, kind in skus:
        options = by_kind[kind]
        case = int(rng.choice(KIND_CASE[kind]))
        ranked = [options[0]] + ([options[1]] if len(options) > 1 and rng.random() < 0.8
                                 else [])
        for priority, sup in enumerate(ranked, start=1):
            spec = SUPPLIERS[sup]
            price = (Decimal(cost) * Decimal(spec[7])
                     * Decimal(str(round(rng.uniform(0.97, 1.03), 3)))).quantize(Decimal("0.01"))
            terms.append({"id": len(terms) + 1, "supplier_id": sup + 1, "sku_id": int(sku_id),
                          "unit_price": price, "moq": spec[5], "case_pack": case,
                          "lead_time_days": None, "priority": priority})
        preferred[int(sku_id)] = ranked
    return terms, preferred


def _history(conn: Connection, rng: np.random.Generator, preferred: dict[int, list[int]],
             terms: list[Row], end: date, run_out: int, as_of: datetime
             ) -> tuple[list[Row], list[Row], list[Row]]:
    m = StockMove.__table__.c
    moves = conn.execute(select(m.sku_id, m.warehouse_id, m.quantity, m.occurred_at,
                                m.reference).where(m.kind == "receipt", m.quantity > 0)
                         .order_by(m.occurred_at, m.sku_id, m.warehouse_id)).all()
    price = {(t["supplier_id"], t["sku_id"]): t["unit_price"] for t in terms}
    grouped: dict[str, list[Any]] = defaultdict(list)
    for move in moves:
        grouped[str(move.reference)].append(move)
    orders: list[Row] = []
    lines: list[Row] = []
    receipts: list[Row] = []
    codes = sorted(grouped, key=lambda c: (grouped[c][0].occurred_at, c))
    partial = set(codes[-PARTIAL_ORDERS:]) if len(codes) > PARTIAL_ORDERS else set()
    for code in codes:
        group = grouped[code]
        sku_id = int(group[0].sku_id)
        ranked = preferred.get(sku_id, [0])
        # one order in five goes to the backup supplier (when there is one)
        sup = ranked[-1] if len(ranked) > 1 and rng.random() < BACKUP_SHARE else ranked[0]
        spec = SUPPLIERS[sup]
        received_at = group[0].occurred_at.astimezone(SHANGHAI)
        lead = max(round(float(rng.normal(spec[3] - 1, float(spec[4]) / 2))), 1)
        if rng.random() < spec[8]:
            lead = spec[3] + int(rng.integers(1, 7))  # late
        sent = received_at.date() - timedelta(days=lead)
        short = code in partial or rng.random() < spec[9]
        po_id = len(orders) + 1
        status = "partially_received" if code in partial else "cancelled" if short else "received"
        orders.append({"id": po_id, "code": code, "supplier_id": sup + 1, "status": status,
                       "created_at": _at(sent, 10), "sent_at": _at(sent, 11),
                       "expected_on": sent + timedelta(days=spec[3]),
                       "closed_at": None if status == "partially_received"
                       else min(received_at + timedelta(hours=1), as_of), "note": None})
        for move in group:
            accepted = int(move.quantity)
            defective = (math.ceil(accepted * rng.uniform(0.02, 0.08))
                         if rng.random() < spec[10] else 0)
            missing = math.ceil(accepted * rng.uniform(0.1, 0.4)) if short else 0
            line_id = len(lines) + 1
            lines.append({"id": line_id, "purchase_order_id": po_id, "sku_id": sku_id,
                          "warehouse_id": int(move.warehouse_id),
                          "quantity": accepted + defective + missing,
                          "unit_price": price[(sup + 1, sku_id)], "received_qty": accepted,
                          "defective_qty": defective})
            receipts.append({"id": len(receipts) + 1, "purchase_order_id": po_id,
                             "line_id": line_id, "accepted": accepted, "defective": defective,
                             "received_at": received_at, "received_on": received_at.date()})
    _open_orders(rng, orders, lines, price, preferred, end, run_out)
    return orders, lines, receipts


def _open_orders(rng: np.random.Generator, orders: list[Row], lines: list[Row],
                 price: dict[tuple[int, int], Decimal], preferred: dict[int, list[int]],
                 end: date,
                 run_out: int) -> None:
    """The planted best seller's overdue order and a few orders on their way."""
    recent: dict[int, list[Row]] = defaultdict(list)
    for line in lines:
        recent[line["sku_id"]].append(line)
    others = [s for s in sorted(recent) if s != run_out]
    picks = [int(s) for s in rng.choice(others, size=min(IN_TRANSIT_ORDERS, len(others)),
                                        replace=False)] if others else []
    for n, sku_id in enumerate([run_out, *picks]):
        sup = preferred.get(sku_id, [0])[0]
        spec = SUPPLIERS[sup]
        late = n == 0  # the planted one: sent long ago, due days ago, nothing has come
        sent = end - timedelta(days=spec[3] + 5 if late else int(rng.integers(1, spec[3])))
        last = recent.get(sku_id) or [{"warehouse_id": 1, "quantity": spec[6]}]
        po_id = len(orders) + 1
        orders.append({"id": po_id, "code": f"PO-{sent:%Y%m%d}-{sku_id:03d}-O",
                       "supplier_id": sup + 1, "status": "sent", "created_at": _at(sent, 10),
                       "sent_at": _at(sent, 11), "expected_on": sent + timedelta(days=spec[3]),
                       "closed_at": None, "note": "供应商延迟，请催单或转备选供应商" if late
                       else None})
        template = last[-1]
        qty = max(int(template["quantity"]) // (3 if late else 1), spec[5])
        lines.append({"id": len(lines) + 1, "purchase_order_id": po_id, "sku_id": sku_id,
                      "warehouse_id": int(template["warehouse_id"]),
                      "quantity": math.ceil(qty / spec[6]) * spec[6],
                      "unit_price": price.get((sup + 1, sku_id), Decimal("1.00")),
                      "received_qty": 0, "defective_qty": 0})
