"""售后看板 console page: the queue by status, overdue refunds highlighted, the request list
(filters), and the return-rate analysis by reason / SKU / category / store against the
shop's reference — with an Excel export of every table. Figures come from
`service.queries`, the same code path as /api/v1/returns and `shopops aftersales`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.datastructures import QueryParams
from fastapi.responses import Response

from shopops.catalog.service import list_categories
from shopops.core.clock import business_date
from shopops.core.errors import ShopOpsError
from shopops.orders.service import order_numbers
from shopops.service import queries
from shopops.service.analysis import DIMENSIONS
from shopops.service.models import KINDS, STATUSES
from shopops.service.reasons import REASONS
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

NAV = [NavItem("aftersales", "/aftersales", "nav.aftersales", 30)]
LIST_SIZE = 100  # the page shows the first 100 requests; the Excel export has them all
EXPORT_SIZE = 1_000_000
ANALYSIS_DAYS = 30
LIST_COLUMNS = ("id", "store", "order_id", "sku", "sku_name", "kind", "reason_name",
                "quantity", "amount", "shipping_refund", "status", "requested_at",
                "refund_hours", "overdue")
RATE_COLUMNS = ("key", "sold_units", "returned_units", "return_rate", "gmv", "refunded",
                "refund_ratio", "requests", "alert")


@dataclass(frozen=True, slots=True)
class BoardQuery:
    status: str = ""
    kind: str = ""
    reason: str = ""
    store: str = ""
    overdue: bool = False
    date_from: str = ""  # analysis: 付款日 range
    date_to: str = ""

    @classmethod
    def from_params(cls, p: QueryParams) -> BoardQuery:
        return cls(p.get("status", ""), p.get("kind", ""), p.get("reason", ""),
                   p.get("store", ""), p.get("overdue", "") in ("1", "true", "on"),
                   p.get("from", ""), p.get("to", ""))

    def params(self) -> dict[str, str]:
        raw = {"status": self.status, "kind": self.kind, "reason": self.reason,
               "store": self.store, "overdue": "1" if self.overdue else "",
               "from": self.date_from, "to": self.date_to}
        return {k: v for k, v in raw.items() if v}

    def filters(self) -> queries.RequestFilters:
        return queries.RequestFilters(status=self.status or None, kind=self.kind or None,
                                      reason=self.reason or None, store=self.store or None,
                                      overdue=self.overdue)


def _period(request: Request, q: BoardQuery) -> tuple[str | date, str | date]:
    """The analysis period: as asked, or the 30 business days up to `to` (default today);
    a malformed date is passed on so the analysis names the bad field."""
    shop = core(request)
    end: str | date = q.date_to or business_date(shop.clock.now(),
                                                  shop.settings.default_timezone)
    if q.date_from:
        return q.date_from, end
    try:
        last = end if isinstance(end, date) else date.fromisoformat(end)
    except ValueError:
        return end, end
    return last - timedelta(days=ANALYSIS_DAYS - 1), end


def _load(request: Request, q: BoardQuery, size: int = LIST_SIZE
          ) -> tuple[dict[str, Any] | None, ShopOpsError | None]:
    start, end = _period(request, q)
    with core(request).reader() as uow:
        stores = list_stores(uow)
        names = {"store": {s.code: s.name for s in stores},
                 "category": {c["code"]: c["name"]
                              for c in list_categories(uow, 1, 10_000)["items"]}}
        try:
            board = queries.board(uow)
            requests = queries.list_requests(uow, q.filters(), 1, size)
            names["order"] = order_numbers(  # 平台订单号, what the operator searches by
                uow, {r["order_id"] for r in [*board["overdue"], *requests["items"]]})
            return {
                "board": board, "requests": requests,
                "analysis": queries.return_analysis(uow, start, end, DIMENSIONS,
                                                    q.store or None),
                "stores": stores, "names": names,
            }, None
        except ShopOpsError as exc:
            return {"stores": stores, "names": names}, exc


async def board_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    q = BoardQuery.from_params(request.query_params)
    data, error = _load(request, q)
    context: dict[str, Any] = {
        "user": user, "active": "aftersales", "lang": lang, "query": q,
        "statuses": STATUSES, "kinds": KINDS, "reasons": REASONS,
        "queue": ("requested", "approved", "received"), "list_size": LIST_SIZE,
        "error": error_message(Translator(lang), error) if error else None,
        "export_url": "/aftersales/export.xlsx?" + urlencode(q.params()),
        **(data or {}),
    }
    return render(request, "aftersales/board.html", context,
                  status=error_status(error) if error else 200)


def _sheets(t: Translator, data: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    stores = data["names"]["store"]

    def request_rows(items: list[dict[str, Any]]) -> list[list[Any]]:
        return [[t(f"as.kind.{r[c]}") if c == "kind" else
                 t(f"as.st.{r[c]}") if c == "status" else
                 stores.get(r[c], r[c]) if c == "store" else
                 data["names"]["order"].get(r[c], r[c]) if c == "order_id" else
                 (t("as.yes") if r[c] else "") if c == "overdue" else r[c]
                 for c in LIST_COLUMNS] for r in items]

    def key_name(dim: str, key: str) -> str:
        if dim == "reason":
            return str(analysis["reason_names"].get(key, key))
        found = data["names"].get(dim, {}).get(key)
        return f"{found} ({key})" if found else key

    list_headers = [t(f"as.col.{c}") for c in LIST_COLUMNS]
    rate_headers = [t(f"as.rate.{c}") for c in RATE_COLUMNS]
    analysis = data["analysis"]
    sheets = {t("as.sheet.requests"): (list_headers, request_rows(data["requests"]["items"])),
              t("as.sheet.overdue"): (list_headers, request_rows(data["board"]["overdue"]))}
    for dim in DIMENSIONS:
        rows = [[(key_name(dim, r[c]) if c == "key"
                  else (t("as.yes") if r[c] else "") if c == "alert" else r[c])
                 for c in RATE_COLUMNS] for r in analysis["by"][dim]]
        sheets[t(f"as.by.{dim}")] = (rate_headers, rows)
    return sheets


async def board_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    q = BoardQuery.from_params(request.query_params)
    data, error = _load(request, q, EXPORT_SIZE)
    if error is not None or data is None:
        return await board_page(request)
    period = f"{data['analysis']['from']}_{data['analysis']['to']}"
    return xlsx_response(_sheets(t, data), f"{t('as.export_name')}_{period}.xlsx",
                         f"aftersales-{period}.xlsx")


def mount(api: FastAPI) -> None:
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/aftersales", board_page, methods=["GET"], **html)
    api.add_api_route("/aftersales/export.xlsx", board_export, methods=["GET"], **html)
