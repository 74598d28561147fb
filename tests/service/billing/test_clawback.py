"""The clawback rule (pure): what each refund takes back of an invoice's transfers, split
across its commons by largest remainder, exact to the minor unit, never more than was sent;
and the reversal's ledger entries."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from licences.money import split
from service.ledger.journal import imbalances
from service.transfers.clawback import (
    ClawbackError,
    Sent,
    clawback,
    reversal_made,
    reversal_planned,
)


def _apply(sent: list[Sent], parts: list[tuple[str, int]]) -> list[Sent]:
    taken = dict(parts)
    return [
        Sent(s.commons_id, s.amount_minor, s.reversed_minor + taken.get(s.commons_id, 0))
        for s in sent
    ]


def test_a_partial_refund_takes_back_its_share_of_the_net_amount_transferred() -> None:
    # paid 1250 (geo 1000 + maps 250), fee 50: transferred geo 960, maps 240
    sent = [Sent("geo", 960), Sent("maps", 240)]
    # 500 of 1250 refunded: floor(500 * 1200 / 1250) = 480, split 4:1
    assert clawback(500, 1250, sent) == [("geo", 384), ("maps", 96)]
    after = _apply(sent, [("geo", 384), ("maps", 96)])
    # the rest refunded: everything left goes back, exactly
    assert clawback(1250, 1250, after) == [("geo", 576), ("maps", 144)]


def test_rounding_goes_to_the_largest_remainder_and_never_accumulates() -> None:
    sent = [Sent("a", 1), Sent("b", 1), Sent("c", 1)]
    assert clawback(1, 3, sent) == [("a", 1)]  # ties go to the earlier commons
    # three refunds of 1 out of 1000 with 999 transferred: 0, 0, then floor(2.997) = 2
    sent = [Sent("x", 999)]
    total = 0
    for refunded in (1, 2, 3):
        parts = clawback(refunded, 1000, sent)
        sent = _apply(sent, parts)
        total += sum(p for _, p in parts)
        assert total == refunded * 999 // 1000


def test_nothing_to_take_back() -> None:
    assert clawback(500, 1250, []) == []  # no transfer: a refund before it holds it
    assert clawback(0, 1250, [Sent("geo", 960)]) == []
    # a dispute won since lowered the refunded amount below what was reversed: nothing
    assert clawback(100, 1000, [Sent("geo", 1000, 500)]) == []


def test_impossible_amounts_are_refused() -> None:
    with pytest.raises(ClawbackError, match="paid amount must be positive"):
        clawback(0, 0, [Sent("geo", 1)])
    with pytest.raises(ClawbackError, match="refunded 1300 is outside 0..1250"):
        clawback(1300, 1250, [Sent("geo", 1)])
    with pytest.raises(ClawbackError, match="reversed 11 is outside 0..10"):
        Sent("geo", 10, 11)


@given(
    paid=st.integers(min_value=1, max_value=10**9),
    net_share=st.fractions(min_value=0, max_value=1),
    weights=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=6),
    cuts=st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=6),
)
def test_the_split_is_exact_bounded_and_complete(
    paid: int, net_share: Fraction, weights: list[int], cuts: list[int]
) -> None:
    transferred = int(paid * net_share)
    amounts = split(transferred, weights) if transferred else [0] * len(weights)
    sent = [Sent(f"c{n}", a) for n, a in enumerate(amounts) if a > 0]
    # cumulative refunds, ending with the full amount
    marks = sorted({min(c, paid) for c in cuts} | {paid})
    reversed_total = 0
    for step, refunded in enumerate(marks):
        parts = clawback(refunded, paid, sent)
        left = {s.commons_id: s.amount_minor - s.reversed_minor for s in sent}
        for commons, part in parts:
            assert 0 < part <= left[commons]
        due = refunded * transferred // paid - reversed_total
        assert sum(p for _, p in parts) == due  # exact: the reversals so far hit the target
        if step == 0 and parts:  # the first refund: largest remainder over the transfers
            expected = split(due, [s.amount_minor for s in sent])
            assert dict(parts) == {
                s.commons_id: e for s, e in zip(sent, expected, strict=True) if e
            }
        sent = _apply(sent, parts)
        reversed_total += due
    assert all(s.reversed_minor == s.amount_minor for s in sent)  # full refund: all back


def test_the_reversal_entries_balance_and_mirror_a_transfer() -> None:
    planned = reversal_planned("reversal-planned:r1", "geo", "EUR", 384)
    made = reversal_made("reversal-made:r1", "geo", "EUR", 384)
    assert imbalances(planned.postings) == {} and imbalances(made.postings) == {}
    assert {(p.account, p.amount_minor) for p in planned.postings} == {
        ("pool:geo", -384),
        ("in_transit", 384),
    }
    assert {(p.account, p.amount_minor) for p in made.postings} == {
        ("in_transit", -384),
        ("clearing", 384),
    }
    assert all(p.commons_id == "geo" for p in (*planned.postings, *made.postings))
