"""Promotion payloads (API body, CLI import item, stored spec) ⇄ the engine's promotion objects.

Pure: every rule and every error message comes from :mod:`shopops.pricing.promotions` (and the
bundle / limit modules) and names the payload's field (``tiers[0].off``). The stored ``spec`` is
the validated object written back as decimal strings, in the payload's own shape.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shopops.core.errors import InvalidDate
from shopops.core.money import round_cents
from shopops.pricing import promotions as p
from shopops.pricing.bundles import Bundle

DEFAULT_TZ = "Asia/Shanghai"
KINDS: dict[str, type[p.Promotion]] = {
    "full_reduction": p.FullReduction, "multi_buy_discount": p.MultiBuyDiscount,
    "coupon": p.Coupon, "timed_discount": p.TimedDiscount, "member_price": p.MemberPrice,
    "free_shipping_threshold": p.FreeShippingThreshold,
    "gift_with_purchase": p.GiftWithPurchase, "bundle": Bundle,
}
COMMON = {"type", "code", "name", "store", "level", "skus", "categories", "starts_at",
          "ends_at", "group", "exclusive", "active", "new_customers_only", "member_tiers",
          "budget", "max_uses", "per_customer", "override_reason"}
READ_ONLY = {"id", "created_at"}  # in a listed promotion; ignored on create / import
FIELDS = {
    "full_reduction": {"tiers", "repeat", "cap"}, "multi_buy_discount": {"tiers"},
    "coupon": {"threshold", "off", "rate", "max_off"}, "bundle": {"items", "price"},
    "timed_discount": {"rate", "price"},
    "member_price": {"prices"}, "free_shipping_threshold": {"threshold"},
    "gift_with_purchase": {"threshold", "gift_sku", "gift_quantity"},
}
REQUIRED = {"full_reduction": ("tiers",), "multi_buy_discount": ("tiers",),
            "bundle": ("items", "price"),
            "member_price": ("prices",), "free_shipping_threshold": ("threshold",),
            "gift_with_purchase": ("threshold", "gift_sku")}
ENGINE_NAMES = {"amount": "off", "per_user_limit": "per_customer"}  # engine field → payload


# -- reading a payload ------------------------------------------------------------------------

def invalid(name: str, what: str) -> p.InvalidPromotion:
    return p.InvalidPromotion(f"{name}: {what}", field=name)


def as_object(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(name, "must be a JSON object")
    return value


def as_list(value: object, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid(name, "must be a JSON list")
    return value


def as_text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(name, "must be a non-empty string")
    return value.strip()


def as_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(name, "must be true or false")
    return value


def as_texts(value: object, name: str) -> list[str]:
    return [as_text(v, f"{name}[{i}]") for i, v in enumerate(as_list(value, name))]


def parse_time(value: object, name: str, timezone: str) -> datetime:
    """ISO-8601; without an offset it is wall-clock time in ``timezone``."""
    if not isinstance(value, str):
        raise InvalidDate(f"{name}: give an ISO-8601 time such as 2026-11-11T00:00:00+08:00",
                          field=name)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidDate(f"{name}: {value!r} is not an ISO-8601 time", field=name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(timezone))


def _tiers(value: object, keys: tuple[str, str]) -> tuple[tuple[Any, Any], ...]:
    tiers = []
    for n, tier in enumerate(as_list(value, "tiers")):
        tier = as_object(tier, f"tiers[{n}]")
        for key in keys:
            if key not in tier:
                raise invalid(f"tiers[{n}].{key}", "required")
        if extra := set(tier) - set(keys):
            raise invalid(f"tiers[{n}].{sorted(extra)[0]}", "unknown field")
        tiers.append((tier[keys[0]], tier[keys[1]]))
    return tuple(tiers)


def _kind_args(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The engine constructor's keyword arguments for the kind-specific payload fields."""
    if kind == "full_reduction":
        return {"tiers": _tiers(data["tiers"], ("threshold", "off")),
                "repeat": as_bool(data.get("repeat", False), "repeat"), "cap": data.get("cap")}
    if kind == "multi_buy_discount":
        return {"tiers": _tiers(data["tiers"], ("qty", "rate"))}
    if kind == "coupon":
        return {"threshold": data.get("threshold", "0"), "amount": data.get("off") or Decimal(0),
                "rate": data.get("rate"), "max_off": data.get("max_off"),
                "per_user_limit": data.get("per_customer", 1)}
    if kind == "bundle":
        return {"items": as_object(data["items"], "items"), "price": data["price"]}
    if kind == "timed_discount":
        return {"rate": data.get("rate"), "price": data.get("price")}
    if kind == "member_price":
        prices = as_object(data["prices"], "prices")
        return {"prices": {tier: as_object(v, f"prices.{tier}") for tier, v in prices.items()}}
    if kind == "free_shipping_threshold":
        return {"threshold": data["threshold"]}
    return {"threshold": data["threshold"], "gift_sku": as_text(data["gift_sku"], "gift_sku"),
            "gift_quantity": data.get("gift_quantity", 1)}


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else str(round_cents(value))


def spec_of(promo: p.Promotion) -> dict[str, Any]:
    """The validated kind-specific fields and scope, money and rates as decimal strings."""
    spec: dict[str, Any] = {}
    if isinstance(promo, p.FullReduction):
        spec = {"tiers": [{"threshold": money_text(t), "off": money_text(o)}
                          for t, o in promo.tiers],
                "repeat": promo.repeat, "cap": money_text(promo.cap)}
    elif isinstance(promo, p.MultiBuyDiscount):
        spec = {"tiers": [{"qty": q, "rate": str(r)} for q, r in promo.tiers]}
    elif isinstance(promo, p.Coupon):
        spec = {"threshold": money_text(promo.threshold),
                "off": None if promo.rate is not None else money_text(promo.amount),
                "rate": None if promo.rate is None else str(promo.rate),
                "max_off": money_text(promo.max_off), "per_customer": promo.per_user_limit}
    elif isinstance(promo, Bundle):
        spec = {"items": dict(sorted(promo.items.items())), "price": money_text(promo.price)}
    elif isinstance(promo, p.TimedDiscount):
        spec = {"rate": None if promo.rate is None else str(promo.rate),
                "price": money_text(promo.price)}
    elif isinstance(promo, p.MemberPrice):
        spec = {"prices": {tier: {sku: money_text(v) for sku, v in sorted(prices.items())}
                           for tier, prices in sorted(promo.prices.items())}}
    elif isinstance(promo, p.GiftWithPurchase):
        spec = {"threshold": money_text(promo.threshold), "gift_sku": promo.gift_sku,
                "gift_quantity": promo.gift_quantity}
    elif isinstance(promo, p.FreeShippingThreshold):
        spec = {"threshold": money_text(promo.threshold)}
    spec.update(skus=sorted(promo.skus) if promo.skus is not None else None,
                categories=sorted(promo.categories) if promo.categories is not None else None,
                group=promo.group, exclusive=promo.exclusive,
                new_customers_only=promo.new_customers_only,
                member_tiers=(sorted(promo.member_tiers) if promo.member_tiers is not None
                              else None))
    return spec


def _default_name(promo: p.Promotion) -> str:
    def yuan(v: Decimal) -> str:
        return f"{v.normalize():f}"

    if isinstance(promo, p.FullReduction):
        if promo.repeat:
            return f"每满{yuan(promo.tiers[0][0])}减{yuan(promo.tiers[0][1])}"
        return "/".join(f"满{yuan(t)}减{yuan(o)}" for t, o in promo.tiers)
    if isinstance(promo, p.MultiBuyDiscount):
        return "/".join(f"{q}件{yuan(r * 10)}折" for q, r in promo.tiers)
    if isinstance(promo, p.Coupon):
        return (f"满{yuan(promo.threshold)}减{yuan(promo.amount)}券" if promo.threshold
                else f"无门槛{yuan(promo.amount)}元券")
    if isinstance(promo, p.FreeShippingThreshold):
        return f"满{yuan(promo.threshold)}包邮"
    if isinstance(promo, p.GiftWithPurchase):
        return f"满{yuan(promo.threshold)}赠{promo.gift_sku}"
    return {"timed_discount": "限时折扣", "member_price": "会员价"}.get(promo.kind, promo.kind)


def build_promotion(kind: str, data: Mapping[str, Any], *, code: str, store: str | None,
                    starts_at: datetime | None, ends_at: datetime | None) -> p.Promotion:
    """The engine's promotion from payload-shaped ``data`` (also how a stored row is loaded)."""
    cls = KINDS[kind]
    for name in REQUIRED.get(kind, ()):
        if data.get(name) is None:
            raise invalid(name, f"required for {kind}")
    level = data.get("level")
    if level is None:
        level = ("platform_level" if store is None and "platform_level" in cls.allowed_levels
                 and "item_level" not in cls.allowed_levels else cls.allowed_levels[0])
    if store is not None and level == "platform_level":
        raise invalid("level", "a store's promotion cannot be platform_level (leave out store)")
    if store is None and level == "store_level":
        raise invalid("store", "a store_level promotion needs its store")
    scope: dict[str, Any] = {name: as_texts(data[name], name)
                             for name in ("skus", "categories", "member_tiers")
                             if data.get(name) is not None}
    scope["new_customers_only"] = as_bool(data.get("new_customers_only", False),
                                        "new_customers_only")
    try:
        promo = cls(id=code, name=str(data.get("name") or "-"), level=level, store=store,
                    starts_at=starts_at, ends_at=ends_at, group=data.get("group"),
                    exclusive=as_bool(data.get("exclusive", False), "exclusive"),
                    **scope, **_kind_args(kind, data))
    except p.InvalidPromotion as exc:
        field = exc.field or ""
        head, _, rest = field.partition(".")
        if head in ENGINE_NAMES:
            field = ".".join(filter(None, (ENGINE_NAMES[head], rest)))
            raise p.InvalidPromotion(exc.message.replace(head, ENGINE_NAMES[head], 1),
                                     field=field) from None
        raise
    if not data.get("name"):
        promo = dataclasses.replace(promo, name=_default_name(promo))
    return promo
