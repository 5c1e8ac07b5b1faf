"""What every console page shares: the templates, the signed-in user, the language, rendering
with the top navigation, friendly errors and xlsx downloads.

A domain's console pages live in `web/pages/<domain>.py`: each module has `NAV` (its entries in
the top navigation) and `mount(api)` (adds its routes); `web/pages/__init__.py` finds them, so a
new page touches no shared file. Its labels go in `web/i18n/zh/<domain>.json` (and `en/`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from shopops.accounts.service import UserView, get_user
from shopops.bootstrap import App
from shopops.core.errors import NotFound, ShopOpsError
from shopops.web import formatting
from shopops.web.excel import XLSX_MEDIA_TYPE, Sheets, content_disposition, write_workbook
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


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the top navigation: `key` marks it active, `label` is an i18n key,
    `order` places it (cockpit 10, orders 20…, inventory 40…, pricing 60…)."""

    key: str
    href: str
    label: str
    order: int


_CJK = re.compile(r"[\u3400-\u9fff]")  # a Chinese character: the message's Chinese half
NAV: list[NavItem] = [NavItem("cockpit", "/cockpit", "nav.cockpit", 10)]


def core(request: Request) -> App:
    app: App = request.app.state.shopops
    return app


def current_lang(request: Request) -> str:
    """?lang=en switches the language and the session remembers it; Chinese by default."""
    chosen = normalise(request.query_params.get("lang"))
    if chosen:
        request.session["lang"] = chosen
        return chosen
    return normalise(request.session.get("lang")) or DEFAULT_LANG


def signed_in(request: Request) -> UserView | None:
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        return None
    with core(request).reader() as uow:
        return get_user(uow, user_id)


def to_login(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?{urlencode({'next': here})}", status_code=303)


def render(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """Render a template with the translator, the language switch and the navigation."""
    lang = context.get("lang") or current_lang(request)
    t = Translator(lang)
    other = "en" if t.lang == "zh" else "zh"
    # a same-site relative link: the current page, in the other language
    params = {**request.query_params, "lang": other}
    base = {
        "t": t,
        "lang": t.lang,
        "other_lang": other,
        "lang_url": f"{request.url.path}?{urlencode(params)}",
        "nav_items": sorted(NAV, key=lambda item: (item.order, item.key)),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def error_status(exc: ShopOpsError) -> int:
    """Bad filters are the user's to fix: 404 for an unknown store/SKU, else 400."""
    if isinstance(exc, NotFound):
        return 404
    return 400 if exc.http_status in (400, 422) else exc.http_status


def error_message(t: Translator, exc: ShopOpsError) -> dict[str, Any]:
    """The in-page message for a ShopOpsError (templates: partials/error.html). Service
    messages are "中文说明 — english": ``detail`` is the page language's half (the Chinese one
    on zh pages, the English one on en pages), ``full`` the whole text (the partial's title);
    a message without both halves is shown whole."""
    key = f"error.{exc.code}"
    chinese, dash, english = exc.message.partition(" — ")
    bilingual = bool(dash and english.strip() and _CJK.search(chinese))
    return {
        "title": t("error.title"),
        "summary": t(key) if t.has(key) else t("error.generic"),
        "detail": (chinese if t.lang == "zh" else english).strip() if bilingual
        else exc.message,
        "full": exc.message,
        "field": exc.field,
        "code": exc.code,
    }


def xlsx_response(sheets: Sheets, filename: str, fallback: str = "export.xlsx") -> Response:
    """An Excel download of `sheets` ({title: (headers, rows)}), named `filename`."""
    return Response(
        write_workbook(sheets),
        media_type=XLSX_MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(filename, fallback),
            "Cache-Control": "no-store",
        },
    )
