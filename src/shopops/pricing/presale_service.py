"""预售 定金膨胀 use cases: create a presale, and price its balance (尾款) at an instant with the
store's and the platform's offers active then (thresholds on the presale price, the expanded
deposit taken off last — :mod:`shopops.pricing.presale`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from shopops.catalog.service import get_sku
from shopops.core.errors import NotFound
from shopops.core.uow import UnitOfWork
from shopops.pricing import presale as rules
from shopops.pricing import promotions as p
from shopops.pricing.bundles import bind_to_cart
from shopops.pricing.engine import quote
from shopops.pricing.explain import explanation_lines
from shopops.pricing.models import Presale
from shopops.pricing.payloads import as_bool, as_object, as_text, invalid, parse_time
from shopops.pricing.service import PromotionExists, active_promotions
from shopops.stores.service import get_store, list_stores, store_by_id

WINDOWS = ("deposit_starts_at", "deposit_ends_at", "balance_starts_at", "balance_ends_at")


class UnknownPresale(NotFound):
    code = "pricing.unknown_presale"


def _rule(row: Presale) -> rules.Presale:
    return rules.Presale(sku=row.sku, price=row.price, deposit=row.deposit,
                         deposit_multiplier=row.deposit_multiplier,
                         deposit_starts_at=row.deposit_starts_at,
                         deposit_ends_at=row.deposit_ends_at,
                         balance_starts_at=row.balance_starts_at,
                         balance_ends_at=row.balance_ends_at, refundable=row.refundable)


def _json(row: Presale, store: str) -> dict[str, Any]:
    rule = _rule(row)
    return {"code": row.code, "store": store, "sku": row.sku, "price": str(row.price),
            "deposit": str(row.deposit), "deposit_multiplier": str(row.deposit_multiplier),
            "deposit_value": str(rule.deposit_value), "refundable": row.refundable,
            **{n: getattr(row, n).astimezone(UTC).isoformat() for n in WINDOWS},
            "name": f"定金{row.deposit.normalize():f}抵{rule.deposit_value.normalize():f}"}


def create_presale(uow: UnitOfWork, payload: object) -> dict[str, Any]:
    """创建预售: presale price, deposit × deposit_multiplier (定金50抵100), the two windows
    and whether the deposit is refundable; every rule from
    :class:`shopops.pricing.presale.Presale`."""
    data = as_object(payload, "body")
    allowed = {"code", "store", "sku", "price", "deposit", "deposit_multiplier", "refundable",
               *WINDOWS}
    if extra := sorted(set(data) - allowed):
        raise invalid(extra[0], "unknown field for a presale")
    store = get_store(uow, as_text(data.get("store"), "store"))
    sku = get_sku(uow, as_text(data.get("sku"), "sku"))
    code = as_text(data["code"], "code") if data.get("code") else f"ps-{uuid.uuid4().hex[:8]}"
    if uow.session.scalar(select(Presale.id).where(Presale.code == code)):
        raise PromotionExists(f"code: presale {code!r} already exists", field="code")
    for name in ("price", "deposit", "deposit_multiplier", *WINDOWS):
        if data.get(name) is None:
            raise invalid(name, "required for a presale")
    times = {n: parse_time(data[n], n, store.timezone) for n in WINDOWS}
    rule = rules.Presale(sku=sku["sku"], price=data["price"], deposit=data["deposit"],
                         deposit_multiplier=data["deposit_multiplier"],
                         refundable=as_bool(data.get("refundable", False), "refundable"),
                         **times)
    row = Presale(code=code, store_id=store.id, sku=rule.sku, price=rule.price,
                  deposit=rule.deposit, deposit_multiplier=rule.deposit_multiplier,
                  refundable=rule.refundable,
                  created_at=uow.now(), **times)
    uow.session.add(row)
    uow.session.flush()
    uow.record("presale.created", entity="presale", entity_id=row.id, store_id=store.id,
               code=code, sku=rule.sku)
    return _json(row, store.code)


def list_presales(uow: UnitOfWork) -> list[dict[str, Any]]:
    codes = {s.id: s.code for s in list_stores(uow)}
    return [_json(r, codes.get(r.store_id, "")) for r in
            uow.session.scalars(select(Presale).order_by(Presale.id))]


def presale_balance(uow: UnitOfWork, code: str, request: object, now: datetime
                    ) -> dict[str, Any]:
    """尾款: ``{"qty", "customer": {tier, is_new, coupons}, "at"}`` → the balance to pay, with
    the balance-stage offers and their explanation."""
    data = as_object(request or {}, "body")
    row = uow.session.scalar(select(Presale).where(Presale.code == code))
    if row is None:
        raise UnknownPresale(f"presale: unknown presale {code!r}", field="presale")
    store = store_by_id(uow, row.store_id)
    at = parse_time(data["at"], "at", store.timezone) if data.get("at") else now
    rule = _rule(row)
    qty = data.get("qty", 1)
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise invalid("qty", f"must be an integer ≥ 1, got {qty!r}")
    customer = as_object(data.get("customer") or {}, "customer")
    coupons = tuple(customer.get("coupons") or ())
    sku = get_sku(uow, row.sku)
    line = p.CartLine(row.sku, qty, row.price, category=sku["category"], store=store.code)
    cart = p.Cart((line,), member_tier=customer.get("tier"), coupons=coupons,
                  is_new=bool(customer.get("is_new", False)))
    result = quote(cart, bind_to_cart(cart, active_promotions(uow, store, at)), at)
    balance = rules.balance_due(rule, line.quantity, result.goods_total)
    return {"presale": row.code, "sku": row.sku, "qty": line.quantity, "at": at.isoformat(),
            "stage": rule.stage(at), "stage_zh": rules.STAGE_ZH[rule.stage(at)],
            "goods_amount": str(balance.goods_amount),
            "offers_amount": str(balance.offers_amount),
            "deposit_paid": str(balance.deposit_paid),
            "deposit_value": str(balance.deposit_value), "balance": str(balance.balance),
            "total_paid": str(balance.total_paid),
            "deposit_refund_per_unit": str(rules.deposit_refund(rule, at, balance_paid=False)),
            "explanation": [*explanation_lines(result),
                            f"定金 ¥{balance.deposit_paid} 膨胀抵扣 ¥{balance.deposit_value}，"
                            f"尾款 ¥{balance.balance}（不低于 ¥0）"]}

