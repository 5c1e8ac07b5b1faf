"""Flash sale (秒杀) use cases: create a sale with its pool, buy (→ an unpaid order in the order
book and its hold), pay (the order paid), release lapsed holds (the sweep job: the orders
cancelled), status. One transaction each.

Never oversell: a buy changes the buyer's count (an upsert ``… DO UPDATE … WHERE bought + qty
<= per_customer``) and the pool (``UPDATE … WHERE remaining >= qty``) in the same transaction
as the order (``orders.service.place_unpaid_order``) and the hold row; either statement
touching no row rolls the whole buy back, order included (409 ``flash_sale.limit_reached`` /
``flash_sale.sold_out``). Row locks are always taken buyer row → pool row (buy, sweep) or hold
→ pool (pay), so concurrent use cases cannot deadlock. The buy is the hot path: on PostgreSQL
it is one statement (:mod:`shopops.pricing.flash_orders`; asynchronous commit opt-in) with the
sale's fixed terms remembered per process; on SQLite Core statements built once, the pool
updated last so its lock is held only for that statement and the commit. With a Redis gate
(:mod:`shopops.pricing.flash_redis`) the same checks run first in one Lua script, so most buyers
of a sold-out sale never reach the database; the database stays the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, select, update

from shopops.catalog.service import get_sku, sku_codes, sku_id
from shopops.core.errors import Conflict
from shopops.core.uow import UnitOfWork
from shopops.orders.service import (
    cancel_unpaid_orders,
    order_numbers,
    pay_order,
)
from shopops.pricing import flash_sale as rules
from shopops.pricing.flash_models import FlashSale, FlashSaleBuyer, FlashSaleHold
from shopops.pricing.flash_orders import (
    Terms,
    buy_in_one_statement,
    buy_in_steps,
    durable_buys,
)
from shopops.stores.service import get_store, list_stores

ORDER_PREFIX = "FS"  # 秒杀 order numbers: FS + the order's id
FUSED = True  # PostgreSQL: the buy's writes in one statement (pricing/flash_orders.py)
SALES = cast(Table, FlashSale.__table__)
# the buy's statements, built once (SQLAlchemy then reuses their compiled form)
SALE_ROW = select(SALES.c.id, SALES.c.store_id, SALES.c.sku_id, SALES.c.price,
                  SALES.c.list_price, SALES.c.per_customer, SALES.c.hold_minutes,
                  SALES.c.starts_at, SALES.c.ends_at, SALES.c.remaining,
                  SALES.c.created_at).where(SALES.c.id == bindparam("sale"))
_TERMS: dict[tuple[str, int], Terms] = {}  # (database, sale id) → its fixed terms


class FlashSaleExists(Conflict):
    code = "flash_sale.exists"


class Gate(Protocol):
    """The optional fast pre-check (Redis): ``take`` answers ok / sold_out / limit_reached."""

    def take(self, sale: str, customer: str, qty: int, limit: int,
             load: Callable[[], tuple[int, dict[str, int]]]) -> str: ...

    def give_back(self, sale: str, customer: str, qty: int) -> None: ...


@dataclass(frozen=True)
class HoldView:
    id: int
    flash_sale: int
    customer: str
    qty: int
    amount: Decimal
    status: str
    hold_until: datetime
    order_id: int | None = None  # the order in the order book (None: a hold before 0017)
    order_no: str | None = None  # its channel order number, FS…

    def as_json(self) -> dict[str, Any]:
        return {"hold": self.id, "flash_sale": self.flash_sale, "customer": self.customer,
                "qty": self.qty, "amount": str(self.amount), "status": self.status,
                "hold_until": self.hold_until.astimezone(UTC).isoformat(),
                "order": self.order_id, "order_no": self.order_no}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@dataclass(frozen=True)
class FlashSaleView:
    """A sale in the promotion payload's shape, with its pool."""

    id: int
    code: str
    name: str
    store: str
    sku: str
    price: Decimal
    units: int
    per_customer: int
    hold_minutes: int
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime
    remaining: int
    held: int
    sold: int
    list_price: Decimal | None = None

    def spec(self) -> dict[str, Any]:
        """The kind-specific fields (as in the payload) and the pool status."""
        return {"sku": self.sku, "price": str(self.price), "units": self.units,
                "per_customer": self.per_customer, "hold_minutes": self.hold_minutes,
                "list_price": None if self.list_price is None else str(self.list_price),
                "status": rules.status_json(self.units, self.remaining, self.held, self.sold)}

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "type": "flash_sale", "store": self.store,
                "level": "item_level", "name": self.name, **self.spec(),
                "starts_at": _iso(self.starts_at), "ends_at": _iso(self.ends_at),
                "created_at": _iso(self.created_at)}


def _view(sale: FlashSale, store: str, sku: str) -> FlashSaleView:
    return FlashSaleView(sale.id, sale.code, sale.name, store, sku, sale.price, sale.units,
                         sale.per_customer, sale.hold_minutes, sale.starts_at, sale.ends_at,
                         sale.created_at, sale.remaining, sale.held, sale.sold, sale.list_price)


def create_flash_sale(uow: UnitOfWork, payload: Mapping[str, Any]) -> FlashSaleView:
    """创建秒杀: the ``flash_sale`` promotion; its ``units`` become the sale's own pool, the
    SKU's list price now its orders' list price."""
    store = get_store(uow, rules.text(payload.get("store"), "store"))
    terms = rules.parse_terms(payload, store.timezone)
    sku = sku_id(uow, terms.sku)
    list_price = Decimal(get_sku(uow, terms.sku)["price"])
    code = terms.code or f"flash-{uow.now():%Y%m%d%H%M%S%f}"
    if uow.session.scalar(select(FlashSale.id).where(FlashSale.code == code)):
        raise FlashSaleExists(f"code: flash sale {code!r} already exists", field="code")
    sale = FlashSale(code=code, name=terms.name or f"秒杀 {terms.sku} ¥{terms.price}",
                     store_id=store.id, sku_id=sku, price=terms.price, list_price=list_price,
                     units=terms.units, remaining=terms.units, held=0, sold=0,
                     per_customer=terms.per_customer, hold_minutes=terms.hold_minutes,
                     starts_at=terms.starts_at, ends_at=terms.ends_at, created_at=uow.now())
    uow.session.add(sale)
    uow.session.flush()
    uow.record("flash_sale.created", entity="flash_sale", entity_id=sale.id, store_id=store.id,
               code=code, sku=terms.sku, units=terms.units, price=str(terms.price))
    return _view(sale, store.code, terms.sku)


def _gate_key(sale_id: int, created_at: datetime) -> str:
    """The sale's name in the gate: its id and creation instant, so a database rebuilt from
    scratch (ids start again at 1) never meets an old sale's counts."""
    return f"{sale_id}-{int(created_at.timestamp() * 1_000_000)}"


def sale_gate_key(uow: UnitOfWork, sale_id: int) -> str:
    """:func:`_gate_key` of a stored sale (Redis reconciliation, tests)."""
    sale = _sale(uow, sale_id)
    return _gate_key(sale.id, sale.created_at)


def _not_found(sale_id: int) -> rules.FlashSaleNotFound:
    return rules.FlashSaleNotFound(f"flash sale {sale_id} does not exist", field="id")


def _sale(uow: UnitOfWork, sale_id: int) -> FlashSale:
    sale = uow.session.get(FlashSale, sale_id)
    if sale is None:
        raise _not_found(sale_id)
    return sale


def _terms(row: Any) -> Terms:
    return Terms(row.id, row.store_id, row.sku_id, row.price, row.list_price, row.per_customer,
                 row.hold_minutes, row.starts_at, row.ends_at, row.created_at)


def _fused(uow: UnitOfWork) -> str | None:
    """The database's URL when the buy goes in one statement (PostgreSQL), else None."""
    bind = uow.session.get_bind()
    return str(bind.engine.url) if FUSED and bind.dialect.name == "postgresql" else None


def buy(uow: UnitOfWork, sale_id: int, customer: object, qty: object = 1,
        gate: Gate | None = None) -> HoldView:
    """抢购: an unpaid order (待付款, in the order book) of ``qty`` units for ``customer`` and
    its hold, or 409 sold_out / limit_reached / not_running. The gate, if any, answers first;
    the database decides. On PostgreSQL a sale's (fixed) terms are remembered per process and
    the whole buy is one statement."""
    now = uow.now()
    url = _fused(uow)
    cached = _TERMS.get((url, sale_id)) if url else None
    if url and cached is not None:
        try:
            return _gated(uow, cached, customer, qty, now, gate)
        except rules.FlashSaleNotFound:  # not the sale remembered: read it again
            _TERMS.pop((url, sale_id), None)
    row = uow.session.connection().execute(SALE_ROW, {"sale": sale_id}).first()
    if row is None:
        raise _not_found(sale_id)
    sale = _terms(row)
    if url:
        if len(_TERMS) >= 10_000:
            _TERMS.clear()
        _TERMS[(url, sale_id)] = sale
    return _gated(uow, sale, customer, qty, now, gate, row.remaining)


def _gated(uow: UnitOfWork, sale: Terms, customer: object, qty: object, now: datetime,
           gate: Gate | None, remaining: int | None = None) -> HoldView:
    """The buy once the sale's terms are known: the rules, a quicker "no" from a pool just
    read (``remaining``, unlocked), the gate, then the database."""
    who, count = rules.check_buy(customer, qty, sale.per_customer, now, sale.starts_at,
                                 sale.ends_at)
    if remaining is not None and remaining < count:
        raise _sold_out()
    if gate is None:
        return _hold(uow, sale, who, count, now)
    key = _gate_key(sale.id, sale.created_at)
    verdict = gate.take(key, who, count, sale.per_customer,
                        lambda: (pool_of(uow, sale.id)[0], buyer_counts(uow, sale.id)))
    if verdict != "ok":
        raise _sold_out() if verdict == "sold_out" else _over_limit(sale)
    try:
        return _hold(uow, sale, who, count, now)
    except Exception:
        gate.give_back(key, who, count)
        raise


def _sold_out() -> rules.SoldOut:
    return rules.SoldOut("已抢光 — sold out", field="qty")


def _over_limit(sale: Terms) -> rules.LimitReached:
    return rules.LimitReached(f"每人限购 {sale.per_customer} 件 — customer: at most "
                              f"{sale.per_customer} per customer", field="customer")


def _hold(uow: UnitOfWork, sale: Terms, who: str, count: int, now: datetime) -> HoldView:
    until = rules.hold_until(now, sale.hold_minutes)
    write = buy_in_one_statement if _fused(uow) else buy_in_steps
    placed = write(uow, sale, who, count, now, until, ORDER_PREFIX, durable_buys())
    if not placed.found:
        raise _not_found(sale.id)
    if placed.over_limit:
        raise _over_limit(sale)
    if not (placed.taken and placed.order_id and placed.hold_id and placed.order_no):
        raise _sold_out()
    return HoldView(placed.hold_id, sale.id, who, count, sale.price * count, "held", until,
                    placed.order_id, placed.order_no)


def pay(uow: UnitOfWork, sale_id: int, hold_id: int) -> HoldView:
    """付款: the hold becomes sold units and its order is paid (then it flows like any paid
    order: ``shopops fulfil allocate`` routes it); paying twice is the same answer; a lapsed
    or released hold is 409 ``flash_sale.hold_expired``."""
    now = uow.now()
    paid = uow.session.execute(
        update(FlashSaleHold)
        .where(FlashSaleHold.id == hold_id, FlashSaleHold.flash_sale_id == sale_id,
               FlashSaleHold.status == "held", FlashSaleHold.hold_until > now)
        .values(status="paid", paid_at=now).execution_options(synchronize_session=False))
    hold = uow.session.get(FlashSaleHold, hold_id)
    if hold is None or hold.flash_sale_id != sale_id:
        raise rules.HoldNotFound(f"hold {hold_id} of flash sale {sale_id} does not exist",
                                 field="hold")
    uow.session.refresh(hold)
    if paid.rowcount != 1:  # type: ignore[attr-defined]
        if hold.status == "paid":
            return _hold_view(uow, hold)
        raise rules.HoldExpired("超时未付款，已取消 — hold: not paid in time, released",
                                field="hold")
    uow.session.execute(
        update(FlashSale).where(FlashSale.id == sale_id)
        .values(held=FlashSale.held - hold.qty, sold=FlashSale.sold + hold.qty)
        .execution_options(synchronize_session=False))
    if hold.order_id is not None:
        pay_order(uow, hold.order_id, source="flash_sale", flash_sale=sale_id, hold=hold.id)
    uow.record("flash_sale.paid", entity="flash_sale_hold", entity_id=hold.id,
               flash_sale=sale_id, customer=hold.customer, qty=hold.qty,
               amount=str(hold.amount), order=hold.order_id)
    return _hold_view(uow, hold)


def _order_numbers(uow: UnitOfWork, holds: list[FlashSaleHold]) -> dict[int, str]:
    return order_numbers(uow, {h.order_id for h in holds if h.order_id is not None})


def _hold_view(uow: UnitOfWork, hold: FlashSaleHold, numbers: dict[int, str] | None = None,
               status: str | None = None) -> HoldView:
    if numbers is None:
        numbers = _order_numbers(uow, [hold])
    return HoldView(hold.id, hold.flash_sale_id, hold.customer, hold.qty, hold.amount,
                    status or hold.status, hold.hold_until, hold.order_id,
                    numbers.get(hold.order_id) if hold.order_id is not None else None)


def sweep(uow: UnitOfWork, limit: int = 10_000) -> list[HoldView]:
    """释放超时订单 (job, also ``shopops promo flash-sweep``): every hold unpaid at its
    ``hold_until`` is released, its order cancelled (未付款超时关闭), its units go back to the
    pool and the buyer's allowance. Idempotent: a hold is released once (conditional on
    ``status = 'held'``)."""
    now = uow.now()
    due = uow.session.scalars(
        select(FlashSaleHold).where(FlashSaleHold.status == "held",
                                    FlashSaleHold.hold_until <= now)
        .order_by(FlashSaleHold.id).limit(limit)).all()
    released = []
    for hold in due:
        done = uow.session.execute(
            update(FlashSaleHold).where(FlashSaleHold.id == hold.id,
                                        FlashSaleHold.status == "held")
            .values(status="released", released_at=now)
            .execution_options(synchronize_session=False))
        if done.rowcount == 1:  # type: ignore[attr-defined]
            released.append(hold)
    per_buyer: dict[tuple[int, str], int] = defaultdict(int)
    per_sale: dict[int, int] = defaultdict(int)
    for hold in released:
        per_buyer[(hold.flash_sale_id, hold.customer)] += hold.qty
        per_sale[hold.flash_sale_id] += hold.qty
    for (sale_id, customer), qty in sorted(per_buyer.items()):
        uow.session.execute(
            update(FlashSaleBuyer).where(FlashSaleBuyer.flash_sale_id == sale_id,
                                         FlashSaleBuyer.customer == customer)
            .values(bought=FlashSaleBuyer.bought - qty))
    for sale_id, qty in sorted(per_sale.items()):
        uow.session.execute(
            update(FlashSale).where(FlashSale.id == sale_id)
            .values(remaining=FlashSale.remaining + qty, held=FlashSale.held - qty))
    cancel_unpaid_orders(uow, (h.order_id for h in released if h.order_id is not None),
                         "未付款超时关闭", source="flash_sale")
    for hold in released:
        uow.record("flash_sale.released", entity="flash_sale_hold", entity_id=hold.id,
                   flash_sale=hold.flash_sale_id, customer=hold.customer, qty=hold.qty,
                   order=hold.order_id)
    numbers = _order_numbers(uow, released)
    return [_hold_view(uow, h, numbers, "released") for h in released]


def status(uow: UnitOfWork, sale_id: int) -> FlashSaleView:
    """秒杀状态: the sale with units, sold, held, remaining."""
    sale = _sale(uow, sale_id)
    uow.session.refresh(sale)
    return _with_codes(uow, [sale])[0]


def list_flash_sales(uow: UnitOfWork) -> list[FlashSaleView]:
    return _with_codes(uow, list(uow.session.scalars(select(FlashSale).order_by(FlashSale.id))))


def _with_codes(uow: UnitOfWork, sales: list[FlashSale]) -> list[FlashSaleView]:
    stores = {s.id: s.code for s in list_stores(uow)}
    skus = sku_codes(uow, {s.sku_id for s in sales})
    return [_view(s, stores[s.store_id], skus[s.sku_id][0]) for s in sales]


def buyer_counts(uow: UnitOfWork, sale_id: int) -> dict[str, int]:
    """customer → units held or bought (the Redis reconciliation reads these)."""
    rows = uow.session.execute(select(FlashSaleBuyer.customer, FlashSaleBuyer.bought)
                               .where(FlashSaleBuyer.flash_sale_id == sale_id))
    return {customer: int(bought) for customer, bought in rows}


def pool_of(uow: UnitOfWork, sale_id: int) -> tuple[int, int]:
    """(remaining, per_customer) of a sale, read fresh."""
    sale = _sale(uow, sale_id)
    uow.session.refresh(sale)
    return sale.remaining, sale.per_customer


def holds_of(uow: UnitOfWork, sale_id: int) -> list[HoldView]:
    """A sale's order holds (待付款 / 已付款 / 已释放), oldest first, for the console."""
    _sale(uow, sale_id)
    rows = list(uow.session.scalars(select(FlashSaleHold)
                                    .where(FlashSaleHold.flash_sale_id == sale_id)
                                    .order_by(FlashSaleHold.id)))
    numbers = _order_numbers(uow, rows)
    return [_hold_view(uow, h, numbers) for h in rows]
