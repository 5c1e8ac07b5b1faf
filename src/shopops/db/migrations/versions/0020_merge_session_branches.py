"""merge the branches written side by side from 0015: import job progress (0016), flash-sale
orders (0017), order placement counters (0018) and the promotion version stamp (0019)

Revision ID: 0020
Revises: 0016, 0017, 0018, 0019
Create Date: 2026-11-30 07:15:00
"""

from collections.abc import Sequence

revision: str = "0020"
down_revision: str | Sequence[str] | None = ("0016", "0017", "0018", "0019")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
