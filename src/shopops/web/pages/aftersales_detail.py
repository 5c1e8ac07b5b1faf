"""One after-sales request in the console (/aftersales/{id}): its line and amounts, the
refund clock, the timeline, and the next steps as forms — approve, reject (with the reason),
receive the parcel (restock or 待检区), refund, exchange, close. Each form posts to
/aftersales/{id}/{action}, runs the same use case as the API, and comes back to the page."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from shopops.core.errors import ShopOpsError, ValidationError
from shopops.core.uow import UnitOfWork
from shopops.inventory.service import list_warehouses
from shopops.service import queries, returns
from shopops.service import service as aftersales
from shopops.stores.service import list_stores
from shopops.web.i18n import Translator
from shopops.web.page import (
    core,
    current_lang,
    error_message,
    error_status,
    render,
    signed_in,
    to_login,
)

ACTIONS = ("approve", "reject", "receive", "refund", "exchange", "close")
_TARGET = {"approve": "approved", "reject": "rejected", "receive": "received",
           "refund": "refunded", "exchange": "exchanged", "close": "closed"}


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return str(value).strip() or None if value is not None else None


def _handler(action: str, form: Any) -> Callable[[UnitOfWork, int], Any]:
    """The use case for a posted form, with the form's fields."""
    restock = {"1": True, "0": False}.get(_text(form, "restock") or "")
    handlers: dict[str, Callable[[UnitOfWork, int], Any]] = {
        "approve": aftersales.approve,
        "reject": lambda uow, rid: aftersales.reject(uow, rid, _text(form, "note") or ""),
        "receive": lambda uow, rid: aftersales.receive(uow, rid, _text(form, "warehouse") or "",
                                                       restock),
        "refund": lambda uow, rid: aftersales.refund(uow, rid, _text(form, "amount")),
        "exchange": lambda uow, rid: aftersales.exchange(uow, rid, _text(form, "warehouse"),
                                                         _text(form, "replacement_sku")),
        "close": aftersales.close,
    }
    if action not in handlers:
        raise ValidationError(f"unknown action {action!r}", field="action")
    return handlers[action]


def _message(t: Translator, error: ShopOpsError, posted: bool) -> dict[str, Any]:
    """The in-page message; a refused action reads 操作未完成, not 查询条件有误."""
    message = error_message(t, error)
    if posted:
        message["title"] = t("as.action_failed")
    return message


async def detail_page(request: Request, request_id: int) -> Response:
    return await _detail(request, request_id, None)


async def _detail(request: Request, request_id: int, error: ShopOpsError | None,
                  posted: bool = False) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    item: dict[str, Any] | None = None
    with core(request).reader() as uow:
        warehouses = [w for w in list_warehouses(uow) if w.sellable]
        store_names = {s.code: s.name for s in list_stores(uow)}
        try:
            item = queries.get_request(uow, request_id)
        except ShopOpsError as exc:
            error = error or exc
    actions = ([a for a in ACTIONS if returns.can_step(item["kind"], item["status"],
                                                        _TARGET[a])] if item else [])
    context: dict[str, Any] = {
        "user": user, "active": "aftersales", "lang": lang, "item": item,
        "actions": actions, "warehouses": warehouses,
        "store_name": store_names.get(item["store"], item["store"]) if item else "",
        "done": request.query_params.get("done"),
        "room": (Decimal(item["line_paid_amount"]) - Decimal(item["line_refund_amount"])
                 if item else None),
        "error": _message(Translator(lang), error, posted) if error else None,
    }
    status = error_status(error) if error else 200
    return render(request, "aftersales/detail.html", context, status=status)


async def post_action(request: Request, request_id: int, action: str) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    form = await request.form()
    try:
        handler = _handler(action, form)
        with core(request).uow() as uow:
            handler(uow, request_id)
    except ShopOpsError as exc:
        return await _detail(request, request_id, exc, posted=True)
    return RedirectResponse(f"/aftersales/{request_id}?done={action}", status_code=303)


def mount(api: FastAPI) -> None:
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/aftersales/{request_id:int}", detail_page, methods=["GET"], **html)
    api.add_api_route("/aftersales/{request_id:int}/{action}", post_action, methods=["POST"],
                      **html)
