"""The console (运营驾驶舱): server-rendered Jinja2 pages, Chinese first, every asset local.

Routes: / · /login (GET, POST) · /logout (POST) · /cockpit · /cockpit/export.xlsx, and the
static files under /static. Every page but /login needs a signed-in session
(`request.session["user_id"]`); the figures all come from `analytics.service.cockpit`."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from shopops.accounts.service import authenticate
from shopops.analytics.service import Cockpit, cockpit
from shopops.bootstrap import App
from shopops.core.clock import business_date
from shopops.core.errors import AuthError, ShopOpsError
from shopops.stores.models import PLATFORMS
from shopops.stores.service import list_stores
from shopops.web.cockpit_view import (
    TOP_N,
    TREND_DAYS,
    CockpitQuery,
    channel_name,
    cockpit_sheets,
    kpi_cards,
    latest_business_day,
)
from shopops.web.excel import XLSX_MEDIA_TYPE, content_disposition, write_workbook
from shopops.web.i18n import Translator
from shopops.web.page import (
    WEB_DIR,
    core,
    current_lang,
    error_message,
    error_status,
    render,
    signed_in,
    to_login,
)
from shopops.web.pages import mount_pages


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/cockpit"


# ---------------------------------------------------------------- routes: auth


async def index(request: Request) -> Response:
    return RedirectResponse("/cockpit" if signed_in(request) else "/login", status_code=303)


async def login_form(request: Request, next: str | None = None) -> Response:
    return render(
        request, "login.html", {"next": _safe_next(next), "error": None, "username": ""}
    )


async def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/cockpit"),
) -> Response:
    try:
        with core(request).reader() as uow:
            user = authenticate(uow, username, password)
    except AuthError:
        return render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "username": username,
                "error": Translator(current_lang(request))("login.error"),
            },
            status=401,
        )
    lang = request.session.get("lang")
    request.session.clear()  # a fresh session on every login
    request.session["user_id"] = user.id
    if lang:
        request.session["lang"] = lang
    return RedirectResponse(_safe_next(next), status_code=303)


async def logout(request: Request) -> Response:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/login", status_code=303)


# ---------------------------------------------------------------- routes: cockpit


def _today(shop: App) -> date:
    return business_date(shop.clock.now(), shop.settings.default_timezone)


def _load(
    request: Request, query: CockpitQuery
) -> tuple[CockpitQuery, list[Any], Cockpit | None, ShopOpsError | None]:
    """Run the cockpit use case; a user's mistake comes back as the error, not a 500."""
    shop = core(request)
    with shop.reader() as uow:
        stores = list_stores(uow)
        query = query.with_date(latest_business_day(uow) or _today(shop))
        try:
            result = cockpit(
                uow,
                query.period(),
                query.filters(),
                trend_granularity=query.trend_granularity(),
                trend_days=TREND_DAYS,
                breakdown_by=query.breakdown,
                top=TOP_N,
                readers=shop.reader,
            )
        except ShopOpsError as exc:
            return query, stores, None, exc
    return query, stores, result, None


def _chart_data(t: Translator, ck: Cockpit) -> dict[str, Any]:
    return {
        "buckets": [r["bucket"] for r in ck.trend],
        "gmv": [r["gmv"] for r in ck.trend],
        "uv": [r["uv"] for r in ck.trend],
        "orders": [r["paid_orders"] for r in ck.trend],
        "labels": {"gmv": t("chart.gmv"), "uv": t("chart.uv"), "orders": t("chart.orders")},
        "granularity": ck.trend_granularity,
    }


async def cockpit_page(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return to_login(request)
    lang = current_lang(request)
    t = Translator(lang)
    query, stores, ck, exc = _load(request, CockpitQuery.from_params(request.query_params))
    context: dict[str, Any] = {
        "user": user,
        "active": "cockpit",
        "query": query,
        "stores": stores,
        "platforms": PLATFORMS,
        "ck": ck,
        "lang": lang,
        "error": error_message(t, exc) if exc else None,
        "export_url": "/cockpit/export.xlsx?" + urlencode(query.query_string_params()),
    }
    if ck is not None:
        context.update(
            report=ck.report,
            cards=kpi_cards(ck.report, lang),
            chart=_chart_data(t, ck),
            channel_name=lambda row: channel_name(t, row, query.breakdown),
        )
    status = error_status(exc) if exc else 200
    return render(request, "cockpit.html", context, status=status)


def _export_filename(t: Translator, query: CockpitQuery, ck: Cockpit) -> tuple[str, str]:
    report = ck.report
    scope = query.store or query.platform or t("filter.all_stores")
    label = report["label"].replace("~", "_")
    return (
        f"{t('export.filename')}_{label}_{scope}.xlsx",
        f"shopops-cockpit-{label}-{query.store or query.platform or 'all'}.xlsx",
    )


async def cockpit_export(request: Request) -> Response:
    if signed_in(request) is None:
        return to_login(request)
    t = Translator(current_lang(request))
    query, _, ck, exc = _load(request, CockpitQuery.from_params(request.query_params))
    if exc is not None or ck is None:
        return await cockpit_page(request)
    body = write_workbook(cockpit_sheets(t, ck, query.breakdown))
    name, fallback = _export_filename(t, query, ck)
    return Response(
        body,
        media_type=XLSX_MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(name, fallback),
            "Cache-Control": "no-store",
        },
    )


def mount_console(api: FastAPI) -> None:
    """Add the console's pages and its static files to the web app."""
    api.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    html: dict[str, Any] = {"include_in_schema": False}
    api.add_api_route("/", index, methods=["GET"], **html)
    api.add_api_route("/login", login_form, methods=["GET"], **html)
    api.add_api_route("/login", login_submit, methods=["POST"], **html)
    api.add_api_route("/logout", logout, methods=["POST"], **html)
    api.add_api_route("/cockpit", cockpit_page, methods=["GET"], **html)
    api.add_api_route("/cockpit/export.xlsx", cockpit_export, methods=["GET"], **html)
    mount_pages(api)
