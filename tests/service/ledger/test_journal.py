"""The journal's invariant: every transaction sums to zero per currency."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from licences.money import MoneyError
from service.ledger.journal import (
    AccountKind,
    Posting,
    UnbalancedError,
    account,
    balanced,
    imbalances,
    invoice_issued,
    payment_received,
    reversal,
)

currencies = st.sampled_from(["EUR", "USD", "JPY"])
amounts = st.integers(min_value=1, max_value=10**12)
parts = st.lists(
    st.tuples(st.sampled_from(["c1", "c2", "c3", "c4"]), amounts), min_size=1, max_size=6
)


def _sum_per_currency(postings: tuple[Posting, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in postings:
        out[p.currency] = out.get(p.currency, 0) + p.amount_minor
    return out


@given(currency=currencies, per_commons=parts, data=st.data())
def test_every_business_transaction_balances(
    currency: str, per_commons: list[tuple[str, int]], data: st.DataObject
) -> None:
    total = sum(a for _, a in per_commons)
    fee = data.draw(st.integers(min_value=0, max_value=total))
    refund = data.draw(st.integers(min_value=1, max_value=total))
    for tx in (
        invoice_issued("i", "acme", currency, per_commons),
        payment_received("p", "acme", currency, per_commons, fee),
        reversal("refund", "r", currency, per_commons, refund),
    ):
        assert set(_sum_per_currency(tx.postings).values()) == {0}


@given(currency=currencies, per_commons=parts, data=st.data())
def test_pools_receive_the_payment_net_of_fees(
    currency: str, per_commons: list[tuple[str, int]], data: st.DataObject
) -> None:
    total = sum(a for _, a in per_commons)
    fee = data.draw(st.integers(min_value=0, max_value=total))
    tx = payment_received("p", "acme", currency, per_commons, fee)
    pools = sum(-p.amount_minor for p in tx.postings if p.account.startswith("pool:"))
    assert pools == total - fee
    clearing = sum(p.amount_minor for p in tx.postings if p.account == "clearing")
    assert clearing == total - fee


@given(
    postings=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), currencies, st.integers(-1000, 1000)),
        min_size=1,
        max_size=8,
    )
)
def test_balanced_accepts_exactly_the_zero_sum_transactions(
    postings: list[tuple[str, str, int]],
) -> None:
    built = [Posting(a, c, v) for a, c, v in postings]
    sums = _sum_per_currency(tuple(built))
    if any(v != 0 for v in sums.values()) or all(p.amount_minor == 0 for p in built):
        with pytest.raises(UnbalancedError):
            balanced("k", "r", built)
    else:
        tx = balanced("k", "r", built)
        assert imbalances(tx.postings) == {}


def test_a_transaction_balanced_in_total_but_not_per_currency_is_refused() -> None:
    with pytest.raises(UnbalancedError, match="EUR \\+100, USD -100"):
        balanced("k", "r", [Posting("a", "EUR", 100), Posting("b", "USD", -100)])


def test_unknown_currency_and_float_amounts_are_refused() -> None:
    with pytest.raises(MoneyError):
        Posting("a", "XYZ", 1)
    with pytest.raises(TypeError):
        Posting("a", "EUR", 1.5)  # type: ignore[arg-type]


def test_account_names() -> None:
    assert account(AccountKind.POOL, "c1") == "pool:c1"
    assert account(AccountKind.CLEARING) == "clearing"
    with pytest.raises(ValueError, match="needs an owner"):
        account(AccountKind.RECEIVABLE)
    with pytest.raises(ValueError, match="takes no"):
        account(AccountKind.UNCLAIMED, "x")
