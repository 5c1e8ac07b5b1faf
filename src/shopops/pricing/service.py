"""Promotion use cases: create / import / list promotions, and quote a cart (到手价) from the
stored promotions and the catalog's list prices.

A payload (API body, CLI import item) is turned into the pure engine's promotion object, so every
rule and every error message comes from :mod:`shopops.pricing.promotions` and names the payload's
field (``tiers[0].off``, ``customer.coupons[1]``). What is stored is the validated object written
back as decimal strings (``spec``), in the same shape as the payload: a listed promotion reads
like the JSON that created it.

Times without an offset are read in the store's time zone (Asia/Shanghai for platform-level ones).
``flash_sale`` is created by :mod:`shopops.pricing.flash_service` (its own stock pool).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from shopops.catalog.service import sku_prices
from shopops.core.errors import Conflict, NotFound, ShopOpsError, ValidationError
from shopops.core.money import round_cents
from shopops.core.uow import UnitOfWork
from shopops.pricing import floor_service, promotion_cache
from shopops.pricing import promotions as p
from shopops.pricing.bundles import bind_to_cart
from shopops.pricing.engine import quote
from shopops.pricing.explain import Quote, explanation_lines
from shopops.pricing.flash_service import create_flash_sale
from shopops.pricing.limits import parse_limits
from shopops.pricing.models import Promotion
from shopops.pricing.payloads import (
    COMMON,
    DEFAULT_TZ,
    FIELDS,
    KINDS,
    READ_ONLY,
    as_bool,
    as_list,
    as_object,
    as_text,
    build_promotion,
    invalid,
    money_text,
    parse_time,
    spec_of,
)
from shopops.pricing.usage_service import capped_promotions, customer_id, usable_claims
from shopops.stores.service import StoreView, get_store, list_stores


class UnsupportedType(ValidationError):
    code = "pricing.unsupported_type"


class PromotionExists(Conflict):
    code = "pricing.promotion_exists"


class UnknownPromotion(NotFound):
    code = "pricing.unknown_promotion"


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


# -- use cases --------------------------------------------------------------------------------

def _view(row: Promotion, store: str | None) -> PromotionView:
    return PromotionView(row.id, row.code, row.type, store, row.level, row.name, dict(row.spec),
                         row.starts_at, row.ends_at, row.active, row.created_at)


def _check_code(uow: UnitOfWork, code: object) -> str:
    if code is None:
        return f"promo-{uuid.uuid4().hex[:10]}"
    text = as_text(code, "code")
    if len(text) > 64 or not text.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise invalid("code", "1–64 letters, digits, -, _ or .")
    if uow.session.scalar(select(Promotion.id).where(Promotion.code == text)):
        raise PromotionExists(f"code: promotion {text!r} already exists", field="code")
    return text


@dataclass(frozen=True)
class _Checked:
    """A payload validated by the engine's rules and checked against the price floors."""

    promo: p.Promotion
    store: StoreView | None
    spec: dict[str, Any]
    active: bool
    breaches: list[floor_service.Breach]


def _check(uow: UnitOfWork, payload: dict[str, Any], code: str) -> _Checked:
    kind = payload.get("type")
    if kind == "flash_sale":
        raise UnsupportedType("秒杀需要库存池，请在秒杀活动（/flash-sales）中创建 — type: "
                              "flash_sale needs its stock pool, not available yet", field="type")
    if kind not in KINDS:
        raise UnsupportedType(f"type: {kind!r} is not one of {', '.join(KINDS)}", field="type")
    if extra := sorted(set(payload) - COMMON - READ_ONLY - FIELDS[kind]):
        raise invalid(extra[0], f"unknown field for {kind}")
    store: StoreView | None = None
    if payload.get("store") is not None:
        store = get_store(uow, as_text(payload["store"], "store"))
    tz = store.timezone if store else DEFAULT_TZ
    starts, ends = (parse_time(payload[n], n, tz) if payload.get(n) is not None else None
                    for n in ("starts_at", "ends_at"))
    promo = build_promotion(kind, payload, code=code, store=store.code if store else None,
                            starts_at=starts, ends_at=ends)
    limits = parse_limits(payload)
    spec = {**spec_of(promo), "budget": limits.as_spec()["budget"], "max_uses": limits.max_uses}
    if kind != "coupon":
        spec["per_customer"] = limits.per_customer
    active = as_bool(payload.get("active", True), "active")
    at = max(starts, uow.now()) if starts else uow.now()
    wide = p.with_sub_categories(promo, floor_service.category_paths(uow))
    found = [] if not active else floor_service.guard(
        uow, wide, [store] if store else list_stores(uow),
        lambda s: active_promotions(uow, s, at), at, payload.get("override_reason"))
    return _Checked(promo, store, spec, active, found)


def create_promotion(uow: UnitOfWork, payload: Mapping[str, Any], *,
                     actor: str = "system") -> PromotionView:
    """创建促销: validate with the engine's rules, refuse selling below a price floor unless
    ``override_reason`` is given (recorded with ``actor``), store, record ``promotion.created``."""
    payload = as_object(payload, "body")
    if payload.get("type") == "flash_sale":  # its own stock pool (pricing/flash_service.py)
        sale = create_flash_sale(uow, payload)
        return PromotionView(sale.id, sale.code, "flash_sale", sale.store, "item_level",
                             sale.name, sale.spec(), sale.starts_at, sale.ends_at, True,
                             sale.created_at)
    code = _check_code(uow, payload.get("code"))
    checked = _check(uow, payload, code)
    promo, store = checked.promo, checked.store
    row = Promotion(code=code, type=promo.kind, store_id=store.id if store else None,
                    level=promo.level, name=promo.name, spec=checked.spec,
                    starts_at=promo.starts_at, ends_at=promo.ends_at, active=checked.active,
                    created_at=uow.now())
    uow.session.add(row)
    uow.session.flush()
    uow.record("promotion.created", entity="promotion", entity_id=row.id,
               store_id=row.store_id, code=code, type=promo.kind, level=promo.level)
    if checked.breaches:
        floor_service.record_override(uow, row.id, row.store_id, checked.breaches,
                                      str(payload["override_reason"]), actor)
    return _view(row, store.code if store else None)


def update_promotion(uow: UnitOfWork, code: str, changes: Mapping[str, Any], *,
                     actor: str = "system") -> PromotionView:
    """编辑促销: the stored promotion with ``changes`` applied, validated and floor-checked like
    a new one (type, code and store stay); records ``promotion.updated``."""
    row = promotion_row(uow, code)
    changes = as_object(changes, "body")
    current = _view(row, _store_codes(uow).get(row.store_id) if row.store_id else None)
    before = {k: v for k, v in current.as_json().items() if k not in READ_ONLY}
    for locked in ("type", "code", "store"):
        if locked in changes and changes[locked] != before[locked]:
            raise invalid(locked, "cannot be changed; create a new promotion instead")
    payload = {k: v for k, v in {**before, **changes}.items() if v is not None or k in changes}
    checked = _check(uow, payload, row.code)
    promo = checked.promo
    row.name, row.spec, row.active = promo.name, checked.spec, checked.active
    row.starts_at, row.ends_at = promo.starts_at, promo.ends_at
    uow.session.flush()
    uow.record("promotion.updated", entity="promotion", entity_id=row.id,
               store_id=row.store_id, code=row.code, fields=sorted(changes))
    if checked.breaches:
        floor_service.record_override(uow, row.id, row.store_id, checked.breaches,
                                      str(payload["override_reason"]), actor)
    return _view(row, current.store)


def promotion_row(uow: UnitOfWork, code: str) -> Promotion:
    row = uow.session.scalar(select(Promotion).where(Promotion.code == code))
    if row is None:
        raise UnknownPromotion(f"promotion: unknown promotion {code!r}", field="promotion")
    return row


def import_promotions(uow: UnitOfWork, items: object, *, actor: str = "system"
                      ) -> list[PromotionView]:
    """批量导入: all or nothing — the first bad item raises naming ``[index].field``."""
    created = []
    for i, item in enumerate(as_list(items, "items")):
        try:
            created.append(create_promotion(uow, item, actor=actor))
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


def _line(i: int, line: object) -> tuple[str, int]:
    if not isinstance(line, dict):
        raise _cart_error(f"lines[{i}]", "must be an object {sku, qty}")
    sku, qty = line.get("sku"), line.get("qty")
    if not isinstance(sku, str) or not sku.strip():
        raise _cart_error(f"lines[{i}].sku", "must be a SKU code")
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise _cart_error(f"lines[{i}].qty", f"must be an integer ≥ 1, got {qty!r}")
    return sku.strip(), qty


def _cart_lines(uow: UnitOfWork, lines: object, store: str,
                paths: Mapping[str, tuple[str, ...]]) -> list[p.CartLine]:
    """The cart's lines at list price: the SKUs in one query; the first bad line (in order)
    is the error, as if each were looked up in turn."""
    if not isinstance(lines, list) or not lines:
        raise _cart_error("lines", "give a non-empty list of {sku, qty}")
    parsed: list[tuple[str, int]] = []
    bad: p.InvalidCart | None = None
    for i, line in enumerate(lines):
        try:
            parsed.append(_line(i, line))
        except p.InvalidCart as exc:
            bad = exc  # raised after any unknown SKU before it
            break
    found = sku_prices(uow, [sku for sku, _ in parsed])
    out = []
    for i, (sku, qty) in enumerate(parsed):
        if sku not in found:
            raise UnknownSku(f"lines[{i}].sku: unknown SKU {lines[i]['sku']!r}",
                             field=f"lines[{i}].sku")
        price, category = found[sku]
        out.append(p.CartLine(sku, qty, round_cents(price), category=category, store=store,
                              category_path=paths.get(category, ())))
    if bad is not None:
        raise bad
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
        "lines": [{"sku": line.sku, "qty": line.quantity, "unit_price": money_text(line.unit_price),
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
    store = get_store(uow, as_text(request.get("store"), "store"))
    at = (parse_time(request["at"], "at", store.timezone) if request.get("at") is not None
          else now)
    tier, is_new, held = _customer(request.get("customer"))
    customer_ref = customer_id(request.get("customer"))
    paths = floor_service.category_paths(uow)
    lines = _cart_lines(uow, request.get("lines"), store.code, paths)
    shipping = p.money(request.get("shipping_fee", "0"), "shipping_fee", error=p.InvalidCart)
    entries = promotion_cache.active(
        promotion_cache.entries(uow, store.id, store.code, load_promotion), at, held)
    rows = [e.row for e in entries]
    coupons = {r.code for r in rows if r.type == "coupon"}
    for i, code in enumerate(held):
        if code not in coupons:
            raise _cart_error(f"customer.coupons[{i}]",
                              f"{code!r} is not a coupon of store {store.code} or the platform")
    if customer_ref is not None:  # a known buyer holds only the coupons claimed and unused
        usable = usable_claims(uow, [r for r in rows if r.code in held], customer_ref)
        for i, code in enumerate(held):
            if code not in usable:
                raise _cart_error(f"customer.coupons[{i}]", f"{customer_ref} holds no unused "
                                  f"{code!r} (领券 first; a coupon is used once)")
    capped = capped_promotions(uow, [e.row for e in entries if e.limited], customer_ref)
    promos = [p.with_sub_categories(e.engine(load_promotion), paths) for e in entries
              if e.row.id not in capped]
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
    paths = floor_service.category_paths(uow)
    return [p.with_sub_categories(load_promotion(r, store.code if r.store_id else None), paths)
            for r in _active_rows(uow, store, at)]


def engine_promotions(uow: UnitOfWork, codes: Sequence[str]) -> list[p.Promotion]:
    """The stored promotions with these codes as engine objects (tests, the simulator)."""
    stores = _store_codes(uow)
    rows = uow.session.scalars(select(Promotion).where(Promotion.code.in_(codes)))
    return [load_promotion(r, stores.get(r.store_id) if r.store_id else None) for r in rows]
