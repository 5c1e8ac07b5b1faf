"""促销 console pages: the promotion list (filters, Excel export) and the editor (new / edit) with
field-level validation messages and the price-floor check (检查底线 runs the same checks without
saving). Everything goes through `pricing.service`, the code path of /api/v1/promotions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from shopops.core.errors import ShopOpsError
from shopops.pricing.coupon_service import coupon_stats
from shopops.pricing.payloads import FIELDS, KINDS
from shopops.pricing.promotions import InvalidPromotion
from shopops.pricing.service import create_promotion, list_promotions, update_promotion
from shopops.stores.service import StoreView, list_stores
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

NAV = [NavItem("promotions", "/promotions", "nav.promotions", 60)]
LIST_COLUMNS = ("code", "name", "type", "store", "level", "starts_at", "ends_at", "active",
                "claimed", "redeemed")
FORM_FIELDS = ("type", "code", "name", "store", "skus", "categories", "tiers", "repeat", "cap",
               "rate", "prices", "items", "price", "threshold", "gift_sku", "gift_quantity",
               "off", "max_off", "per_customer", "max_uses", "budget", "member_tiers",
               "new_customers_only", "starts_at", "ends_at", "active", "override_reason")


SHOP_TZ = "Asia/Shanghai"  # a platform-wide promotion's times read in 北京时间


def _local(value: str | None, timezone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (ISO, UTC) as the store's wall clock: what the operator typed."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(ZoneInfo(timezone)).strftime(fmt)


# the editor's type-specific fields → the types that use them (the page hides the others)
FIELD_KINDS = {name: [kind for kind in KINDS if name in FIELDS[kind]]
               for name in FORM_FIELDS if any(name in FIELDS[kind] for kind in KINDS)}


class _DryRun(Exception):
    """Raised inside the unit of work to roll a 检查底线 back after every check passed."""


def _filters(request: Request) -> dict[str, str]:
    p = request.query_params
    return {k: p.get(k, "") for k in ("store", "type", "status") if p.get(k)}


def _rows(request: Request, f: dict[str, str]) -> tuple[list[dict[str, Any]], list[StoreView]]:
    """The listed promotions, filtered, with times on the store's clock (北京时间) and the
    store's name; and the stores (the filter bar's choices)."""
    with core(request).reader() as uow:
        views, _ = list_promotions(uow, store=f.get("store") or None)
        stats = coupon_stats(uow)
        listed = list_stores(uow)
    stores = {s.code: s for s in listed}
    rows = []
    for v in views:
        item = v.as_json()
        if f.get("type") and item["type"] != f["type"]:
            continue
        if f.get("status") in ("active", "inactive") and item["active"] != (
                f["status"] == "active"):
            continue
        claimed, redeemed = stats.get(v.code, (None, None))
        store = stores.get(item["store"]) if item["store"] else None
        zone = store.timezone if store else SHOP_TZ
        rows.append({**item, "claimed": claimed, "redeemed": redeemed,
                     "store_name": store.name if store else None,
                     "starts_at": _local(item["starts_at"], zone),
                     "ends_at": _local(item["ends_at"], zone)})
    return rows, listed


async def list_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    f = _filters(request)
    error = None
    try:
        rows, stores = _rows(request, f)
    except ShopOpsError as exc:
        rows, error = [], exc
        with core(request).reader() as uow:
            stores = list_stores(uow)
    context = {"user": user, "active": "promotions", "lang": lang, "rows": rows, "query": f,
               "saved": request.query_params.get("saved", ""),
               "stores": stores, "kinds": list(KINDS), "columns": LIST_COLUMNS,
               "export_url": "/promotions/export.xlsx?" + urlencode(f),
               "error": error_message(Translator(lang), error) if error else None}
    return render(request, "pricing/promotions.html", context,
                  status=error_status(error) if error else 200)


async def list_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    try:
        rows, _ = _rows(request, _filters(request))
    except ShopOpsError:
        return await list_page(request)
    def cell(r: dict[str, Any], c: str) -> Any:
        if c == "type":
            return t(f"pr.type.{r['type']}")
        if c == "store":
            return r["store_name"] or t("pr.platform")
        if c == "level":
            return t(f"pr.level.{r['level']}")
        if c == "active":
            return t("pr.on") if r["active"] else t("pr.off")
        return r[c]
    body = [[cell(r, c) for c in LIST_COLUMNS] for r in rows]
    return xlsx_response({t("pr.list_title"): ([t(f"pr.col.{c}") for c in LIST_COLUMNS],
                                               body)}, f"{t('pr.list_title')}.xlsx",
                         "promotions.xlsx")


def _texts(value: str) -> list[str] | None:
    items = [v.strip() for v in value.replace("，", ",").split(",") if v.strip()]
    return items or None


def _tiers(kind: str, value: str) -> list[dict[str, Any]] | None:
    """One tier a line: '300:40' (满减 threshold:off) or '2:0.9' (满件折 qty:rate)."""
    tiers: list[dict[str, Any]] = []
    for raw in value.splitlines():
        if not raw.strip():
            continue
        left, _, right = raw.replace("：", ":").partition(":")
        if kind == "multi_buy_discount":
            tiers.append({"qty": int(left) if left.strip().isdigit() else left.strip(),
                          "rate": right.strip()})
        else:
            tiers.append({"threshold": left.strip(), "off": right.strip()})
    return tiers or None


def _lines(value: str) -> list[tuple[int, list[str]]]:
    """The textarea's non-empty lines, numbered from 1, split on spaces, commas and colons."""
    found = []
    for n, raw in enumerate(value.splitlines(), 1):
        parts = re.split(r"[\s,，:：×*]+", raw.strip())
        if parts != [""]:
            found.append((n, parts))
    return found


def _line_error(name: str, n: int, parts: list[str], shape: str) -> InvalidPromotion:
    return InvalidPromotion(f"{name}: 第{n}行“{' '.join(parts)}”应写成“{shape}”", field=name)


def _prices(value: str) -> dict[str, dict[str, str]]:
    """会员价, one SKU price a line: 'gold P004-01 89' (tier, SKU, price)."""
    prices: dict[str, dict[str, str]] = {}
    for n, parts in _lines(value):
        if len(parts) != 3:
            raise _line_error("prices", n, parts, "会员等级 SKU 价格")
        tier, sku, price = parts
        if sku in prices.get(tier, {}):
            raise InvalidPromotion(f"prices: 第{n}行 {tier} {sku} 的价格重复", field="prices")
        prices.setdefault(tier, {})[sku] = price
    return prices


def _items(value: str) -> dict[str, Any]:
    """组合套装 items, one SKU a line: 'P004-01 2' (units per set; without it 1)."""
    items: dict[str, Any] = {}
    for n, parts in _lines(value):
        if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
            raise _line_error("items", n, parts, "SKU 每套件数")
        if parts[0] in items:
            raise InvalidPromotion(f"items: 第{n}行 {parts[0]} 重复", field="items")
        items[parts[0]] = int(parts[1]) if len(parts) == 2 else 1
    return items


def payload_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The editor's fields as the API payload (empty fields left out)."""
    kind = form.get("type", "")
    data: dict[str, Any] = {"type": kind}
    for name in ("code", "name", "store", "cap", "rate", "price", "threshold", "off",
                 "max_off", "budget", "gift_sku", "starts_at", "ends_at", "override_reason"):
        if form.get(name, "").strip():
            data[name] = form[name].strip()
    for name in ("skus", "categories", "member_tiers"):
        if form.get(name, "").strip():
            data[name] = _texts(form[name])
    for name in ("per_customer", "max_uses", "gift_quantity"):
        value = form.get(name, "").strip()
        if value:
            data[name] = int(value) if value.isdigit() else value
    if form.get("tiers", "").strip():
        data["tiers"] = _tiers(kind, form["tiers"])
    if form.get("prices", "").strip():
        data["prices"] = _prices(form["prices"])
    if form.get("items", "").strip():
        data["items"] = _items(form["items"])
        if kind == "bundle":  # a bundle's SKUs are its items (an edit may change them)
            data["skus"] = sorted(data["items"])
    if kind == "full_reduction":
        data["repeat"] = form.get("repeat") == "on"
    data["new_customers_only"] = form.get("new_customers_only") == "on"
    data["active"] = form.get("active") == "on"  # an unticked checkbox is not sent
    return data


def _form_from_view(item: dict[str, Any], timezone: str = SHOP_TZ) -> dict[str, str]:
    form = {k: "" if item.get(k) is None else str(item[k]) for k in FORM_FIELDS}
    for name in ("starts_at", "ends_at"):  # the wall clock the editor reads back
        form[name] = _local(item.get(name), timezone, "%Y-%m-%dT%H:%M")
    for name in ("skus", "categories", "member_tiers"):
        form[name] = ", ".join(item.get(name) or [])
    tiers = item.get("tiers") or []
    form["tiers"] = "\n".join(f"{t.get('threshold', t.get('qty'))}:{t.get('off', t.get('rate'))}"
                              for t in tiers)
    form["prices"] = "\n".join(f"{tier} {sku} {price}" for tier, prices in
                               (item.get("prices") or {}).items()
                               for sku, price in prices.items())
    form["items"] = "\n".join(f"{sku} {units}" for sku, units in (item.get("items") or {}).items())
    for name in ("repeat", "new_customers_only", "active"):
        form[name] = "on" if item.get(name) else ""
    return form


def _form_field(error: ShopOpsError) -> str:
    """The editor field an error names: 'tiers' for 'tiers[1].off', '' for none."""
    return (error.field or "").split(".")[0].split("[")[0]


def _message(t: Translator, error: ShopOpsError, action: str) -> dict[str, Any]:
    """The editor's message: 未保存 / 检查未通过 (not the filters' 查询条件有误), the field by
    its label."""
    message = error_message(t, error)
    message["title"] = t("pr.not_checked" if action == "check" else "pr.not_saved")
    field = _form_field(error)
    message["field_label"] = t(f"pr.f.{field}") if t.has(f"pr.f.{field}") else error.field
    return message


def _editor(request: Request, form: dict[str, str], editing: str | None,
            error: ShopOpsError | None = None, checked: bool = False,
            status: int = 200, action: str = "save") -> Response:
    lang = current_lang(request)
    with core(request).reader() as uow:
        stores = list_stores(uow)
    breaches = (error.details.get("breaches") or []) if error else []
    context = {"user": signed_in(request), "active": "promotions", "lang": lang, "form": form,
               "editing": editing, "stores": stores, "kinds": list(KINDS),
               "store_names": {s.code: s.name for s in stores}, "field_kinds": FIELD_KINDS,
               "error": _message(Translator(lang), error, action) if error else None,
               "error_field": _form_field(error) if error else "", "breaches": breaches,
               "checked": checked}
    return render(request, "pricing/editor.html", context, status=status)


async def new_page(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    return _editor(request, {"type": request.query_params.get("type", "full_reduction"),
                             "active": "on"}, None)


async def edit_page(request: Request, code: str) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    with core(request).reader() as uow:
        views, _ = list_promotions(uow)
        zones: dict[str | None, str] = {s.code: s.timezone for s in list_stores(uow)}
    found = next((v for v in views if v.code == code), None)
    if found is None:
        return RedirectResponse("/promotions", status_code=303)
    return _editor(request, _form_from_view(found.as_json(), zones.get(found.store, SHOP_TZ)),
                   code)


async def save(request: Request) -> Response:
    """POST of the editor: 保存 stores it; 检查底线 (action=check) runs every check and rolls
    back. A refusal re-renders the form with the field marked and the floor breaches."""
    user = signed_in(request)
    if user is None:
        return to_login(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    editing = form.pop("editing", "") or None
    action = form.pop("action", "save")
    try:
        payload = payload_from_form(form)
        with core(request).uow() as uow:
            if editing:
                changes = {k: v for k, v in payload.items() if k not in ("type", "code")}
                view = update_promotion(uow, editing, changes, actor=user.username)
            else:
                view = create_promotion(uow, payload, actor=user.username)
            if action == "check":
                raise _DryRun
    except _DryRun:
        return _editor(request, form, editing, checked=True)
    except ShopOpsError as exc:
        return _editor(request, form, editing, exc, status=error_status(exc), action=action)
    # the stored code: a new promotion without one was given a generated code
    return RedirectResponse("/promotions?" + urlencode({"saved": view.code}), status_code=303)


def mount(api: FastAPI) -> None:
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/promotions", list_page, methods=["GET"], **html)
    api.add_api_route("/promotions/export.xlsx", list_export, methods=["GET"], **html)
    api.add_api_route("/promotions/new", new_page, methods=["GET"], **html)
    api.add_api_route("/promotions/save", save, methods=["POST"], **html)
    api.add_api_route("/promotions/{code}/edit", edit_page, methods=["GET"], **html)
