"""The quote (报价结果) and its explanation (价格说明): what each offer took off which lines.

Data only, built by the engine; read by the API, the cart simulator, the CLI and the floor
check. ``list_total − Σ step amounts = goods_total`` and each step's allocations (分摊) add up to
its amount, so a partial refund knows every line's share to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from shopops.core.money import round_cents
from shopops.pricing.promotions import (
    Cart,
    FreeShippingThreshold,
    GiftWithPurchase,
    ItemOffer,
    Level,
    Promotion,
    to_cents,
)

LEVEL_ZH = {"item_level": "单品优惠", "store_level": "店铺优惠", "platform_level": "平台优惠"}


class Allocation(NamedTuple):
    """One line's share of a step (分摊): line index in the cart, SKU, amount off. A named
    tuple, not a frozen dataclass: a quote builds ~100 of these and tuples build ~5× faster."""

    line: int
    sku: str
    amount: Decimal


class Step(NamedTuple):
    """One applied offer in the explanation; ``amount`` is what it took off (¥0 for gifts)."""

    promotion_id: str
    name: str
    kind: str
    level: Level
    amount: Decimal
    allocations: tuple[Allocation, ...]

    @property
    def lines(self) -> tuple[int, ...]:
        return tuple(a.line for a in self.allocations)


class QuoteLine(NamedTuple):
    """A priced cart line: list amount → item-level amount → final amount (到手价); a named
    tuple for the same reason as :class:`Allocation`."""

    sku: str
    quantity: int
    unit_price: Decimal
    list_amount: Decimal
    item_offer: str | None  # the item-level promotion used, if any
    item_amount: Decimal
    final_amount: Decimal
    discounts: tuple[tuple[str, Decimal], ...]  # (promotion id, amount) in step order

    @property
    def final_price(self) -> Decimal:
        """到手价 per unit, to the cent (the line amount is the exact figure)."""
        return round_cents(self.final_amount / self.quantity)


@dataclass(frozen=True, slots=True)
class GiftLine:
    """满赠 gift: a zero-price line (赠品 ¥0)."""

    sku: str
    quantity: int
    promotion_id: str
    unit_price: Decimal = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Quote:
    """The answer: ``list_total − Σ steps = goods_total``; ``total = goods_total + shipping``."""

    lines: tuple[QuoteLine, ...]
    steps: tuple[Step, ...]
    gifts: tuple[GiftLine, ...]
    list_total: Decimal
    discount_total: Decimal
    goods_total: Decimal
    shipping_fee: Decimal
    free_shipping: str | None  # id of the 包邮 promotion that waived shipping
    total: Decimal
    applied: tuple[str, ...]  # order-level promotion ids chosen by the search
    not_used: tuple[tuple[str, str], ...]  # (promotion id, why) for the offers left out


@dataclass
class Priced:
    """One combination priced in cents: amounts per line and the steps that got there."""

    amounts: list[int]
    steps: list[tuple[Promotion, list[int]]]  # (promotion, cents off per line)


_YUAN: dict[int, Decimal] = {}


def _yuan(cents: int) -> Decimal:
    """Cents as yuan with two decimals; the same value and exponent as ``cents_to_yuan``,
    without the division, and shared (Decimal is immutable; a quote builds a few hundred)."""
    found = _YUAN.get(cents)
    if found is None:
        if len(_YUAN) > 65536:  # bounded: amounts vary without limit
            _YUAN.clear()
        found = _YUAN[cents] = Decimal(cents).scaleb(-2)
    return found


def _item_steps(cart: Cart, item: Sequence[tuple[int, ItemOffer | None]],
                list_cents: Sequence[int]) -> list[Step]:
    by_offer: dict[str, list[tuple[int, int]]] = defaultdict(list)
    offers: dict[str, ItemOffer] = {}
    for i, (amount, offer) in enumerate(item):
        if offer is not None:
            offers[offer.id] = offer
            by_offer[offer.id].append((i, list_cents[i] - amount))
    return [Step(o.id, o.name, o.kind, o.level, _yuan(sum(c for _, c in by_offer[o.id])),
                 tuple(Allocation(i, cart.lines[i].sku, _yuan(c)) for i, c in by_offer[o.id]))
            for o in sorted(offers.values(), key=lambda o: o.id)]


def _order_step(cart: Cart, promo: Promotion, per_line: Sequence[int]) -> Step:
    lines, yuan = cart.lines, _yuan
    allocations = tuple([Allocation(i, lines[i].sku, yuan(c))
                         for i, c in enumerate(per_line) if c])
    return Step(promo.id, promo.name, promo.kind, promo.level, yuan(sum(per_line)),
                allocations)


def why_not_used(cart: Cart, promo: Promotion, now: datetime,
                 candidates: Mapping[str, object],
                 covered: Callable[[Promotion], Sequence[int]] | None = None,
                 usable: AbstractSet[str] = frozenset()) -> str:
    """Why an offer is not in the quote (为什么没用上), for the explanation. ``covered`` gives
    the lines an offer covers and ``usable`` the ids known usable, when the caller has them."""
    if promo.id not in usable:
        if not promo.is_active(now):
            return "不在有效期内"
        if not promo.usable_by(cart, now):
            return "未持有该优惠券"
    if not (covered(promo) if covered else any(promo.covers(line) for line in cart.lines)):
        return "购物车中没有适用商品"
    if isinstance(promo, ItemOffer) and promo.level == "item_level":
        return "每件商品只享一个单品优惠，已取更优者"
    if promo.id in candidates:
        return "与所选优惠互斥或叠加后未达门槛，已选更优组合"
    return "未达使用门槛"


def build_quote(cart: Cart, promos: Sequence[Promotion], now: datetime,
                 item: Sequence[tuple[int, ItemOffer | None]], priced: Priced,
                 gifts: Sequence[GiftWithPurchase], free: FreeShippingThreshold | None,
                 candidates: Mapping[str, object],
                 covered: Callable[[Promotion], Sequence[int]] | None = None,
                 usable: AbstractSet[str] = frozenset()) -> Quote:
    list_cents = [int(line.unit_price * 100) * line.quantity for line in cart.lines]
    steps = _item_steps(cart, item, list_cents)
    steps += [_order_step(cart, promo, per_line) for promo, per_line in priced.steps]
    steps += [Step(g.id, g.name, g.kind, g.level, Decimal("0.00"), ()) for g in gifts]
    line_discounts: list[list[tuple[str, Decimal]]] = [[] for _ in cart.lines]
    for step in steps:
        pid = step.promotion_id
        for line_no, _, amount in step.allocations:
            line_discounts[line_no].append((pid, amount))
    lines = tuple(
        QuoteLine(line.sku, line.quantity, line.unit_price, _yuan(list_cents[i]),
                  offer.id if offer else None, _yuan(amount), _yuan(final),
                  tuple(line_discounts[i]))
        for i, (line, (amount, offer), final)
        in enumerate(zip(cart.lines, item, priced.amounts, strict=True)))
    list_total = sum(list_cents)
    goods = sum(priced.amounts)
    shipping = 0 if free else to_cents(cart.shipping_fee)
    used = {promo.id for promo, _ in priced.steps}
    taken = used | {o.id for _, o in item if o} | {g.id for g in gifts} | {free.id if free else ""}
    not_used = tuple((p.id, why_not_used(cart, p, now, candidates, covered, usable)) for p in promos
                     if p.id not in taken)
    return Quote(
        lines=lines, steps=tuple(steps),
        gifts=tuple(GiftLine(g.gift_sku, g.gift_quantity, g.id) for g in gifts),
        list_total=_yuan(list_total), discount_total=_yuan(list_total - goods),
        goods_total=_yuan(goods), shipping_fee=_yuan(shipping),
        free_shipping=free.id if free else None, total=_yuan(goods + shipping),
        applied=tuple(sorted(used)), not_used=not_used)


def explanation_lines(quote: Quote) -> list[str]:
    """Ordered lines from 商品原价 to 实付, each applied offer with its amount and lines."""
    out = [f"商品原价 ¥{quote.list_total}"]
    for step in quote.steps:
        skus = "、".join(sorted({a.sku for a in step.allocations})) or "整单"
        out.append(f"{LEVEL_ZH[step.level]} · {step.name}（{step.promotion_id}）"
                   f" −¥{step.amount}，作用于 {skus}")
    for gift in quote.gifts:
        out.append(f"赠品 {gift.sku} ×{gift.quantity} ¥{gift.unit_price}（{gift.promotion_id}）")
    out.append(f"商品到手 ¥{quote.goods_total}")
    shipping = "包邮" if quote.free_shipping else f"运费 ¥{quote.shipping_fee}"
    out.append(f"{shipping}，实付 ¥{quote.total}")
    for promotion_id, why in quote.not_used:
        out.append(f"未使用 {promotion_id}：{why}")
    return out
