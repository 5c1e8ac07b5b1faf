"""The demo's promotions and campaigns (issue 6): the flagship store's everyday offers (满99包邮,
新客专享 满100减10, a 满199减20 shop coupon that buyers claim) and, on the promotion calendar, the
next two big promotions (大促) as campaigns with their promotions per phase and targets set at
last year's same event × 1.2 (GMV, paid orders, new customers, read from the demo's own orders).

Promotion specs come from the pricing payload rules (`pricing.payloads`), so a demo promotion
reads exactly like one created through the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, text

from shopops.db.registry import Base
from shopops.demo.catalog import SHANGHAI, Catalog
from shopops.demo.writer import insert_rows
from shopops.pricing.calendar import CalendarCampaign, campaigns_for_year
from shopops.pricing.payloads import build_promotion, spec_of

GROWTH = Decimal("1.2")  # targets: last year's event × 1.2
TABLES = Base.metadata.tables


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


def _last_year(conn: Connection, store_id: int, event: CalendarCampaign
               ) -> tuple[Decimal, int, int]:
    """GMV (goods paid), paid orders and new buyers of the store in last year's same event."""
    before = next(e for e in campaigns_for_year(event.warm_up_start.year - 1)
                  if e.code == event.code)
    span = {"s": store_id, "a": before.warm_up_start, "b": before.tail_end}
    gmv, orders = conn.execute(text(
        "SELECT COALESCE(SUM(goods_amount), 0), COUNT(*) FROM orders WHERE store_id = :s "
        "AND paid_date BETWEEN :a AND :b"), span).one()
    new = conn.scalar(text(
        "SELECT COUNT(*) FROM (SELECT customer_id, MIN(paid_date) AS first_day FROM orders "
        "WHERE store_id = :s AND paid_date IS NOT NULL AND customer_id IS NOT NULL "
        "GROUP BY customer_id) f WHERE f.first_day BETWEEN :a AND :b"), span)
    return Decimal(int(gmv)) / 100, int(orders), int(new or 0)


def _grow(value: Decimal | int) -> Decimal:
    return (Decimal(value) * GROWTH).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _promotion(row_id: int, code: str, store: dict[str, Any], data: dict[str, Any],
               starts: datetime | None, ends: datetime | None, now: datetime
               ) -> dict[str, Any]:
    promo = build_promotion(data["type"], data, code=code, store=store["code"],
                            starts_at=starts, ends_at=ends)
    spec = {**spec_of(promo), "budget": None, "max_uses": data.get("max_uses")}
    if data["type"] != "coupon":
        spec["per_customer"] = data.get("per_customer")
    return {"id": row_id, "code": code, "type": data["type"], "store_id": store["id"],
            "level": promo.level, "name": promo.name, "spec": spec, "starts_at": starts,
            "ends_at": ends, "active": True, "created_at": now}


def build_promotions(conn: Connection, cat: Catalog, end: date) -> dict[str, str]:
    """Insert the demo's promotions, campaigns and coupon claims; return what was planted."""
    store = cat.stores[0]  # the Tmall flagship
    now = _midnight(end)
    apparel = [c["code"] for c in cat.categories if c["parent_id"] is None
               and c["code"].startswith("apparel")] or [cat.categories[0]["code"]]
    rows = [
        _promotion(1, "demo-ship99", store, {"type": "free_shipping_threshold",
                                             "threshold": "99"}, None, None, now),
        _promotion(2, "demo-new10", store, {"type": "full_reduction", "new_customers_only": True,
                                            "per_customer": 1,
                                            "tiers": [{"threshold": "100", "off": "10"}]},
                   None, None, now),
        _promotion(3, "demo-c20", store, {"type": "coupon", "threshold": "199", "off": "20",
                                          "per_customer": 1, "max_uses": 5000}, None, None,
                   now),
    ]
    upcoming = sorted((e for y in (end.year, end.year + 1) for e in campaigns_for_year(y)
                       if e.warm_up_start > end), key=lambda e: e.warm_up_start)[:2]
    campaigns, links = [], []
    for n, event in enumerate(upcoming, start=1):
        starts, ends = _midnight(event.warm_up_start), _midnight(event.tail_end + timedelta(1))
        peak = _midnight(event.peak_start)
        tag = f"{event.code}-{event.warm_up_start.year}"
        base = len(rows)
        rows += [
            _promotion(base + 1, f"demo-{tag}-fr", store, {
                "type": "full_reduction", "tiers": [{"threshold": "300", "off": "30"},
                                                    {"threshold": "500", "off": "60"}]},
                peak, ends, now),
            _promotion(base + 2, f"demo-{tag}-coupon", store, {
                "type": "coupon", "threshold": "299", "off": "30", "per_customer": 1,
                "max_uses": 2000}, starts, ends, now),
            _promotion(base + 3, f"demo-{tag}-mb", store, {
                "type": "multi_buy_discount", "categories": apparel,
                "tiers": [{"qty": 2, "rate": "0.95"}]}, peak, ends, now),
        ]
        gmv, orders, new = _last_year(conn, store["id"], event)
        campaigns.append({"id": n, "code": f"demo-{tag}", "name": f"{event.warm_up_start.year} "
                          f"{event.name_zh}", "event": event.code,
                          "year": event.warm_up_start.year, "store_id": store["id"],
                          "target_gmv": _grow(gmv), "target_orders": int(_grow(orders)),
                          "target_new_customers": int(_grow(new)), "created_at": now})
        links += [{"campaign_id": n, "promotion_id": base + 1, "phase": "peak"},
                  {"campaign_id": n, "promotion_id": base + 2, "phase": "warm_up"},
                  {"campaign_id": n, "promotion_id": base + 3, "phase": "peak"}]
    insert_rows(conn, TABLES["promotions"], rows)
    insert_rows(conn, TABLES["campaigns"], campaigns)
    insert_rows(conn, TABLES["campaign_promotions"], links)
    buyers = conn.scalars(text("SELECT DISTINCT customer_id FROM orders WHERE store_id = :s "
                               "AND customer_id IS NOT NULL ORDER BY customer_id LIMIT 40"),
                          {"s": store["id"]}).all()
    claims = [{"id": i + 1, "promotion_id": 3, "customer": f"customer-{cid}",
               "claimed_at": now - timedelta(days=7 - i % 7),
               "redeemed_at": now - timedelta(days=3 - i % 3) if i % 2 else None,
               "order_ref": f"demo-order-{cid}" if i % 2 else None}
              for i, cid in enumerate(buyers)]
    insert_rows(conn, TABLES["coupon_claims"], claims)
    return {"promotions": str(len(rows)), "campaigns": ",".join(c["code"] for c in campaigns)}
