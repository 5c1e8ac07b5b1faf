"""Property tests of the pure ledger rules: whatever moves are attempted, the accepted ones
keep 在库 = Σ on-hand moves, 占用 ≥ 0 and 可用 ≥ 0; expired reservations never count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopops.core.errors import InsufficientStock, ValidationError
from shopops.inventory import ledger
from shopops.inventory.models import MOVE_KINDS

NOW = datetime(2026, 11, 11, tzinfo=UTC)


@st.composite
def signed_move(draw: st.DrawFn) -> tuple[str, int]:
    kind = draw(st.sampled_from(sorted(ledger.SIGN)))
    size = draw(st.integers(min_value=1, max_value=50))
    sign = ledger.SIGN[kind] or draw(st.sampled_from([1, -1]))
    return kind, sign * size


def test_every_stored_move_kind_has_a_rule() -> None:
    assert set(MOVE_KINDS) == set(ledger.SIGN) == ledger.ON_HAND_KINDS | ledger.RESERVED_KINDS


@given(st.lists(signed_move(), max_size=60))
def test_accepted_moves_keep_the_ledger_consistent(moves: list[tuple[str, int]]) -> None:
    balance, accepted = ledger.Balance(), []
    for kind, quantity in moves:
        try:
            balance = ledger.apply(balance, kind, quantity)
        except InsufficientStock:
            continue
        accepted.append((kind, quantity))
        assert balance.reserved >= 0
        assert balance.available >= 0
        assert balance.on_hand >= 0
    assert balance.on_hand == sum(q for k, q in accepted if k in ledger.ON_HAND_KINDS)
    assert balance.reserved == sum(q for k, q in accepted if k in ledger.RESERVED_KINDS)
    assert ledger.replay(accepted) == balance


@given(st.lists(signed_move(), max_size=30))
def test_a_refused_move_changes_nothing(moves: list[tuple[str, int]]) -> None:
    balance = ledger.Balance()
    for kind, quantity in moves:
        before = balance
        try:
            balance = ledger.apply(balance, kind, quantity)
        except InsufficientStock:
            assert balance == before
            assert (before.available + ledger.effect(kind, quantity).on_hand
                    - ledger.effect(kind, quantity).reserved < 0
                    or before.reserved + ledger.effect(kind, quantity).reserved < 0)


@given(st.lists(st.tuples(st.sampled_from(["active", "released", "fulfilled", "expired"]),
                          st.integers(min_value=-600, max_value=600),
                          st.integers(min_value=1, max_value=20)), max_size=30))
def test_expired_reservations_never_count(rows: list[tuple[str, int, int]]) -> None:
    reservations = [(s, NOW + timedelta(minutes=m), q) for s, m, q in rows]
    counted = ledger.counted_reserved(reservations, NOW)
    assert counted == sum(q for s, until, q in reservations if s == "active" and until > NOW)
    for status, until, _ in reservations:
        assert not (ledger.counts(status, until, NOW) and until <= NOW)
        assert ledger.counts(status, until, NOW) != ledger.is_expired(status, until, NOW) or (
            status != "active")


@given(st.integers(min_value=0, max_value=200),
       st.lists(st.integers(min_value=-5, max_value=60), max_size=6))
def test_allocation_takes_what_there_is_in_order(need: int, free: list[int]) -> None:
    stock = list(enumerate(free, start=1))
    plan = ledger.plan_allocation(need, stock)
    assert sum(t for _, t in plan) == min(need, sum(max(f, 0) for f in free))
    assert all(0 < take <= dict(stock)[wh] for wh, take in plan)
    assert [wh for wh, _ in plan] == sorted(wh for wh, _ in plan)


@pytest.mark.parametrize("value", [-3, 0, 1.5, "2", True, None])
def test_quantity_must_be_a_positive_whole_number(value: object) -> None:
    with pytest.raises(ValidationError) as err:
        ledger.positive_quantity(value)
    assert err.value.field == "quantity"
    assert str(err.value) == f"quantity must be a positive whole number, got {value!r}"


def test_wrong_sign_delta_reason_and_ttl_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="shipment move needs a negative"):
        ledger.effect("shipment", 3)
    with pytest.raises(ValidationError) as err:
        ledger.nonzero_delta(0)
    assert err.value.field == "delta"
    with pytest.raises(ValidationError) as err:
        ledger.required_reason("  ")
    assert err.value.field == "reason"
    with pytest.raises(ValidationError) as err:
        ledger.reservation_deadline(NOW, timedelta(0))
    assert err.value.field == "ttl"
    assert ledger.reservation_deadline(NOW, timedelta(minutes=30)) == NOW + timedelta(minutes=30)
