"""How much of an invoice's foundation transfers a refund takes back, and its ledger entries:
pure arithmetic, no database.

**The rule.** The foundations received the invoice's pool net of processor fees (the sum of
its transfers, ``transferred``). When the invoice has been refunded by ``refunded`` out of
``paid``, the reversals made so far for it should add up to

    floor(refunded × transferred / paid)

in integer minor units: the refunded share of what was transferred, rounded down (in the
foundation's favour by less than one minor unit). Each refund reverses the difference between
that target and what earlier refunds already reversed, so rounding never accumulates and a
full refund reverses every transfer exactly. That amount is split across the invoice's
commons by largest remainder in proportion to what is left of each transfer (for the first
refund, in proportion to the transfers themselves), so that the parts sum exactly to it and
no commons gives back more than it received. Processor fees are not returned by a refund:
the pools keep their share of the fee as a debit (as for a refund before the transfer).

**The ledger.** A reversal is the mirror of a transfer: when planned, the amount comes back
into the commons' pool from ``in_transit`` (owed back by the foundation); once the provider
has made it, ``in_transit`` is settled into ``clearing`` (the platform's balance).

**Won disputes.** A lost dispute counts as a refund (the same rule). A won one lowers
``refunded`` again, so the target above falls below what was reversed: the difference is
sent to the foundations again (:func:`reinstatement`), split by largest remainder in
proportion to what each commons has had reversed and not yet sent again. ``reversed_minor``
is therefore always *net*: reversals less what was sent again after won disputes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from licences.money import split
from service.ledger.journal import AccountKind, Posting, Transaction, account, balanced

__all__ = [
    "ClawbackError",
    "Sent",
    "allocate",
    "clawback",
    "reinstatement",
    "reversal_made",
    "reversal_planned",
]

PLANNED_KIND = "transfer_reversal_planned"
MADE_KIND = "transfer_reversed"


class ClawbackError(ValueError):
    """Amounts that cannot describe an invoice and its transfers."""


@dataclass(frozen=True, slots=True)
class Sent:
    """One commons' transfer of the invoice: to whom, how much, and how much was reversed
    already, net of what won disputes sent again."""

    commons_id: str
    amount_minor: int
    reversed_minor: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.reversed_minor <= self.amount_minor:
            raise ClawbackError(
                f"transfer for commons {self.commons_id}: reversed {self.reversed_minor} is "
                f"outside 0..{self.amount_minor}"
            )


def _target_and_done(refunded_minor: int, paid_minor: int, sent: Sequence[Sent]) -> tuple[int, int]:
    """The rule's target for what the reversals add up to (the refunded share of what was
    transferred, rounded down) and what they add up to now, net; refuses amounts that cannot
    describe an invoice."""
    if paid_minor <= 0:
        raise ClawbackError(f"paid amount must be positive, got {paid_minor}")
    if not 0 <= refunded_minor <= paid_minor:
        raise ClawbackError(f"refunded {refunded_minor} is outside 0..{paid_minor}")
    transferred = sum(s.amount_minor for s in sent)
    return refunded_minor * transferred // paid_minor, sum(s.reversed_minor for s in sent)


def clawback(refunded_minor: int, paid_minor: int, sent: Sequence[Sent]) -> list[tuple[str, int]]:
    """What the latest refund reverses, per commons (commons with nothing to reverse are left
    out), when the invoice has been refunded by ``refunded_minor`` in all out of
    ``paid_minor``. Empty when nothing is due (no transfer, or rounding left nothing yet)."""
    target, done = _target_and_done(refunded_minor, paid_minor, sent)
    due = target - done
    if due <= 0:  # a dispute won since may have lowered the refunded amount: never give back
        return []
    left = [s.amount_minor - s.reversed_minor for s in sent]
    parts = split(due, left)  # due <= sum(left): target <= transferred
    return [(s.commons_id, part) for s, part in zip(sent, parts, strict=True) if part > 0]


def reinstatement(
    refunded_minor: int, paid_minor: int, sent: Sequence[Sent]
) -> list[tuple[str, int]]:
    """What to send again, per commons, once a won dispute lowered the invoice's refunded
    amount to ``refunded_minor``: what was reversed (net) beyond the rule's target. Empty
    when the reversals do not exceed it (e.g. the dispute came before the transfer)."""
    target, done = _target_and_done(refunded_minor, paid_minor, sent)
    due = done - target
    if due <= 0:
        return []
    parts = split(due, [s.reversed_minor for s in sent])  # due <= done
    return [(s.commons_id, part) for s, part in zip(sent, parts, strict=True) if part > 0]


def allocate(amount_minor: int, rooms: Sequence[int]) -> list[int]:
    """One commons' reversal spread over its transfers (the first, then those sent again
    after won disputes), each up to what is left of it: a provider reverses a transfer by at
    most its amount. Greedy, in order, so that with one transfer nothing changes."""
    if not 0 <= amount_minor <= sum(rooms) or any(r < 0 for r in rooms):
        raise ClawbackError(f"cannot take {amount_minor} out of transfers with {list(rooms)} left")
    out = []
    for room in rooms:
        take = min(room, amount_minor)
        out.append(take)
        amount_minor -= take
    return out


def reversal_planned(
    reference: str, commons_id: str, currency: str, amount_minor: int
) -> Transaction:
    """A reversal is planned: the amount comes back to the commons' pool (credited) and is
    owed back by the foundation, in transit (debited)."""
    return balanced(
        PLANNED_KIND,
        reference,
        [
            Posting(account(AccountKind.POOL, commons_id), currency, -amount_minor, commons_id),
            Posting(account(AccountKind.IN_TRANSIT), currency, amount_minor, commons_id),
        ],
    )


def reversal_made(reference: str, commons_id: str, currency: str, amount_minor: int) -> Transaction:
    """The reversal is made: the money is back on the processor balance (clearing) and
    nothing is in transit any more."""
    return balanced(
        MADE_KIND,
        reference,
        [
            Posting(account(AccountKind.IN_TRANSIT), currency, -amount_minor, commons_id),
            Posting(account(AccountKind.CLEARING), currency, amount_minor, commons_id),
        ],
    )
