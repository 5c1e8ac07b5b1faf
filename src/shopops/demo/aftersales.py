"""Demo after-sales (售后单) over the demo orders, written inside the build's transaction.

- Every demo refund gets the request that explains it: a reason drawn by category (apparel:
  mostly size; digital: quality / not as described; food: transit damage …), the steps'
  times (requested after delivery, received, refunded — about one in twelve refunds took
  longer than 24 h), closed a few days later. Amounts equal the line's refund.
- Planted: one apparel SKU with a high return rate (size exchanges on half of its recent
  lines; exchanges pay nothing back, so orders stay as they are); three refunds overdue
  (goods received 30–60 h before the end of the demo, not yet refunded); a small queue of
  fresh requests waiting for review and for the goods.
Not done: these returns do not post stock moves (the demo ledger is built separately)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from shopops.db.registry import Base
from shopops.demo.writer import insert_rows
from shopops.service.reasons import REASONS

T = Base.metadata.tables
SHANGHAI = ZoneInfo("Asia/Shanghai")
H = timedelta(hours=1)
REASON_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "apparel": (("size", 45), ("quality", 15), ("not_as_described", 15), ("no_reason", 15),
                ("changed_mind", 10)),
    "digital": (("quality", 40), ("not_as_described", 20), ("no_reason", 25), ("damaged", 10),
                ("wrong_item", 5)),
    "food": (("quality", 30), ("damaged", 40), ("wrong_item", 10), ("changed_mind", 20)),
    "home": (("quality", 25), ("damaged", 30), ("not_as_described", 20), ("no_reason", 25)),
}
PLANTED_SHARE = 0.5
OVERDUE = 3


@dataclass
class AfterSalesDemo:
    rows: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    planted: dict[str, str] = field(default_factory=dict)


def _lines(conn: Connection, refunded: bool, since: datetime | None = None) -> list[Any]:
    ol, o, s, p, c = T["order_lines"], T["orders"], T["skus"], T["products"], T["categories"]
    query = (select(ol.c.id, ol.c.order_id, ol.c.sku_id, ol.c.quantity, ol.c.paid_amount,
                    ol.c.refund_amount, o.c.store_id, o.c.status, o.c.paid_at,
                    o.c.delivered_at, o.c.refunded_at, o.c.shipping_fee, c.c.kind, s.c.code)
             .join(o, o.c.id == ol.c.order_id).join(s, s.c.id == ol.c.sku_id)
             .join(p, p.c.id == s.c.product_id).join(c, c.c.id == p.c.category_id)
             .order_by(ol.c.id))
    if refunded:
        query = query.where(ol.c.refund_amount > 0)
    else:
        query = query.where(ol.c.refund_amount == 0, o.c.delivered_at >= since,
                            o.c.status.in_(("delivered", "completed")))
    return list(conn.execute(query))


class _Writer:
    def __init__(self, rng: random.Random, as_of: datetime) -> None:
        self.rng, self.as_of, self.out = rng, as_of, AfterSalesDemo()
        self.shipping_given: set[int] = set()

    def add(self, line: Any, reason: str, kind: str, quantity: int, amount: Decimal,
            steps: dict[str, datetime]) -> int:
        why = REASONS[reason]
        shipping = Decimal(0)
        if (why.refund_shipping and kind != "exchange" and "refunded" in steps
                and line.order_id not in self.shipping_given):
            shipping = line.shipping_fee
            self.shipping_given.add(line.order_id)
        status = max(steps, key=lambda s: steps[s])
        row_id = len(self.out.rows) + 1
        self.out.rows.append({
            "id": row_id, "store_id": line.store_id, "order_id": line.order_id,
            "order_line_id": line.id, "sku_id": line.sku_id, "kind": kind, "reason": reason,
            "reason_category": why.category, "quantity": quantity, "amount": amount,
            "shipping_refund": shipping, "apology": why.apology, "status": status,
            "note": None, "restock": why.restock if "received" in steps else None,
            "return_warehouse": None,
            "replacement_sku_id": line.sku_id if kind == "exchange" and "exchanged" in steps
            else None,
            **{f"{s}_at": steps.get(s) for s in ("requested", "approved", "rejected",
                                                 "received", "refunded", "exchanged",
                                                 "closed")}})
        for step, at in steps.items():
            self.out.facts.append({
                "kind": f"after_sale.{step}", "occurred_at": at, "store_id": line.store_id,
                "entity": "after_sale", "entity_id": row_id,
                "data": {"order_id": line.order_id, "request_kind": kind, "reason": reason,
                         "source": "demo"}})
        return row_id

    def reason(self, kind_of_goods: str) -> str:
        codes, weights = zip(*REASON_MIX.get(kind_of_goods, REASON_MIX["home"]), strict=True)
        return str(self.rng.choices(codes, weights)[0])

    def closing(self, steps: dict[str, datetime], last: datetime) -> dict[str, datetime]:
        closed = last + self.rng.uniform(2, 72) * H
        if closed < self.as_of:
            steps["closed"] = closed
        return steps


def _refunded(w: _Writer, line: Any) -> None:
    """The request behind a demo refund, its steps back-dated from the refund time."""
    refunded_at: datetime = line.refunded_at
    share = line.refund_amount / line.paid_amount
    quantity = max(1, min(line.quantity, round(line.quantity * share)))
    if line.delivered_at is None or line.delivered_at >= refunded_at:  # before delivery
        start = max(line.paid_at, refunded_at - w.rng.uniform(1, 20) * H)
        steps = {"requested": start, "approved": start + (refunded_at - start) * 0.3,
                 "refunded": refunded_at}
        w.add(line, "changed_mind", "refund_only", quantity, line.refund_amount,
              w.closing(steps, refunded_at))
        return
    reason = w.reason(line.kind)
    late = w.rng.random() < 1 / 12
    took = (w.rng.uniform(25, 60) if late else w.rng.uniform(0.5, 20)) * H
    delivered: datetime = line.delivered_at
    received = max(refunded_at - took, delivered + (refunded_at - delivered) * 0.6)
    requested = delivered + (received - delivered) * w.rng.uniform(0.05, 0.3)
    approved = requested + (received - requested) * w.rng.uniform(0.05, 0.3)
    steps = {"requested": requested, "approved": approved, "received": received,
             "refunded": refunded_at}
    w.add(line, reason, "return_refund", quantity, line.refund_amount,
          w.closing(steps, refunded_at))


def _planted(w: _Writer, candidates: list[Any]) -> None:
    apparel = Counter(ln.code for ln in candidates if ln.kind == "apparel")
    if not apparel:
        return
    sku, _ = apparel.most_common(1)[0]
    w.out.planted["high_return_rate_sku"] = sku
    used: set[int] = set()
    for line in (ln for ln in candidates if ln.code == sku):
        if w.rng.random() >= PLANTED_SHARE or line.delivered_at + 72 * H > w.as_of:
            continue
        used.add(line.id)
        requested = line.delivered_at + w.rng.uniform(6, 40) * H
        steps = {"requested": requested, "approved": requested + w.rng.uniform(1, 8) * H}
        steps["received"] = steps["approved"] + w.rng.uniform(20, 60) * H
        if steps["received"] + 12 * H < w.as_of:
            steps["exchanged"] = steps["received"] + w.rng.uniform(2, 10) * H
            w.closing(steps, steps["exchanged"])
        w.add(line, "size", "exchange", 1, Decimal(0),
              {k: v for k, v in steps.items() if v < w.as_of})
    others = [ln for ln in candidates if ln.code != sku and ln.id not in used
              and ln.delivered_at < w.as_of - 3 * 24 * H]
    w.rng.shuffle(others)
    overdue = []
    for line in others[:OVERDUE]:  # goods back 30–60 h ago, money not yet
        received = w.as_of - w.rng.uniform(30, 60) * H
        requested = max(line.delivered_at + H, received - w.rng.uniform(24, 48) * H)
        overdue.append(w.add(line, "quality", "return_refund", 1,
                             _share(line), {"requested": requested,
                                            "approved": requested + 2 * H,
                                            "received": received}))
    w.out.planted["overdue_refund_requests"] = ",".join(str(i) for i in overdue)
    fresh = [ln for ln in others[OVERDUE:]
             if w.as_of - 5 * 24 * H < ln.delivered_at <= w.as_of - 2 * H]
    for i, line in enumerate(fresh[:7]):  # the queue: 4 to review, 3 awaiting the parcel
        # asked 1–20 h ago, but never before the parcel came, and approved (½ h later) by now
        requested = max(w.as_of - w.rng.uniform(1, 20) * H, line.delivered_at + H)
        steps = {"requested": requested}
        if i >= 4:
            steps["approved"] = requested + 0.5 * H
        w.add(line, w.reason(line.kind), "return_refund", 1, _share(line), steps)


def _share(line: Any) -> Decimal:
    paid = Decimal(line.paid_amount)
    return min((paid / int(line.quantity)).quantize(Decimal("0.01")), paid)


def build_after_sales(conn: Connection, seed: int, as_of: datetime) -> AfterSalesDemo:
    """Insert the demo's after-sales requests, none later than `as_of` (the demo's now); their
    facts are returned for the caller to number with the others. Deterministic by seed and
    as_of (its own random stream, so nothing else in the demo moves)."""
    writer = _Writer(random.Random(seed * 7919 + 8), as_of)
    for line in _lines(conn, refunded=True):
        _refunded(writer, line)
    _planted(writer, _lines(conn, refunded=False, since=as_of - timedelta(days=30)))
    insert_rows(conn, T["after_sales"], writer.out.rows)
    return writer.out
