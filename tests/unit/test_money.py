from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopops.core.errors import ValidationError
from shopops.core.money import Money, cents_to_yuan, to_decimal, yuan_to_cents


def test_floats_are_refused_for_money() -> None:
    with pytest.raises(ValidationError, match="float"):
        Money.of(0.1)


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "1e999999999999"])
def test_non_amounts_name_the_field(raw: str) -> None:
    with pytest.raises(ValidationError) as err:
        to_decimal(raw, field="paid_amount")
    assert err.value.field == "paid_amount"


def test_amounts_round_half_up_to_cents() -> None:
    assert Money.of("12.345").amount == Decimal("12.35")
    assert Money.of("0.005").cents == 1


def test_mixing_currencies_is_an_error() -> None:
    with pytest.raises(ValueError, match="CNY"):
        _ = Money.of("1") + Money.of("1", "USD")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_cents_round_trip_exactly(cents: int) -> None:
    assert yuan_to_cents(cents_to_yuan(cents)) == cents
