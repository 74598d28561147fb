"""A run's allocation with each commoner's carried-over amounts (pure).

:func:`licences.allocation.allocate` carries a payable amount below the minimum payout
over "to the next period for that commoner". :func:`settle` keeps that promise across
runs: the amounts still carried for a commoner (``outstanding``, by allocation key) are
set aside from the pool, the rest is allocated (without the minimum), and each commoner
with a share this period gets their carried amounts added to it; only then is the
minimum applied, to the total. Carried amounts of commoners without a share this period
stay carried (``carried_forward_minor``). When the pool no longer covers what is carried
(refunds, funds handed to the foundation), nothing is set aside and the carried amounts
stay carried, unpaid, for a person to decide.

The invariant, to the minor unit::

    payouts_minor + foundation_share_minor + carried_minor + unclaimed_minor == pool_minor
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from licences.allocation import Policy, allocate, decimal_text
from licences.money import Money

__all__ = ["Part", "PartStatus", "Settled", "settle"]


class PartStatus(StrEnum):
    PAYABLE = "payable"
    CARRIED = "carried"
    UNCLAIMED = "unclaimed"


@dataclass(frozen=True, slots=True)
class Part:
    commoner: str
    score: Decimal
    weight: Decimal
    share_minor: int  # this period's share
    carried_in_minor: int  # carried from earlier periods, added now
    status: PartStatus

    @property
    def amount_minor(self) -> int:
        return self.share_minor + self.carried_in_minor

    def to_dict(self) -> dict[str, object]:
        return {
            "commoner": self.commoner,
            "score": decimal_text(self.score),
            "weight": decimal_text(self.weight),
            "amount_minor": self.amount_minor,
            "share_minor": self.share_minor,
            "carried_in_minor": self.carried_in_minor,
        }


@dataclass(frozen=True, slots=True)
class Settled:
    pool_minor: int
    currency: str
    foundation_share_minor: int
    unassigned_minor: int
    cap_minor: int | None
    parts: tuple[Part, ...]
    carried_forward_minor: int  # earlier carries not rolled into a part (still carried)
    rolled: frozenset[str]  # keys whose earlier carries were added to their part

    def _of(self, status: PartStatus) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.status is status)

    @property
    def payouts(self) -> tuple[Part, ...]:
        return self._of(PartStatus.PAYABLE)

    @property
    def carried(self) -> tuple[Part, ...]:
        return self._of(PartStatus.CARRIED)

    @property
    def unclaimed(self) -> tuple[Part, ...]:
        return self._of(PartStatus.UNCLAIMED)

    @property
    def payouts_minor(self) -> int:
        return sum(p.amount_minor for p in self.payouts)

    @property
    def unclaimed_minor(self) -> int:
        return sum(p.amount_minor for p in self.unclaimed)

    @property
    def carried_minor(self) -> int:
        return (
            self.unassigned_minor
            + sum(p.amount_minor for p in self.carried)
            + self.carried_forward_minor
        )

    def balances(self) -> bool:
        return (
            self.payouts_minor
            + self.foundation_share_minor
            + self.carried_minor
            + self.unclaimed_minor
            == self.pool_minor
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "pool_minor": self.pool_minor,
            "currency": self.currency,
            "foundation_share_minor": self.foundation_share_minor,
            "carried_minor": self.carried_minor,
            "unclaimed_minor": self.unclaimed_minor,
            "unassigned_minor": self.unassigned_minor,
            "carried_forward_minor": self.carried_forward_minor,
            "payouts_minor": self.payouts_minor,
            "cap_minor": self.cap_minor,
            "payouts": [p.to_dict() for p in self.payouts],
            "carried": [p.to_dict() for p in self.carried],
            "unclaimed": [p.to_dict() for p in self.unclaimed],
        }


def settle(
    pool: Money,
    scores: Mapping[str, Decimal],
    policy: Policy,
    *,
    payable: Collection[str],
    outstanding: Mapping[str, int],
) -> Settled:
    """Allocate ``pool`` (which holds the ``outstanding`` carried amounts) by ``policy``."""
    if any(amount < 0 for amount in outstanding.values()):
        raise ValueError("carried amounts must be >= 0")
    owed = sum(outstanding.values())
    held = owed if pool.amount_minor >= owed else 0
    allocation = allocate(
        Money(pool.amount_minor - held, pool.currency),
        scores,
        replace(policy, min_payout_minor=0),
        payable=payable,
    )
    parts: list[Part] = []
    rolled: set[str] = set()
    for share, claimed in [(s, True) for s in allocation.payouts] + [
        (s, False) for s in allocation.unclaimed
    ]:
        carried_in = outstanding.get(share.commoner, 0) if held else 0
        if carried_in:
            rolled.add(share.commoner)
        total = share.amount_minor + carried_in
        if not claimed:
            status = PartStatus.UNCLAIMED
        elif total < policy.min_payout_minor:
            status = PartStatus.CARRIED
        else:
            status = PartStatus.PAYABLE
        parts.append(
            Part(share.commoner, share.score, share.weight, share.amount_minor, carried_in, status)
        )
    parts.sort(key=lambda p: (-p.amount_minor, -p.score, p.commoner))
    rolled_minor = sum(outstanding[k] for k in rolled)
    return Settled(
        pool_minor=pool.amount_minor,
        currency=pool.currency,
        foundation_share_minor=allocation.foundation_share_minor,
        unassigned_minor=allocation.unassigned_minor,
        cap_minor=allocation.cap_minor,
        parts=tuple(parts),
        carried_forward_minor=held - rolled_minor,
        rolled=frozenset(rolled),
    )
