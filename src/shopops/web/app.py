"""The FastAPI application factory: JSON API under /api/v1 and the console, one process."""

from __future__ import annotations

import secrets

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from shopops import __version__
from shopops.bootstrap import App, get_app
from shopops.web.api_v1 import router as api_router
from shopops.web.console import mount_console
from shopops.web.errors import install_error_handlers


def create_app(shopops_app: App | None = None) -> FastAPI:
    """Build the web app around one composition root (tests pass their own)."""
    core = shopops_app or get_app()
    api = FastAPI(
        title="ShopOps API",
        version=__version__,
        description="ShopOps 电商运营系统 — JSON API. Authenticate with "
        "`Authorization: Bearer <token>` (`shopops tokens create --user U`).",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    api.state.shopops = core
    install_error_handlers(api)
    # console sessions are signed; without SHOPOPS_SECRET_KEY a restart logs everyone out
    api.add_middleware(
        SessionMiddleware,
        secret_key=core.settings.secret_key or secrets.token_urlsafe(32),
        same_site="lax",
        session_cookie="shopops",
    )

    api.include_router(api_router, prefix="/api/v1")
    mount_console(api)
    return api
