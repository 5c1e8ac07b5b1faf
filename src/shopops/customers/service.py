"""Customer use cases: one person across stores, found by the buyer id each store knows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import Select, insert, select, union
from sqlalchemy.exc import IntegrityError

from shopops.core.batches import chunks
from shopops.core.uow import UnitOfWork
from shopops.customers.models import Customer, CustomerIdentity


def buyer_customer(uow: UnitOfWork, store_id: int, buyer: str, now: datetime) -> int:
    """The customer id of a store's buyer ref, created on first sight. In a savepoint: two
    first orders of one new buyer racing (PostgreSQL; a placed order, a flash buy in another
    sale) — the later insert meets the unique identity, rolls back to the savepoint and reads
    the row the other committed."""
    for attempt in (1, 2):
        try:
            with uow.session.begin_nested():
                return customers_for_buyers(uow, store_id, {buyer: now})[buyer]
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def customers_for_buyers(uow: UnitOfWork, store_id: int,
                         first_seen: Mapping[str, datetime]) -> dict[str, int]:
    """Customer id per buyer id of a store, creating the customers (and their store
    identities) not seen before; `first_seen` gives each buyer's creation time. Buyer ids
    that start with "phone:" are phone-derived keys and give the customer no name."""
    keys = list(first_seen)
    ids: dict[str, int] = {}
    for chunk in chunks(keys):
        rows = uow.session.execute(
            select(CustomerIdentity.buyer_id, CustomerIdentity.customer_id).where(
                CustomerIdentity.store_id == store_id, CustomerIdentity.buyer_id.in_(chunk)))
        ids.update({buyer: customer for buyer, customer in rows})
    missing = [key for key in keys if key not in ids]
    if missing:
        new_ids = uow.session.scalars(
            insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
            [{"name": None if key.startswith("phone:") else key, "region": None,
              "created_at": first_seen[key]} for key in missing]).all()
        ids.update(zip(missing, new_ids, strict=True))
        uow.session.execute(insert(CustomerIdentity), [
            {"customer_id": ids[key], "store_id": store_id, "buyer_id": key} for key in missing])
    return ids


def customers_matching(text: str) -> Select[tuple[int]]:
    """Ids of the customers whose name or a store's buyer id contains `text` (a subquery, so
    an order search stays one SQL statement)."""
    by_name = select(Customer.id).where(Customer.name.contains(text, autoescape=True))
    by_buyer = select(CustomerIdentity.customer_id).where(
        CustomerIdentity.buyer_id.contains(text, autoescape=True))
    return select(union(by_name, by_buyer).subquery().c[0])


def customer_names(uow: UnitOfWork, ids: Iterable[int]) -> dict[int, str]:
    """Display name per customer id (the buyer id for imported buyers); unnamed ones left out."""
    names: dict[int, str] = {}
    for chunk in chunks(list(ids)):
        names.update((cid, name) for cid, name in uow.session.execute(
            select(Customer.id, Customer.name).where(Customer.id.in_(chunk))) if name)
    return names


def customer_regions(uow: UnitOfWork, ids: Iterable[int]) -> dict[int, str | None]:
    """The province (省份) as last known per customer id, for many customers at once."""
    regions: dict[int, str | None] = {}
    for chunk in chunks(list(set(ids))):
        rows = uow.session.execute(
            select(Customer.id, Customer.region).where(Customer.id.in_(chunk)))
        regions.update((customer_id, region) for customer_id, region in rows)
    return regions


def customer_region(uow: UnitOfWork, customer_id: int | None) -> str | None:
    """The customer's province (省份) as last known, or None."""
    if customer_id is None:
        return None
    return uow.session.scalar(select(Customer.region).where(Customer.id == customer_id))
