"""履约看板 console page: orders to ship by urgency (overdue first), each with a 发货 form
(carrier and tracking number → fulfillment.service.ship_order), the logistics exception queue
with counts per type and acknowledge / resolve buttons, and an Excel export. Figures come from
fulfillment.board, the same code path as /api/v1/fulfillment/board and `shopops fulfil
board`."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from shopops.core.errors import (
    Conflict,
    InsufficientStock,
    NotFound,
    ShopOpsError,
    ValidationError,
)
from shopops.fulfillment import board as boards
from shopops.fulfillment.exceptions import KINDS
from shopops.fulfillment.service import (
    ShipmentView,
    get_shipment,
    handle_exception,
    import_tracking_file,
    ship_order,
)
from shopops.fulfillment.sla import CARRIERS
from shopops.orders.allocation_service import order_brief, order_parcels
from shopops.orders.lifecycle import IllegalTransition
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
    templates,
    to_login,
    xlsx_response,
)

NAV = [NavItem("fulfillment", "/fulfillment", "nav.fulfillment", 25)]
TO_SHIP_ROWS = 100  # the page shows the most urgent; the export has them all


def _query(request: Request) -> dict[str, str]:
    p = request.query_params
    return {k: v for k, v in {"store": p.get("store", ""), "kind": p.get("kind", "")}.items()
            if v}


def _load(request: Request, q: dict[str, str]
          ) -> tuple[boards.Board | None, list[Any], ShopOpsError | None]:
    with core(request).reader() as uow:
        stores = list_stores(uow)
        try:
            return boards.fulfillment_board(uow, store=q.get("store")), stores, None
        except ShopOpsError as exc:
            return None, stores, exc


def _shipped(request: Request) -> ShipmentView | None:
    """The shipment just made (?shipped=ID after a 发货), for the page's confirmation."""
    shipment_id = request.query_params.get("shipped", "")
    if not shipment_id.isdigit():
        return None
    try:
        with core(request).reader() as uow:
            return get_shipment(uow, int(shipment_id))
    except NotFound:
        return None


async def board_page(request: Request, report: dict[str, Any] | None = None,
                     ship_error: dict[str, Any] | None = None) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    q = _query(request)
    board, stores, error = _load(request, q)
    if error is None and q.get("kind") and q["kind"] not in KINDS:
        error = ValidationError(f"kind {q['kind']!r} is not one of {', '.join(KINDS)}",
                                field="kind")
    items = [] if board is None else [
        i for i in board.exceptions.items if not q.get("kind") or i.exception.kind == q["kind"]]
    context: dict[str, Any] = {
        "user": user, "active": "fulfillment", "lang": lang, "query": q, "stores": stores,
        "store_names": {s.code: s.name for s in stores}, "board": board, "kinds": KINDS,
        "items": items,
        "to_ship": [] if board is None else board.to_ship[:TO_SHIP_ROWS],
        "overdue": [] if board is None else [r for r in board.to_ship if r.overdue],
        "counts": {} if board is None else board.counts,
        "local": boards.local_time,
        "error": error_message(Translator(lang), error) if error else None,
        "export_url": "/fulfillment/export.xlsx?" + urlencode(q),
        "back": "/fulfillment?" + urlencode(q), "report": report,
        "carriers": CARRIERS, "ship_url": "/fulfillment/ship?" + urlencode(q),
        "ship_error": ship_error, "shipped": _shipped(request),
    }
    status = error_status(error) if error else ship_error["status"] if ship_error else 200
    return render(request, "fulfillment/board.html", context, status=status)


async def board_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    q = _query(request)
    board, _stores, error = _load(request, q)
    if board is None or error is not None:
        return await board_page(request)
    t = Translator(current_lang(request))
    day = board.now.strftime("%Y-%m-%d")
    return xlsx_response(boards.board_sheets(board), f"{t('ff.export_name')}_{day}.xlsx",
                         f"fulfillment-{day}.xlsx")


async def handle(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    key, action = str(form.get("key", "")), str(form.get("action", ""))
    state = {"acknowledge": "acknowledged", "resolve": "resolved"}.get(action, action)
    note = str(form.get("note", "")).strip() or None
    back = str(form.get("back", "/fulfillment"))
    try:
        with core(request).uow() as uow:
            handle_exception(uow, key, state, note, user.username)
    except ShopOpsError as exc:
        lang = current_lang(request)
        return render(request, "fulfillment/board.html", {
            "user": user, "active": "fulfillment", "lang": lang, "query": {}, "stores": [],
            "store_names": {}, "board": None, "kinds": KINDS, "items": [], "to_ship": [],
            "overdue": [], "counts": {}, "local": boards.local_time, "export_url": "",
            "back": "/fulfillment",
            "error": error_message(Translator(lang), exc)}, status=error_status(exc))
    return RedirectResponse(back if back.startswith("/fulfillment") else "/fulfillment",
                            status_code=303)


SHIP_FIELDS = ("carrier", "tracking_no", "warehouse")


def _ship_problem(t: Translator, exc: ShopOpsError, form: dict[str, str],
                  waiting: list[str]) -> dict[str, Any]:
    """A refused 发货 for the board: the field (in words), a Chinese reason, the service's own
    message as detail, and what was typed (kept in the row's form)."""
    field = exc.field if exc.field in SHIP_FIELDS else None
    if isinstance(exc, IllegalTransition):
        reason = t("ff.ship.bad_status", status=t("ff.status." + exc.from_status)
                   if t.has("ff.status." + exc.from_status) else exc.from_status)
    elif isinstance(exc, Conflict) and field == "tracking_no":
        reason = t("ff.ship.tracking_taken", number=form.get("tracking_no", ""))
    elif field == "carrier":
        reason = t("ff.ship.carrier_missing" if not form.get("carrier") else
                   "ff.ship.carrier_unknown", carrier=form.get("carrier", ""))
    elif field == "tracking_no":
        reason = t("ff.ship.tracking_missing" if not form.get("tracking_no") else
                   "ff.ship.tracking_bad")
    elif field == "warehouse":
        reason = t("ff.ship.pick_warehouse" if not form.get("warehouse") else
                   "ff.ship.not_waiting", warehouse=form.get("warehouse", ""))
    elif isinstance(exc, InsufficientStock):  # a paid order is allocated first
        reason = t("ff.ship.short")
    elif isinstance(exc, NotFound):
        reason = t("ff.ship.no_order")
    elif isinstance(exc, Conflict):
        reason = t("ff.ship.changed")
    else:
        reason = t("ff.ship.failed")
    return {"order_id": int(form["order_id"]) if form.get("order_id", "").isdigit() else None,
            "field": field, "field_label": t("ff.field." + field) if field else "",
            "reason": reason, "detail": exc.message, "code": exc.code, "form": form,
            "waiting": waiting, "status": error_status(exc)}


async def ship(request: Request) -> Response:
    """发货 from the board: one order's parcel leaves with a carrier and tracking number
    (fulfillment.service.ship_order: a paid order is allocated first; stock reserved →
    shipped; the order's timeline gets the shipment). A refusal shows the board again with
    the row's field marked and what was typed kept; nothing is stored."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    raw = await request.form()
    form = {k: str(raw.get(k, "")).strip() for k in ("order_id", "carrier", "tracking_no",
                                                      "warehouse")}
    waiting: list[str] = []
    try:
        number = form["order_id"]
        if not number.isdigit():
            raise ValidationError(f"订单 {number!r} 不是订单编号 — order_id {number!r} is not "
                                  "an order id", field="order_id")
        if not form["carrier"]:
            raise ValidationError("请选择快递公司 — carrier: choose the carrier",
                                  field="carrier")
        if not form["tracking_no"]:
            raise ValidationError("请填写运单号 — tracking_no: give the tracking number",
                                  field="tracking_no")
        with core(request).uow() as uow:
            shipment = ship_order(uow, int(form["order_id"]), form["carrier"],
                                  form["tracking_no"], warehouse=form["warehouse"] or None)
    except ShopOpsError as exc:
        if exc.field == "warehouse" and form["order_id"].isdigit():
            with core(request).reader() as uow:  # the warehouses still to ship from
                waiting = [p.warehouse for p in order_parcels(uow, int(form["order_id"]))
                           if p.status == "reserved"]
        problem = _ship_problem(Translator(current_lang(request)), exc, form, waiting)
        if problem["order_id"] is not None:
            try:
                with core(request).reader() as uow:
                    problem["order_no"] = order_brief(uow, problem["order_id"]).channel_order_no
            except NotFound:
                problem["order_id"] = None
        return await board_page(request, ship_error=problem)
    back = str(raw.get("back", ""))
    if re.fullmatch(r"/orders/\d+", back):  # shipped from the order's page: back to it
        return RedirectResponse(back, status_code=303)
    q = _query(request)
    return RedirectResponse("/fulfillment?" + urlencode({**q, "shipped": shipment.id}),
                            status_code=303)


async def tracking_upload(request: Request) -> Response:
    """导入物流轨迹文件 from the board: the board again with the import's report."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        report: dict[str, Any] = {"error": "请选择轨迹文件 (CSV / XLSX)"}
    else:
        try:
            with core(request).uow() as uow:
                report = import_tracking_file(uow, await upload.read(), upload.filename
                                              ).as_json()
        except ShopOpsError as exc:
            report = {"error": exc.message}
        report["file"] = upload.filename
    return await board_page(request, report)


def logistics_strip(request: Request) -> dict[str, int] | None:
    """The board's counts for the cockpit's strip (the cockpit's store filter applies);
    None when they cannot be had, so the cockpit never fails because of them."""
    store = request.query_params.get("store") or None
    try:
        with core(request).reader() as uow:
            return boards.fulfillment_board(uow, store=store).counts
    except ShopOpsError:
        return None


def mount(api: FastAPI) -> None:
    # the cockpit includes fulfillment/cockpit_strip.html, which calls this
    templates.env.globals["logistics_strip"] = logistics_strip
    # an order's page includes fulfillment/ship_form.html (发货) while the order waits to ship
    templates.env.globals["ship_carriers"] = CARRIERS
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/fulfillment", board_page, methods=["GET"], **html)
    api.add_api_route("/fulfillment/export.xlsx", board_export, methods=["GET"], **html)
    api.add_api_route("/fulfillment/handle", handle, methods=["POST"], **html)
    api.add_api_route("/fulfillment/tracking", tracking_upload, methods=["POST"], **html)
    api.add_api_route("/fulfillment/ship", ship, methods=["POST"], **html)
