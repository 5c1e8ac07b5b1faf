"""merge the domain branches written side by side from 0006: fulfillment (0007), after-sales
(0008), suppliers & purchase orders (0009), forecast runs (0010), flash sales (0011), promotion
operations (0012), order fingerprints (0013) and orders.promised_at (0014)

Revision ID: 0015
Revises: 0007, 0008, 0009, 0010, 0011, 0012, 0013, 0014
Create Date: 2026-11-30 05:00:00
"""

from collections.abc import Sequence

revision: str = "0015"
down_revision: str | Sequence[str] | None = (
    "0007", "0008", "0009", "0010", "0011", "0012", "0013", "0014",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
