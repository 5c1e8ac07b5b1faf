"""FastAPI dependencies shared by every /api/v1 router: the composition root, the signed-in
user (API token or console session), a read-only unit of work and pagination."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from shopops.accounts.service import UserView, get_user, user_for_token
from shopops.bootstrap import App
from shopops.core.errors import AuthError
from shopops.core.uow import UnitOfWork

MAX_PAGE_SIZE = 500
TOKEN_CACHE_SECONDS = 5.0  # a revoked token or disabled user stops working within this
TOKEN_CACHE_SIZE = 10_000

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearerAuth", bearerFormat="token",
    description="API token: `Authorization: Bearer sho_…` (`shopops tokens create --user U`). "
                "API 令牌，放在 Authorization 头里。",
)


async def get_core(request: Request) -> App:
    """The composition root the web app was built around (async: no I/O, so FastAPI calls it
    in the event loop instead of handing it to a worker thread)."""
    core: App = request.app.state.shopops
    return core


CoreDep = Annotated[App, Depends(get_core)]


def reader(core: CoreDep) -> Iterator[UnitOfWork]:
    """A read-only unit of work for one request (never commits)."""
    with core.reader() as uow:
        yield uow


ReaderDep = Annotated[UnitOfWork, Depends(reader)]


def _unauthorized(message: str) -> HTTPException:
    # raised as an HTTPException so errors.py adds `WWW-Authenticate: Bearer`; the problem
    # code is the same as AuthError's (auth.unauthorized)
    return HTTPException(status_code=AuthError.http_status, detail=message,
                         headers={"WWW-Authenticate": "Bearer"})


def _session_user_id(request: Request) -> int | None:
    """The console's signed-in user id, if a session middleware is installed."""
    session: Any = request.scope.get("session")
    if not session:
        return None
    value = session.get("user_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _token_cache(request: Request) -> dict[bytes, tuple[float, UserView]]:
    cache: dict[bytes, tuple[float, UserView]] | None = getattr(
        request.app.state, "token_users", None)
    if cache is None:
        cache = request.app.state.token_users = {}
    return cache


def _token_user(core: App, token: str) -> UserView:
    with core.reader() as uow:
        try:
            return user_for_token(uow, token)
        except AuthError as exc:
            raise _unauthorized(exc.message) from None


def _session_user(request: Request, core: App) -> UserView:
    user_id = _session_user_id(request)
    with core.reader() as uow:
        user = get_user(uow, user_id) if user_id is not None else None
    if user is None:
        raise _unauthorized("需要登录 — send `Authorization: Bearer <token>` "
                            "(authentication required)")
    return user


async def current_api_user(
    request: Request, core: CoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> UserView:
    """The caller: a bearer token, or else a signed-in console session. A token's user is
    remembered for TOKEN_CACHE_SECONDS per web app (keyed by the token's digest; refusals are
    not remembered): a busy client — a 秒杀 peak — then costs no database read and no worker
    thread per request. Database reads run in a worker thread, the rest in the event loop."""
    if not (credentials is not None and credentials.credentials):
        return await run_in_threadpool(_session_user, request, core)
    token = credentials.credentials.strip()
    cache = _token_cache(request)
    key = hashlib.sha256(token.encode()).digest()
    hit = cache.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    user = await run_in_threadpool(_token_user, core, token)
    if len(cache) >= TOKEN_CACHE_SIZE:
        cache.clear()
    cache[key] = (time.monotonic() + TOKEN_CACHE_SECONDS, user)
    return user


CurrentUser = Annotated[UserView, Depends(current_api_user)]


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a list to return (1-based page)."""

    page: int = 1
    page_size: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def pagination(
    page: Annotated[int, Query(ge=1, description="页码, 1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE,
                                    description="每页条数, items per page (1–500)")] = 50,
) -> Page:
    """`page` ≥ 1 and `page_size` 1..500; anything else is a 422 naming the parameter."""
    return Page(page, page_size)


PageDep = Annotated[Page, Depends(pagination)]


ItemT = TypeVar("ItemT")


class Paged(BaseModel, Generic[ItemT]):
    """One page of a list: its items, the page asked for and the total matching."""

    items: list[ItemT]
    page: int
    page_size: int
    total: int


class Problem(BaseModel):
    """An error as application/problem+json (RFC 9457) with the stable ShopOps code."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    field: str | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "未登录 / missing or invalid token"},
    404: {"model": Problem, "description": "不存在 / unknown store, SKU, order …"},
    422: {"model": Problem, "description": "参数错误 / invalid parameter (see `field`)"},
}
