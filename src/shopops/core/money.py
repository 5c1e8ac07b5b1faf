"""Money: an exact Decimal amount with its currency. Never float.

Amounts are stored as integer cents (分) so that sums in SQL stay exact and fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_DIGITS = 13  # ≥ 10^13 yuan is a typo or an attack, not an amount


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Parse a yuan amount ("12.5", 12, Decimal) exactly; floats are refused."""
    from shopops.core.errors import ValidationError

    if isinstance(value, float):
        raise ValidationError(f"{field}: money must not be a float ({value!r})", field=field)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field}: {value!r} is not an amount", field=field) from None
    if not amount.is_finite() or (amount and amount.adjusted() >= MAX_DIGITS):
        raise ValidationError(f"{field}: {value!r} is not a plausible amount", field=field)
    return amount


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def yuan_to_cents(amount: Decimal) -> int:
    return int(round_cents(amount) * 100)


def cents_to_yuan(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(CENT)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "CNY"

    @classmethod
    def of(cls, value: object, currency: str = "CNY") -> Money:
        return cls(round_cents(to_decimal(value)), currency)

    @classmethod
    def from_cents(cls, cents: int, currency: str = "CNY") -> Money:
        return cls(cents_to_yuan(cents), currency)

    @property
    def cents(self) -> int:
        return yuan_to_cents(self.amount)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"
