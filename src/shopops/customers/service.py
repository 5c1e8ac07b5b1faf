"""Customer use cases: one person across stores, found by the buyer id each store knows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert, select

from shopops.core.batches import chunks
from shopops.core.uow import UnitOfWork
from shopops.customers.models import Customer, CustomerIdentity


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
