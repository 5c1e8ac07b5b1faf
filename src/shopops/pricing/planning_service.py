"""Promotion planning use cases: the floor report of the running promotions (`shopops promo
check-floors`) and the profit simulation of a planned one (`shopops promo simulate`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select

from shopops.catalog.service import sku_codes
from shopops.core.uow import UnitOfWork
from shopops.orders.service import line_sales
from shopops.pricing import floor_service
from shopops.pricing import promotions as p
from shopops.pricing import simulation as sim
from shopops.pricing.bundles import bind_to_cart
from shopops.pricing.calendar import campaigns_for_year
from shopops.pricing.engine import quote
from shopops.pricing.models import Promotion
from shopops.pricing.payloads import KINDS, as_object, as_text, build_promotion, invalid
from shopops.pricing.service import UnsupportedType, active_promotions, engine_promotions
from shopops.stores.service import StoreView, get_store, list_stores


@dataclass(frozen=True, slots=True)
class FloorRow:
    promotion: str
    name: str
    type: str
    breach: floor_service.Breach
    override_reason: str | None
    override_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {"promotion": self.promotion, "name": self.name, "type": self.type,
                **self.breach.as_json(), "override_reason": self.override_reason,
                "override_by": self.override_by,
                "status": "已放行" if self.override_reason else "低于底线"}


def check_floors(uow: UnitOfWork, now: datetime, store: str | None = None) -> list[FloorRow]:
    """Active promotions × SKUs sold below their floor in the worst case (as on creation), with
    the recorded override where there is one."""
    stores = [get_store(uow, store)] if store else list_stores(uow)
    catalog = floor_service.catalog_skus(uow)
    rows: list[FloorRow] = []
    seen: set[tuple[str, str, str]] = set()
    for shop in stores:
        actives = active_promotions(uow, shop, now)
        ids = dict(uow.session.execute(select(Promotion.code, Promotion.id).where(
            Promotion.code.in_([a.id for a in actives]))).all())
        overrides = floor_service.overrides_for(uow, ids.values())
        for promo in actives:
            skus = floor_service.scope_skus(promo, catalog)
            floors = floor_service.store_floors(uow, shop, skus)
            for breach in floor_service.breaches(promo, actives, skus, shop, floors, now):
                key = (promo.id, shop.code, breach.sku)
                if key in seen:
                    continue
                seen.add(key)
                found = overrides.get(ids[promo.id])
                rows.append(FloorRow(promo.id, promo.name, promo.kind, breach,
                                     found.reason if found else None,
                                     found.created_by if found else None))
    return rows


def _promotion(uow: UnitOfWork, value: object, store: StoreView | None) -> p.Promotion:
    if isinstance(value, str):
        found = engine_promotions(uow, [value])
        if not found:
            raise invalid("promotion", f"unknown promotion {value!r}")
        return found[0]
    data = as_object(value, "promotion")
    kind = data.get("type")
    if kind not in KINDS:
        raise UnsupportedType(f"promotion.type: {kind!r} is not one of {', '.join(KINDS)}",
                              field="promotion.type")
    return build_promotion(str(kind), data, code="planned", starts_at=None, ends_at=None,
                           store=store.code if store and data.get("level") != "platform_level"
                           else None)


def _units(uow: UnitOfWork, start: date, end: date, store_id: int) -> dict[str, int]:
    sales = line_sales(uow, start, end, store_id)
    names = sku_codes(uow, [sku_id for _, sku_id, _, _ in sales])
    out: dict[str, int] = {}
    for _, sku_id, units, _ in sales:
        code = names.get(sku_id, ("", ""))[0]
        out[code] = out.get(code, 0) + units
    return out


def _history_uplift(uow: UnitOfWork, store: StoreView, skus: set[str], today: date
                    ) -> tuple[Decimal, str]:
    """Units per day in the latest finished calendar event vs the 28 days before its warm-up."""
    events = [e for y in (today.year - 1, today.year) for e in campaigns_for_year(y)
              if e.tail_end < today]
    if not events:
        raise invalid("uplift", "no past promotion period in the history; enter the uplift")
    event = max(events, key=lambda e: e.tail_end)
    promo = _units(uow, event.warm_up_start, event.tail_end, store.id)
    normal = _units(uow, event.warm_up_start - timedelta(days=28),
                    event.warm_up_start - timedelta(days=1), store.id)
    days = (event.tail_end - event.warm_up_start).days + 1
    uplift = sim.uplift_from_history(sum(promo.get(s, 0) for s in skus), days,
                                     sum(normal.get(s, 0) for s in skus), 28)
    return uplift, f"{event.warm_up_start.year} {event.name_zh} vs 前28天"


def simulate_promotion(uow: UnitOfWork, request: object, now: datetime) -> dict[str, Any]:
    """促销测算: ``{"promotion": code | payload, "store", "uplift"?, "days": 7, "lookback": 28}``
    → per SKU and in total: units, revenue, discount cost and margin with vs without it."""
    data = as_object(request, "body")
    store = get_store(uow, as_text(data["store"], "store")) if data.get("store") else None
    promo = p.with_sub_categories(_promotion(uow, data.get("promotion"), store),
                                  floor_service.category_paths(uow))
    if store is None:
        if promo.store is None:
            raise invalid("store", "give the store to simulate a platform promotion in")
        store = get_store(uow, promo.store)
    days, lookback = data.get("days", 7), data.get("lookback", 28)
    for name, value in (("days", days), ("lookback", lookback)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
            raise invalid(name, "must be a number of days, 1–366")
    catalog = floor_service.catalog_skus(uow)
    infos = floor_service.scope_skus(promo, catalog)
    today = now.date()
    history = _units(uow, today - timedelta(days=lookback), today - timedelta(days=1), store.id)
    infos = [i for i in infos if history.get(i.sku)] or infos[:20]
    if data.get("uplift") is not None:
        uplift, source = Decimal(str(as_text(str(data["uplift"]), "uplift"))), "运营输入"
    else:
        uplift, source = _history_uplift(uow, store, {i.sku for i in infos}, today)
    settings = floor_service.floor_settings(uow)
    plans = []
    at = promo.starts_at or now
    for info in infos:  # the price of a cart that reaches the promotion's deepest tier
        units = floor_service.threshold_quantities(info.price, [promo])[-1]
        cart = p.Cart((floor_service.cart_line(info, units, store.code),),
                      coupons=(promo.id,), is_new=True,
                      member_tier=next(iter(sorted(promo.member_tiers or [])), None))
        result = quote(cart, bind_to_cart(cart, [promo]), at)
        baseline = Decimal(history.get(info.sku, 0)) * days / lookback
        plans.append(sim.SkuPlan(
            info.sku, info.price, result.lines[0].final_price, info.cost,
            Decimal(settings["pricing.shipping_cost_per_unit"]), store.commission_rate,
            int(baseline.quantize(Decimal(1), rounding=ROUND_HALF_UP))))
    result_sim = sim.simulate(plans, uplift)
    totals = {name: str(result_sim.total(name)) for name in (
        "base_units", "promo_units", "base_revenue", "promo_revenue", "discount_cost",
        "base_margin", "promo_margin")}
    return {"promotion": promo.id, "name": promo.name, "store": store.code, "days": days,
            "uplift": str(uplift), "uplift_source": source,
            "breakeven_uplift": (None if result_sim.breakeven_uplift is None
                                 else str(result_sim.breakeven_uplift)),
            "totals": {**totals, "margin_delta": str(result_sim.margin_delta)},
            "skus": [{"sku": s.sku, "base_units": s.base_units, "promo_units": s.promo_units,
                      "base_revenue": str(s.base_revenue),
                      "promo_revenue": str(s.promo_revenue),
                      "discount_cost": str(s.discount_cost), "base_margin": str(s.base_margin),
                      "promo_margin": str(s.promo_margin),
                      "margin_delta": str(s.margin_delta)} for s in result_sim.skus]}

