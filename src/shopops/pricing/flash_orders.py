"""The 秒杀 buy's writes on PostgreSQL in one statement: the buyer's customer (found or created),
the order and its line, the hold, both facts and the pool's conditional update.

Why: a buy is the hottest path of a flash sale. Written one statement at a time (SQLite, and
:func:`shopops.pricing.flash_service.buy` without this) it is eleven round trips to the
database, each a context switch on a small machine; here it is one, so PostgreSQL and the
server spend their cores on the work, not on the conversation. It writes exactly what the
step-by-step path writes (``customers.service.customers_for_buyers``,
``orders.service.place_unpaid_order``, the hold, ``flash_sale.held``, the pool) — checked by
``tests/integration/test_flash_sale.py::test_one_statement_buy_writes_what_the_steps_write``.

The pool's ``UPDATE … WHERE remaining >= qty`` is still the guard: when it takes no row the
caller rolls the whole transaction back (order, hold, facts, customer). The buyer's count was
taken before, in its own statement, so row locks stay buyer → pool as everywhere else.

Asynchronous commit (``synchronous_commit = off`` for the buy's transaction only, unless
``SHOPOPS_FLASH_DURABLE_BUYS`` is set): every buy waits for the pool row's lock, and a lock is
held until its commit returns — with a durable commit, until the WAL is flushed to disk. So
buys are serialised on the disk's flush time (3–4 ms on a busy shared disk: ≤ 300 buys/s
whatever the CPUs do). An asynchronous commit releases the lock at once. What it risks: if
PostgreSQL itself crashes, the buys of the last moment (≤ 3 × wal_writer_delay, 0.6 s by
default) are lost *whole* — order, hold, pool units and count together, never half — and those
buyers find no order and can buy again. It never oversells and never loses money: paying is a
durable commit, and flushing it flushes the WAL before it, the buy included, so a paid order's
buy is always on disk before the payment is acknowledged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import text

from shopops.core.money import yuan_to_cents
from shopops.core.uow import UnitOfWork

BUY_SQL = """
WITH ident AS (
  SELECT customer_id FROM customer_identities
  WHERE store_id = CAST(:store AS integer) AND buyer_id = CAST(:buyer AS varchar)),
new_customer AS (
  INSERT INTO customers (name, region, created_at)
  SELECT CASE WHEN CAST(:buyer AS varchar) LIKE 'phone:%' THEN NULL
              ELSE CAST(:buyer AS varchar) END, NULL, CAST(:now AS timestamptz)
  WHERE NOT EXISTS (SELECT 1 FROM ident) RETURNING id),
new_identity AS (
  INSERT INTO customer_identities (customer_id, store_id, buyer_id)
  SELECT id, CAST(:store AS integer), CAST(:buyer AS varchar) FROM new_customer
  RETURNING customer_id),
buyer AS (SELECT customer_id FROM ident UNION ALL SELECT customer_id FROM new_identity),
n AS (SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id),
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
  FROM o, hold),
pool AS (
  UPDATE flash_sales SET remaining = remaining - CAST(:qty AS integer),
                         held = held + CAST(:qty AS integer)
  WHERE id = CAST(:sale AS integer) AND remaining >= CAST(:qty AS integer) RETURNING id)
SELECT o.id, o.channel_order_no, hold.id, (SELECT count(*) FROM pool){commit} FROM o, hold
"""
# the transaction's commit does not wait for the WAL flush (SET LOCAL, this transaction only)
ASYNC_COMMIT = ", set_config('synchronous_commit', 'off', true)"
BUY = {True: text(BUY_SQL.format(commit=ASYNC_COMMIT)), False: text(BUY_SQL.format(commit=""))}


def durable_buys() -> bool:
    """SHOPOPS_FLASH_DURABLE_BUYS set (1, true …): buys commit durably, at the disk's pace."""
    return os.environ.get("SHOPOPS_FLASH_DURABLE_BUYS", "").lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Placed:
    order_id: int
    order_no: str
    hold_id: int
    taken: bool  # False: the pool had too few units — the caller must roll back


def buy_in_one_statement(uow: UnitOfWork, *, sale_id: int, store_id: int, sku_id: int,
                         buyer: str, qty: int, list_price: Decimal, price: Decimal,
                         now: datetime, until: datetime, prefix: str,
                         durable: bool = False) -> Placed:
    """The buy's writes after the buyer was counted (PostgreSQL only). Unless ``durable``,
    the buy commits without waiting for the WAL flush (see the module notes)."""
    goods = price * qty
    listed = max(list_price * qty, goods)
    row = uow.session.connection().execute(BUY[not durable], {
        "store": store_id, "buyer": buyer, "now": now, "until": until, "prefix": prefix,
        "list_amount": yuan_to_cents(listed), "discount": yuan_to_cents(listed - goods),
        "goods": yuan_to_cents(goods), "list_price": yuan_to_cents(max(list_price, price)),
        "sku": sku_id, "qty": qty, "sale": sale_id, "list_text": f"{listed:.2f}",
        "goods_text": f"{goods:.2f}"}).one()
    return Placed(int(row[0]), str(row[1]), int(row[2]), bool(row[3]))
