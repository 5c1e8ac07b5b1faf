"""The console (运营驾驶舱): server-rendered Jinja2 pages, Chinese first, every asset local.

Routes: / · /login (GET, POST) · /logout (POST) · /cockpit · /cockpit/export.xlsx, and the
static files under /static. Every page but /login needs a signed-in session
(`request.session["user_id"]`); the figures all come from `analytics.service.cockpit`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from shopops.accounts.service import UserView, authenticate, get_user
from shopops.analytics.service import Cockpit, cockpit
from shopops.bootstrap import App
from shopops.core.clock import business_date
from shopops.core.errors import AuthError, NotFound, ShopOpsError
from shopops.stores.models import PLATFORMS
from shopops.stores.service import list_stores
from shopops.web import formatting
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
from shopops.web.i18n import DEFAULT_LANG, Translator, normalise

WEB_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
templates.env.filters.update(
    fmt=lambda value, metric, lang="zh": formatting.format_metric(metric, value, lang),
    change=formatting.format_change,
    direction=formatting.change_direction,
    raw=formatting.raw,
    rate=formatting.format_rate,
)


# ---------------------------------------------------------------- session helpers


def _core(request: Request) -> App:
    core: App = request.app.state.shopops
    return core


def _lang(request: Request) -> str:
    """?lang=en switches the language and the session remembers it; Chinese by default."""
    chosen = normalise(request.query_params.get("lang"))
    if chosen:
        request.session["lang"] = chosen
        return chosen
    return normalise(request.session.get("lang")) or DEFAULT_LANG


def _signed_in(request: Request) -> UserView | None:
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        return None
    with _core(request).reader() as uow:
        return get_user(uow, user_id)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/cockpit"


def _to_login(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?{urlencode({'next': here})}", status_code=303)


def _render(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    lang = context.get("lang") or _lang(request)
    t = Translator(lang)
    other = "en" if t.lang == "zh" else "zh"
    # a same-site relative link: the current page, in the other language
    params = {**request.query_params, "lang": other}
    base = {
        "t": t,
        "lang": t.lang,
        "other_lang": other,
        "lang_url": f"{request.url.path}?{urlencode(params)}",
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


# ---------------------------------------------------------------- routes: auth


async def index(request: Request) -> Response:
    return RedirectResponse("/cockpit" if _signed_in(request) else "/login", status_code=303)


async def login_form(request: Request, next: str | None = None) -> Response:
    return _render(request, "login.html", {"next": _safe_next(next), "error": None, "username": ""})


async def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/cockpit"),
) -> Response:
    try:
        with _core(request).reader() as uow:
            user = authenticate(uow, username, password)
    except AuthError:
        return _render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "username": username,
                "error": Translator(_lang(request))("login.error"),
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


def _today(core: App) -> date:
    return business_date(core.clock.now(), core.settings.default_timezone)


def _error_status(exc: ShopOpsError) -> int:
    """Bad filters are the user's to fix: 404 for an unknown store/SKU, else 400."""
    if isinstance(exc, NotFound):
        return 404
    return 400 if exc.http_status in (400, 422) else exc.http_status


def _error_message(t: Translator, exc: ShopOpsError) -> dict[str, Any]:
    key = f"error.{exc.code}"
    return {
        "title": t("error.title"),
        "summary": t(key) if t.has(key) else t("error.generic"),
        "detail": exc.message,
        "field": exc.field,
        "code": exc.code,
    }


def _load(
    request: Request, query: CockpitQuery
) -> tuple[CockpitQuery, list[Any], Cockpit | None, ShopOpsError | None]:
    """Run the cockpit use case; a user's mistake comes back as the error, not a 500."""
    core = _core(request)
    with core.reader() as uow:
        stores = list_stores(uow)
        query = query.with_date(latest_business_day(uow) or _today(core))
        try:
            result = cockpit(
                uow,
                query.period(),
                query.filters(),
                trend_granularity=query.trend_granularity(),
                trend_days=TREND_DAYS,
                breakdown_by=query.breakdown,
                top=TOP_N,
                readers=core.reader,
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
    user = _signed_in(request)
    if user is None:
        return _to_login(request)
    lang = _lang(request)
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
        "error": _error_message(t, exc) if exc else None,
        "export_url": "/cockpit/export.xlsx?" + urlencode(query.query_string_params()),
    }
    if ck is not None:
        context.update(
            report=ck.report,
            cards=kpi_cards(ck.report, lang),
            chart=_chart_data(t, ck),
            channel_name=lambda row: channel_name(t, row, query.breakdown),
        )
    status = _error_status(exc) if exc else 200
    return _render(request, "cockpit.html", context, status=status)


def _export_filename(t: Translator, query: CockpitQuery, ck: Cockpit) -> tuple[str, str]:
    report = ck.report
    scope = query.store or query.platform or t("filter.all_stores")
    label = report["label"].replace("~", "_")
    return (
        f"{t('export.filename')}_{label}_{scope}.xlsx",
        f"shopops-cockpit-{label}-{query.store or query.platform or 'all'}.xlsx",
    )


async def cockpit_export(request: Request) -> Response:
    if _signed_in(request) is None:
        return _to_login(request)
    t = Translator(_lang(request))
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
