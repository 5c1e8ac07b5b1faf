"""Turn generated columns into rows for Core bulk inserts: orders, order lines and their
facts (order.placed / paid / refunded / cancelled), with platform-style order numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from shopops.demo.customers import DAY, Skeleton
from shopops.demo.data import STORES
from shopops.demo.orders import OrderSlice

Row = dict[str, Any]
_MIX = 2_862_933_555_777_941_757  # odd and not a multiple of 5: a bijection mod 10**k


def yuan(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def utc(epoch: int) -> datetime | None:
    return None if epoch < 0 else datetime.fromtimestamp(epoch, UTC)


def _mix(order_id: int, digits: int) -> str:
    return f"{(order_id * _MIX + 7_777_777) % 10**digits:0{digits}d}"


def channel_order_no(style: str, order_id: int, created_day: date) -> str:
    """平台订单号 in each platform's shape; unique per store because the mix is a bijection."""
    if style == "taobao":
        return "2" + _mix(order_id, 18)  # 19 digits
    if style == "jd":
        return "3" + _mix(order_id, 11)  # 12 digits
    if style == "pdd":
        return f"{created_day:%y%m%d}-" + _mix(order_id, 15)  # 231123-123456789012345
    if style == "douyin":
        return "69" + _mix(order_id, 17)  # 19 digits
    return f"SO{created_day:%Y%m%d}{order_id:08d}"


def order_rows(sl: OrderSlice, sk: Skeleton, first_day: date, epoch0: int) -> list[Row]:
    rows = []
    paid_total = sl.goods + sl.shipping
    for i in range(sl.hi - sl.lo):
        k = sl.lo + i
        store = int(sk.store[k])
        created_day = first_day + timedelta(days=(int(sl.created[i]) - epoch0) // DAY)
        paid = int(sl.paid[i])
        rows.append({
            "id": k + 1, "store_id": store + 1,
            "channel_order_no": channel_order_no(STORES[store].order_no_style, k + 1, created_day),
            "customer_id": int(sk.customer[k]) + 1, "status": sl.status[i],
            "list_amount": yuan(int(sl.subtotal[i])), "discount_amount": yuan(int(sl.discount[i])),
            "goods_amount": yuan(int(sl.goods[i])), "shipping_fee": yuan(int(sl.shipping[i])),
            "paid_amount": yuan(int(paid_total[i])), "refund_amount": yuan(int(sl.refund[i])),
            "created_at": utc(int(sl.created[i])), "paid_at": utc(paid),
            # business day in Shanghai: the skeleton's day index is the local day of payment
            "paid_date": first_day + timedelta(days=int(sk.day[k])) if paid >= 0 else None,
            "shipped_at": utc(int(sl.shipped[i])), "delivered_at": utc(int(sl.delivered[i])),
            "completed_at": utc(int(sl.completed[i])),
            "cancelled_at": utc(int(sl.cancelled_at[i])), "refunded_at": utc(int(sl.refunded[i])),
        })
    return rows


def line_rows(sl: OrderSlice, first_line_id: int, sku_ids: np.ndarray) -> list[Row]:
    return [{"id": first_line_id + j, "order_id": sl.lo + int(sl.line_order[j]) + 1,
             "sku_id": int(sku_ids[sl.line_sku[j]]), "quantity": int(sl.line_qty[j]),
             "list_price": yuan(int(sl.line_price[j])),
             "discount_amount": yuan(int(sl.line_discount[j])),
             "paid_amount": yuan(int(sl.line_paid[j])),
             "refund_amount": yuan(int(sl.line_refund[j]))}
            for j in range(len(sl.line_order))]


def order_facts(orders: list[Row]) -> list[Row]:
    """Append-only facts, without ids yet: the caller numbers them in time order."""
    facts: list[Row] = []
    for o in orders:
        base = {"entity": "order", "entity_id": o["id"], "store_id": o["store_id"]}
        facts.append({**base, "kind": "order.placed", "occurred_at": o["created_at"],
                      "data": {"channel_order_no": o["channel_order_no"],
                               "customer_id": o["customer_id"],
                               "list_amount": str(o["list_amount"]),
                               "goods_amount": str(o["goods_amount"])}})
        if o["paid_at"] is not None:
            facts.append({**base, "kind": "order.paid", "occurred_at": o["paid_at"],
                          "data": {"paid_amount": str(o["paid_amount"]),
                                   "goods_amount": str(o["goods_amount"]),
                                   "shipping_fee": str(o["shipping_fee"]),
                                   "paid_date": o["paid_date"].isoformat()}})
        else:
            facts.append({**base, "kind": "order.cancelled", "occurred_at": o["cancelled_at"],
                          "data": {"reason": "未付款超时关闭"}})
        if o["refunded_at"] is not None:
            facts.append({**base, "kind": "order.refunded", "occurred_at": o["refunded_at"],
                          "data": {"refund_amount": str(o["refund_amount"])}})
    return facts
