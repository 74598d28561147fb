"""The double-entry journal, as pure data: accounts, postings, balanced transactions.

A posting is a signed amount in integer minor units of one currency on one account
(positive: debit, negative: credit). A transaction is a list of postings that sums to zero
*per currency*; :func:`balanced` builds one or raises :class:`UnbalancedError`. Nothing here
touches the database: :mod:`service.ledger.store` writes what this module has checked.

Accounts are named ``<kind>`` or ``<kind>:<owner id>``:

======================  ===========================================================
``receivable:<co>``     what a company owes (debit balance), per company
``billed:<commons>``    what was invoiced on behalf of a commons, not yet paid
``pool:<commons>``      a commons' foundation pool: money received, net of fees
``clearing``            money held at the payment processor (cash in)
``processor_fees``      fees withheld by the processor (charged to the pools)
``payable:<commoner>``  what is owed to a commoner (payouts)
``in_transit``          payouts sent, not yet settled
``unclaimed``           funds nobody could be paid (no payout account)
======================  ===========================================================
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from licences.money import exponent, split

__all__ = [
    "AccountKind",
    "Posting",
    "Transaction",
    "UnbalancedError",
    "account",
    "balanced",
    "imbalances",
    "invoice_issued",
    "payment_received",
    "reversal",
    "transfer_planned",
    "transfer_sent",
]


class UnbalancedError(ValueError):
    """A transaction whose postings do not sum to zero in some currency."""


class AccountKind(StrEnum):
    RECEIVABLE = "receivable"
    BILLED = "billed"
    POOL = "pool"
    CLEARING = "clearing"
    PROCESSOR_FEES = "processor_fees"
    PAYABLE = "payable"
    IN_TRANSIT = "in_transit"
    UNCLAIMED = "unclaimed"


_OWNED = {AccountKind.RECEIVABLE, AccountKind.BILLED, AccountKind.POOL, AccountKind.PAYABLE}


def account(kind: AccountKind, owner: str | None = None) -> str:
    """``account(AccountKind.POOL, "c1")`` -> ``"pool:c1"``; owned kinds need an owner."""
    if (kind in _OWNED) != (owner is not None):
        need = "needs" if kind in _OWNED else "takes no"
        raise ValueError(f"account kind {kind.value} {need} an owner id")
    return kind.value if owner is None else f"{kind.value}:{owner}"


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    currency: str
    amount_minor: int  # > 0 debit, < 0 credit
    commons_id: str | None = None  # the commons this posting concerns, for per-commons views

    def __post_init__(self) -> None:
        exponent(self.currency)  # raises MoneyError on an unknown currency
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise TypeError("amount_minor must be an int of minor units")


@dataclass(frozen=True, slots=True)
class Transaction:
    """A balanced set of postings; build it with :func:`balanced`."""

    kind: str
    reference: str  # unique: writing the same reference twice records it once
    postings: tuple[Posting, ...]


def imbalances(postings: Iterable[Posting]) -> dict[str, int]:
    """The non-zero sum per currency (empty when balanced)."""
    sums: dict[str, int] = defaultdict(int)
    for p in postings:
        sums[p.currency] += p.amount_minor
    return {currency: total for currency, total in sorted(sums.items()) if total != 0}


def balanced(kind: str, reference: str, postings: Sequence[Posting]) -> Transaction:
    """A :class:`Transaction`, or :class:`UnbalancedError` naming the currencies that do not
    sum to zero. Zero postings are dropped; an empty transaction is refused."""
    kept = tuple(p for p in postings if p.amount_minor != 0)
    if not kept:
        raise UnbalancedError(f"transaction {reference!r} has no non-zero posting")
    off = imbalances(kept)
    if off:
        detail = ", ".join(f"{c} {v:+d}" for c, v in off.items())
        raise UnbalancedError(f"transaction {reference!r} does not sum to zero: {detail}")
    return Transaction(kind, reference, kept)


def invoice_issued(
    reference: str, company_id: str, currency: str, per_commons: Sequence[tuple[str, int]]
) -> Transaction:
    """An invoice is issued: the company owes the total, billed on behalf of each commons."""
    total = sum(amount for _, amount in per_commons)
    postings = [Posting(account(AccountKind.RECEIVABLE, company_id), currency, total)]
    for commons_id, amount in per_commons:
        postings.append(
            Posting(account(AccountKind.BILLED, commons_id), currency, -amount, commons_id)
        )
    return balanced("invoice_issued", reference, postings)


def payment_received(
    reference: str,
    company_id: str,
    currency: str,
    per_commons: Sequence[tuple[str, int]],
    fee_minor: int,
) -> Transaction:
    """A paid invoice: the receivable is settled, the processor keeps ``fee_minor``, each
    commons' claim moves to its pool, and the fee is charged to the pools in proportion
    (largest remainder), so that each pool holds its share net of fees."""
    total = sum(amount for _, amount in per_commons)
    if not 0 <= fee_minor <= total:
        raise UnbalancedError(f"fee {fee_minor} is outside 0..{total}")
    fees = split(fee_minor, [amount for _, amount in per_commons]) if total else []
    postings = [
        Posting(account(AccountKind.RECEIVABLE, company_id), currency, -total),
        Posting(account(AccountKind.CLEARING), currency, total - fee_minor),
        Posting(account(AccountKind.PROCESSOR_FEES), currency, fee_minor),
        Posting(account(AccountKind.PROCESSOR_FEES), currency, -fee_minor),
    ]
    for (commons_id, amount), fee in zip(per_commons, fees, strict=True):
        postings.append(
            Posting(account(AccountKind.BILLED, commons_id), currency, amount, commons_id)
        )
        postings.append(
            Posting(account(AccountKind.POOL, commons_id), currency, -(amount - fee), commons_id)
        )
    return balanced("payment_received", reference, postings)


def reversal(
    kind: str,
    reference: str,
    currency: str,
    per_commons: Sequence[tuple[str, int]],
    amount_minor: int,
) -> Transaction:
    """Money given back (refund, lost dispute): taken from the pools in proportion to what
    each commons was billed, paid out of the clearing account. Never an edit: a new entry."""
    total = sum(amount for _, amount in per_commons)
    if not 0 < amount_minor <= total:
        raise UnbalancedError(f"reversal of {amount_minor} is outside 1..{total}")
    parts = split(amount_minor, [amount for _, amount in per_commons])
    postings = [Posting(account(AccountKind.CLEARING), currency, -amount_minor)]
    for (commons_id, _), part in zip(per_commons, parts, strict=True):
        postings.append(Posting(account(AccountKind.POOL, commons_id), currency, part, commons_id))
    return balanced(kind, reference, postings)


def transfer_planned(
    reference: str, commons_id: str, currency: str, amount_minor: int
) -> Transaction:
    """A commons' net amount leaves its pool for its foundation: held in transit until the
    transfer is made (pool debited, payouts in transit credited)."""
    return balanced(
        "transfer_planned",
        reference,
        [
            Posting(account(AccountKind.POOL, commons_id), currency, amount_minor, commons_id),
            Posting(account(AccountKind.IN_TRANSIT), currency, -amount_minor, commons_id),
        ],
    )


def transfer_sent(reference: str, commons_id: str, currency: str, amount_minor: int) -> Transaction:
    """The transfer is made: the money leaves the processor balance (clearing) and nothing is
    in transit any more."""
    return balanced(
        "transfer_sent",
        reference,
        [
            Posting(account(AccountKind.IN_TRANSIT), currency, amount_minor, commons_id),
            Posting(account(AccountKind.CLEARING), currency, -amount_minor, commons_id),
        ],
    )
