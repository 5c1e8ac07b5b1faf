"""库存 console pages: the inventory board (库存看板: stock, cover days, turnover, ABC/XYZ, stock
alerts, filters by store / warehouse / category / alert, Excel), one SKU's stock history (moves
and on hand over time, with the latest demand forecast) and the forecast accuracy page (per SKU
and overall against seasonal naive, Excel). Figures come from `inventory.monitoring_service`,
`inventory.stock_history` and `inventory.forecast_service` — the CLI's code paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from shopops.analytics.periods import parse_date
from shopops.catalog import service as catalog
from shopops.core.errors import NotFound, ShopOpsError, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.inventory import forecast_service as forecasts
from shopops.inventory.monitoring import Board, SkuRow
from shopops.inventory.monitoring_service import ALERT_HEADERS, alert_rows, stock_board
from shopops.inventory.service import list_warehouses
from shopops.inventory.stock_history import MOVE_HEADERS, move_rows, sku_stock_history
from shopops.orders.service import line_sales
from shopops.stores.service import get_store, list_stores
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

NAV = [NavItem("inventory", "/inventory", "nav.inventory", 40),
       NavItem("forecast", "/inventory/forecast", "nav.forecast", 42)]
ALERT_KINDS = ("best_seller_low_cover", "slow_mover_high_cover")
HISTORY_DAYS = 90
MOVE_KINDS = ("receipt", "reservation", "release", "shipment", "return", "adjustment",
              "transfer_out", "transfer_in")


@dataclass(frozen=True)
class BoardQuery:
    store: str | None = None
    warehouse: str | None = None
    category: str | None = None
    alert: str | None = None  # one of ALERT_KINDS, or "any"
    on: str | None = None

    @classmethod
    def from_params(cls, params: QueryParams) -> BoardQuery:
        def get(name: str) -> str | None:
            return (params.get(name) or "").strip() or None
        return cls(get("store"), get("warehouse"), get("category"), get("alert"), get("date"))

    def params(self) -> dict[str, str]:
        pairs = {"store": self.store, "warehouse": self.warehouse, "category": self.category,
                 "alert": self.alert, "date": self.on}
        return {k: v for k, v in pairs.items() if v}


def _row(row: SkuRow, warehouse: str | None) -> dict[str, Any]:
    """A board row; with a warehouse filter, the stock figures are that warehouse's."""
    data = {"sku": row.sku, "name": row.name, "on_hand": row.on_hand,
            "available": row.available, "avg_daily_sales": row.avg_daily_sales,
            "days_of_cover": row.days_of_cover, "turnover_days": row.turnover_days,
            "stock_age_days": row.stock_age_days, "units_sold": row.units_sold,
            "sales_amount": row.sales_amount, "abc": row.abc, "xyz": row.xyz,
            "best_seller": row.best_seller, "slow_mover": row.slow_mover, "alerts": []}
    for wh in row.warehouses:
        if wh.warehouse == warehouse:
            data.update(on_hand=wh.on_hand, available=wh.available,
                        avg_daily_sales=wh.avg_daily_sales, days_of_cover=wh.days_of_cover,
                        turnover_days=wh.turnover_days, stock_age_days=wh.stock_age_days)
    return data


def _filtered(uow: UnitOfWork, board: Board, q: BoardQuery) -> tuple[list[dict[str, Any]],
                                                                      list[Any]]:
    """Board rows and alerts kept by the filters (store: SKUs that store sold in the window)."""
    keep: set[str] | None = None
    if q.category:
        skus = catalog.list_skus(uow, 1, 100_000, category=q.category)["items"]
        keep = {s["code"] for s in skus}
    if q.store:
        store_id = get_store(uow, q.store).id
        sold = {k for _, k, _, _ in line_sales(uow, board.window_start, board.as_of, store_id)}
        codes = {c for c, _ in catalog.sku_codes(uow, sold).values()}
        keep = codes if keep is None else keep & codes
    alerts = [a for a in board.alerts
              if (keep is None or a.sku in keep)
              and (q.warehouse is None or a.warehouse in (None, q.warehouse))
              and (q.alert in (None, "any") or a.kind == q.alert)]
    alerted: dict[str, list[str]] = {}
    for a in alerts:
        alerted.setdefault(a.sku, []).append(a.kind)
    rows = []
    for row in board.rows:
        if keep is not None and row.sku not in keep:
            continue
        if q.warehouse and not any(w.warehouse == q.warehouse for w in row.warehouses):
            continue
        if q.alert and row.sku not in alerted:
            continue
        data = _row(row, q.warehouse)
        data["alerts"] = sorted(set(alerted.get(row.sku, [])))
        rows.append(data)
    return rows, alerts


def _board(request: Request, q: BoardQuery) -> tuple[Board, list[dict[str, Any]], list[Any],
                                                     dict[str, int]]:
    app = core(request)
    if q.alert not in (None, "any", *ALERT_KINDS):
        raise ValidationError(f"unknown alert {q.alert!r}", field="alert")
    with app.reader() as uow:
        day = parse_date(q.on, field="date") if q.on else None
        board = stock_board(uow, day, app.settings.default_timezone)
        if q.warehouse and q.warehouse not in {w.code for w in list_warehouses(uow)}:
            raise NotFound(f"unknown warehouse {q.warehouse!r}", field="warehouse")
        rows, alerts = _filtered(uow, board, q)
        ids = catalog.sku_ids(uow, [r["sku"] for r in rows])
    return board, rows, alerts, ids


def _choices(request: Request) -> dict[str, Any]:
    with core(request).reader() as uow:
        return {"stores": list_stores(uow),
                "warehouses": [w for w in list_warehouses(uow) if w.sellable],
                "categories": catalog.list_categories(uow, 1, 1000)["items"]}


async def board_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    q = BoardQuery.from_params(request.query_params)
    context: dict[str, Any] = {"user": user, "active": "inventory", "lang": lang, "query": q,
                               "alert_kinds": ALERT_KINDS, **_choices(request),
                               "export_url": "/inventory/export.xlsx?" + urlencode(q.params())}
    try:
        board, rows, alerts, ids = _board(request, q)
    except ShopOpsError as exc:
        context["error"] = error_message(Translator(lang), exc)
        return render(request, "inventory/board.html", context, status=error_status(exc))
    context.update(board=board, rows=rows, alerts=alerts, sku_ids=ids, error=None,
                   summary=board.summary)
    return render(request, "inventory/board.html", context)


def _board_headers(t: Translator) -> list[str]:
    keys = ("sku", "name", "on_hand", "available", "avg_daily_sales", "days_of_cover",
            "turnover_days", "abc", "xyz", "stock_age_days", "units_sold", "sales_amount",
            "alerts")
    return [t(f"inventory.col.{k}") for k in keys]


async def board_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    q = BoardQuery.from_params(request.query_params)
    try:
        board, rows, alerts, _ = _board(request, q)
    except ShopOpsError:
        return await board_page(request)
    table = [[r["sku"], r["name"], r["on_hand"], r["available"], r["avg_daily_sales"],
              r["days_of_cover"], r["turnover_days"], r["abc"], r["xyz"], r["stock_age_days"],
              r["units_sold"], r["sales_amount"],
              "、".join(t(f"inventory.alert.{k}") for k in r["alerts"])] for r in rows]
    sub = Board(board.as_of, board.window_start, board.window_days, [], alerts, {})
    return xlsx_response({t("inventory.title"): (_board_headers(t), table),
                          t("inventory.alerts"): (ALERT_HEADERS, alert_rows(sub))},
                         f"{t('inventory.title')}_{board.as_of}.xlsx",
                         f"inventory-{board.as_of}.xlsx")


# ---------------------------------------------------------------- SKU stock history


def _history(request: Request, sku_id: int) -> dict[str, Any]:
    app = core(request)
    warehouse = (request.query_params.get("warehouse") or "").strip() or None
    with app.reader() as uow:
        history = sku_stock_history(uow, sku_id, days=HISTORY_DAYS, warehouse=warehouse,
                                    timezone=app.settings.default_timezone)
        history["forecast"] = forecasts.sku_forecast(uow, sku_id)
    return history


async def sku_page(request: Request, sku_id: int) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    t = Translator(lang)
    context: dict[str, Any] = {"user": user, "active": "inventory", "lang": lang,
                               **_choices(request), "error": None}
    try:
        history = _history(request, sku_id)
    except ShopOpsError as exc:
        context["error"] = error_message(t, exc)
        return render(request, "inventory/sku.html", context, status=error_status(exc))
    fc = history["forecast"]
    chart = {"days": history["days"], "closing": history["closing"],
             "shipped": history["shipped"],
             "forecast_days": fc["days"] if fc else [], "forecast": fc["units"] if fc else [],
             "labels": {k: t(f"inventory.chart.{k}")
                        for k in ("closing", "shipped", "forecast")}}
    query = {"warehouse": history["warehouse"]} if history["warehouse"] else {}
    context.update(history=history, chart=chart,
                   export_url=f"/inventory/sku/{sku_id}/export.xlsx?{urlencode(query)}")
    return render(request, "inventory/sku.html", context)


async def sku_export(request: Request, sku_id: int) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    try:
        history = _history(request, sku_id)
    except ShopOpsError:
        return await sku_page(request, sku_id)
    names = {k: t(f"inventory.kind.{k}") for k in MOVE_KINDS}
    daily = [[d, c, s] for d, c, s in zip(history["days"], history["closing"],
                                          history["shipped"], strict=True)]
    return xlsx_response({t("inventory.moves"): (MOVE_HEADERS, move_rows(history, names)),
                          t("inventory.daily"): (["日期", "日终在库", "出库件数"], daily)},
                         f"{t('inventory.moves')}_{history['sku']}.xlsx",
                         f"stock-history-{sku_id}.xlsx")


# ---------------------------------------------------------------- forecast accuracy


def _run(request: Request) -> tuple[dict[str, Any] | None, str | None]:
    store = (request.query_params.get("store") or "").strip() or None
    with core(request).reader() as uow:
        store_id = get_store(uow, store).id if store else None
        return forecasts.last_run(uow, store_id), store


async def forecast_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    context: dict[str, Any] = {"user": user, "active": "forecast", "lang": lang,
                               **_choices(request), "error": None, "run": None}
    try:
        run, store = _run(request)
    except ShopOpsError as exc:
        context["error"] = error_message(Translator(lang), exc)
        return render(request, "inventory/forecast.html", context, status=error_status(exc))
    context.update(run=run, store=store,
                   export_url="/inventory/forecast/export.xlsx?"
                   + urlencode({"store": store} if store else {}))
    if run:
        with core(request).reader() as uow:
            context["sku_ids"] = catalog.sku_ids(uow, [r["sku"] for r in run["skus"]])
        better = [r for r in run["skus"] if r["wape"] is not None and r["sn_wape"] is not None]
        context["beats"] = (sum(1 for r in better if r["wape"] < r["sn_wape"]), len(better))
    return render(request, "inventory/forecast.html", context)


async def forecast_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    try:
        run, _ = _run(request)
    except ShopOpsError:
        return await forecast_page(request)
    if run is None:
        return await forecast_page(request)
    overall = [[t("inventory.fc.ours"), *run["model"].values()],
               [t("inventory.fc.naive"), *run["seasonal_naive"].values()]]
    return xlsx_response({t("inventory.fc.overall"): (["", "WAPE", "MASE", "偏差"], overall),
                          t("inventory.fc.per_sku"): (forecasts.ACCURACY_HEADERS,
                                                      forecasts.accuracy_rows(run))},
                         f"{t('inventory.fc.title')}_{run['as_of']}.xlsx",
                         f"forecast-accuracy-{run['as_of']}.xlsx")


def mount(api: FastAPI) -> None:
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/inventory", board_page, methods=["GET"], **html)
    api.add_api_route("/inventory/export.xlsx", board_export, methods=["GET"], **html)
    api.add_api_route("/inventory/sku/{sku_id:int}", sku_page, methods=["GET"], **html)
    api.add_api_route("/inventory/sku/{sku_id:int}/export.xlsx", sku_export, methods=["GET"],
                      **html)
    api.add_api_route("/inventory/forecast", forecast_page, methods=["GET"], **html)
    api.add_api_route("/inventory/forecast/export.xlsx", forecast_export, methods=["GET"],
                      **html)

