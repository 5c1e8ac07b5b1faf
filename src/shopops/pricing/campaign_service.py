"""Campaign use cases: create a campaign on a calendar event with its targets, put promotions
in it (optionally for one phase), list a year's calendar with its campaigns."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shopops.core.errors import Conflict, NotFound
from shopops.core.uow import UnitOfWork
from shopops.pricing import campaigns as rules
from shopops.pricing.calendar import campaigns_for_year
from shopops.pricing.models import Campaign, CampaignPromotion, Promotion
from shopops.pricing.payloads import DEFAULT_TZ, as_object, as_text, invalid
from shopops.pricing.service import promotion_row
from shopops.stores.service import get_store, list_stores


class UnknownCampaign(NotFound):
    code = "pricing.unknown_campaign"


class CampaignExists(Conflict):
    code = "pricing.campaign_exists"


def _json(uow: UnitOfWork, row: Campaign, stores: dict[int, str]) -> dict[str, Any]:
    event = rules.event_for(row.event, row.year)
    promos = uow.session.execute(
        select(Promotion.code, Promotion.name, Promotion.type, CampaignPromotion.phase)
        .join(CampaignPromotion, CampaignPromotion.promotion_id == Promotion.id)
        .where(CampaignPromotion.campaign_id == row.id).order_by(Promotion.code)).all()
    return {"code": row.code, "name": row.name, "event": row.event,
            "event_name": event.name_zh, "year": row.year,
            "store": stores.get(row.store_id) if row.store_id else None,
            "warm_up_start": event.warm_up_start.isoformat(),
            "peak_start": event.peak_start.isoformat(), "peak_end": event.peak_end.isoformat(),
            "tail_end": event.tail_end.isoformat(),
            "targets": {"gmv": None if row.target_gmv is None else str(row.target_gmv),
                        "orders": row.target_orders,
                        "new_customers": row.target_new_customers},
            "promotions": [{"code": c, "name": n, "type": t, "phase": ph,
                            "phase_zh": rules.PHASE_ZH.get(ph or "", "全程")}
                           for c, n, t, ph in promos]}


def create_campaign(uow: UnitOfWork, payload: object) -> dict[str, Any]:
    """创建大促: ``{"code", "name", "event": "double11", "year": 2026, "store"?, "targets":
    {"gmv", "orders", "new_customers"}}``."""
    data = as_object(payload, "body")
    if extra := sorted(set(data) - {"code", "name", "event", "year", "store", "targets"}):
        raise invalid(extra[0], "unknown field for a campaign")
    event = rules.event_for(as_text(data.get("event"), "event"), data.get("year"))
    targets = rules.parse_targets(as_object(data.get("targets") or {}, "targets"))
    store_id = get_store(uow, as_text(data["store"], "store")).id if data.get("store") else None
    code = as_text(data["code"], "code") if data.get("code") else f"cp-{uuid.uuid4().hex[:8]}"
    if uow.session.scalar(select(Campaign.id).where(Campaign.code == code)):
        raise CampaignExists(f"code: campaign {code!r} already exists", field="code")
    row = Campaign(code=code, name=str(data.get("name") or f"{event.warm_up_start.year} "
                                       f"{event.name_zh}"),
                   event=event.code, year=event.warm_up_start.year, store_id=store_id,
                   target_gmv=targets.gmv, target_orders=targets.orders,
                   target_new_customers=targets.new_customers, created_at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    uow.record("campaign.created", entity="campaign", entity_id=row.id, store_id=store_id,
               code=code, event=event.code, year=row.year)
    return _json(uow, row, {s.id: s.code for s in list_stores(uow)})


def _campaign(uow: UnitOfWork, code: str) -> Campaign:
    row = uow.session.scalar(select(Campaign).where(Campaign.code == code))
    if row is None:
        raise UnknownCampaign(f"campaign: unknown campaign {code!r}", field="campaign")
    return row


def add_promotion(uow: UnitOfWork, campaign: str, promotion: str,
                  phase: object = None) -> dict[str, Any]:
    """把促销放进大促: the promotion's window must overlap the event (shop's days)."""
    row = _campaign(uow, campaign)
    promo = promotion_row(uow, promotion)
    event = rules.event_for(row.event, row.year)
    zone = ZoneInfo(DEFAULT_TZ)
    starts = promo.starts_at.astimezone(zone) if promo.starts_at else None
    ends = promo.ends_at.astimezone(zone) if promo.ends_at else None
    if not rules.fits(event, starts, ends):
        raise invalid("promotion", f"{promotion} runs outside {event.name_zh} "
                      f"({event.warm_up_start} – {event.tail_end})")
    if uow.session.get(CampaignPromotion, (row.id, promo.id)) is None:
        uow.session.add(CampaignPromotion(campaign_id=row.id, promotion_id=promo.id,
                                          phase=rules.check_phase(phase)))
        uow.session.flush()
        uow.record("campaign.promotion_added", entity="campaign", entity_id=row.id,
                   store_id=row.store_id, promotion=promotion, phase=phase)
    return _json(uow, row, {s.id: s.code for s in list_stores(uow)})


def list_campaigns(uow: UnitOfWork, year: int | None = None) -> list[dict[str, Any]]:
    query = select(Campaign).order_by(Campaign.year, Campaign.id)
    if year is not None:
        query = query.where(Campaign.year == year)
    stores = {s.id: s.code for s in list_stores(uow)}
    return [_json(uow, row, stores) for row in uow.session.scalars(query)]


def calendar_year(uow: UnitOfWork, year: int) -> list[dict[str, Any]]:
    """活动日历: the year's events with their phases and the campaigns on each."""
    campaigns = list_campaigns(uow, year)
    return [{"code": e.code, "name": e.name_zh,
             "phases": [{"phase": "warm_up", "phase_zh": "预热",
                         "start": e.warm_up_start.isoformat(),
                         "end": (e.peak_start - timedelta(days=1)).isoformat()},
                        {"phase": "peak", "phase_zh": "爆发", "start": e.peak_start.isoformat(),
                         "end": e.peak_end.isoformat()},
                        {"phase": "tail", "phase_zh": "尾声",
                         "start": (e.peak_end + timedelta(days=1)).isoformat(),
                         "end": e.tail_end.isoformat()}],
             "campaigns": [c for c in campaigns if c["event"] == e.code]}
            for e in campaigns_for_year(year)]

