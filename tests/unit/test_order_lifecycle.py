"""The order state machine: legal steps, forward-only moves and the error for illegal ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopops.core.errors import ValidationError
from shopops.orders.lifecycle import (
    STATUSES,
    IllegalTransition,
    can_advance,
    can_move,
    check_move,
    rank,
    reachable,
)
from shopops.orders.models import ORDER_STATUSES

status = st.sampled_from(STATUSES)


def test_the_machine_knows_exactly_the_order_book_statuses() -> None:
    assert set(STATUSES) == set(ORDER_STATUSES)


@pytest.mark.parametrize(("start", "end"), [
    ("created", "paid"), ("paid", "allocated"), ("allocated", "shipped"),
    ("shipped", "delivered"), ("delivered", "completed"), ("created", "cancelled"),
    ("paid", "closed"), ("shipped", "closed"), ("paid", "refunding"),
    ("refunding", "refunded"), ("completed", "refunding"), ("refunded", "closed"),
])
def test_legal_steps(start: str, end: str) -> None:
    assert can_move(start, end)
    check_move(start, end)


@pytest.mark.parametrize(("start", "end"), [
    ("completed", "paid"), ("shipped", "paid"), ("paid", "created"), ("cancelled", "paid"),
    ("closed", "paid"), ("refunded", "completed"), ("paid", "cancelled"), ("paid", "paid"),
])
def test_illegal_moves_are_refused_naming_both_statuses(start: str, end: str) -> None:
    assert not can_move(start, end)
    assert not can_advance(start, end)
    with pytest.raises(IllegalTransition) as caught:
        check_move(start, end, order="T-1")
    error = caught.value
    assert error.code == "orders.illegal_transition" and isinstance(error, ValidationError)
    assert (error.from_status, error.to_status) == (start, end)
    assert start in error.message and end in error.message and "T-1" in error.message
    assert error.details == {"from_status": start, "to_status": end}


def test_an_export_may_jump_several_steps() -> None:
    assert not can_move("paid", "completed")
    assert can_advance("paid", "completed") and can_advance("created", "refunded")


def test_ranks_follow_the_lifecycle() -> None:
    assert [rank(s) for s in ("created", "paid", "allocated", "shipped", "delivered",
                              "completed")] == [0, 1, 2, 3, 4, 5]
    assert rank("refunded") > rank("refunding") > rank("completed")


def test_unknown_status_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="unknown order status 'lost'"):
        can_advance("paid", "lost")
    with pytest.raises(ValidationError, match="unknown order status"):
        rank("lost")


def test_cancelled_and_closed_are_final() -> None:
    assert reachable("cancelled") == reachable("closed") == frozenset()


@given(status, status)
def test_moves_only_go_up_in_rank_so_no_cycle(start: str, end: str) -> None:
    if can_advance(start, end):
        assert rank(end) > rank(start)
        assert not can_advance(end, start)


@given(status, status, status)
def test_advancing_is_transitive(a: str, b: str, c: str) -> None:
    if can_advance(a, b) and can_advance(b, c):
        assert can_advance(a, c)
