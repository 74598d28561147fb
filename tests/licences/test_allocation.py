"""Allocation of a period's pool: scores, foundation share, methods, cap, minimum payout,
unclaimed balances, and the invariant to the minor unit (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from licences.allocation import (
    Allocation,
    AllocationError,
    Credit,
    Measures,
    Method,
    Policy,
    Weights,
    allocate,
    allocate_credits,
    decay_factor,
    fraction_text,
    score_credits,
    weight_of,
)
from licences.money import Money

D = Decimal


def _amounts(allocation: Allocation) -> dict[str, int]:
    return {s.commoner: s.amount_minor for s in allocation.payouts}


# --- examples ---------------------------------------------------------------------------


def test_foundation_share_first_then_proportional_by_score() -> None:
    result = allocate(Money(10_000, "EUR"), {"a": D(3), "b": D(1), "z": D(0)}, Policy(D(10)))
    assert result.foundation_share_minor == 1_000
    assert _amounts(result) == {"a": 6_750, "b": 2_250}  # z has no score: not listed
    assert result.carried_minor == result.unclaimed_minor == 0
    assert result.balances()


def test_largest_remainder_gives_the_odd_cent_to_the_earlier_id_on_a_tie() -> None:
    result = allocate(Money(100, "EUR"), {"b": D(1), "a": D(1), "c": D(1)}, Policy())
    assert _amounts(result) == {"a": 34, "b": 33, "c": 33}
    assert [s.commoner for s in result.payouts] == ["a", "b", "c"]


def test_foundation_share_rounds_half_to_even() -> None:
    assert allocate(Money(5, "EUR"), {"a": D(1)}, Policy(D(50))).foundation_share_minor == 2
    assert allocate(Money(7, "EUR"), {"a": D(1)}, Policy(D(50))).foundation_share_minor == 4


def test_quadratic_weighs_by_square_root() -> None:
    result = allocate(
        Money(1_000, "EUR"), {"big": D(81), "small": D(9)}, Policy(method=Method.QUADRATIC)
    )
    assert _amounts(result) == {"big": 750, "small": 250}  # 9 : 3
    assert weight_of(D(2), Method.QUADRATIC) == D("1.414213562")
    assert weight_of(D(0), Method.QUADRATIC) == 0


def test_cap_redistributes_the_excess_until_stable() -> None:
    # 40 % cap of 10 000: a is held at 4 000, the rest shared by b and c (5 : 5)
    result = allocate(
        Money(10_000, "EUR"), {"a": D(90), "b": D(5), "c": D(5)}, Policy(cap_percent=D(40))
    )
    assert result.cap_minor == 4_000
    assert _amounts(result) == {"a": 4_000, "b": 3_000, "c": 3_000}
    # second round: b would exceed the cap once a's excess is shared
    result = allocate(
        Money(10_000, "EUR"),
        {"a": D(60), "b": D(30), "c": D(6), "d": D(4)},
        Policy(cap_percent=D(35)),
    )
    assert _amounts(result) == {"a": 3_500, "b": 3_500, "c": 1_800, "d": 1_200}


def test_cap_that_nobody_can_reach_carries_the_rest_over() -> None:
    result = allocate(Money(10_000, "EUR"), {"a": D(1), "b": D(2)}, Policy(cap_percent=D(25)))
    assert _amounts(result) == {"a": 2_500, "b": 2_500}
    assert result.unassigned_minor == result.carried_minor == 5_000
    assert result.balances()


def test_minimum_payout_carries_small_amounts_over_per_commoner() -> None:
    result = allocate(Money(1_000, "EUR"), {"a": D(95), "b": D(5)}, Policy(min_payout_minor=100))
    assert _amounts(result) == {"a": 950}
    assert [(s.commoner, s.amount_minor) for s in result.carried] == [("b", 50)]
    assert result.carried_minor == 50
    assert result.balances()


def test_commoners_without_a_payout_account_are_held_as_unclaimed() -> None:
    result = allocate(
        Money(1_000, "EUR"), {"a": D(1), "b": D(1)}, Policy(min_payout_minor=900), payable={"a"}
    )
    assert result.payouts == ()  # a's 500 is below the minimum: carried
    assert result.carried_minor == 500
    assert [(s.commoner, s.amount_minor) for s in result.unclaimed] == [("b", 500)]
    assert result.unclaimed_minor == 500
    assert result.balances()


def test_no_score_at_all_carries_the_whole_distributable_amount() -> None:
    result = allocate(Money(1_000, "EUR"), {"a": D(0)}, Policy(D(10)))
    assert result.payouts == ()
    assert result.foundation_share_minor == 100
    assert result.carried_minor == result.unassigned_minor == 900


def test_to_dict_has_the_documented_keys() -> None:
    data = allocate(Money(1_000, "JPY"), {"a": D("1.5")}, Policy()).to_dict()
    assert {"pool_minor", "currency", "foundation_share_minor", "carried_minor"} <= set(data)
    assert data["payouts"] == [
        {"commoner": "a", "score": "1.5", "weight": "1.5", "amount_minor": 1_000}
    ]
    assert data["currency"] == "JPY"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"foundation_share": D(-1)},
        {"foundation_share": D(101)},
        {"foundation_share": D("NaN")},
        {"cap_percent": D(0)},
        {"cap_percent": D(150)},
        {"min_payout_minor": -1},
        {"half_life_days": D(0)},
    ],
)
def test_invalid_policies_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(AllocationError):
        Policy(**kwargs)  # type: ignore[arg-type]


def test_invalid_scores_and_pools_are_refused() -> None:
    with pytest.raises(AllocationError):
        allocate(Money(1, "EUR"), {"a": D(-1)}, Policy())
    with pytest.raises(AllocationError):
        allocate(Money(-1, "EUR"), {"a": D(1)}, Policy())
    with pytest.raises(AllocationError):
        Weights(commits=D(-1))


# --- scores -----------------------------------------------------------------------------


def test_scores_weigh_each_measure() -> None:
    day = date(2026, 11, 5)
    credits = [
        Credit("a", day, Measures(Fraction(1), Fraction(300), Fraction(50))),
        Credit("a", day, Measures(Fraction(1, 2), Fraction(10), Fraction(0))),
        Credit("b", day, Measures(Fraction(1, 3), Fraction(0), Fraction(0))),
    ]
    weights = Weights(D(1), D("0.01"), D("0.1"))
    scores = score_credits(credits, weights, as_of=day)
    assert scores == {"a": D("9.6"), "b": D("0.333333")}


def test_time_decay_halves_a_score_every_half_life() -> None:
    as_of = date(2026, 12, 31)
    credits = [
        Credit("old", as_of - timedelta(days=60), Measures(Fraction(1))),
        Credit("new", as_of, Measures(Fraction(1))),
        Credit("future", as_of + timedelta(days=5), Measures(Fraction(1))),
    ]
    scores = score_credits(credits, Weights(), as_of=as_of, half_life_days=D(30))
    assert scores == {"old": D("0.25"), "new": D(1), "future": D(1)}
    assert decay_factor(30, D(30)) == D("0.5")


def test_scores_do_not_depend_on_the_order_of_the_credits() -> None:
    base = date(2026, 1, 1)
    credits = [
        Credit(f"c{i % 3}", base + timedelta(days=i * 7), Measures(Fraction(i + 1, 3)))
        for i in range(12)
    ]
    one = score_credits(credits, Weights(), as_of=date(2026, 6, 1), half_life_days=D(45))
    two = score_credits(credits[::-1], Weights(), as_of=date(2026, 6, 1), half_life_days=D(45))
    assert one == two
    assert set(one) == {"c0", "c1", "c2"}


def test_allocate_credits_uses_the_policy_weights_and_decay() -> None:
    day = date(2026, 3, 1)
    credits = [Credit("a", day, Measures(Fraction(1))), Credit("b", day, Measures(Fraction(3)))]
    result = allocate_credits(Money(400, "EUR"), credits, Policy(), as_of=day)
    assert _amounts(result) == {"a": 100, "b": 300}


def test_fraction_text_is_exact() -> None:
    assert fraction_text(Fraction(5, 2)) == "2.5"
    assert fraction_text(Fraction(1, 3)) == "1/3"
    assert fraction_text(Fraction(7)) == "7"
    assert fraction_text(Fraction(1, 8)) == "0.125"


# --- properties -------------------------------------------------------------------------

_IDS = st.text(alphabet="abcdefgh", min_size=1, max_size=3)
_SCORES = st.dictionaries(
    _IDS,
    st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False, allow_infinity=False),
    max_size=12,
)
_POLICIES = st.builds(
    Policy,
    foundation_share=st.decimals(min_value=0, max_value=100, places=2),
    method=st.sampled_from(list(Method)),
    cap_percent=st.none() | st.decimals(min_value=D("0.01"), max_value=100, places=2),
    min_payout_minor=st.integers(min_value=0, max_value=10_000),
)
_POOLS = st.builds(
    Money,
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)


@settings(max_examples=300, deadline=None)
@given(_POOLS, _SCORES, _POLICIES, st.data())
def test_every_minor_unit_is_accounted_for(
    pool: Money, scores: dict[str, Decimal], policy: Policy, data: st.DataObject
) -> None:
    payable = data.draw(st.none() | st.sets(st.sampled_from(sorted(scores) or ["x"])))
    result = allocate(pool, scores, policy, payable=payable)
    assert (
        result.payouts_minor
        + result.foundation_share_minor
        + result.carried_minor
        + result.unclaimed_minor
        == pool.amount_minor
    )
    assert result.balances()
    shares = [*result.payouts, *result.carried, *result.unclaimed]
    assert all(s.amount_minor > 0 for s in shares)
    assert len({s.commoner for s in shares}) == len(shares)
    assert all(s.amount_minor >= policy.min_payout_minor for s in result.payouts)
    assert all(s.amount_minor < policy.min_payout_minor for s in result.carried)
    if payable is not None:
        assert all(s.commoner in payable for s in (*result.payouts, *result.carried))
        assert all(s.commoner not in payable for s in result.unclaimed)
    if result.cap_minor is not None:
        assert all(s.amount_minor <= result.cap_minor for s in shares)
    assert 0 <= result.foundation_share_minor <= pool.amount_minor


@settings(max_examples=200, deadline=None)
@given(_POOLS, _SCORES, _POLICIES, st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_the_scores(
    pool: Money, scores: dict[str, Decimal], policy: Policy, rnd: object
) -> None:
    items = list(scores.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    assert allocate(pool, dict(items), policy) == allocate(pool, scores, policy)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), _SCORES, st.sampled_from(list(Method)))
def test_uncapped_shares_are_within_one_minor_unit_and_monotonic(
    total: int, scores: dict[str, Decimal], method: Method
) -> None:
    result = allocate(Money(total, "EUR"), scores, Policy(method=method))
    amounts = _amounts(result)
    weights = {c: weight_of(s, method) for c, s in scores.items() if s > 0}
    whole = sum((Fraction(w) for w in weights.values()), Fraction(0))
    for commoner, weight in weights.items():
        exact = total * Fraction(weight) / whole
        assert abs(amounts.get(commoner, 0) - exact) < 1
    ranked = sorted(weights, key=lambda c: weights[c])
    for low, high in zip(ranked, ranked[1:], strict=False):
        if weights[high] > weights[low]:
            assert amounts.get(high, 0) >= amounts.get(low, 0)
    if weights:
        assert result.carried_minor == 0


_CREDITS = st.lists(
    st.builds(
        Credit,
        _IDS,
        st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 1, 1)),
        st.builds(
            Measures,
            st.fractions(min_value=0, max_value=5, max_denominator=7),
            st.fractions(min_value=0, max_value=1000, max_denominator=3),
            st.fractions(min_value=0, max_value=1000, max_denominator=3),
        ),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(
    _POOLS,
    _CREDITS,
    _POLICIES,
    st.none() | st.decimals(min_value=1, max_value=3650, places=1),
)
def test_the_whole_pipeline_from_credits_balances(
    pool: Money, credits: list[Credit], policy: Policy, half_life: Decimal | None
) -> None:
    policy = Policy(
        policy.foundation_share,
        policy.method,
        policy.cap_percent,
        policy.min_payout_minor,
        half_life,
        Weights(D(1), D("0.01"), D("0.001")),
    )
    result = allocate_credits(pool, credits, policy, as_of=date(2026, 6, 30))
    assert result.balances()
    assert result.pool_minor == pool.amount_minor
    commoners = {c.commoner for c in credits}
    assert {s.commoner for s in (*result.payouts, *result.carried)} <= commoners
