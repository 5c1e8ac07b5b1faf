"""秒杀 console page: every flash sale with its pool (units / sold / held / remaining), the
per-customer limit, the window and a status; a sale's detail lists its order holds (order
number linked to the order book, customer, qty, held until, paid or released). 试抢购 lets an
operator try the sale as a demo customer (``flash_service.buy``: a real unpaid order) and 付款
pays a held order (``flash_service.pay``: the order paid). 释放超时订单 runs the sweep
(``flash_service.sweep``, the same use case as ``shopops promo flash-sweep``). Both tables
export to Excel."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from shopops.core.errors import ShopOpsError
from shopops.pricing import flash_service
from shopops.pricing.flash_service import FlashSaleView, HoldView
from shopops.web.i18n import Translator
from shopops.web.page import (
    NavItem,
    core,
    current_lang,
    error_message,
    error_status,
    render,
    signed_in,
    to_login,
    xlsx_response,
)

NAV = [NavItem("flash", "/flash-sales", "nav.flash", 63)]
SALE_COLUMNS = ("code", "name", "store", "sku", "price", "units", "sold", "held", "remaining",
                "per_customer", "starts_at", "ends_at", "status")
HOLD_COLUMNS = ("hold", "order_no", "customer", "qty", "amount", "hold_until", "status")
DEMO_CUSTOMER = "demo_buyer_{n}"  # 试抢购's buyer: a new one per try, so the limit rarely bites


def sale_status(sale: FlashSaleView, now: datetime) -> str:
    """未开始 / 进行中 / 已抢光 / 已结束 (pure: the sale and ``now``)."""
    if sale.ends_at is not None and now >= sale.ends_at:
        return "ended"
    if sale.starts_at is not None and now < sale.starts_at:
        return "upcoming"
    return "sold_out" if sale.remaining <= 0 else "running"


def hold_state(hold: HoldView, now: datetime) -> str:
    """held / lapsed (unpaid past its time, waiting for the sweep) / paid / released."""
    return "lapsed" if hold.status == "held" and hold.hold_until <= now else hold.status


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"


def _sale_row(sale: FlashSaleView, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    return {"id": sale.id, "code": sale.code, "name": sale.name, "store": sale.store,
            "sku": sale.sku, "price": sale.price, "units": sale.units, "sold": sale.sold,
            "held": sale.held, "remaining": sale.remaining, "per_customer": sale.per_customer,
            "hold_minutes": sale.hold_minutes, "starts_at": _local(sale.starts_at, zone),
            "ends_at": _local(sale.ends_at, zone), "status": sale_status(sale, now)}


def _hold_row(hold: HoldView, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    return {"hold": hold.id, "order_no": hold.order_no or "—", "order_id": hold.order_id,
            "customer": hold.customer, "qty": hold.qty, "amount": hold.amount,
            "hold_until": _local(hold.hold_until, zone), "status": hold_state(hold, now)}


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(core(request).settings.default_timezone)


def _sales(request: Request) -> list[dict[str, Any]]:
    zone = _zone(request)
    with core(request).reader() as uow:
        now = uow.now()
        return [_sale_row(s, now, zone) for s in flash_service.list_flash_sales(uow)]


def _detail(request: Request, sale_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    zone = _zone(request)
    with core(request).reader() as uow:
        now = uow.now()
        sale = flash_service.status(uow, sale_id)
        holds = flash_service.holds_of(uow, sale_id)
    return _sale_row(sale, now, zone), [_hold_row(h, now, zone) for h in holds]


def _number(request: Request, name: str) -> int | None:
    """A number the redirect put in the query (released / bought / paid), for the notice."""
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() else None


def _list_context(request: Request, user: Any) -> dict[str, Any]:
    return {"user": user, "active": "flash", "lang": current_lang(request),
            "sales": _sales(request), "columns": SALE_COLUMNS,
            "released": _number(request, "released"), "export_url": "/flash-sales/export.xlsx"}


async def list_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    return render(request, "flash/list.html", _list_context(request, user))


def _detail_response(request: Request, user: Any, sale_id: int,
                     error: ShopOpsError | None = None, form: dict[str, str] | None = None,
                     ) -> Response:
    """The detail page; ``error`` (a refused buy or payment) shown above it with its status."""
    lang = current_lang(request)
    try:
        sale, holds = _detail(request, sale_id)
    except ShopOpsError as exc:
        context = _list_context(request, user) | {
            "released": None, "error": error_message(Translator(lang), exc)}
        return render(request, "flash/list.html", context, status=error_status(exc))
    by_id = {h["hold"]: h for h in holds}
    context = {"user": user, "active": "flash", "lang": lang, "sale": sale, "holds": holds,
               "columns": HOLD_COLUMNS, "released": _number(request, "released"),
               "bought": by_id.get(_number(request, "bought") or 0),
               "paid": by_id.get(_number(request, "paid") or 0),
               "export_url": f"/flash-sales/{sale_id}/export.xlsx",
               "form": form or {"customer": DEMO_CUSTOMER.format(n=len(holds) + 1), "qty": "1"},
               "error": error_message(Translator(lang), error) if error else None}
    return render(request, "flash/detail.html", context,
                  status=error_status(error) if error else 200)


async def detail_page(request: Request, sale_id: int) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    return _detail_response(request, user, sale_id)


async def buy_action(request: Request, sale_id: int) -> Response:
    """试抢购: one buy as the customer in the form (a real unpaid order); back to the detail
    with the order created, or the refusal (已抢光 / 每人限购 …) above the form."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    customer, raw = str(form.get("customer", "")), str(form.get("qty", "1")).strip()
    qty: object = int(raw) if raw.isdigit() else raw
    try:
        with core(request).uow() as uow:
            hold = flash_service.buy(uow, sale_id, customer, qty)
    except ShopOpsError as exc:
        return _detail_response(request, user, sale_id, exc, {"customer": customer, "qty": raw})
    return RedirectResponse(f"/flash-sales/{sale_id}?bought={hold.id}", status_code=303)


async def pay_action(request: Request, sale_id: int, hold_id: int) -> Response:
    """付款: the held order is paid (then it flows like any paid order); a lapsed one is
    refused (超时未付款)."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    try:
        with core(request).uow() as uow:
            flash_service.pay(uow, sale_id, hold_id)
    except ShopOpsError as exc:
        return _detail_response(request, user, sale_id, exc)
    return RedirectResponse(f"/flash-sales/{sale_id}?paid={hold_id}", status_code=303)


async def sweep_action(request: Request) -> Response:
    """释放超时订单: one sweep transaction; back to where the button was pressed."""
    if signed_in(request) is None:
        return to_login(request)
    form = await request.form()
    with core(request).uow() as uow:
        released = flash_service.sweep(uow)
    back = str(form.get("back", ""))
    back = back if back.startswith("/flash-sales") else "/flash-sales"
    joiner = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{joiner}released={len(released)}", status_code=303)


async def list_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    rows = [[t(f"flash.status.{s[c]}") if c == "status" else s[c] for c in SALE_COLUMNS]
            for s in _sales(request)]
    return xlsx_response({t("flash.title"): ([t(f"flash.col.{c}") for c in SALE_COLUMNS],
                                             rows)},
                         f"{t('flash.title')}.xlsx", "flash-sales.xlsx")


async def detail_export(request: Request, sale_id: int) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    try:
        sale, holds = _detail(request, sale_id)
    except ShopOpsError:
        return await detail_page(request, sale_id)
    rows = [[t(f"flash.hold.{h[c]}") if c == "status" else h[c] for c in HOLD_COLUMNS]
            for h in holds]
    return xlsx_response({t("flash.holds"): ([t(f"flash.col.{c}") for c in HOLD_COLUMNS],
                                             rows)},
                         f"{t('flash.holds')}-{sale['code']}.xlsx",
                         f"flash-sale-{sale_id}.xlsx")


def mount(api: FastAPI) -> None:
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/flash-sales", list_page, methods=["GET"], **html)
    api.add_api_route("/flash-sales/export.xlsx", list_export, methods=["GET"], **html)
    api.add_api_route("/flash-sales/sweep", sweep_action, methods=["POST"], **html)
    api.add_api_route("/flash-sales/{sale_id:int}", detail_page, methods=["GET"], **html)
    api.add_api_route("/flash-sales/{sale_id:int}/export.xlsx", detail_export,
                      methods=["GET"], **html)
    api.add_api_route("/flash-sales/{sale_id:int}/buy", buy_action, methods=["POST"], **html)
    api.add_api_route("/flash-sales/{sale_id:int}/holds/{hold_id:int}/pay", pay_action,
                      methods=["POST"], **html)
