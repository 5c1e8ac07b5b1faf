"""到手价 simulator and the promotion calendar (活动日历) console pages, each with an Excel export.
The simulator prices a cart through `pricing.service.quote_cart` — the code path of POST
/api/v1/pricing/quote — and shows its line-by-line explanation; the calendar shows the year's
big promotions with their phases and the campaigns planned on them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from shopops.core.clock import business_date
from shopops.core.errors import ShopOpsError
from shopops.pricing.campaign_service import calendar_year
from shopops.pricing.service import quote_cart
from shopops.stores.service import list_stores
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

NAV = [NavItem("simulator", "/pricing/simulator", "nav.simulator", 61),
       NavItem("calendar", "/pricing/calendar", "nav.calendar", 62)]
SIM_FIELDS = ("store", "lines", "tier", "is_new", "coupons", "at", "shipping_fee")
LINE_COLUMNS = ("sku", "qty", "list_amount", "item_offer", "item_amount", "final_amount",
                "final_price")


def _cart_lines(text: str) -> list[dict[str, Any]]:
    """'SKU 数量' per line (数量 defaults to 1)."""
    lines = []
    for raw in text.splitlines():
        parts = raw.replace(",", " ").replace("，", " ").split()
        if not parts:
            continue
        qty: Any = parts[1] if len(parts) > 1 else "1"
        lines.append({"sku": parts[0], "qty": int(qty) if qty.isdigit() else qty})
    return lines


def _request(form: dict[str, str]) -> dict[str, Any]:
    request: dict[str, Any] = {
        "store": form.get("store", ""), "lines": _cart_lines(form.get("lines", "")),
        "customer": {"tier": form.get("tier") or None, "is_new": form.get("is_new") == "on",
                     "coupons": [c.strip() for c in form.get("coupons", "").split(",")
                                 if c.strip()]}}
    if form.get("at"):
        request["at"] = form["at"]
    if form.get("shipping_fee"):
        request["shipping_fee"] = form["shipping_fee"]
    return request


def _quote(request: Request, form: dict[str, str]
           ) -> tuple[dict[str, Any] | None, ShopOpsError | None]:
    if not form.get("lines"):
        return None, None
    with core(request).reader() as uow:
        try:
            return quote_cart(uow, _request(form), uow.now()), None
        except ShopOpsError as exc:
            return None, exc


async def simulator_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    form = {k: request.query_params.get(k, "") for k in SIM_FIELDS}
    result, error = _quote(request, form)
    with core(request).reader() as uow:
        stores = list_stores(uow)
    if not form["store"] and stores:
        form["store"] = stores[0].code
    context = {"user": user, "active": "simulator", "lang": lang, "form": form,
               "stores": stores, "result": result, "columns": LINE_COLUMNS,
               "export_url": "/pricing/simulator/export.xlsx?" + urlencode(form),
               "error": error_message(Translator(lang), error) if error else None}
    return render(request, "pricing/simulator.html", context,
                  status=error_status(error) if error else 200)


async def simulator_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    form = {k: request.query_params.get(k, "") for k in SIM_FIELDS}
    result, _ = _quote(request, form)
    if result is None:
        return await simulator_page(request)
    rows = [[line[c] for c in LINE_COLUMNS] for line in result["lines"]]
    rows.append([t("sim.total"), "", result["list_total"], "", "", result["goods_total"], ""])
    return xlsx_response({t("sim.lines"): ([t(f"sim.col.{c}") for c in LINE_COLUMNS], rows),
                          t("sim.explanation"): ([t("sim.explanation")],
                                                 [[text] for text in result["explanation"]])},
                         f"{t('sim.title')}.xlsx", "quote.xlsx")


def _year(request: Request) -> int:
    raw = request.query_params.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    shop = core(request)
    return business_date(shop.clock.now(), shop.settings.default_timezone).year


async def calendar_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    year = _year(request)
    with core(request).reader() as uow:
        events = calendar_year(uow, year)
        store_names = {s.code: s.name for s in list_stores(uow)}
    context = {"user": user, "active": "calendar", "lang": current_lang(request),
               "year": year, "events": events, "store_names": store_names,
               "export_url": f"/pricing/calendar/export.xlsx?year={year}"}
    return render(request, "pricing/calendar.html", context)


async def calendar_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    year = _year(request)
    with core(request).reader() as uow:
        events = calendar_year(uow, year)
        store_names = {s.code: s.name for s in list_stores(uow)}
    phases = [[e["name"], t(f"cal.phase.{p['phase']}"), p["start"], p["end"]]
              for e in events for p in e["phases"]]
    campaigns = [[e["name"], c["code"], c["name"],
                  store_names.get(c["store"], c["store"]) if c["store"] else "",
                  c["targets"]["gmv"],
                  c["targets"]["orders"], c["targets"]["new_customers"],
                  ", ".join(p["code"] for p in c["promotions"])]
                 for e in events for c in e["campaigns"]]
    return xlsx_response({
        t("cal.phases"): ([t("cal.event"), t("cal.phase"), t("cal.start"), t("cal.end")],
                          phases),
        t("cal.campaigns"): ([t("cal.event"), t("cal.code"), t("cal.name"), t("cal.store"),
                              t("cal.gmv"), t("cal.orders"), t("cal.new_customers"),
                              t("cal.promotions")], campaigns)},
        f"{t('cal.title')}{year}.xlsx", f"calendar-{year}.xlsx")


def mount(api: FastAPI) -> None:
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/pricing/simulator", simulator_page, methods=["GET"], **html)
    api.add_api_route("/pricing/simulator/export.xlsx", simulator_export, methods=["GET"],
                      **html)
    api.add_api_route("/pricing/calendar", calendar_page, methods=["GET"], **html)
    api.add_api_route("/pricing/calendar/export.xlsx", calendar_export, methods=["GET"],
                      **html)
