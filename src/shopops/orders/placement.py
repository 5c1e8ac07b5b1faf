"""下单 (placing a priced order): a cart becomes a paid order at the price the engine gives now.

:func:`place_order` is one use case in the caller's unit of work (one transaction):

1. the cart is quoted by the 到手价 engine at ``uow.now()`` (:func:`pricing.service.quote_cart`)
   for the buyer ``customer.id``; whether the buyer is new to the store comes from the order
   book, not from the request;
2. ``expected_total`` (optional, the 实付 the buyer was shown) that differs from this quote is a
   409 ``orders.price_changed``: an offer that ran out meanwhile is never charged silently;
3. every promotion used is counted against its caps (:func:`pricing.usage_service.record_uses`:
   a conditional upsert per counter row, 409 ``pricing.cap_reached`` when the last use was taken
   meanwhile), then every coupon used is redeemed (:func:`pricing.coupon_service.redeem_coupon`:
   a conditional update, 409 ``pricing.coupon_redeemed`` for the second of two orders);
4. the order and its lines are written (:func:`write_order`): each line's ``discount_amount``
   is its share (分摊) of every offer, to the cent, and ``paid_amount`` what the buyer paid for
   it — exactly what a refund of that line pays back (after-sales refunds read it). Each 满赠
   gift is a line of its own at the SKU's list price, all of it discounted by the gift's
   promotion (``paid_amount`` 0), so stock allocation ships it and a refund — of the main line
   or the whole order — pays nothing back for it. ``order_lines`` has no gift column (none
   added: a migration for a flag nothing reads yet); a gift line is the one fully discounted
   by a ``gift_with_purchase`` offer, and ``order.placed`` and the answer mark it ``gift``;
5. facts ``order.placed`` (each line with its offers) and ``order.paid``.

A failure at any step rolls everything back: no order, no use, no redeemed coupon.
:func:`write_order` is steps 4–5 alone, for use cases that price otherwise (拼团 pays the group
price); :func:`refund_order` pays back everything still refundable (拼团失败退款).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shopops.catalog.service import sku_ids, sku_prices
from shopops.core.clock import business_date
from shopops.core.errors import Conflict, ValidationError
from shopops.core.money import round_cents
from shopops.core.uow import UnitOfWork
from shopops.customers.service import buyer_customer
from shopops.orders.allocation_service import has_waiting_parcels, release_allocation
from shopops.orders.models import Order, OrderLine
from shopops.orders.service import refund_line
from shopops.pricing.coupon_service import redeem_coupon
from shopops.pricing.service import quote_cart
from shopops.pricing.usage_service import Use, record_uses
from shopops.stores.service import StoreView, get_store

FIELDS = frozenset({"store", "customer", "lines", "shipping_fee", "order_no", "expected_total"})
CUSTOMER_FIELDS = frozenset({"id", "tier", "is_new", "coupons"})
GROUP_BUY_PREFIX = "PT-"  # 拼团 order numbers (PT-<group>-<member>), not for checkout


class InvalidOrder(ValidationError):
    code = "orders.invalid_order"


class OrderExists(Conflict):
    code = "orders.order_exists"


class PriceChanged(Conflict):
    code = "orders.price_changed"


class GiftUnavailable(Conflict):
    code = "orders.gift_unavailable"


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One order line as priced: unit list price, the discount it got, what was paid for it."""

    sku: str
    quantity: int
    list_price: Decimal
    discount: Decimal
    paid: Decimal
    offers: tuple[tuple[str, Decimal], ...] = ()  # (promotion code, its share of the line)
    gift: bool = False  # 赠品: paid 0, the whole list amount is the gift promotion's


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A paid order to write: ``Σ line.paid + shipping_fee`` is what the buyer paid."""

    store: StoreView
    customer: str
    order_no: str
    lines: tuple[PricedLine, ...]
    shipping_fee: Decimal = Decimal("0.00")
    source: str = "checkout"
    facts: Mapping[str, Any] = field(default_factory=dict)  # extra order.placed data


def _invalid(name: str, what: str) -> InvalidOrder:
    return InvalidOrder(f"{name}: {what}", field=name)


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(name, "must be a non-empty string")
    return value.strip()


def _order_no(value: object, now: datetime) -> str:
    if value is None:
        return f"SO{now:%Y%m%d}{uuid.uuid4().hex[:12].upper()}"
    text = _text(value, "order_no")
    if len(text) > 64 or not text.replace("-", "").replace("_", "").isalnum():
        raise _invalid("order_no", "1–64 letters, digits, - or _")
    if text.upper().startswith(GROUP_BUY_PREFIX):
        raise _invalid("order_no", f"{GROUP_BUY_PREFIX}… numbers are kept for 拼团 orders")
    return text


def _money(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _invalid(name, "must be an amount as a decimal string, e.g. \"199.00\"")
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise _invalid(name, f"{value!r} is not an amount") from None
    if not amount.is_finite() or amount < 0 or amount != round_cents(amount):
        raise _invalid(name, f"{value!r} must be ≥ 0 with at most 2 decimals")
    return round_cents(amount)


def _customer(body: Mapping[str, Any]) -> dict[str, Any]:
    value = body.get("customer")
    if not isinstance(value, dict):
        raise _invalid("customer", "must be an object {id, tier, coupons}")
    if extra := sorted(set(value) - CUSTOMER_FIELDS):
        raise _invalid(f"customer.{extra[0]}", "unknown field")
    ref = _text(value.get("id"), "customer.id")
    if len(ref) > 64:
        raise _invalid("customer.id", "a buyer ref of at most 64 characters")
    return {**value, "id": ref}


def _is_new(uow: UnitOfWork, store_id: int, customer_id: int) -> bool:
    """新客: no earlier order of this buyer in this store."""
    return uow.session.scalar(select(Order.id).where(
        Order.store_id == store_id, Order.customer_id == customer_id).limit(1)) is None


def _uses(quote: Mapping[str, Any], shipping: Decimal) -> list[Use]:
    """Each promotion in the quote: the units of the lines it touched and what it gave."""
    units: dict[str, int] = defaultdict(int)
    for line in quote["lines"]:
        for offer in line["offers"]:
            units[offer["promotion"]] += line["qty"]
    for gift in quote["gifts"]:
        units[gift["promotion"]] += gift["qty"]
    uses = [Use(step["promotion"], units[step["promotion"]], Decimal(step["amount"]))
            for step in quote["steps"]]
    if quote["free_shipping"]:
        uses.append(Use(quote["free_shipping"], 0, shipping))
    return uses


def _lines(quote: Mapping[str, Any]) -> tuple[PricedLine, ...]:
    return tuple(
        PricedLine(line["sku"], line["qty"], Decimal(line["unit_price"]),
                   Decimal(line["list_amount"]) - Decimal(line["final_amount"]),
                   Decimal(line["final_amount"]),
                   tuple((o["promotion"], Decimal(o["amount"])) for o in line["offers"]))
        for line in quote["lines"])


def _gift_lines(uow: UnitOfWork, quote: Mapping[str, Any]) -> tuple[PricedLine, ...]:
    """满赠: each gift of the quote as a zero-price line at its SKU's list price; a gift SKU
    that is not in the catalog cannot ship, so the order is refused naming the promotion."""
    gifts = quote["gifts"]
    prices = sku_prices(uow, [gift["sku"] for gift in gifts]) if gifts else {}
    out = []
    for gift in gifts:
        if gift["sku"] not in prices:
            raise GiftUnavailable(
                f"gifts: 赠品 {gift['sku']!r} 不在商品库中，订单无法发货（请修改促销 "
                f"{gift['promotion']} 的赠品） — promotion {gift['promotion']} gives SKU "
                f"{gift['sku']!r}, which is not in the catalog; fix the promotion's gift_sku",
                field="gifts", promotion=gift["promotion"], sku=gift["sku"])
        price = round_cents(prices[gift["sku"]][0])
        value = price * gift["qty"]
        out.append(PricedLine(gift["sku"], gift["qty"], price, value, Decimal("0.00"),
                              ((gift["promotion"], value),), gift=True))
    return tuple(out)


def place_order(uow: UnitOfWork, request: object) -> dict[str, Any]:
    """下单: the cart priced now, caps counted, coupons redeemed and the paid order written, in
    the caller's transaction. Returns the order (:func:`placed_json`)."""
    if not isinstance(request, dict):
        raise _invalid("body", "must be a JSON object {store, customer, lines}")
    if "at" in request:
        raise _invalid("at", "an order is priced when it is placed; leave out at")
    if extra := sorted(set(request) - FIELDS):
        raise _invalid(extra[0], "unknown field")
    now = uow.now()
    store = get_store(uow, _text(request.get("store"), "store"))
    buyer = _customer(request)
    order_no = _order_no(request.get("order_no"), now)
    expected = (_money(request["expected_total"], "expected_total")
                if request.get("expected_total") is not None else None)
    shipping = _money(request.get("shipping_fee", "0"), "shipping_fee")
    if find_order(uow, store.id, order_no) is not None:
        raise OrderExists(f"order_no: {store.code} already has order {order_no}",
                          field="order_no")
    customer_id = buyer_customer(uow, store.id, buyer["id"], now)
    buyer["is_new"] = _is_new(uow, store.id, customer_id)
    quote = quote_cart(uow, {"store": store.code, "customer": buyer,
                             "lines": request.get("lines"), "shipping_fee": str(shipping)}, now)
    if expected is not None and Decimal(quote["total"]) != expected:
        raise PriceChanged(
            f"expected_total: the price is now ¥{quote['total']}, not ¥{expected} (an offer "
            "changed or ran out); quote again", field="expected_total",
            total=quote["total"], expected_total=str(expected))
    uses = _uses(quote, shipping)
    record_uses(uow, uses, customer=buyer["id"], order_ref=order_no)
    used = {use.code for use in uses}
    coupons = [code for code in quote["customer"]["coupons"] if code in used]
    for code in sorted(coupons):
        redeem_coupon(uow, code, buyer["id"], order_no)
    new = NewOrder(store, buyer["id"], order_no, _lines(quote) + _gift_lines(uow, quote),
                   Decimal(quote["shipping_fee"]), "checkout",
                   {"promotions": sorted(used), "coupons": sorted(coupons)})
    order = write_order(uow, new, customer_id=customer_id)
    return placed_json(order, new, quote)


def write_order(uow: UnitOfWork, new: NewOrder, *, customer_id: int | None = None) -> Order:
    """The paid order and its lines, with facts ``order.placed`` and ``order.paid``; a taken
    order number is a 409 ``orders.order_exists``."""
    now = uow.now()
    if customer_id is None:
        customer_id = buyer_customer(uow, new.store.id, new.customer, now)
    if not new.lines:
        raise _invalid("lines", "an order needs at least one line")
    ids = sku_ids(uow, [line.sku for line in new.lines])
    if missing := sorted({line.sku for line in new.lines} - set(ids)):
        raise _invalid("lines", f"unknown SKU {missing[0]!r}")
    goods = sum((line.paid for line in new.lines), Decimal("0.00"))
    listed = sum((line.list_price * line.quantity for line in new.lines), Decimal("0.00"))
    order = Order(store_id=new.store.id, channel_order_no=new.order_no,
                  customer_id=customer_id, status="paid", list_amount=listed,
                  discount_amount=listed - goods, goods_amount=goods,
                  shipping_fee=new.shipping_fee, paid_amount=goods + new.shipping_fee,
                  refund_amount=Decimal("0.00"), created_at=now, paid_at=now,
                  paid_date=business_date(now, new.store.timezone),
                  lines=[OrderLine(sku_id=ids[line.sku], quantity=line.quantity,
                                   list_price=line.list_price, discount_amount=line.discount,
                                   paid_amount=line.paid, refund_amount=Decimal("0.00"))
                         for line in new.lines])
    uow.session.add(order)
    try:
        uow.session.flush()
    except IntegrityError as exc:  # an order with this number committed meanwhile
        if "channel_order_no" not in str(exc.orig) and "uq_orders" not in str(exc.orig):
            raise
        raise OrderExists(f"order_no: {new.store.code} already has order {new.order_no}",
                          field="order_no") from None
    uow.record("order.placed", entity="order", entity_id=order.id, store_id=new.store.id,
               channel_order_no=new.order_no, customer_id=customer_id, customer=new.customer,
               list_amount=str(listed), goods_amount=str(goods), source=new.source,
               lines=[_line_json(line) for line in new.lines], **new.facts)
    uow.record("order.paid", entity="order", entity_id=order.id, store_id=new.store.id,
               paid_amount=str(order.paid_amount), goods_amount=str(goods),
               shipping_fee=str(new.shipping_fee), paid_date=order.paid_date.isoformat()
               if order.paid_date else None, source=new.source)
    return order


def _line_json(line: PricedLine, *, list_price: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"sku": line.sku, "qty": line.quantity}
    if list_price:
        body["list_price"] = str(line.list_price)
    body.update({
        "paid_amount": str(line.paid), "discount_amount": str(line.discount),
        "offers": [{"promotion": code, "amount": str(amount)} for code, amount in line.offers]})
    if line.gift:
        body["gift"] = True
    return body


def placed_json(order: Order, new: NewOrder, quote: Mapping[str, Any] | None = None
                ) -> dict[str, Any]:
    """The placed order as the API and the CLI answer it (amounts as decimal strings)."""
    body: dict[str, Any] = {
        "id": order.id, "order_no": order.channel_order_no, "store": new.store.code,
        "customer": new.customer, "status": order.status, "source": new.source,
        "list_amount": str(order.list_amount), "discount_amount": str(order.discount_amount),
        "goods_amount": str(order.goods_amount), "shipping_fee": str(order.shipping_fee),
        "paid_amount": str(order.paid_amount),
        "paid_at": (order.paid_at.astimezone(ZoneInfo(new.store.timezone)).isoformat()
                    if order.paid_at else None),  # in the store's time zone, like GET
        "lines": [{"id": row.id, **_line_json(line, list_price=True)}
                  for row, line in zip(order.lines, new.lines, strict=True)],
        "promotions": list(new.facts.get("promotions", ())),
        "coupons": list(new.facts.get("coupons", ())),
    }
    if quote is not None:
        body["is_new_customer"] = quote["customer"]["is_new"]
        body["explanation"] = quote["explanation"]
    return body


def find_order(uow: UnitOfWork, store_id: int, order_no: str) -> int | None:
    """The id of a store's order with this number, if any."""
    found = uow.session.scalar(select(Order.id).where(
        Order.store_id == store_id, Order.channel_order_no == order_no))
    return int(found) if found is not None else None


def refund_order(uow: UnitOfWork, order_id: int, *, reference: str) -> Decimal:
    """整单退款: every line's paid amount not yet refunded goes back (the order becomes
    ``refunded``, net GMV drops by it) and units still reserved for it in a warehouse are
    released; returns the amount. Shipping is not refunded here."""
    if has_waiting_parcels(uow, order_id):
        release_allocation(uow, order_id, reason=reference)
    lines: Sequence[OrderLine] = uow.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)).all()
    total = Decimal("0.00")
    for line in lines:
        left = line.paid_amount - line.refund_amount
        if left > 0:
            refund_line(uow, line.id, left, reference=reference)
            total += left
    return total
