"""Funds to the foundations in the journal: whatever the amounts and the fee, issuing,
receiving the payment and transferring each pool's net amount leaves every commons' pool,
payouts in transit and clearing at zero, with only the fee at the processor."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

from service.ledger.journal import (
    Transaction,
    invoice_issued,
    payment_received,
    transfer_planned,
    transfer_sent,
)

amounts = st.integers(min_value=1, max_value=10**12)
per_commons = st.dictionaries(
    st.sampled_from(["c1", "c2", "c3", "c4", "c5"]), amounts, min_size=1, max_size=5
)


def _balances(transactions: list[Transaction]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for t in transactions:
        for p in t.postings:
            out[p.account] += p.amount_minor
    return out


@given(parts=per_commons, data=st.data())
def test_transferring_each_net_amount_empties_the_pools_and_clearing(
    parts: dict[str, int], data: st.DataObject
) -> None:
    shares = sorted(parts.items())
    total = sum(parts.values())
    fee = data.draw(st.integers(min_value=0, max_value=total))
    journal = [
        invoice_issued("issue:i", "acme", "EUR", shares),
        payment_received("payment:i", "acme", "EUR", shares, fee),
    ]
    nets = {
        p.commons_id: -p.amount_minor
        for p in journal[1].postings
        if p.account.startswith("pool:") and p.commons_id is not None
    }
    assert sum(nets.values()) == total - fee
    for commons, net in nets.items():
        if net > 0:
            journal.append(transfer_planned(f"tp:{commons}", commons, "EUR", net))
            journal.append(transfer_sent(f"ts:{commons}", commons, "EUR", net))
    balances = _balances(journal)
    assert all(balances[f"pool:{c}"] == 0 for c in parts)
    assert balances["in_transit"] == 0
    assert balances["clearing"] == 0
    assert balances["receivable:acme"] == 0
    assert all(balances[f"billed:{c}"] == 0 for c in parts)
