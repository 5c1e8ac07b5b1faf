"""The promotions a quote reads, parsed once per process while they do not change (促销缓存).

A quote needs a store's and the platform's active promotions as engine objects. Loading and
re-validating them is most of a quote's work, yet they change rarely, so each process keeps,
per database engine and store, the parsed promotions with the ``promotion_version`` token it
read them under (:class:`shopops.pricing.models.PromotionVersion`). Database triggers give the
token a new random value on every insert, update or delete of a ``promotions`` row, in the
writing transaction — so every write path bumps it — and a quote reads the token first (one
primary-key read) and loads again when it differs. Reading the token before the rows means the
rows are at least as new as the token they are kept under; a token is random, so one from a
rolled-back write is never seen again.

Nothing is cached where the token row or the triggers are missing (a wiped table, a database
built without migrations): every quote then loads, exactly as :func:`rows` does.
The answer is the same either way: the entries are the rows the query would select, in its
order (``ORDER BY code``, the database's collation), filtered for ``at`` by the same rule.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, or_, select, text

from shopops.core.uow import UnitOfWork
from shopops.pricing import promotions as p
from shopops.pricing.limits import Limits
from shopops.pricing.models import Promotion, PromotionVersion
from shopops.pricing.usage_service import use_limits

SQLITE_TRIGGERS = ("promotions_version_insert", "promotions_version_update",
                   "promotions_version_delete")  # migration 0019
PG_TRIGGERS = ("promotions_version_rows", "promotions_version_truncate")

Loader = Callable[[Promotion, str | None], p.Promotion]


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored promotion: its row (a transient copy, never in a session), its engine object
    and whether it has a budget, cap or per-buyer limit (only those need the counters)."""

    row: Promotion
    store: str | None  # the store code its engine object names (None: platform-level)
    promo: p.Promotion | None  # None: its spec no longer validates — loading again raises
    limited: bool

    def engine(self, load: Loader) -> p.Promotion:
        """Its engine object (a stored spec that no longer validates raises here, when a quote
        uses it, as the uncached load did)."""
        return self.promo if self.promo is not None else load(self.row, self.store)

    def applies(self, at: datetime, held: frozenset[str]) -> bool:
        """In its window at ``at`` (start inclusive, end exclusive), or a coupon the buyer
        holds (loaded outside its window, so the explanation can say why it was not used)."""
        row = self.row
        if row.type == "coupon" and row.code in held:
            return True
        return ((row.starts_at is None or row.starts_at <= at)
                and (row.ends_at is None or row.ends_at > at))


@dataclass(frozen=True, slots=True)
class _Kept:
    token: str
    store_code: str
    entries: tuple[Entry, ...]


class _EngineCache:
    def __init__(self, triggers: bool) -> None:
        self.triggers = triggers
        self.stores: dict[int, _Kept] = {}


_caches: WeakKeyDictionary[Engine, _EngineCache] = WeakKeyDictionary()
_lock = threading.Lock()
_enabled = True


@contextmanager
def uncached() -> Iterator[None]:
    """Every quote loads its promotions while this is open (tests and benchmarks compare)."""
    global _enabled
    before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before


def _limited(row: Promotion) -> bool:
    """Has a budget, cap or per-buyer limit (as pricing.usage_service reads them); a spec whose
    limits no longer parse counts as limited, so the counters' check raises as before."""
    try:
        return use_limits(row) != Limits()
    except Exception:
        return True


def rows(uow: UnitOfWork, store_id: int, store_code: str, load: Loader) -> tuple[Entry, ...]:
    """Every active promotion of the store and of the platform, whatever its window, ordered
    by code — loaded and parsed now."""
    columns = Promotion.__table__.columns
    found = uow.session.execute(
        select(*(getattr(Promotion, c.key) for c in columns))
        .where(Promotion.active,
               or_(Promotion.store_id == store_id, Promotion.store_id.is_(None)))
        .order_by(Promotion.code)).all()
    entries = []
    for values in found:
        row = Promotion(**dict(zip((c.key for c in columns), values, strict=True)))
        code = store_code if row.store_id else None
        try:
            promo: p.Promotion | None = load(row, code)
        except Exception:  # raised again by Entry.engine, if a quote uses it
            promo = None
        entries.append(Entry(row, code, promo, _limited(row)))
    return tuple(entries)


def _engine_cache(uow: UnitOfWork) -> _EngineCache:
    engine = uow.session.get_bind().engine
    cache = _caches.get(engine)
    if cache is None:
        cache = _EngineCache(_has_triggers(uow))
        with _lock:
            _caches.setdefault(engine, cache)
    return cache


def _has_triggers(uow: UnitOfWork) -> bool:
    if uow.session.get_bind().dialect.name == "postgresql":
        count = uow.session.scalar(text(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass('promotions') "
            "AND tgname = ANY(:names)"), {"names": list(PG_TRIGGERS)})
        return bool(count == len(PG_TRIGGERS))
    count = uow.session.scalar(text(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'promotions' "
        f"AND name IN ({', '.join(repr(n) for n in SQLITE_TRIGGERS)})"))
    return bool(count == len(SQLITE_TRIGGERS))


def token(uow: UnitOfWork) -> str | None:
    """The current promotions token (None: no token row)."""
    return uow.session.scalar(select(PromotionVersion.token).where(PromotionVersion.id == 1))


def entries(uow: UnitOfWork, store_id: int, store_code: str, load: Loader) -> tuple[Entry, ...]:
    """:func:`rows`, from this process's cache while the promotions token is unchanged."""
    if not _enabled:
        return rows(uow, store_id, store_code, load)
    cache = _engine_cache(uow)
    if not cache.triggers:
        return rows(uow, store_id, store_code, load)
    now = token(uow)  # before the rows: they are at least as new as the token
    if now is None:
        return rows(uow, store_id, store_code, load)
    kept = cache.stores.get(store_id)
    if kept is not None and kept.token == now and kept.store_code == store_code:
        return kept.entries
    found = rows(uow, store_id, store_code, load)
    with _lock:
        cache.stores[store_id] = _Kept(now, store_code, found)
    return found


def active(found: Sequence[Entry], at: datetime, held: Sequence[str]) -> list[Entry]:
    """The entries a quote at ``at`` uses (the old query's WHERE, in its order)."""
    coupons = frozenset(held)
    return [e for e in found if e.applies(at, coupons)]
