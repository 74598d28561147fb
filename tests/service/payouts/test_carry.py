"""Carried amounts follow their commoner: set aside from the pool, added to their next
share, and every split still sums to the pool exactly (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from licences.allocation import Method, Policy
from licences.money import Money
from service.payouts.carry import PartStatus, settle

KEYS = ["a", "b", "c", "d", "e"]


def test_a_carried_amount_is_added_to_the_commoners_next_share() -> None:
    settled = settle(
        Money(10_000, "EUR"),
        {"a": Decimal(1), "b": Decimal(1)},
        Policy(min_payout_minor=1_000),
        payable={"a", "b"},
        outstanding={"a": 900, "z": 300},  # z has no share this period
    )
    parts = {p.commoner: p for p in settled.parts}
    assert parts["a"].share_minor == parts["b"].share_minor == (10_000 - 1_200) // 2
    assert parts["a"].carried_in_minor == 900 and parts["a"].status is PartStatus.PAYABLE
    assert settled.rolled == {"a"} and settled.carried_forward_minor == 300
    assert settled.balances()


def test_a_pool_that_no_longer_covers_the_carries_sets_nothing_aside() -> None:
    settled = settle(
        Money(500, "EUR"),
        {"a": Decimal(1)},
        Policy(),
        payable={"a"},
        outstanding={"a": 900},
    )
    assert settled.parts[0].amount_minor == 500 and settled.parts[0].carried_in_minor == 0
    assert settled.rolled == frozenset() and settled.carried_forward_minor == 0
    assert settled.balances()


@given(
    pool=st.integers(min_value=0, max_value=10**9),
    scores=st.dictionaries(
        st.sampled_from(KEYS),
        st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False),
    ),
    outstanding=st.dictionaries(st.sampled_from(KEYS + ["x"]), st.integers(0, 10**6)),
    payable=st.sets(st.sampled_from(KEYS)),
    minimum=st.integers(0, 10**5),
    share=st.decimals(min_value=0, max_value=100, places=2, allow_nan=False),
    quadratic=st.booleans(),
    cap=st.none() | st.decimals(min_value=1, max_value=100, places=1, allow_nan=False),
)
def test_the_parts_always_sum_to_the_pool(
    pool: int,
    scores: dict[str, Decimal],
    outstanding: dict[str, int],
    payable: set[str],
    minimum: int,
    share: Decimal,
    quadratic: bool,
    cap: Decimal | None,
) -> None:
    policy = Policy(
        foundation_share=share,
        method=Method.QUADRATIC if quadratic else Method.PROPORTIONAL,
        cap_percent=cap,
        min_payout_minor=minimum,
    )
    settled = settle(Money(pool, "EUR"), scores, policy, payable=payable, outstanding=outstanding)
    assert settled.balances()
    assert all(p.amount_minor >= minimum for p in settled.payouts)
    assert all(p.commoner in payable for p in settled.payouts + settled.carried)
    assert settled.carried_forward_minor >= 0
    assert all(p.share_minor >= 0 and p.carried_in_minor >= 0 for p in settled.parts)
