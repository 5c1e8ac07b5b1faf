"""The optional Redis gate for flash-sale peaks (``SHOPOPS_REDIS_URL``, e.g.
redis://127.0.0.1:6379/0).

One Lua script checks and takes, atomically inside Redis: units left in the pool and the buyer's
count against ``per_customer``. Buyers refused there (most of them once a sale is sold out) never
open a database transaction; those let through still go through the database's conditional
updates, which stay the ledger — so a Redis restart or drift can cost speed, never an oversell.
:func:`reconcile` writes the database's truth back into Redis (units left = pool ``remaining``,
each buyer's count = held + paid units): run after a restart, by the sweep, or any time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import redis

from shopops.core.uow import UnitOfWork
from shopops.pricing.flash_service import buyer_counts, pool_of, sale_gate_key

# KEYS: pool key, buyers hash. ARGV: customer, qty, limit.
# -> 1 ok, 0 sold out, -1 limit reached, -2 pool not loaded (the caller loads and retries)
TAKE = """
local left = redis.call('GET', KEYS[1])
if not left then return -2 end
local qty = tonumber(ARGV[2])
if tonumber(left) < qty then return 0 end
local had = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if had + qty > tonumber(ARGV[3]) then return -1 end
redis.call('DECRBY', KEYS[1], qty)
redis.call('HINCRBY', KEYS[2], ARGV[1], qty)
return 1
"""
GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCRBY', KEYS[1], ARGV[2]) end
local had = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if had >= tonumber(ARGV[2]) then redis.call('HINCRBY', KEYS[2], ARGV[1], -tonumber(ARGV[2])) end
return 1
"""
VERDICTS = {1: "ok", 0: "sold_out", -1: "limit_reached"}


def redis_url() -> str | None:
    """SHOPOPS_REDIS_URL, read here: the gate is optional and only this module needs it."""
    return os.environ.get("SHOPOPS_REDIS_URL") or None


Loader = Callable[[], tuple[int, dict[str, int]]]  # (remaining, {customer: held + paid})


class RedisGate:
    """The flash-sale gate on one Redis. A pool not in Redis yet is loaded on first use from
    the caller's own transaction (``load``), never from a second connection: a buyer holding
    SQLite's write lock must not wait for another one."""

    def __init__(self, url: str, prefix: str = "shopops:flash") -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, decode_responses=True)
        self.prefix = prefix
        self._take = self.client.register_script(TAKE)
        self._give = self.client.register_script(GIVE_BACK)

    def keys(self, sale: str) -> list[str]:
        """``sale`` is :func:`shopops.pricing.flash_service.sale_gate_key` (id and creation)."""
        return [f"{self.prefix}:{sale}:left", f"{self.prefix}:{sale}:buyers"]

    def take(self, sale: str, customer: str, qty: int, limit: int, load: Loader) -> str:
        for _ in range(2):
            code = int(self._take(keys=self.keys(sale), args=[customer, qty, limit]))
            if code != -2:
                return VERDICTS[code]
            self.load(sale, *load(), replace=False)
        raise RuntimeError(f"flash sale {sale}: Redis pool did not load")

    def give_back(self, sale: str, customer: str, qty: int) -> None:
        self._give(keys=self.keys(sale), args=[customer, qty])

    def load(self, sale: str, remaining: int, buyers: dict[str, int], *,
             replace: bool = True) -> None:
        """Set the pool and the buyers' counts, atomically; without ``replace`` only when the
        pool is missing (two first buyers loading at once must not undo each other's take)."""
        left, counts = self.keys(sale)
        if not replace:
            if self.client.set(left, remaining, nx=True) and buyers:
                self.client.hset(counts, mapping={c: n for c, n in buyers.items() if n})
            return
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(counts)
        if buyers:
            pipe.hset(counts, mapping={c: n for c, n in buyers.items() if n})
        pipe.set(left, remaining)
        pipe.execute()

    def counts(self, sale: str) -> tuple[int | None, dict[str, int]]:
        left, counts = self.keys(sale)
        raw = self.client.get(left)
        return (None if raw is None else int(raw),
                {str(c): int(n) for c, n in self.client.hgetall(counts).items()})

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False


def reconcile(uow: UnitOfWork, gate: RedisGate, sale_id: int) -> dict[str, Any]:
    """Repair Redis from the database ledger (holds and payments are written there by every
    buy): what Redis said before, and the counts it holds now."""
    key = sale_gate_key(uow, sale_id)
    before_left, before_buyers = gate.counts(key)
    remaining, _ = pool_of(uow, sale_id)
    buyers = buyer_counts(uow, sale_id)
    gate.load(key, remaining, buyers)
    fixed = sorted(c for c in set(buyers) | set(before_buyers)
                   if buyers.get(c, 0) != before_buyers.get(c, 0))
    return {"flash_sale": sale_id, "remaining": remaining, "redis_remaining_before": before_left,
            "buyers_repaired": fixed}
