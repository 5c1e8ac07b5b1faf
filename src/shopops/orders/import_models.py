"""What the order import keeps beside the order book to make re-imports cheap.

``OrderFingerprint``: per imported order, a digest of the source rows it was last imported
from (with the layout, the header row and the store's time zone). A re-import whose rows give
the same digest is unchanged without parsing or loading the order; any other difference (a new
status, a refund per line, an added line, another header order) is parsed and compared.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopops.db.base import Base
from shopops.db.types import BigId


class OrderFingerprint(Base):
    __tablename__ = "order_fingerprints"

    order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(32))  # md5 hex of the source rows
