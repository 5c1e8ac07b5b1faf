"""Pricing operations API: edit promotions (with the floor check), the floor report, the profit
simulation, coupons (claim / redeem), 拼团, 预售 and campaigns on the calendar. Thin: services
validate and name the field; writes run in one unit of work each."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from shopops.pricing import campaign_service as campaigns
from shopops.pricing import coupon_service as coupons
from shopops.pricing import group_buy_service as group_buy
from shopops.pricing import presale_service as presales
from shopops.pricing.payloads import as_object, parse_time
from shopops.pricing.planning_service import check_floors, simulate_promotion
from shopops.pricing.service import create_promotion, list_promotions, update_promotion
from shopops.web.deps import CoreDep, CurrentUser, ReaderDep

router = APIRouter(tags=["pricing 促销运营"])
Json = Annotated[dict[str, Any], Body()]


@router.patch("/promotions/{code}")
def patch_promotion(code: str, body: Json, core: CoreDep, user: CurrentUser) -> dict[str, Any]:
    """编辑促销: the changed fields; checked like a new promotion (price floors included: give
    `override_reason` to sell below a floor, recorded with you and the time)."""
    with core.uow() as uow:
        return update_promotion(uow, code, body, actor=user.username).as_json()


@router.get("/promotions/floor-check")
def get_floor_check(uow: ReaderDep, store: str | None = None) -> dict[str, Any]:
    """低于底线检查: active promotions × SKUs whose worst-case 到手价 is below the floor."""
    rows = check_floors(uow, uow.now(), store)
    return {"items": [r.as_json() for r in rows], "total": len(rows)}


@router.post("/promotions/simulate")
def post_simulate(body: Json, uow: ReaderDep) -> dict[str, Any]:
    """促销测算: `{"promotion": code or payload, "store", "uplift"?, "days", "lookback"}` —
    units, revenue, discount cost and margin with vs without the promotion; without `uplift`
    it is read from the last calendar event in the order history."""
    return simulate_promotion(uow, body, uow.now())


@router.post("/coupons", status_code=201)
def post_coupon(body: Json, core: CoreDep, user: CurrentUser) -> dict[str, Any]:
    """创建优惠券 (a `coupon` promotion): `threshold`, `off` or `rate` + `max_off`, window,
    `per_customer` claims, `max_uses` to hand out."""
    with core.uow() as uow:
        return create_promotion(uow, {**body, "type": "coupon"}, actor=user.username).as_json()


@router.get("/coupons")
def get_coupons(uow: ReaderDep, store: str | None = None) -> dict[str, Any]:
    """优惠券列表 with how many were claimed and redeemed."""
    views, _ = list_promotions(uow, store=store)
    stats = coupons.coupon_stats(uow)
    items = [{**v.as_json(), "claimed": stats.get(v.code, (0, 0))[0],
              "redeemed": stats.get(v.code, (0, 0))[1]} for v in views if v.type == "coupon"]
    return {"items": items, "total": len(items)}


@router.post("/coupons/{code}/claim", status_code=201)
def post_claim(code: str, body: Json, core: CoreDep) -> dict[str, Any]:
    """领券 `{"customer"}`: refused past the per-customer or issue limit or the window."""
    with core.uow() as uow:
        return coupons.claim_coupon(uow, code, body.get("customer")).as_json()


@router.post("/coupons/{code}/redeem")
def post_redeem(code: str, body: Json, core: CoreDep) -> dict[str, Any]:
    """核销 `{"customer", "order_ref"}`: a claimed coupon is used once (409 the second time)."""
    with core.uow() as uow:
        return coupons.redeem_coupon(uow, code, body.get("customer"),
                                     body.get("order_ref")).as_json()


@router.get("/coupons/{code}/claims")
def get_claims(code: str, uow: ReaderDep) -> dict[str, Any]:
    items = [c.as_json() for c in coupons.list_claims(uow, coupon=code)]
    return {"items": items, "total": len(items)}


@router.post("/group-buys", status_code=201)
def post_group_buy(body: Json, core: CoreDep) -> dict[str, Any]:
    """创建拼团 `{"store", "sku", "tiers": [{"size", "price"}], "window_hours"}`: 2–5 people,
    24–48 h, every price ≥ 20% below the normal price (SPEC §5)."""
    with core.uow() as uow:
        return group_buy.create_deal(uow, body)


@router.get("/group-buys")
def get_group_buys(uow: ReaderDep) -> dict[str, Any]:
    items = group_buy.list_deals(uow)
    return {"items": items, "total": len(items)}


@router.post("/group-buys/{code}/groups", status_code=201)
def post_group(code: str, body: Json, core: CoreDep) -> dict[str, Any]:
    """开团 `{"leader", "size"}`."""
    with core.uow() as uow:
        return group_buy.open_group(uow, code, body.get("leader"), body.get("size")).as_json()


@router.get("/group-buys/groups/{group_id}")
def get_group(group_id: int, uow: ReaderDep) -> dict[str, Any]:
    return group_buy.group_view(uow, group_id).as_json()


@router.post("/group-buys/groups/{group_id}/join")
def post_join(group_id: int, body: Json, core: CoreDep) -> dict[str, Any]:
    """参团 `{"customer"}`; the join that fills the group makes it succeed (成团)."""
    with core.uow() as uow:
        return group_buy.join_group(uow, group_id, body.get("customer")).as_json()


@router.post("/group-buys/groups/{group_id}/leave")
def post_leave(group_id: int, body: Json, core: CoreDep) -> dict[str, Any]:
    """退团 `{"customer"}` (not the leader), refunded at once."""
    with core.uow() as uow:
        return group_buy.leave_group(uow, group_id, body.get("customer")).as_json()


@router.post("/group-buys/sweep")
def post_sweep(core: CoreDep, body: Annotated[dict[str, Any] | None, Body()] = None
               ) -> dict[str, Any]:
    """拼团失败处理: fail and refund every group whose window ended short (at `at`, default
    now)."""
    with core.uow() as uow:
        data = as_object(body or {}, "body")
        at: datetime = (parse_time(data["at"], "at", "Asia/Shanghai") if data.get("at")
                        else uow.now())
        return group_buy.sweep_groups(uow, at)


@router.post("/presales", status_code=201)
def post_presale(body: Json, core: CoreDep) -> dict[str, Any]:
    """创建预售 定金膨胀: `price`, `deposit`, `deposit_multiplier` (定金50抵100 = 2), the
    deposit and balance windows, `refundable`."""
    with core.uow() as uow:
        return presales.create_presale(uow, body)


@router.get("/presales")
def get_presales(uow: ReaderDep) -> dict[str, Any]:
    items = presales.list_presales(uow)
    return {"items": items, "total": len(items)}


@router.post("/presales/{code}/balance")
def post_balance(code: str, body: Json, uow: ReaderDep) -> dict[str, Any]:
    """尾款 `{"qty", "customer", "at"}`: max(0, 预售价 after offers − 定金 × 膨胀倍数)."""
    return presales.presale_balance(uow, code, body, uow.now())


@router.post("/campaigns", status_code=201)
def post_campaign(body: Json, core: CoreDep) -> dict[str, Any]:
    """创建大促 `{"code", "event": "double11", "year", "store"?, "targets": {"gmv", "orders",
    "new_customers"}}`."""
    with core.uow() as uow:
        return campaigns.create_campaign(uow, body)


@router.get("/campaigns")
def get_campaigns(uow: ReaderDep, year: int | None = None) -> dict[str, Any]:
    items = campaigns.list_campaigns(uow, year)
    return {"items": items, "total": len(items)}


@router.post("/campaigns/{code}/promotions")
def post_campaign_promotion(code: str, body: Json, core: CoreDep) -> dict[str, Any]:
    """把促销放进大促 `{"promotion", "phase"?}` (phase: warm_up / peak / tail)."""
    with core.uow() as uow:
        return campaigns.add_promotion(uow, code, str(body.get("promotion")),
                                       body.get("phase"))


@router.get("/pricing/calendar")
def get_calendar(uow: ReaderDep, year: Annotated[int, Query(ge=2000, le=2100)]
                 ) -> dict[str, Any]:
    """活动日历: the year's events (年货节 … 双12) with phases and their campaigns."""
    return {"year": year, "events": campaigns.calendar_year(uow, year)}
