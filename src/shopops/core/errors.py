"""One error hierarchy. Each error has a stable code (``domain.reason``); HTTP status and
CLI exit code are mapped here and nowhere else."""

from __future__ import annotations

from typing import Any, ClassVar


class ShopOpsError(Exception):
    code: ClassVar[str] = "shopops.error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_problem(self) -> dict[str, Any]:
        """RFC 9457 problem details body."""
        body: dict[str, Any] = {
            "type": f"https://shopops.dev/problems/{self.code}",
            "title": self.code,
            "status": self.http_status,
            "code": self.code,
            "detail": self.message,
        }
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class ValidationError(ShopOpsError):
    code = "request.invalid"
    http_status = 422
    exit_code = 2


class NotFound(ShopOpsError):
    code = "resource.not_found"
    http_status = 404
    exit_code = 3


class Conflict(ShopOpsError):
    code = "resource.conflict"
    http_status = 409
    exit_code = 4


class AuthError(ShopOpsError):
    code = "auth.unauthorized"
    http_status = 401
    exit_code = 5


class UnknownStore(NotFound):
    code = "stores.unknown_store"


class StoreExists(Conflict):
    code = "stores.store_exists"


class UserExists(Conflict):
    code = "accounts.user_exists"


class InvalidDate(ValidationError):
    code = "request.invalid_date"


class InvalidPeriod(ValidationError):
    code = "request.invalid_period"


class InsufficientStock(Conflict):
    code = "inventory.insufficient_stock"
