"""The 秒杀 buy's writes: the buyer's count (within the limit), the pool's conditional update, the
buyer's customer (found or created), the order and its line, the hold and both facts — on
PostgreSQL in one statement (:func:`buy_in_one_statement`), elsewhere step by step
(:func:`buy_in_steps`: Core statements built once, the pool updated last so its lock is held
only for that statement and the commit).

Why one statement: a buy is the hottest path of a flash sale. Step by step it is nine round
trips to the database, each a context switch on a small machine; in one, PostgreSQL and the
server spend their cores on the work, not on the conversation. It writes exactly what the
step-by-step path writes (``customers.service.customers_for_buyers``,
``orders.service.place_unpaid_order``, the hold, ``flash_sale.held``, the pool) — checked by
``tests/integration/test_flash_sale.py::test_one_statement_buy_writes_what_the_steps_write``.

The pool's ``UPDATE … WHERE remaining >= qty`` is still the guard, and the buyer's upsert
``… WHERE bought + qty <= per_customer`` the limit: the pool's UPDATE runs only once the
buyer's row is counted (``EXISTS (SELECT 1 FROM counted)``), so row locks go buyer → pool as
in every other use case, and the customer, order, line, hold and facts are written only from
the pool's returned row — a refused buy writes nothing but perhaps the count, which the
caller's rollback undoes.

A new buyer's customer is created from its identity (``ON CONFLICT (store_id, buyer_id) DO
NOTHING``, the customer's id drawn first): when the same new buyer's first buy in another sale
of the store commits the identity meanwhile, this buy writes no customer and no order, gives
back its count and units and runs again (two more round trips on that rare path only); before,
it failed with a unique violation (HTTP 500). Step by step, the customer is created in a
savepoint and re-read.

Asynchronous commit, opt-in (``SHOPOPS_FLASH_ASYNC_COMMIT=1``: ``synchronous_commit = off``
for the buy's transaction only): every buy waits for the pool row's lock, and a lock is held
until its commit returns — with a durable commit, until the WAL is flushed to disk. So buys
are serialised on the disk's flush time: ~0.1 ms on a quiet SSD (no limit worth the name), but
3–4 ms measured on this busy shared disk (≤ 300 buys/s whatever the CPUs do). An asynchronous
commit releases the lock at once. What it risks: if PostgreSQL itself crashes, the buys of the
last moment (≤ 3 × wal_writer_delay, 0.6 s by default) are lost *whole* — order, hold, pool
units and count together, never half — and those buyers find no order and can buy again. It
never oversells and never loses money: paying is a durable commit, and flushing it flushes the
WAL before it, the buy included, so a paid order's buy is on disk before the payment is
acknowledged. Off by default: a buyer told 抢到了 keeps the order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shopops.core.money import yuan_to_cents
from shopops.core.uow import UnitOfWork
from shopops.customers.models import CustomerIdentity
from shopops.customers.service import buyer_customer
from shopops.db.facts import Fact
from shopops.orders.service import place_unpaid_order
from shopops.pricing.flash_models import FlashSale, FlashSaleBuyer, FlashSaleHold

SALES = cast(Table, FlashSale.__table__)
BUYERS = cast(Table, FlashSaleBuyer.__table__)
HOLDS = cast(Table, FlashSaleHold.__table__)
NEW_HOLD = insert(HOLDS).returning(HOLDS.c.id)
NEW_FACT = insert(cast(Table, Fact.__table__))
TAKE = (update(SALES).where(SALES.c.id == bindparam("sale"),
                            SALES.c.remaining >= bindparam("qty"))
        .values(remaining=SALES.c.remaining - bindparam("qty"),
                held=SALES.c.held + bindparam("qty")))
IDENTITIES = cast(Table, CustomerIdentity.__table__)
KNOWN = select(IDENTITIES.c.customer_id).where(IDENTITIES.c.store_id == bindparam("store"),
                                               IDENTITIES.c.buyer_id == bindparam("buyer"))
_COUNT: dict[str, Any] = {}  # dialect → the buyer-count upsert

BUY_SQL = """
WITH s AS (
  SELECT remaining FROM flash_sales
  WHERE id = CAST(:sale AS integer) AND created_at = CAST(:created AS timestamptz)),
counted AS (
  INSERT INTO flash_sale_buyers (flash_sale_id, customer, bought)
  SELECT CAST(:sale AS integer), CAST(:buyer AS varchar), CAST(:qty AS integer)
  FROM s WHERE s.remaining >= CAST(:qty AS integer)
  ON CONFLICT (flash_sale_id, customer) DO UPDATE
  SET bought = flash_sale_buyers.bought + excluded.bought
  WHERE flash_sale_buyers.bought + excluded.bought <= CAST(:limit AS integer)
  RETURNING id),
pool AS (
  UPDATE flash_sales SET remaining = remaining - CAST(:qty AS integer),
                         held = held + CAST(:qty AS integer)
  WHERE id = CAST(:sale AS integer) AND remaining >= CAST(:qty AS integer)
    AND EXISTS (SELECT 1 FROM counted)
  RETURNING id),
ident AS (
  SELECT customer_id FROM customer_identities
  WHERE store_id = CAST(:store AS integer) AND buyer_id = CAST(:buyer AS varchar)),
new_identity AS (
  INSERT INTO customer_identities (customer_id, store_id, buyer_id)
  SELECT nextval(pg_get_serial_sequence('customers', 'id')), CAST(:store AS integer),
         CAST(:buyer AS varchar)
  FROM pool WHERE NOT EXISTS (SELECT 1 FROM ident)
  ON CONFLICT (store_id, buyer_id) DO NOTHING
  RETURNING customer_id),
new_customer AS (
  INSERT INTO customers (id, name, region, created_at)
  SELECT customer_id, CASE WHEN CAST(:buyer AS varchar) LIKE 'phone:%' THEN NULL
                           ELSE CAST(:buyer AS varchar) END, NULL, CAST(:now AS timestamptz)
  FROM new_identity),
buyer AS (SELECT customer_id FROM ident UNION ALL SELECT customer_id FROM new_identity),
n AS (SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id FROM pool
      WHERE EXISTS (SELECT 1 FROM buyer)),
o AS (
  INSERT INTO orders (id, store_id, channel_order_no, customer_id, status, list_amount,
                      discount_amount, goods_amount, paid_amount, shipping_fee, refund_amount,
                      created_at)
  SELECT n.id, CAST(:store AS integer), CAST(:prefix AS varchar) || n.id,
         (SELECT customer_id FROM buyer LIMIT 1), 'created', CAST(:list_amount AS bigint),
         CAST(:discount AS bigint), CAST(:goods AS bigint), CAST(:goods AS bigint), 0, 0,
         CAST(:now AS timestamptz)
  FROM n RETURNING id, channel_order_no, customer_id),
line AS (
  INSERT INTO order_lines (order_id, sku_id, quantity, list_price, discount_amount,
                           paid_amount, refund_amount)
  SELECT o.id, CAST(:sku AS integer), CAST(:qty AS integer), CAST(:list_price AS bigint),
         CAST(:discount AS bigint), CAST(:goods AS bigint), 0 FROM o),
hold AS (
  INSERT INTO flash_sale_holds (flash_sale_id, customer, qty, amount, status, created_at,
                                hold_until, order_id)
  SELECT CAST(:sale AS integer), CAST(:buyer AS varchar), CAST(:qty AS integer),
         CAST(:goods AS bigint), 'held', CAST(:now AS timestamptz),
         CAST(:until AS timestamptz), o.id FROM o RETURNING id),
fact AS (
  INSERT INTO facts (kind, occurred_at, store_id, entity, entity_id, data)
  SELECT 'order.placed', CAST(:now AS timestamptz), CAST(:store AS integer), 'order', o.id,
         json_build_object('channel_order_no', o.channel_order_no,
                           'customer_id', o.customer_id,
                           'list_amount', CAST(:list_text AS text),
                           'goods_amount', CAST(:goods_text AS text),
                           'source', 'flash_sale', 'flash_sale', CAST(:sale AS integer),
                           'buyer', CAST(:buyer AS text))
  FROM o
  UNION ALL
  SELECT 'flash_sale.held', CAST(:now AS timestamptz), CAST(:store AS integer),
         'flash_sale_hold', hold.id,
         json_build_object('flash_sale', CAST(:sale AS integer),
                           'customer', CAST(:buyer AS text), 'qty', CAST(:qty AS integer),
                           'order', o.id, 'order_no', o.channel_order_no)
  FROM o, hold)
SELECT (SELECT remaining FROM s), (SELECT count(*) FROM counted), (SELECT count(*) FROM pool),
       (SELECT id FROM o), (SELECT channel_order_no FROM o), (SELECT id FROM hold){commit}
"""
# a buy that met a new buyer's identity committed meanwhile (see buy_in_one_statement) gives
# back its count and units, then buys again
UNDO = text("""
WITH counted AS (
  UPDATE flash_sale_buyers SET bought = bought - CAST(:qty AS integer)
  WHERE flash_sale_id = CAST(:sale AS integer) AND customer = CAST(:buyer AS varchar))
UPDATE flash_sales SET remaining = remaining + CAST(:qty AS integer),
                       held = held - CAST(:qty AS integer)
WHERE id = CAST(:sale AS integer)
""")
# the transaction's commit does not wait for the WAL flush (SET LOCAL, this transaction only)
ASYNC_COMMIT = ", set_config('synchronous_commit', 'off', true)"
BUY = {True: text(BUY_SQL.format(commit=ASYNC_COMMIT)), False: text(BUY_SQL.format(commit=""))}


def durable_buys() -> bool:
    """False when SHOPOPS_FLASH_ASYNC_COMMIT is set (1, true …): buys then commit without
    waiting for the disk (see the module notes); durable by default."""
    return os.environ.get("SHOPOPS_FLASH_ASYNC_COMMIT", "").lower() not in {
        "1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Terms:
    """A sale's terms, fixed once it is created (a buy's cache; ``created_at`` tells a sale
    from another with the same id in a rebuilt database)."""

    id: int
    store_id: int
    sku_id: int
    price: Decimal
    list_price: Decimal
    per_customer: int
    hold_minutes: int
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Placed:
    """What a buy wrote; the caller rolls back unless ``taken``."""

    found: bool  # False: no sale with these terms (the caller's remembered terms are stale)
    over_limit: bool  # the buyer's count would pass per_customer
    taken: bool  # the pool gave the units (False and not over_limit: sold out)
    order_id: int | None
    order_no: str | None
    hold_id: int | None


def buy_in_one_statement(uow: UnitOfWork, sale: Terms, buyer: str, qty: int, now: datetime,
                         until: datetime, prefix: str, durable: bool = True) -> Placed:
    """The whole buy (PostgreSQL only): row locks buyer → pool as everywhere else (the pool's
    UPDATE waits for the buyer's count); nothing but the count is written unless the pool
    gave the units. Unless ``durable``, it commits without waiting for the WAL flush (see the
    module notes). The caller rolls back unless ``taken``."""
    goods = sale.price * qty
    listed = max(sale.list_price * qty, goods)
    conn = uow.session.connection()
    values = {
        "sale": sale.id, "created": sale.created_at, "limit": sale.per_customer,
        "store": sale.store_id, "buyer": buyer, "now": now, "until": until, "prefix": prefix,
        "list_amount": yuan_to_cents(listed), "discount": yuan_to_cents(listed - goods),
        "goods": yuan_to_cents(goods),
        "list_price": yuan_to_cents(max(sale.list_price, sale.price)), "sku": sale.sku_id,
        "qty": qty, "list_text": f"{listed:.2f}", "goods_text": f"{goods:.2f}"}
    row = conn.execute(BUY[not durable], values).one()
    if row[1] and row[2] and row[3] is None:
        # A new buyer's first buy raced another of theirs (another sale of the store): its
        # identity insert waited for the other's commit, then did nothing (ON CONFLICT), and
        # this statement's snapshot cannot see the committed row — so it wrote no customer,
        # order, hold or fact. Give back the count and the units (the pool's row lock is
        # still ours) and buy again: the new statement finds the buyer's customer. Only on
        # this rare path; a buy of a known buyer stays one round trip.
        conn.execute(UNDO, values)
        row = conn.execute(BUY[not durable], values).one()
    remaining, counted, taken = row[0], bool(row[1]), bool(row[2])
    return Placed(remaining is not None,
                  not counted and remaining is not None and remaining >= qty,
                  counted and taken, row[3], row[4], row[5])


def _count_statement(dialect: str) -> Any:
    """Add ``qty`` to the buyer's count if it stays within the limit, in one statement: insert
    the buyer's row, or on conflict update it only ``WHERE bought + qty <= per_customer``
    (the row lock makes two tries of the same buyer wait for each other). No row: over."""
    if dialect not in _COUNT:
        upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(BUYERS).values(
            flash_sale_id=bindparam("sale"), customer=bindparam("customer"),
            bought=bindparam("qty"))
        _COUNT[dialect] = upsert.on_conflict_do_update(
            index_elements=["flash_sale_id", "customer"],
            set_={"bought": BUYERS.c.bought + upsert.excluded.bought},
            where=BUYERS.c.bought + upsert.excluded.bought <= bindparam("limit"),
        ).returning(BUYERS.c.id)
    return _COUNT[dialect]


def buy_in_steps(uow: UnitOfWork, sale: Terms, buyer: str, qty: int, now: datetime,
                 until: datetime, prefix: str, durable: bool = True) -> Placed:
    """The same writes one statement at a time (SQLite; any database); always durable."""
    conn = uow.session.connection()
    counted = conn.execute(_count_statement(conn.dialect.name), {
        "sale": sale.id, "customer": buyer, "qty": qty, "limit": sale.per_customer}).first()
    if counted is None:
        return Placed(True, True, False, None, None, None)
    customer_id = conn.execute(KNOWN, {"store": sale.store_id, "buyer": buyer}).scalar()
    if customer_id is None:  # a new buyer: created in a savepoint, so a race with another
        # first buy of theirs (another sale) reads the other's customer instead of failing
        customer_id = buyer_customer(uow, sale.store_id, buyer, now)
    order = place_unpaid_order(uow, store_id=sale.store_id, customer_id=customer_id,
                               sku_id=sale.sku_id, quantity=qty, list_price=sale.list_price,
                               unit_price=sale.price, prefix=prefix, source="flash_sale",
                               flash_sale=sale.id, buyer=buyer)
    hold_id = conn.execute(NEW_HOLD, {
        "flash_sale_id": sale.id, "customer": buyer, "qty": qty, "amount": sale.price * qty,
        "status": "held", "created_at": now, "hold_until": until,
        "order_id": order.id}).scalar_one()
    conn.execute(NEW_FACT, {
        "kind": "flash_sale.held", "entity": "flash_sale_hold", "entity_id": hold_id,
        "store_id": sale.store_id, "occurred_at": now, "data": {
            "flash_sale": sale.id, "customer": buyer, "qty": qty, "order": order.id,
            "order_no": order.channel_order_no}})
    # the hot row last, so its lock is held only for this statement and the commit
    taken = conn.execute(TAKE, {"sale": sale.id, "qty": qty}).rowcount == 1
    return Placed(True, False, taken, order.id, order.channel_order_no, hold_id)
