"""订单 console pages: the order list (filters, search, pages, Excel export) and one order in
detail (lines, amounts, refunds, its timeline — every step with its time and source, from
`orders.service.order_timeline` — and its after-sales requests from `service.queries`).
Figures come from `orders.browse` and `orders.service`, the same code paths as /api/v1/orders."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from shopops.core.errors import ShopOpsError
from shopops.orders.browse import OrderQuery, export_orders, search_orders
from shopops.orders.models import ORDER_STATUSES
from shopops.orders.service import get_order, order_timeline
from shopops.service.queries import RequestFilters, list_requests
from shopops.stores.models import PLATFORMS
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

NAV = [NavItem("orders", "/orders", "nav.orders", 20)]
PAGE_SIZE = 50
EXPORT_COLUMNS = ("channel_order_no", "store_name", "platform", "status", "buyer", "created_at",
                  "paid_at", "paid_date", "lines", "units", "list_amount", "discount_amount",
                  "goods_amount", "shipping_fee", "paid_amount", "refund_amount")


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _page_links(query: OrderQuery, page: int, total: int) -> dict[str, Any]:
    pages = max(1, -(-total // PAGE_SIZE))

    def link(n: int) -> str:
        return "/orders?" + urlencode({**query.params(), "page": n})
    return {"page": page, "pages": pages,
            "prev": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < pages else None}


async def orders_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    query = OrderQuery.from_params(request.query_params)
    page = _page_number(request)
    result: dict[str, Any] | None = None
    error: ShopOpsError | None = None
    with core(request).reader() as uow:
        stores = list_stores(uow)
        try:
            result = search_orders(uow, query, page, PAGE_SIZE)
        except ShopOpsError as exc:
            error = exc
    context: dict[str, Any] = {
        "user": user, "active": "orders", "lang": lang, "query": query, "stores": stores,
        "platforms": PLATFORMS, "statuses": ORDER_STATUSES, "result": result,
        "error": error_message(Translator(lang), error) if error else None,
        "export_url": "/orders/export.xlsx?" + urlencode(query.params()),
        "pager": _page_links(query, page, result["total"]) if result else None,
    }
    return render(request, "orders/list.html", context,
                  status=error_status(error) if error else 200)


async def orders_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    query = OrderQuery.from_params(request.query_params)
    try:
        with core(request).reader() as uow:
            rows: list[list[object]] = [[row[c] for c in EXPORT_COLUMNS]
                                        for row in export_orders(uow, query)]
    except ShopOpsError:
        return await orders_page(request)
    for row in rows:  # words an operator reads, not codes
        row[2] = t(f"platform.{row[2]}")
        row[3] = t(f"orders.st.{row[3]}")
    headers = [t(f"orders.col.{c}") for c in EXPORT_COLUMNS]
    scope = query.store or query.platform or "all"
    return xlsx_response({t("orders.title"): (headers, rows)},
                         f"{t('orders.export_name')}_{scope}.xlsx", f"orders-{scope}.xlsx")


async def order_detail(request: Request, order_id: int) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    order: dict[str, Any] | None = None
    error: ShopOpsError | None = None
    with core(request).reader() as uow:
        try:
            order = get_order(uow, order_id)
            store = next(s for s in list_stores(uow) if s.code == order["store"])
            timeline = [e.to_json(store.timezone) for e in order_timeline(uow, order_id)]
            after_sales = list_requests(uow, RequestFilters(order_id=order_id), 1, 100)["items"]
        except ShopOpsError as exc:
            error = exc
    context: dict[str, Any] = {
        "user": user, "active": "orders", "lang": lang, "order": order,
        "store": store if order else None, "timeline": timeline if order else [],
        "after_sales": after_sales if order else [],
        "error": error_message(Translator(lang), error) if error else None,
    }
    return render(request, "orders/detail.html", context,
                  status=error_status(error) if error else 200)


def mount(api: FastAPI) -> None:
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/orders", orders_page, methods=["GET"], **html)
    api.add_api_route("/orders/export.xlsx", orders_export, methods=["GET"], **html)
    api.add_api_route("/orders/{order_id:int}", order_detail, methods=["GET"], **html)
