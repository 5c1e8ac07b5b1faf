"""Errors as application/problem+json (RFC 9457), with the stable ShopOps code."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shopops.core.errors import ShopOpsError

PROBLEM = "application/problem+json"


def problem(
    status: int, code: str, detail: str, field: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://shopops.dev/problems/{code}",
        "title": code,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if field:
        body["field"] = field
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShopOpsError)
    async def _domain_error(request: Request, exc: ShopOpsError) -> JSONResponse:
        response = JSONResponse(exc.to_problem(), status_code=exc.http_status, media_type=PROBLEM)
        if exc.http_status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path")]
        field = ".".join(loc) or None
        message = f"{field}: {first.get('msg', 'invalid')}" if field else "invalid request"
        return problem(
            422,
            "request.invalid",
            message,
            field,
            errors=[
                {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
                for e in exc.errors()
            ],
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(
            exc.status_code, HTTP_CODES.get(exc.status_code, "http.error"), str(exc.detail)
        )
        if exc.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response


HTTP_CODES = {
    401: "auth.unauthorized",
    403: "auth.forbidden",
    404: "resource.not_found",
    405: "request.method_not_allowed",
}
