"""How a period's pool is shared among the commoners: pure maths over plain data.

Two steps, each a pure function:

1. :func:`score_credits` turns credits (one commoner's share of one contribution, with its
   day and :class:`Measures`) into one **score** per commoner: the measures weighed by the
   commons' :class:`Weights`, each contribution decayed by its age at ``as_of`` when a
   half-life is set (``score * 2 ** (-age_days / half_life_days)``). Scores are
   :class:`~decimal.Decimal` rounded half to even to :data:`SCORE_QUANTUM`, so that the
   published score is exactly the number the split used.
2. :func:`allocate` shares a pool among the scores:

   - the foundation's infrastructure share first: ``pool * foundation_share / 100``,
     rounded half to even (:func:`licences.money.apply_rate`);
   - the rest (the *distributable* amount) by **weight**: the score itself
     (:attr:`Method.PROPORTIONAL`) or its square root (:attr:`Method.QUADRATIC`), both
     counter concentration differently;
   - an optional per-person cap (a percentage of the distributable amount, in whole minor
     units rounded down): whoever would get more is held at the cap and the excess is
     shared again among the others, until stable; what nobody may take (everyone capped,
     or no positive score) is carried over to the next period (``unassigned_minor``);
   - each split is by largest remainder (:func:`licences.money.split`) over the commoners
     in id order, so ties go to the earlier id and the result does not depend on the
     order of the input;
   - a commoner without a payout account (not in ``payable``) is **unclaimed**: the amount
     is held for them and released when they connect one;
   - a payable amount below the minimum payout is **carried** over to the next period for
     that commoner (listed in ``carried``).

The invariant, to the minor unit, always::

    sum(payouts) + foundation_share_minor + carried_minor + unclaimed_minor == pool_minor
    carried_minor == unassigned_minor + sum(carried)
    unclaimed_minor == sum(unclaimed)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal
from enum import StrEnum
from fractions import Fraction
from math import floor
from typing import assert_never

from licences.errors import LicenceError
from licences.money import ROUNDING, Money, apply_rate, split

SCORE_QUANTUM = Decimal("0.000001")  # scores are published and used with 6 decimals
WEIGHT_QUANTUM = Decimal("0.000000001")  # square roots (quadratic) with 9 decimals
_CONTEXT = Context(prec=40, rounding=ROUNDING)  # intermediate precision, fixed everywhere
MAX_HALF_LIFE_DAYS = 1_000_000


class AllocationError(LicenceError, ValueError):
    """Options or inputs that cannot be allocated; the message says what was expected."""


class Method(StrEnum):
    """How a score becomes a weight in the split."""

    PROPORTIONAL = "proportional"  # weight = score
    QUADRATIC = "quadratic"  # weight = sqrt(score): large scores count less than linearly


@dataclass(frozen=True, slots=True)
class Measures:
    """What one contribution (or one commoner's share of it) measures. Fractions, because
    a commit shared by three co-authors credits each with a third."""

    commits: Fraction = Fraction(0)
    changed_lines: Fraction = Fraction(0)  # added + deleted, capped per commit
    surviving_lines: Fraction = Fraction(0)  # lines of the current tree it wrote (blame)

    def __add__(self, other: Measures) -> Measures:
        return Measures(
            self.commits + other.commits,
            self.changed_lines + other.changed_lines,
            self.surviving_lines + other.surviving_lines,
        )

    def scaled(self, factor: Fraction) -> Measures:
        return Measures(
            self.commits * factor, self.changed_lines * factor, self.surviving_lines * factor
        )

    def to_dict(self) -> dict[str, str]:
        """Each measure as an exact decimal string when it has one, else a fraction."""
        return {
            "commits": fraction_text(self.commits),
            "changed_lines": fraction_text(self.changed_lines),
            "surviving_lines": fraction_text(self.surviving_lines),
        }


@dataclass(frozen=True, slots=True)
class Weights:
    """The weight of each measure in a score, chosen per commons."""

    commits: Decimal = Decimal(1)
    changed_lines: Decimal = Decimal("0.01")
    surviving_lines: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        for name in ("commits", "changed_lines", "surviving_lines"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise AllocationError(f"weight {name} must be a finite Decimal >= 0: {value!r}")

    def score(self, measures: Measures) -> Fraction:
        return (
            Fraction(self.commits) * measures.commits
            + Fraction(self.changed_lines) * measures.changed_lines
            + Fraction(self.surviving_lines) * measures.surviving_lines
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "commits": str(self.commits),
            "changed_lines": str(self.changed_lines),
            "surviving_lines": str(self.surviving_lines),
        }


@dataclass(frozen=True, slots=True)
class Credit:
    """One commoner's share of one contribution, on the day it counts."""

    commoner: str
    day: date
    measures: Measures


@dataclass(frozen=True, slots=True)
class Policy:
    """The allocation options a commons chooses."""

    foundation_share: Decimal = Decimal(0)  # percent of the pool, 0..100
    method: Method = Method.PROPORTIONAL
    cap_percent: Decimal | None = None  # per-person cap, percent of the distributable amount
    min_payout_minor: int = 0  # below this a payable amount is carried over
    half_life_days: Decimal | None = None  # time decay of older contributions
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        _percent("foundation share", self.foundation_share, allow_zero=True)
        if self.cap_percent is not None:
            _percent("cap", self.cap_percent, allow_zero=False)
        if isinstance(self.min_payout_minor, bool) or not isinstance(self.min_payout_minor, int):
            raise AllocationError(f"minimum payout must be an int: {self.min_payout_minor!r}")
        if self.min_payout_minor < 0:
            raise AllocationError(f"minimum payout must be >= 0: {self.min_payout_minor}")
        if self.half_life_days is not None:
            hl = self.half_life_days
            if not isinstance(hl, Decimal) or not hl.is_finite() or not 0 < hl:
                raise AllocationError(f"half-life must be a number of days > 0: {hl!r}")
            if hl > MAX_HALF_LIFE_DAYS:
                raise AllocationError(f"half-life must be at most {MAX_HALF_LIFE_DAYS} days")
        if not isinstance(self.method, Method):
            raise AllocationError(f"unknown method {self.method!r}")

    def to_dict(self) -> dict[str, object]:
        return {
            "foundation_share_percent": str(self.foundation_share),
            "method": self.method.value,
            "cap_percent": None if self.cap_percent is None else str(self.cap_percent),
            "min_payout_minor": self.min_payout_minor,
            "half_life_days": None if self.half_life_days is None else str(self.half_life_days),
            "weights": self.weights.to_dict(),
        }


def _percent(what: str, value: object, *, allow_zero: bool) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise AllocationError(f"{what} must be a Decimal percentage: {value!r}")
    low_ok = value >= 0 if allow_zero else value > 0
    if not low_ok or value > 100:
        bound = "0 to 100" if allow_zero else "above 0, at most 100"
        raise AllocationError(f"{what} must be a percentage {bound}: {value}")


@dataclass(frozen=True, slots=True)
class Share:
    """One commoner's part: score, the weight the split used, amount in minor units."""

    commoner: str
    score: Decimal
    weight: Decimal
    amount_minor: int

    def to_dict(self) -> dict[str, object]:
        return {
            "commoner": self.commoner,
            "score": decimal_text(self.score),
            "weight": decimal_text(self.weight),
            "amount_minor": self.amount_minor,
        }


@dataclass(frozen=True, slots=True)
class Allocation:
    """A period's pool, shared. See the module docstring for the invariant."""

    pool_minor: int
    currency: str
    foundation_share_minor: int
    carried_minor: int  # unassigned_minor + sum(carried): goes to the next period
    unclaimed_minor: int  # held for commoners without a payout account
    unassigned_minor: int  # nobody could take it (no positive score, everyone capped)
    cap_minor: int | None
    payouts: tuple[Share, ...]  # to pay now; sorted by amount, then commoner id
    carried: tuple[Share, ...] = ()  # payable but below the minimum payout
    unclaimed: tuple[Share, ...] = ()  # no payout account yet

    @property
    def payouts_minor(self) -> int:
        return sum(s.amount_minor for s in self.payouts)

    @property
    def distributable_minor(self) -> int:
        return self.pool_minor - self.foundation_share_minor

    def balances(self) -> bool:
        """The invariant holds (always true for an Allocation made by :func:`allocate`)."""
        return (
            self.payouts_minor
            + self.foundation_share_minor
            + self.carried_minor
            + self.unclaimed_minor
            == self.pool_minor
            and self.carried_minor
            == self.unassigned_minor + sum(s.amount_minor for s in self.carried)
            and self.unclaimed_minor == sum(s.amount_minor for s in self.unclaimed)
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "pool_minor": self.pool_minor,
            "currency": self.currency,
            "foundation_share_minor": self.foundation_share_minor,
            "carried_minor": self.carried_minor,
            "unclaimed_minor": self.unclaimed_minor,
            "unassigned_minor": self.unassigned_minor,
            "payouts_minor": self.payouts_minor,
            "cap_minor": self.cap_minor,
            "payouts": [s.to_dict() for s in self.payouts],
            "carried": [s.to_dict() for s in self.carried],
            "unclaimed": [s.to_dict() for s in self.unclaimed],
        }


def decimal_text(value: Decimal) -> str:
    """A Decimal without trailing zeros nor exponent: ``87.300000`` -> ``"87.3"``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def fraction_text(value: Fraction) -> str:
    """``Fraction(5, 2)`` -> ``"2.5"``; a fraction without a finite decimal form ->
    ``"1/3"``."""
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = value * 10**places
    text = str(Decimal(scaled.numerator).scaleb(-places))
    return text if places else str(value.numerator)


def _to_decimal(value: Fraction) -> Decimal:
    return _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def decay_factor(age_days: int, half_life_days: Decimal) -> Decimal:
    """``2 ** (-age / half_life)`` at fixed precision; 1 for a contribution dated on or
    after the reference day."""
    if age_days <= 0:
        return Decimal(1)
    exponent = _CONTEXT.divide(Decimal(-age_days), half_life_days)
    return _CONTEXT.power(Decimal(2), exponent)


def score_credits(
    credits: Iterable[Credit],
    weights: Weights,
    *,
    as_of: date,
    half_life_days: Decimal | None = None,
) -> dict[str, Decimal]:
    """One score per commoner (every commoner with a credit appears, possibly with 0).

    Exact per day (credits of one commoner on one day are summed as fractions), then
    decayed, summed in day order and rounded once to :data:`SCORE_QUANTUM`: the result
    does not depend on the order of ``credits``."""
    per_day: dict[str, dict[date, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for credit in credits:
        per_day[credit.commoner][credit.day] += weights.score(credit.measures)
    scores: dict[str, Decimal] = {}
    for commoner in sorted(per_day):
        days = per_day[commoner]
        if half_life_days is None:
            exact = sum(days.values(), Fraction(0))
            total = _to_decimal(exact)
        else:
            total = Decimal(0)
            for day in sorted(days):
                factor = decay_factor((as_of - day).days, half_life_days)
                total = _CONTEXT.add(total, _CONTEXT.multiply(_to_decimal(days[day]), factor))
        scores[commoner] = total.quantize(SCORE_QUANTUM, rounding=ROUNDING, context=_CONTEXT)
    return scores


def weight_of(score: Decimal, method: Method) -> Decimal:
    """The weight a score has in the split under ``method`` (0 for a score <= 0)."""
    if score <= 0:
        return Decimal(0)
    match method:
        case Method.PROPORTIONAL:
            return score
        case Method.QUADRATIC:
            root = _CONTEXT.sqrt(score)
            return root.quantize(WEIGHT_QUANTUM, rounding=ROUNDING, context=_CONTEXT)
        case _:
            assert_never(method)


def _capped_split(
    distributable: int, weights: list[Decimal], cap_minor: int | None
) -> tuple[list[int], int]:
    """Amounts per weight (same order) and what is left unassigned.

    Without a cap, one largest-remainder split. With one, water-filling: whoever's exact
    share of what is left exceeds the cap gets exactly the cap, and the rest is shared
    again among the others until nobody exceeds it. Largest remainder never lifts a part
    above its exact share rounded up, so an uncapped part stays <= cap."""
    amounts = [0] * len(weights)
    free = [i for i, w in enumerate(weights) if w > 0]
    if not free:
        return amounts, distributable
    if cap_minor is None:
        for i, amount in zip(free, split(distributable, [weights[i] for i in free]), strict=True):
            amounts[i] = amount
        return amounts, 0
    capped: list[int] = []
    while True:
        rest = distributable - len(capped) * cap_minor
        if not free:
            for i in capped:
                amounts[i] = cap_minor
            return amounts, rest
        whole = sum((Fraction(weights[i]) for i in free), Fraction(0))
        over = {i for i in free if rest * Fraction(weights[i]) / whole > cap_minor}
        if not over:
            break
        capped.extend(sorted(over))
        free = [i for i in free if i not in over]
    for i in capped:
        amounts[i] = cap_minor
    for i, amount in zip(free, split(rest, [weights[i] for i in free]), strict=True):
        amounts[i] = amount
    return amounts, 0


def allocate(
    pool: Money,
    scores: Mapping[str, Decimal],
    policy: Policy,
    *,
    payable: Collection[str] | None = None,
) -> Allocation:
    """Share ``pool`` among ``scores`` by ``policy``.

    ``payable`` is the set of commoners with a payout account; None means everyone (a
    preview). Scores must be finite and >= 0; a commoner with score 0 gets nothing and is
    not listed."""
    if pool.amount_minor < 0:
        raise AllocationError(f"the pool must be >= 0: {pool}")
    for commoner, score in scores.items():
        if not isinstance(score, Decimal) or not score.is_finite() or score < 0:
            raise AllocationError(f"score of {commoner!r} must be a finite Decimal >= 0")
    total = pool.amount_minor
    foundation = apply_rate(total, Fraction(policy.foundation_share) / 100)
    distributable = total - foundation
    cap_minor: int | None = None
    if policy.cap_percent is not None:
        cap_minor = floor(Fraction(distributable) * Fraction(policy.cap_percent) / 100)

    ids = sorted(c for c, s in scores.items() if s > 0)
    weights = [weight_of(scores[c], policy.method) for c in ids]
    amounts, unassigned = _capped_split(distributable, weights, cap_minor)

    payouts: list[Share] = []
    carried: list[Share] = []
    unclaimed: list[Share] = []
    for commoner, weight, amount in zip(ids, weights, amounts, strict=True):
        share = Share(commoner, scores[commoner], weight, amount)
        if payable is not None and commoner not in payable:
            if amount > 0:
                unclaimed.append(share)
        elif amount > 0 and amount < policy.min_payout_minor:
            carried.append(share)
        elif amount > 0:
            payouts.append(share)

    def order(s: Share) -> tuple[int, Decimal, str]:
        return (-s.amount_minor, -s.score, s.commoner)

    carried_total = unassigned + sum(s.amount_minor for s in carried)
    return Allocation(
        pool_minor=total,
        currency=pool.currency,
        foundation_share_minor=foundation,
        carried_minor=carried_total,
        unclaimed_minor=sum(s.amount_minor for s in unclaimed),
        unassigned_minor=unassigned,
        cap_minor=cap_minor,
        payouts=tuple(sorted(payouts, key=order)),
        carried=tuple(sorted(carried, key=order)),
        unclaimed=tuple(sorted(unclaimed, key=order)),
    )


def allocate_credits(
    pool: Money,
    credits: Iterable[Credit],
    policy: Policy,
    *,
    as_of: date,
    payable: Collection[str] | None = None,
) -> Allocation:
    """:func:`score_credits` then :func:`allocate`, with the policy's weights and decay."""
    scores = score_credits(
        credits, policy.weights, as_of=as_of, half_life_days=policy.half_life_days
    )
    return allocate(pool, scores, policy, payable=payable)


__all__ = [
    "SCORE_QUANTUM",
    "Allocation",
    "AllocationError",
    "Credit",
    "Measures",
    "Method",
    "Policy",
    "Share",
    "Weights",
    "allocate",
    "allocate_credits",
    "decay_factor",
    "decimal_text",
    "fraction_text",
    "score_credits",
    "weight_of",
]
