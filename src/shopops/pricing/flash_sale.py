"""Flash sale (秒杀) rules, pure: the sale's terms from a payload, whether a buy may start, when a
hold lapses, and the pool's status. No database, no clock (``now`` is passed in).

A buy reserves units from the sale's own pool for an unpaid order hold (待付款); paying turns
the hold into sold units; a hold unpaid at ``hold_until`` is released and its units go back to
the pool (and to the buyer's allowance). ``units = remaining + held + sold`` at all times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shopops.core.errors import Conflict, InvalidDate, NotFound, ValidationError
from shopops.pricing.promotions import money

FIELDS = {"type", "code", "name", "store", "sku", "price", "units", "per_customer",
          "starts_at", "ends_at", "hold_minutes", "active", "level"}
MAX_UNITS = 10_000_000
MAX_HOLD_MINUTES = 24 * 60


class InvalidFlashSale(ValidationError):
    code = "flash_sale.invalid"


class FlashSaleNotFound(NotFound):
    code = "flash_sale.not_found"


class HoldNotFound(NotFound):
    code = "flash_sale.hold_not_found"


class SoldOut(Conflict):
    code = "flash_sale.sold_out"


class LimitReached(Conflict):
    code = "flash_sale.limit_reached"


class NotRunning(Conflict):
    code = "flash_sale.not_running"


class HoldExpired(Conflict):
    code = "flash_sale.hold_expired"


@dataclass(frozen=True, slots=True)
class FlashSaleTerms:
    """The validated terms of a sale (the ``flash_sale`` promotion payload)."""

    store: str
    sku: str
    price: Decimal
    units: int
    per_customer: int
    hold_minutes: int
    starts_at: datetime | None
    ends_at: datetime | None
    code: str | None
    name: str | None


def _int(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidFlashSale(f"{name}: must be an integer from {low} to {high}, got {value!r}",
                               field=name)
    return value


def text(value: object, name: str, limit: int = 64) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise InvalidFlashSale(f"{name}: must be a non-empty string (≤ {limit})", field=name)
    return value.strip()


def _time(value: object, name: str, timezone: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidDate(f"{name}: give an ISO-8601 time such as 2026-11-11T00:00:00+08:00",
                          field=name)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidDate(f"{name}: {value!r} is not an ISO-8601 time", field=name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(timezone))


def parse_terms(payload: Mapping[str, Any], timezone: str) -> FlashSaleTerms:
    """The terms from ``{"type": "flash_sale", "store", "sku", "price", "units",
    "per_customer", "starts_at", "ends_at", "hold_minutes"}``; times without an offset are the
    store's wall-clock time (``timezone``). Errors name the field."""
    if extra := sorted(set(payload) - FIELDS - {"id", "created_at"}):
        raise InvalidFlashSale(f"{extra[0]}: unknown field for flash_sale", field=extra[0])
    for key in ("store", "sku", "price", "units"):
        if payload.get(key) is None:
            raise InvalidFlashSale(f"{key}: required for flash_sale", field=key)
    if payload.get("level", "item_level") != "item_level":
        raise InvalidFlashSale("level: a flash sale is an item-level offer", field="level")
    try:
        price = money(payload["price"], "price", positive=True)
    except ValidationError as exc:
        raise InvalidFlashSale(exc.message, field="price") from None
    starts = _time(payload.get("starts_at"), "starts_at", timezone)
    ends = _time(payload.get("ends_at"), "ends_at", timezone)
    if starts and ends and ends <= starts:
        raise InvalidFlashSale("ends_at: must be after starts_at", field="ends_at")
    code = payload.get("code")
    label = payload.get("name")
    return FlashSaleTerms(
        store=text(payload["store"], "store"), sku=text(payload["sku"], "sku"), price=price,
        units=_int(payload["units"], "units", 1, MAX_UNITS),
        per_customer=_int(payload.get("per_customer", 1), "per_customer", 1, MAX_UNITS),
        hold_minutes=_int(payload.get("hold_minutes", 15), "hold_minutes", 1, MAX_HOLD_MINUTES),
        starts_at=starts, ends_at=ends, code=None if code is None else text(code, "code"),
        name=None if label is None else text(label, "name", 200))


def check_buy(customer: object, qty: object, per_customer: int, now: datetime,
              starts_at: datetime | None, ends_at: datetime | None) -> tuple[str, int]:
    """(customer, qty) for a buy that may start now: inside the window, qty ≥ 1 and within the
    per-customer limit on its own (the running count is checked atomically by the store)."""
    who = text(customer, "customer")
    count = _int(qty, "qty", 1, MAX_UNITS)
    if (starts_at is not None and now < starts_at) or (ends_at is not None and now >= ends_at):
        raise NotRunning("秒杀未开始或已结束 — flash sale is not running now", field="at")
    if count > per_customer:
        raise LimitReached(f"每人限购 {per_customer} 件 — qty: at most {per_customer} per "
                           "customer", field="qty")
    return who, count


def hold_until(now: datetime, hold_minutes: int) -> datetime:
    """An unpaid hold lapses ``hold_minutes`` after the buy (未付款自动取消)."""
    return now + timedelta(minutes=hold_minutes)


def status_json(units: int, remaining: int, held: int, sold: int) -> dict[str, int]:
    """The pool as the API shows it; ``oversold`` is what a broken pool would show (> 0)."""
    return {"units": units, "sold": sold, "held": held, "remaining": remaining,
            "oversold": max(0, sold + held - units)}
