"""补货建议 and 供应商与采购单 console pages.

/replenishment: the suggestions per SKU × warehouse with every number of their explanation;
pick rows and "生成采购单" makes draft purchase orders grouped by supplier (one transaction).
/purchasing: suppliers with their scorecard, purchase orders with their status and the send /
receive (everything still to come) / cancel actions. Both tables export to Excel. Figures come
from `replenishment_service` / `purchasing_service`, the same code path as the API and CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from shopops.core.errors import ShopOpsError, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.inventory import purchasing_service as purchasing
from shopops.inventory.purchasing import PO_STATUSES
from shopops.inventory.replenishment_service import (
    HEADERS,
    Plan,
    create_purchase_orders,
    replenishment_plan,
)
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

NAV = [NavItem("replenishment", "/replenishment", "nav.replenishment", 45),
       NavItem("purchasing", "/purchasing", "nav.purchasing", 46)]
DEMANDS = ("forecast", "recent")
PO_LIMIT = 100
SUPPLIER_COLUMNS = ("code", "name", "lead_time_days", "lead_time_sigma_days", "moq",
                    "case_pack", "skus", "open_purchase_orders", "deliveries", "on_time_rate",
                    "fill_rate", "defect_rate", "price_index", "lead_time_mean_days",
                    "return_policy")
PO_COLUMNS = ("code", "supplier", "status", "lines", "quantity", "remaining", "amount",
              "expected_on", "sent_at")


def _query(request: Request) -> dict[str, str]:
    p = request.query_params
    demand = p.get("demand", "forecast")
    return {"date": p.get("date", ""), "store": p.get("store", ""),
            "demand": demand if demand in DEMANDS else "forecast",
            "all": "1" if p.get("all") in ("1", "on", "true") else ""}


def _day(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"date {value!r} is not YYYY-MM-DD", field="date") from exc


def _plan(request: Request, q: dict[str, str]) -> tuple[Plan | None, ShopOpsError | None]:
    with core(request).reader() as uow:
        try:
            return replenishment_plan(uow, as_of=_day(q["date"]), store=q["store"] or None,
                                      demand=q["demand"]), None
        except ShopOpsError as exc:
            return None, exc


async def suggestions_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    q = _query(request)
    plan, error = _plan(request, q)
    with core(request).reader() as uow:
        stores = list_stores(uow)
    lines = [] if plan is None else (plan.lines if q["all"] else plan.to_order())
    total = sum((ln.amount or 0) for ln in lines if ln.suggestion.suggested_qty)
    params = {k: v for k, v in q.items() if v}
    context: dict[str, Any] = {
        "user": user, "active": "replenishment", "lang": lang, "query": q, "stores": stores,
        "demands": DEMANDS, "plan": plan, "lines": lines, "total_amount": total,
        "to_order": sum(1 for ln in lines if ln.suggestion.suggested_qty),
        "error": error_message(Translator(lang), error) if error else None,
        "export_url": "/replenishment/export.xlsx?" + urlencode(params),
    }
    return render(request, "replenishment/suggestions.html", context,
                  status=error_status(error) if error else 200)


async def suggestions_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    q = _query(request)
    plan, error = _plan(request, q)
    if plan is None or error is not None:
        return await suggestions_page(request)
    lines = plan.lines if q["all"] else plan.to_order()
    return xlsx_response({t("rp.sheet.suggestions"): (HEADERS, [ln.row() for ln in lines])},
                         f"{t('rp.export_name')}_{plan.as_of}.xlsx",
                         f"replenishment-{plan.as_of}.xlsx")


async def create_orders(request: Request) -> Response:
    """生成采购单 from the picked rows (`pick` = SKU|WAREHOUSE), back to /purchasing."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    picks = [tuple(str(v).split("|", 1)) for v in form.getlist("pick") if "|" in str(v)]
    demand = str(form.get("demand") or "forecast")
    try:
        if not picks:
            raise ValidationError("请选择至少一条补货建议 — pick at least one row", field="pick")
        with core(request).uow() as uow:
            result = create_purchase_orders(
                uow, picks=[(p[0], p[1]) for p in picks], as_of=_day(str(form.get("date") or "")),
                store=str(form.get("store") or "") or None,
                demand=demand if demand in DEMANDS else "forecast")
    except ShopOpsError as exc:
        return await _purchasing(request, exc)
    codes = ",".join(o["code"] for o in result["purchase_orders"])
    skipped = len(result["skipped"])
    return RedirectResponse("/purchasing?" + urlencode({"created": codes, "skipped": skipped}),
                            status_code=303)


# ---------------------------------------------------------------- /purchasing


async def _purchasing(request: Request, error: ShopOpsError | None = None) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    status = request.query_params.get("status", "")
    with core(request).reader() as uow:
        suppliers = purchasing.list_suppliers(uow)
        try:
            orders, total = purchasing.list_purchase_orders(
                uow, status=status or None, limit=PO_LIMIT)
        except ShopOpsError as exc:
            orders, total, error = [], 0, error or exc
    created = [c for c in request.query_params.get("created", "").split(",") if c]
    context: dict[str, Any] = {
        "user": user, "active": "purchasing", "lang": lang, "suppliers": suppliers,
        "supplier_names": supplier_names(suppliers),
        "orders": orders, "total": total, "status": status, "statuses": PO_STATUSES,
        "created": created, "skipped": request.query_params.get("skipped", ""),
        "done": request.query_params.get("done", ""),
        "error": error_message(Translator(lang), error) if error else None,
        "export_url": "/purchasing/export.xlsx" + (f"?status={status}" if status else ""),
    }
    return render(request, "replenishment/purchasing.html", context,
                  status=error_status(error) if error else 200)


async def purchasing_page(request: Request) -> Response:
    return await _purchasing(request)


def supplier_names(suppliers: list[dict[str, Any]]) -> dict[str, str]:
    """supplier code → its name: an order names its supplier by code, people read the name."""
    return {s["code"]: s["name"] for s in suppliers}


def purchasing_sheets(t: Translator, suppliers: list[dict[str, Any]],
                      orders: list[dict[str, Any]]) -> dict[str, tuple[list[str], list[Any]]]:
    names = supplier_names(suppliers)

    def supplier_value(s: dict[str, Any], c: str) -> Any:
        return s["scorecard"][c] if c in s["scorecard"] and c not in s else s[c]

    def order_value(o: dict[str, Any], c: str) -> Any:
        if c == "status":
            return t(f"rp.st.{o[c]}")
        if c == "lines":
            return len(o["lines"])
        if c == "supplier":
            return names.get(o["supplier"], o["supplier"])
        return o[c]

    line_cols = ("sku", "name", "warehouse", "quantity", "unit_price", "received_qty",
                 "defective_qty", "remaining")
    return {
        t("rp.sheet.suppliers"): ([t(f"rp.sup.{c}") for c in SUPPLIER_COLUMNS],
                                  [[supplier_value(s, c) for c in SUPPLIER_COLUMNS]
                                   for s in suppliers]),
        t("rp.sheet.orders"): ([t(f"rp.po.{c}") for c in PO_COLUMNS],
                               [[order_value(o, c) for c in PO_COLUMNS] for o in orders]),
        t("rp.sheet.lines"): ([t("rp.po.code"), *(t(f"rp.line.{c}") for c in line_cols)],
                              [[o["code"], *(ln[c] for c in line_cols)]
                               for o in orders for ln in o["lines"]]),
    }


async def purchasing_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    status = request.query_params.get("status", "")
    try:
        with core(request).reader() as uow:
            suppliers = purchasing.list_suppliers(uow)
            orders, _ = purchasing.list_purchase_orders(uow, status=status or None,
                                                        limit=10_000)
    except ShopOpsError as exc:
        return await _purchasing(request, exc)
    return xlsx_response(purchasing_sheets(t, suppliers, orders),
                         f"{t('rp.export_purchasing')}.xlsx", "purchasing.xlsx")


async def order_action(request: Request) -> Response:
    """send / receive (everything still to come) / cancel one purchase order."""
    if signed_in(request) is None:
        return to_login(request)
    code, action = request.path_params["code"], request.path_params["action"]
    handlers: dict[str, Callable[[UnitOfWork, str], dict[str, Any]]] = {
        "send": purchasing.send_purchase_order,
        "receive": purchasing.receive_purchase_order,
        "cancel": purchasing.cancel_purchase_order}
    try:
        if action not in handlers:
            raise ValidationError(f"unknown action {action!r}", field="action")
        with core(request).uow() as uow:
            handlers[action](uow, code)
    except ShopOpsError as exc:
        return await _purchasing(request, exc)
    return RedirectResponse("/purchasing?" + urlencode({"done": f"{code}:{action}"}),
                            status_code=303)


def mount(api: FastAPI) -> None:
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/replenishment", suggestions_page, methods=["GET"], **html)
    api.add_api_route("/replenishment/export.xlsx", suggestions_export, methods=["GET"], **html)
    api.add_api_route("/replenishment/purchase-orders", create_orders, methods=["POST"], **html)
    api.add_api_route("/purchasing", purchasing_page, methods=["GET"], **html)
    api.add_api_route("/purchasing/export.xlsx", purchasing_export, methods=["GET"], **html)
    api.add_api_route("/purchasing/orders/{code}/{action}", order_action, methods=["POST"],
                      **html)
