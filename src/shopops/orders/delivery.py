"""Late deliveries (延迟送达): the share of delivered orders that reached the buyer after the
day promised at order time (``orders.promised_at``, e.g. Olist's estimated delivery date).

The rule is pure (`late_delivery_share` over (delivered_at, promised_at) pairs); the query
(`orders.service.late_delivery`) loads the pairs of the order book. A promise is a day:
delivered any time on the promised day (in the store's time zone) is on time, the next day is
late.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class LateDeliveryShare:
    """delivered = orders delivered with a known promise; late = delivered after its day."""

    delivered: int
    late: int

    @property
    def share(self) -> Decimal | None:
        """late ÷ delivered as an exact fraction rounded to 4 places (None: nothing delivered)."""
        if not self.delivered:
            return None
        return (Decimal(self.late) / Decimal(self.delivered)).quantize(SHARE_PLACES)

    def as_json(self) -> dict[str, object]:
        share = self.share
        return {"delivered": self.delivered, "late": self.late,
                "late_share": None if share is None else str(share)}


def is_late(delivered_at: datetime, promised_at: datetime, zone: ZoneInfo) -> bool:
    """Delivered on a later local day than the promised one."""
    return delivered_at.astimezone(zone).date() > promised_at.astimezone(zone).date()


def late_delivery_share(pairs: Iterable[tuple[datetime, datetime, ZoneInfo]]
                        ) -> LateDeliveryShare:
    """(delivered_at, promised_at, store zone) of each delivered order → the late share."""
    delivered = late = 0
    for delivered_at, promised_at, zone in pairs:
        delivered += 1
        late += is_late(delivered_at, promised_at, zone)
    return LateDeliveryShare(delivered, late)
