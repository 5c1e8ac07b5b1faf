"""履约看板 console page: orders to ship by urgency (overdue first), the logistics exception
queue with counts per type and acknowledge / resolve buttons, and an Excel export. Figures come
from fulfillment.board, the same code path as /api/v1/fulfillment/board and `shopops fulfil
board`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from shopops.core.errors import ShopOpsError, ValidationError
from shopops.fulfillment import board as boards
from shopops.fulfillment.exceptions import KINDS
from shopops.fulfillment.service import handle_exception, import_tracking_file
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


async def board_page(request: Request, report: dict[str, Any] | None = None) -> Response:
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
    }
    return render(request, "fulfillment/board.html", context,
                  status=error_status(error) if error else 200)


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
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/fulfillment", board_page, methods=["GET"], **html)
    api.add_api_route("/fulfillment/export.xlsx", board_export, methods=["GET"], **html)
    api.add_api_route("/fulfillment/handle", handle, methods=["POST"], **html)
    api.add_api_route("/fulfillment/tracking", tracking_upload, methods=["POST"], **html)
