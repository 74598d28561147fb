"""The journal transactions of payouts (pure): a run's allocation, a line paid, an
unclaimed line released. Each reference derives from our own ids, so that posting the
same fact twice records it once (:func:`service.ledger.store.post`).

Money moves ``pool:<commons>`` -> ``payable:<commoner>`` (or ``unclaimed``, per commons)
-> ``in_transit`` (paid) -> out of ``clearing`` (settled: the provider confirmed the
transfer, or the foundation marked a manual one made), and the foundation's infrastructure
share to ``foundation_share:<commons>``. What is carried over stays in the pool. The
settlement is the same step as billing's ``transfer_sent`` for foundation transfers.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.ledger.journal import AccountKind, Posting, Transaction, account, balanced

__all__ = [
    "ALLOCATED",
    "FOUNDATION_SHARE",
    "PAID",
    "PAYOUT_KINDS",
    "RELEASED",
    "SETTLED",
    "foundation_account",
    "line_paid",
    "line_released",
    "line_settled",
    "run_allocated",
    "settled_reference",
]

ALLOCATED = "payout_allocated"
PAID = "payout_paid"
RELEASED = "payout_released"
SETTLED = "payout_settled"
PAYOUT_KINDS = frozenset({ALLOCATED, PAID, RELEASED, SETTLED})
FOUNDATION_SHARE = "foundation_share"


def foundation_account(commons_id: str) -> str:
    """The foundation's infrastructure share of a commons' pool."""
    return f"{FOUNDATION_SHARE}:{commons_id}"


def run_allocated(
    run_id: str,
    commons_id: str,
    currency: str,
    *,
    foundation_minor: int,
    payable: Sequence[tuple[str, int]],
    unclaimed_minor: int,
) -> Transaction | None:
    """Out of the pool: the foundation share, each payable commoner's amount and what is
    held unclaimed. None when nothing moves (an empty pool, or all carried)."""
    total = foundation_minor + sum(a for _, a in payable) + unclaimed_minor
    if total == 0:
        return None
    postings = [
        Posting(account(AccountKind.POOL, commons_id), currency, total, commons_id),
        Posting(foundation_account(commons_id), currency, -foundation_minor, commons_id),
        Posting(account(AccountKind.UNCLAIMED), currency, -unclaimed_minor, commons_id),
    ]
    for commoner_id, amount in payable:
        postings.append(
            Posting(account(AccountKind.PAYABLE, commoner_id), currency, -amount, commons_id)
        )
    return balanced(ALLOCATED, f"payout-run:{run_id}", postings)


def line_paid(
    idempotency_key: str, commons_id: str, commoner_id: str, currency: str, amount_minor: int
) -> Transaction:
    """A transfer went out: the commoner's payable is settled, the money is in transit."""
    return balanced(
        PAID,
        f"{idempotency_key}:paid",
        [
            Posting(account(AccountKind.PAYABLE, commoner_id), currency, amount_minor, commons_id),
            Posting(account(AccountKind.IN_TRANSIT), currency, -amount_minor, commons_id),
        ],
    )


def line_settled(
    idempotency_key: str, commons_id: str, currency: str, amount_minor: int
) -> Transaction:
    """The transfer is made (confirmed by the provider, or marked made by hand): the money
    leaves the processor balance (clearing) and nothing is in transit any more."""
    return balanced(
        SETTLED,
        settled_reference(idempotency_key),
        [
            Posting(account(AccountKind.IN_TRANSIT), currency, amount_minor, commons_id),
            Posting(account(AccountKind.CLEARING), currency, -amount_minor, commons_id),
        ],
    )


def settled_reference(idempotency_key: str) -> str:
    """The journal reference of a line's settlement (its presence: the line is settled)."""
    return f"{idempotency_key}:settled"


def line_released(
    idempotency_key: str, commons_id: str, commoner_id: str, currency: str, amount_minor: int
) -> Transaction:
    """Held funds released to a commoner who connected a payout account."""
    return balanced(
        RELEASED,
        f"{idempotency_key}:released",
        [
            Posting(account(AccountKind.UNCLAIMED), currency, amount_minor, commons_id),
            Posting(account(AccountKind.PAYABLE, commoner_id), currency, -amount_minor, commons_id),
        ],
    )
