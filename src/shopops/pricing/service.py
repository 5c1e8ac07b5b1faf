"""Promotion use cases: create / import / list promotions, and quote a cart (到手价) from the
stored promotions and the catalog's list prices.

A payload (API body, CLI import item) is turned into the pure engine's promotion object, so every
rule and every error message comes from :mod:`shopops.pricing.promotions` and names the payload's
field (``tiers[0].off``, ``customer.coupons[1]``). What is stored is the validated object written
back as decimal strings (``spec``), in the same shape as the payload: a listed promotion reads
like the JSON that created it.

Times without an offset are read in the store's time zone (Asia/Shanghai for platform-level ones).
``flash_sale`` is refused (``pricing.unsupported_type``) until its stock pool exists.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from shopops.catalog.service import get_sku
from shopops.core.errors import Conflict, InvalidDate, NotFound, ShopOpsError, ValidationError
from shopops.core.money import round_cents
from shopops.core.uow import UnitOfWork
from shopops.pricing import floor_service
from shopops.pricing import promotions as p
from shopops.pricing.bundles import Bundle, bind_to_cart
from shopops.pricing.engine import quote
from shopops.pricing.explain import Quote, explanation_lines
from shopops.pricing.limits import parse_limits
from shopops.pricing.models import Promotion
from shopops.pricing.usage_service import capped_promotions, customer_id
from shopops.stores.service import StoreView, get_store, list_stores

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


class UnsupportedType(ValidationError):
    code = "pricing.unsupported_type"


class PromotionExists(Conflict):
    code = "pricing.promotion_exists"


class UnknownSku(NotFound):
    code = "pricing.unknown_sku"


@dataclass(frozen=True)
class PromotionView:
    id: int
    code: str
    type: str
    store: str | None
    level: str
    name: str
    spec: dict[str, Any]
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The payload shape (re-importable) plus ``id`` and ``created_at``."""
        return {"id": self.id, "code": self.code, "type": self.type, "store": self.store,
                "level": self.level, "name": self.name, **self.spec,
                "starts_at": _iso(self.starts_at), "ends_at": _iso(self.ends_at),
                "active": self.active, "created_at": _iso(self.created_at)}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None  # the same once reloaded


# -- reading a payload ------------------------------------------------------------------------

def _invalid(name: str, what: str) -> p.InvalidPromotion:
    return p.InvalidPromotion(f"{name}: {what}", field=name)


def _object(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid(name, "must be a JSON object")
    return value


def _list(value: object, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise _invalid(name, "must be a JSON list")
    return value


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(name, "must be a non-empty string")
    return value.strip()


def _bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(name, "must be true or false")
    return value


def _texts(value: object, name: str) -> list[str]:
    return [_text(v, f"{name}[{i}]") for i, v in enumerate(_list(value, name))]


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
    for n, tier in enumerate(_list(value, "tiers")):
        tier = _object(tier, f"tiers[{n}]")
        for key in keys:
            if key not in tier:
                raise _invalid(f"tiers[{n}].{key}", "required")
        if extra := set(tier) - set(keys):
            raise _invalid(f"tiers[{n}].{sorted(extra)[0]}", "unknown field")
        tiers.append((tier[keys[0]], tier[keys[1]]))
    return tuple(tiers)


def _kind_args(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The engine constructor's keyword arguments for the kind-specific payload fields."""
    if kind == "full_reduction":
        return {"tiers": _tiers(data["tiers"], ("threshold", "off")),
                "repeat": _bool(data.get("repeat", False), "repeat"), "cap": data.get("cap")}
    if kind == "multi_buy_discount":
        return {"tiers": _tiers(data["tiers"], ("qty", "rate"))}
    if kind == "coupon":
        return {"threshold": data.get("threshold", "0"), "amount": data.get("off", "0"),
                "rate": data.get("rate"), "max_off": data.get("max_off"),
                "per_user_limit": data.get("per_customer", 1)}
    if kind == "bundle":
        return {"items": _object(data["items"], "items"), "price": data["price"]}
    if kind == "timed_discount":
        return {"rate": data.get("rate"), "price": data.get("price")}
    if kind == "member_price":
        prices = _object(data["prices"], "prices")
        return {"prices": {tier: _object(v, f"prices.{tier}") for tier, v in prices.items()}}
    if kind == "free_shipping_threshold":
        return {"threshold": data["threshold"]}
    return {"threshold": data["threshold"], "gift_sku": _text(data["gift_sku"], "gift_sku"),
            "gift_quantity": data.get("gift_quantity", 1)}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(round_cents(value))


def _spec(promo: p.Promotion) -> dict[str, Any]:
    """The validated kind-specific fields and scope, money and rates as decimal strings."""
    spec: dict[str, Any] = {}
    if isinstance(promo, p.FullReduction):
        spec = {"tiers": [{"threshold": _money(t), "off": _money(o)} for t, o in promo.tiers],
                "repeat": promo.repeat, "cap": _money(promo.cap)}
    elif isinstance(promo, p.MultiBuyDiscount):
        spec = {"tiers": [{"qty": q, "rate": str(r)} for q, r in promo.tiers]}
    elif isinstance(promo, p.Coupon):
        spec = {"threshold": _money(promo.threshold),
                "off": None if promo.rate is not None else _money(promo.amount),
                "rate": None if promo.rate is None else str(promo.rate),
                "max_off": _money(promo.max_off), "per_customer": promo.per_user_limit}
    elif isinstance(promo, Bundle):
        spec = {"items": dict(sorted(promo.items.items())), "price": _money(promo.price)}
    elif isinstance(promo, p.TimedDiscount):
        spec = {"rate": None if promo.rate is None else str(promo.rate),
                "price": _money(promo.price)}
    elif isinstance(promo, p.MemberPrice):
        spec = {"prices": {tier: {sku: _money(v) for sku, v in sorted(prices.items())}
                           for tier, prices in sorted(promo.prices.items())}}
    elif isinstance(promo, p.GiftWithPurchase):
        spec = {"threshold": _money(promo.threshold), "gift_sku": promo.gift_sku,
                "gift_quantity": promo.gift_quantity}
    elif isinstance(promo, p.FreeShippingThreshold):
        spec = {"threshold": _money(promo.threshold)}
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
            raise _invalid(name, f"required for {kind}")
    level = data.get("level")
    if level is None:
        level = ("platform_level" if store is None and "platform_level" in cls.allowed_levels
                 and "item_level" not in cls.allowed_levels else cls.allowed_levels[0])
    if store is not None and level == "platform_level":
        raise _invalid("level", "a store's promotion cannot be platform_level (leave out store)")
    if store is None and level == "store_level":
        raise _invalid("store", "a store_level promotion needs its store")
    scope: dict[str, Any] = {name: _texts(data[name], name)
                             for name in ("skus", "categories", "member_tiers")
                             if data.get(name) is not None}
    scope["new_customers_only"] = _bool(data.get("new_customers_only", False),
                                        "new_customers_only")
    try:
        promo = cls(id=code, name=str(data.get("name") or "-"), level=level, store=store,
                    starts_at=starts_at, ends_at=ends_at, group=data.get("group"),
                    exclusive=_bool(data.get("exclusive", False), "exclusive"),
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


# -- use cases --------------------------------------------------------------------------------

def _view(row: Promotion, store: str | None) -> PromotionView:
    return PromotionView(row.id, row.code, row.type, store, row.level, row.name, dict(row.spec),
                         row.starts_at, row.ends_at, row.active, row.created_at)


def _check_code(uow: UnitOfWork, code: object) -> str:
    if code is None:
        return f"promo-{uuid.uuid4().hex[:10]}"
    text = _text(code, "code")
    if len(text) > 64 or not text.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise _invalid("code", "1–64 letters, digits, -, _ or .")
    if uow.session.scalar(select(Promotion.id).where(Promotion.code == text)):
        raise PromotionExists(f"code: promotion {text!r} already exists", field="code")
    return text


def create_promotion(uow: UnitOfWork, payload: Mapping[str, Any], *,
                     actor: str = "system") -> PromotionView:
    """创建促销: validate with the engine's rules, refuse selling below a price floor unless
    ``override_reason`` is given (recorded with ``actor``), store, record ``promotion.created``."""
    payload = _object(payload, "body")
    kind = payload.get("type")
    if kind == "flash_sale":
        raise UnsupportedType("type: flash_sale (秒杀) needs its stock pool, not available yet",
                              field="type")
    if kind not in KINDS:
        raise UnsupportedType(f"type: {kind!r} is not one of {', '.join(KINDS)}", field="type")
    if extra := sorted(set(payload) - COMMON - READ_ONLY - FIELDS[kind]):
        raise _invalid(extra[0], f"unknown field for {kind}")
    store: StoreView | None = None
    if payload.get("store") is not None:
        store = get_store(uow, _text(payload["store"], "store"))
    tz = store.timezone if store else DEFAULT_TZ
    starts, ends = (parse_time(payload[n], n, tz) if payload.get(n) is not None else None
                    for n in ("starts_at", "ends_at"))
    code = _check_code(uow, payload.get("code"))
    promo = build_promotion(kind, payload, code=code, store=store.code if store else None,
                            starts_at=starts, ends_at=ends)
    limits = parse_limits(payload)
    spec = {**_spec(promo), "budget": limits.as_spec()["budget"], "max_uses": limits.max_uses}
    if kind != "coupon":
        spec["per_customer"] = limits.per_customer
    at = max(starts, uow.now()) if starts else uow.now()
    found = floor_service.guard(uow, promo, [store] if store else list_stores(uow),
                                lambda s: active_promotions(uow, s, at), at,
                                payload.get("override_reason"))
    row = Promotion(code=code, type=kind, store_id=store.id if store else None,
                    level=promo.level, name=promo.name, spec=spec, starts_at=starts,
                    ends_at=ends, active=_bool(payload.get("active", True), "active"),
                    created_at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    uow.record("promotion.created", entity="promotion", entity_id=row.id,
               store_id=row.store_id, code=code, type=kind, level=promo.level)
    if found:
        floor_service.record_override(uow, row.id, row.store_id, found,
                                      str(payload["override_reason"]), actor)
    return _view(row, store.code if store else None)


def import_promotions(uow: UnitOfWork, items: object) -> list[PromotionView]:
    """批量导入: all or nothing — the first bad item raises naming ``[index].field``."""
    created = []
    for i, item in enumerate(_list(items, "items")):
        try:
            created.append(create_promotion(uow, item))
        except ShopOpsError as exc:
            field = f"[{i}].{exc.field}" if exc.field else f"[{i}]"
            raise type(exc)(f"item {i}: {exc.message}", field=field, **exc.details) from None
    return created


def _store_codes(uow: UnitOfWork) -> dict[int, str]:
    return {s.id: s.code for s in list_stores(uow)}


def list_promotions(uow: UnitOfWork, *, store: str | None = None, offset: int = 0,
                    limit: int | None = None) -> tuple[list[PromotionView], int]:
    """促销列表 (oldest first) and the total; ``store`` gives its own and the platform's."""
    where = []
    if store is not None:
        store_id = get_store(uow, store).id
        where.append(or_(Promotion.store_id == store_id, Promotion.store_id.is_(None)))
    total = uow.session.scalar(select(func.count(Promotion.id)).where(*where)) or 0
    rows = uow.session.scalars(select(Promotion).where(*where).order_by(Promotion.id)
                               .offset(offset).limit(limit))
    codes = _store_codes(uow)
    return [_view(r, codes.get(r.store_id) if r.store_id else None) for r in rows], total


def load_promotion(row: Promotion, store: str | None) -> p.Promotion:
    """A stored row as the engine's object (the spec is validated again)."""
    return build_promotion(row.type, {**row.spec, "name": row.name, "level": row.level},
                           code=row.code, store=store, starts_at=row.starts_at,
                           ends_at=row.ends_at)


# -- the quote --------------------------------------------------------------------------------

def _cart_error(name: str, what: str) -> p.InvalidCart:
    return p.InvalidCart(f"{name}: {what}", field=name)


def _cart_lines(uow: UnitOfWork, lines: object, store: str) -> list[p.CartLine]:
    if not isinstance(lines, list) or not lines:
        raise _cart_error("lines", "give a non-empty list of {sku, qty}")
    out = []
    paths = floor_service.category_paths(uow)
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            raise _cart_error(f"lines[{i}]", "must be an object {sku, qty}")
        sku, qty = line.get("sku"), line.get("qty")
        if not isinstance(sku, str) or not sku.strip():
            raise _cart_error(f"lines[{i}].sku", "must be a SKU code")
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            raise _cart_error(f"lines[{i}].qty", f"must be an integer ≥ 1, got {qty!r}")
        try:
            found = get_sku(uow, sku.strip())
        except NotFound:
            raise UnknownSku(f"lines[{i}].sku: unknown SKU {sku!r}",
                             field=f"lines[{i}].sku") from None
        out.append(p.CartLine(found["sku"], qty, Decimal(found["price"]),
                              category=found["category"], store=store,
                              category_path=paths.get(found["category"], ())))
    return out


def _customer(value: object) -> tuple[str | None, bool, list[str]]:
    if value is None:
        return None, False, []
    if not isinstance(value, dict):
        raise _cart_error("customer", "must be an object {tier, is_new, coupons}")
    tier, is_new, coupons = value.get("tier"), value.get("is_new", False), value.get("coupons")
    if tier is not None and (not isinstance(tier, str) or not tier.strip()):
        raise _cart_error("customer.tier", "must be a member tier such as gold")
    if not isinstance(is_new, bool):
        raise _cart_error("customer.is_new", "must be true or false")
    if coupons is not None and not isinstance(coupons, list):
        raise _cart_error("customer.coupons", "must be a list of coupon codes")
    held = []
    for i, c in enumerate(coupons or []):
        if not isinstance(c, str) or not c.strip():
            raise _cart_error(f"customer.coupons[{i}]", "must be a coupon code")
        held.append(c.strip())
    return (tier.strip() if tier else None), is_new, held


def quote_json(result: Quote) -> dict[str, Any]:
    """The quote as JSON: amounts as decimal strings, each line's offers, the explanation."""
    return {
        "list_total": str(result.list_total), "discount_total": str(result.discount_total),
        "goods_total": str(result.goods_total), "shipping_fee": str(result.shipping_fee),
        "total": str(result.total), "free_shipping": result.free_shipping,
        "lines": [{"sku": line.sku, "qty": line.quantity, "unit_price": _money(line.unit_price),
                   "list_amount": str(line.list_amount), "item_offer": line.item_offer,
                   "item_amount": str(line.item_amount),
                   "final_amount": str(line.final_amount),
                   "final_price": str(line.final_price),
                   "offers": [{"promotion": pid, "amount": str(amount)}
                              for pid, amount in line.discounts]}
                  for line in result.lines],
        "steps": [{"promotion": s.promotion_id, "name": s.name, "type": s.kind,
                   "level": s.level, "amount": str(s.amount)} for s in result.steps],
        "gifts": [{"sku": g.sku, "qty": g.quantity, "promotion": g.promotion_id}
                  for g in result.gifts],
        "applied": list(result.applied),
        "not_used": [{"promotion": pid, "reason": why} for pid, why in result.not_used],
        "explanation": explanation_lines(result),
    }


def quote_cart(uow: UnitOfWork, request: object, now: datetime) -> dict[str, Any]:
    """到手价: the cart priced with the store's and the platform's promotions active at ``at``
    (default ``now``), the best legal combination for the buyer, with its explanation."""
    if not isinstance(request, dict):
        raise _cart_error("body", "must be a JSON object")
    store = get_store(uow, _text(request.get("store"), "store"))
    at = (parse_time(request["at"], "at", store.timezone) if request.get("at") is not None
          else now)
    tier, is_new, held = _customer(request.get("customer"))
    customer_ref = customer_id(request.get("customer"))
    lines = _cart_lines(uow, request.get("lines"), store.code)
    shipping = p.money(request.get("shipping_fee", "0"), "shipping_fee", error=p.InvalidCart)
    rows = _active_rows(uow, store, at, held)
    coupons = {r.code for r in rows if r.type == "coupon"}
    for i, code in enumerate(held):
        if code not in coupons:
            raise _cart_error(f"customer.coupons[{i}]",
                              f"{code!r} is not a coupon of store {store.code} or the platform")
    promos = [load_promotion(r, store.code if r.store_id else None)
              for r in rows if r.id not in capped_promotions(uow, rows, customer_ref)]
    cart = p.Cart(tuple(lines), member_tier=tier, coupons=tuple(held), shipping_fee=shipping,
                  is_new=is_new)
    result = quote(cart, bind_to_cart(cart, promos), at)
    return {"store": store.code, "at": at.isoformat(),
            "customer": {"tier": tier, "is_new": is_new, "coupons": held},
            **quote_json(result)}


def _active_rows(uow: UnitOfWork, store: StoreView, at: datetime,
                 held: Sequence[str] = ()) -> list[Promotion]:
    """A store's and the platform's active promotions at ``at``; held coupons are loaded even
    outside their window, so the explanation can say why they were not used."""
    in_window = and_(or_(Promotion.starts_at.is_(None), Promotion.starts_at <= at),
                     or_(Promotion.ends_at.is_(None), Promotion.ends_at > at))
    held_coupons = and_(Promotion.code.in_(held), Promotion.type == "coupon")
    return list(uow.session.scalars(
        select(Promotion).where(
            Promotion.active,
            or_(Promotion.store_id == store.id, Promotion.store_id.is_(None)),
            or_(in_window, held_coupons) if held else in_window)
        .order_by(Promotion.code)).all())


def active_promotions(uow: UnitOfWork, store: StoreView, at: datetime) -> list[p.Promotion]:
    """The engine objects of a store's and the platform's promotions active at ``at``."""
    return [load_promotion(r, store.code if r.store_id else None)
            for r in _active_rows(uow, store, at)]


def engine_promotions(uow: UnitOfWork, codes: Sequence[str]) -> list[p.Promotion]:
    """The stored promotions with these codes as engine objects (tests, the simulator)."""
    stores = _store_codes(uow)
    rows = uow.session.scalars(select(Promotion).where(Promotion.code.in_(codes)))
    return [load_promotion(r, stores.get(r.store_id) if r.store_id else None) for r in rows]
