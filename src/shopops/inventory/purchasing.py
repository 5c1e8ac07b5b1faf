"""采购 rules (pure): the purchase-order state machine and the supplier scorecard.

Purchase order 采购单: draft 草稿 → sent 已下单 → partially_received 部分到货 → received 已到货,
or cancelled 已取消 (a draft, or a sent order whose rest will never come: 短交关闭).
A delivery 到货 records units accepted into stock and units refused as defective (次品退回);
both count as delivered for the fill rate, only accepted units enter the stock ledger.

Supplier scorecard 供应商评分, from the deliveries and the finished orders:
- on_time_rate 准时率 = deliveries received on or before the order's expected day ÷ deliveries
- fill_rate 满足率 = units delivered ÷ units ordered, over finished orders (received, or
  cancelled after being sent)
- defect_rate 次品率 = defective units ÷ units delivered
- price_index 价格指数 = mean over the supplier's SKUs that another supplier also offers of
  (its unit price ÷ the mean unit price of every supplier of that SKU); 1.00 = the market,
  below 1 cheaper; None when it has no SKU in common with another supplier
- lead time actually taken (sent → delivered): mean and std in days
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shopops.core.errors import Conflict, ValidationError

PO_STATUSES = ("draft", "sent", "partially_received", "received", "cancelled")
OPEN_STATUSES = ("draft", "sent", "partially_received")  # counted as incoming
STATUS_ZH = {"draft": "草稿", "sent": "已下单", "partially_received": "部分到货",
             "received": "已到货", "cancelled": "已取消"}
ALLOWED = {
    "send": {"draft"},
    "receive": {"sent", "partially_received"},
    "cancel": {"draft", "sent", "partially_received"},
}
ACTION_ZH = {"send": "下单", "receive": "到货入库", "cancel": "取消"}
RATE_PLACES = Decimal("0.0001")


class PurchaseOrderStateError(Conflict):
    code = "purchasing.invalid_transition"


def check_action(status: str, action: str, code: str) -> None:
    """Refuse an action the order's status does not allow (409 naming the status)."""
    if status not in ALLOWED[action]:
        raise PurchaseOrderStateError(
            f"采购单 {code} 当前为「{STATUS_ZH.get(status, status)}」，不能{ACTION_ZH[action]} — "
            f"purchase order {code} is {status}; cannot {action} it", field="status")


@dataclass(frozen=True)
class LineState:
    """One order line: ordered, accepted and defective units so far."""

    key: Any
    ordered: int
    accepted: int = 0
    defective: int = 0

    @property
    def remaining(self) -> int:
        return max(self.ordered - self.accepted - self.defective, 0)


def check_delivery(lines: Mapping[Any, LineState], delivered: Mapping[Any, tuple[int, int]],
                   code: str) -> None:
    """Each delivered line (accepted, defective) exists, is ≥ 0, not empty and within what
    remains to come; the error names the line."""
    if not delivered or all(a + d == 0 for a, d in delivered.values()):
        raise ValidationError(f"采购单 {code} 的到货至少要有 1 件 — a delivery of {code} needs "
                              "at least one unit", field="lines")
    for key, (accepted, defective) in delivered.items():
        line = lines.get(key)
        if line is None:
            raise ValidationError(f"采购单 {code} 上没有 {key} — {key} is not on purchase order "
                                  f"{code}", field="lines")
        if accepted < 0 or defective < 0:
            raise ValidationError(f"{key} 的数量不能为负 — quantities of {key} must be ≥ 0",
                                  field="quantity")
        if accepted + defective > line.remaining:
            raise ValidationError(
                f"{key}：到货 {accepted + defective} 件，但采购单 {code} 只剩 {line.remaining} 件"
                f"未到（共 {line.ordered} 件） — {key}: {accepted + defective} delivered but "
                f"only {line.remaining} of {line.ordered} remain on {code}", field="quantity")


def status_after_delivery(lines: Iterable[LineState]) -> str:
    """received when nothing remains on any line, else partially_received."""
    return "received" if all(line.remaining == 0 for line in lines) else "partially_received"


# ---------------------------------------------------------------- scorecard


@dataclass(frozen=True)
class Delivery:
    supplier: str
    expected_on: date | None
    sent_on: date | None
    received_on: date
    accepted: int
    defective: int


@dataclass(frozen=True)
class FinishedLine:
    supplier: str
    ordered: int
    delivered: int  # accepted + defective


@dataclass(frozen=True)
class Scorecard:
    supplier: str
    deliveries: int
    on_time_rate: Decimal | None
    fill_rate: Decimal | None
    defect_rate: Decimal | None
    price_index: Decimal | None
    lead_time_mean_days: float | None
    lead_time_sigma_days: float | None
    units_delivered: int

    def as_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v)
                for k, v in self.__dict__.items()}


def _ratio(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES) if whole else None


def price_indexes(prices: Mapping[tuple[str, str], Decimal]) -> dict[str, Decimal | None]:
    """(supplier, sku) → unit price  ⇒  supplier → price index (see the module docstring)."""
    by_sku: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (supplier, sku), price in prices.items():
        by_sku[sku][supplier] = price
    ratios: dict[str, list[Decimal]] = defaultdict(list)
    for offers in by_sku.values():
        if len(offers) < 2:
            continue
        mean = sum(offers.values(), Decimal(0)) / len(offers)
        if mean <= 0:
            continue
        for supplier, price in offers.items():
            ratios[supplier].append(price / mean)
    suppliers = {s for s, _ in prices}
    return {s: (sum(ratios[s], Decimal(0)) / len(ratios[s])).quantize(RATE_PLACES)
            if ratios[s] else None for s in suppliers}


def scorecards(suppliers: Sequence[str], deliveries: Iterable[Delivery],
               finished: Iterable[FinishedLine],
               prices: Mapping[tuple[str, str], Decimal]) -> list[Scorecard]:
    """One scorecard per supplier, in the order given."""
    got: dict[str, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        got[d.supplier].append(d)
    ordered: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in finished:
        ordered[line.supplier][0] += line.ordered
        ordered[line.supplier][1] += line.delivered
    index = price_indexes(prices)
    cards = []
    for supplier in suppliers:
        ds = got.get(supplier, [])
        timed = [d for d in ds if d.expected_on is not None]
        on_time = sum(1 for d in timed
                      if d.expected_on is not None and d.received_on <= d.expected_on)
        delivered = sum(d.accepted + d.defective for d in ds)
        waits = [(d.received_on - d.sent_on).days for d in ds if d.sent_on is not None]
        cards.append(Scorecard(
            supplier=supplier, deliveries=len(ds), on_time_rate=_ratio(on_time, len(timed)),
            fill_rate=_ratio(ordered[supplier][1], ordered[supplier][0]),
            defect_rate=_ratio(sum(d.defective for d in ds), delivered),
            price_index=index.get(supplier),
            lead_time_mean_days=round(statistics.fmean(waits), 2) if waits else None,
            lead_time_sigma_days=round(statistics.pstdev(waits), 2) if len(waits) > 1 else None,
            units_delivered=delivered))
    return cards
