"""售后 read side: the request list (filters, overdue), one request with its timeline, the
after-sales board (queue by status, overdue refunds, refund-time stats) and the return-rate
analysis by SKU, category, store and reason. Times are shown in the store's time zone."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from shopops.analytics.periods import parse_date
from shopops.catalog import service as catalog
from shopops.core.errors import ValidationError
from shopops.core.uow import UnitOfWork
from shopops.orders import service as orders
from shopops.service import analysis, returns
from shopops.service.models import KINDS, STATUSES, AfterSale
from shopops.service.reasons import CATEGORY_NAMES, REASONS
from shopops.service.service import load, settings
from shopops.stores.service import StoreView, get_store, list_stores

STEPS = ("requested", "approved", "rejected", "received", "refunded", "exchanged", "closed")
QUEUE = ("requested", "approved", "received")  # the work: 待审核, 待退货, 待退款/换货


@dataclass(frozen=True, slots=True)
class RequestFilters:
    status: str | None = None
    kind: str | None = None
    reason: str | None = None
    store: str | None = None
    sku: str | None = None
    order_id: int | None = None
    overdue: bool = False
    requested_from: str | date | None = None  # business day, inclusive (UTC+8 by default)
    requested_to: str | date | None = None


def _overdue_where(now: datetime, hours: int) -> Any:
    cutoff = now - timedelta(hours=hours)
    return or_(and_(AfterSale.kind == "refund_only", AfterSale.status.in_(("requested",
                                                                              "approved")),
                    AfterSale.requested_at < cutoff),
               and_(AfterSale.kind == "return_refund", AfterSale.status == "received",
                    AfterSale.received_at < cutoff))


def _where(uow: UnitOfWork, f: RequestFilters, hours: int, timezone: str) -> list[Any]:
    conds: list[Any] = []
    for name, allowed in (("status", STATUSES), ("kind", KINDS), ("reason", tuple(REASONS))):
        value = getattr(f, name)
        if value:
            if value not in allowed:
                raise ValidationError(f"{name} {value!r} 不是可选值（{', '.join(allowed)}） — "
                                      f"{name} {value!r} is not one of {', '.join(allowed)}",
                                      field=name)
            conds.append(getattr(AfterSale, name) == value)
    if f.store:
        conds.append(AfterSale.store_id == get_store(uow, f.store).id)
    if f.sku:
        conds.append(AfterSale.sku_id == catalog.sku_id(uow, f.sku))
    if f.order_id is not None:
        conds.append(AfterSale.order_id == f.order_id)
    if f.overdue:
        conds.append(_overdue_where(uow.now(), hours))
    zone = ZoneInfo(timezone)
    start = parse_date(f.requested_from, field="requested_from") if f.requested_from else None
    end = parse_date(f.requested_to, field="requested_to") if f.requested_to else None
    if start and end and end < start:
        raise ValidationError(f"结束日期 {end} 早于开始日期 {start} — requested_to {end} is "
                              f"before requested_from {start}",
                              field="requested_to")
    if start:
        conds.append(AfterSale.requested_at >= datetime.combine(start, datetime.min.time(), zone))
    if end:
        conds.append(AfterSale.requested_at < datetime.combine(end + timedelta(days=1),
                                                               datetime.min.time(), zone))
    return conds


def _json(row: AfterSale, store: StoreView, sku: tuple[str, str], now: datetime,
          hours: int) -> dict[str, Any]:
    zone = ZoneInfo(store.timezone)
    why = REASONS[row.reason]
    timing = returns.refund_timing(row.kind, row.status, row.requested_at, row.received_at,
                                   row.refunded_at, now, hours)
    return {
        "id": row.id, "store": store.code, "order_id": row.order_id,
        "order_line_id": row.order_line_id, "sku": sku[0], "sku_name": sku[1],
        "kind": row.kind, "reason": row.reason, "reason_name": why.name,
        "reason_category": row.reason_category, "quantity": row.quantity,
        "amount": f"{row.amount:.2f}", "shipping_refund": f"{row.shipping_refund:.2f}",
        "apology": row.apology, "status": row.status, "note": row.note,
        "restock": row.restock, "return_warehouse": row.return_warehouse,
        **{f"{s}_at": (getattr(row, f"{s}_at").astimezone(zone).isoformat()
                       if getattr(row, f"{s}_at") else None) for s in STEPS},
        "refund_due_since": (timing.due_since.astimezone(zone).isoformat()
                             if timing.due_since else None),
        "refund_hours": str(timing.hours) if timing.hours is not None else None,
        "within_target": timing.within_target, "overdue": timing.overdue,
    }


def _rows_json(uow: UnitOfWork, rows: list[AfterSale], hours: int) -> list[dict[str, Any]]:
    stores = {s.id: s for s in list_stores(uow)}
    skus = catalog.sku_codes(uow, {r.sku_id for r in rows})
    return [_json(r, stores[r.store_id], skus[r.sku_id], uow.now(), hours) for r in rows]


def list_requests(uow: UnitOfWork, filters: RequestFilters, page: int = 1,
                  page_size: int = 50) -> dict[str, Any]:
    """A page of requests, oldest waiting first within open work, newest first otherwise."""
    hours = int(settings(uow)["service.refund_sla_hours"])
    where = _where(uow, filters, hours, "Asia/Shanghai")
    total = uow.session.scalar(select(func.count(AfterSale.id)).where(*where)) or 0
    rows = list(uow.session.scalars(
        select(AfterSale).where(*where)
        .order_by(AfterSale.status.in_(QUEUE).desc(), AfterSale.requested_at.desc(),
                  AfterSale.id.desc())
        .offset((page - 1) * page_size).limit(page_size)))
    return {"items": _rows_json(uow, rows, hours), "page": page, "page_size": page_size,
            "total": int(total)}


def get_request(uow: UnitOfWork, request_id: int) -> dict[str, Any]:
    """One request with its order number and its timeline (every step with its time)."""
    row = load(uow, request_id)
    hours = int(settings(uow)["service.refund_sla_hours"])
    out = _rows_json(uow, [row], hours)[0]
    line = orders.refundable_line(uow, row.order_id, order_line_id=row.order_line_id)
    out["channel_order_no"] = line.channel_order_no
    out["line_paid_amount"] = f"{line.paid_amount:.2f}"
    out["line_refund_amount"] = f"{line.refund_amount:.2f}"
    out["timeline"] = [{"step": s, "at": out[f"{s}_at"]} for s in STEPS if out[f"{s}_at"]]
    return out


def board(uow: UnitOfWork) -> dict[str, Any]:
    """售后看板: how many requests wait in each status, the overdue refunds (oldest first)
    and refund-time figures over the requests refunded in the last 30 days."""
    hours = int(settings(uow)["service.refund_sla_hours"])
    now = uow.now()
    counts = dict(uow.session.execute(select(AfterSale.status, func.count(AfterSale.id))
                                      .group_by(AfterSale.status)).all())
    overdue = list(uow.session.scalars(select(AfterSale).where(_overdue_where(now, hours))
                                       .order_by(AfterSale.requested_at).limit(200)))
    recent = list(uow.session.scalars(select(AfterSale).where(
        AfterSale.refunded_at >= now - timedelta(days=30))))
    timings = [returns.refund_timing(r.kind, r.status, r.requested_at, r.received_at,
                                     r.refunded_at, now, hours) for r in recent]
    measured = sorted(t.hours for t in timings if t.hours is not None)
    on_time = sum(1 for t in timings if t.within_target)
    return {
        "counts": {s: int(counts.get(s, 0)) for s in STATUSES},
        "overdue_count": len(overdue),
        "overdue": _rows_json(uow, overdue, hours),
        "sla_hours": hours,
        "refunds_30d": len(measured),
        "on_time_rate": str(analysis.ratio(on_time, len(measured))) if measured else None,
        "median_refund_hours": str(measured[len(measured) // 2]) if measured else None,
    }


def _thresholds(uow: UnitOfWork) -> analysis.Thresholds:
    s = settings(uow)
    return analysis.Thresholds(Decimal(str(s["service.return_rate_reference"])),
                               Decimal(str(s["service.return_rate_alert_margin"])),
                               int(s["service.return_rate_min_units"]))


def _rate_json(row: analysis.RateRow) -> dict[str, Any]:
    out = asdict(row)
    for name in ("return_rate", "refund_ratio", "vs_reference"):
        out[name] = None if out[name] is None else str(out[name])
    out["gmv"], out["refunded"] = f"{row.gmv:.2f}", f"{row.refunded:.2f}"
    return out


def return_analysis(uow: UnitOfWork, paid_from: str | date, paid_to: str | date,
                    by: tuple[str, ...] = analysis.DIMENSIONS,
                    store: str | None = None) -> dict[str, Any]:
    """退货率 of the orders paid paid_from..paid_to (business days): per dimension in `by`,
    and overall, with the shop's reference and alert line."""
    end = parse_date(paid_to, field="to")  # first: the console defaults `from` from it
    start = parse_date(paid_from, field="from")
    if end < start:
        raise ValidationError(f"结束日期 {end} 早于开始日期 {start} — to {end} is before from "
                              f"{start}", field="to")
    for name in by:
        if name not in analysis.DIMENSIONS:
            raise ValidationError(f"分析维度 {name!r} 不存在，可选："
                                  f"{', '.join(analysis.DIMENSIONS)} — by {name!r} is not one "
                                  f"of {', '.join(analysis.DIMENSIONS)}", field="by")
    store_id = get_store(uow, store).id if store else None
    stores = {s.id: s.code for s in list_stores(uow)}
    sales = orders.line_sales(uow, start, end, store_id)
    back = list(uow.session.scalars(select(AfterSale).where(
        AfterSale.order_id.in_(orders.paid_order_ids(start, end, store_id)),
        AfterSale.status != "rejected")))
    sku_ids = {k for _, k, _, _ in sales} | {r.sku_id for r in back}
    codes = catalog.sku_codes(uow, sku_ids)
    category = _categories(uow, {c for c, _ in codes.values()})
    sold = [analysis.Sold(stores[s], codes[k][0], category[codes[k][0]], n, g)
            for s, k, n, g in sales]
    returned = [analysis.Returned(
        stores[r.store_id], codes[r.sku_id][0], category[codes[r.sku_id][0]], r.reason,
        0 if r.kind == "refund_only" else r.quantity,
        r.amount if r.status in ("refunded", "closed") and r.refunded_at else Decimal(0))
        for r in back]
    limits = _thresholds(uow)
    return {
        "from": start.isoformat(), "to": end.isoformat(), "store": store,
        "reference": str(limits.reference), "alert_above": str(limits.alert_above),
        "min_units": limits.min_units,
        "overall": _rate_json(analysis.overall(sold, returned, limits)),
        "by": {name: [_rate_json(r) for r in analysis.rates(sold, returned, name, limits)]
               for name in by},
        "reason_names": {c: r.name for c, r in REASONS.items()},
        "category_names": CATEGORY_NAMES,
    }


def _categories(uow: UnitOfWork, sku_codes: set[str]) -> dict[str, str]:
    """SKU code → its category code, from the catalog's read side: a few SKUs one by one,
    many in pages of 500 (one query per page instead of one per SKU)."""
    if len(sku_codes) <= 20:
        return {code: str(catalog.get_sku(uow, code)["category"]) for code in sku_codes}
    found: dict[str, str] = {}
    page = 1
    while len(found) < len(sku_codes):
        items = catalog.list_skus(uow, page, 500)["items"]
        if not items:
            break
        found.update({i["sku"]: str(i["category"]) for i in items if i["sku"] in sku_codes})
        page += 1
    return found
