"""The numbers behind the payout pages. Pure functions over plain rows.

- :func:`claim_status`: an identity claim as the API reports it (pending, verified,
  expired).
- :func:`payout_history`: a commoner's statements per currency and period, as paid,
  pending (to be paid by the next run), held (waiting for a claim or a payout account) and
  carried (below the minimum payout). A carried amount since added to a later statement is
  counted once, in that later statement.
- :func:`allocation_comparison`: a payout run's split computed twice from the same scores
  with :func:`licences.allocation.allocate`: proportional to the score with no cap (before
  any anti-concentration option), and with the commons' chosen method and cap (after).

Amounts stay integer minor units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Protocol

from licences.allocation import AllocationError, Method, Policy, allocate, decimal_text
from licences.money import Money, MoneyError

__all__ = [
    "Comparison",
    "ComparisonRow",
    "PeriodPayouts",
    "allocation_comparison",
    "claim_status",
    "describe_method",
    "payout_history",
]


def claim_status(verified_at: datetime | None, expires_at: datetime | None, now: datetime) -> str:
    """``verified`` once verified; ``expired`` when its token (or statement) ran out
    unverified; ``pending`` otherwise (as ``GET /v1/me/claims`` says)."""
    if verified_at is not None:
        return "verified"
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "pending"


class StatementLike(Protocol):
    @property
    def period(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def carried_forward(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class PeriodPayouts:
    period: str
    paid_minor: int
    pending_minor: int  # payable, paid by the commons' next run
    held_minor: int  # unclaimed: no verified claim or no payout account yet
    carried_minor: int  # below the minimum payout, not yet added to a later statement

    @property
    def total_minor(self) -> int:
        return self.paid_minor + self.pending_minor + self.held_minor + self.carried_minor


_COLUMN = {"paid": 0, "pending": 1, "unclaimed": 2, "carried": 3}


def payout_history(statements: Iterable[StatementLike]) -> dict[str, list[PeriodPayouts]]:
    """Per currency, per period (oldest first): what the statements say by status."""
    sums: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    for s in statements:
        column = _COLUMN.get(s.status)
        if column is None or s.carried_forward:
            continue  # a forwarded carry is part of the later statement's amount
        sums[s.currency][s.period][column] += s.amount_minor
    return {
        currency: [PeriodPayouts(p, *periods.get(p, [0, 0, 0, 0])) for p in _months(periods)]
        for currency, periods in sorted(sums.items())
    }


def _months(periods: Iterable[str]) -> list[str]:
    """The periods, oldest first, with the months between them that have nothing (so that
    a plot's axis is a timeline); periods that are not ``YYYY-MM`` are kept as they are."""
    found = sorted(set(periods))
    try:
        first = (int(found[0][:4]), int(found[0][5:7]))
        last = (int(found[-1][:4]), int(found[-1][5:7]))
    except (IndexError, ValueError):
        return found
    if any(len(p) != 7 or p[4] != "-" for p in found) or (last[0] - first[0]) > 20:
        return found
    out = []
    year, month = first
    while (year, month) <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return out


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    key: str  # the allocation key: a commoner id, or an email nobody has claimed
    name: str
    score: Decimal
    proportional_minor: int
    chosen_minor: int
    run_minor: int | None  # this period's share as the run recorded it

    @property
    def difference_minor(self) -> int:
        return self.chosen_minor - self.proportional_minor


@dataclass(frozen=True, slots=True)
class Comparison:
    currency: str
    pool_minor: int  # the period's pool, as the run read it from the journal
    set_aside_minor: int  # earlier carries held back before sharing (not re-shared)
    foundation_share_minor: int
    distributable_minor: int
    method: Method
    cap_percent: Decimal | None
    rows: tuple[ComparisonRow, ...]  # by proportional amount, largest first
    proportional_unassigned_minor: int
    chosen_unassigned_minor: int

    @property
    def same(self) -> bool:
        """The commons chose no anti-concentration option: both splits are one."""
        return self.method is Method.PROPORTIONAL and self.cap_percent is None

    @property
    def matches_run(self) -> bool:
        """The chosen split recomputed here is the one the run recorded, to the unit."""
        return all(r.run_minor == r.chosen_minor for r in self.rows)

    @property
    def chosen_label(self) -> str:
        return describe_method(self.method, self.cap_percent)

    @property
    def short_label(self) -> str:
        """The chosen method in a few words, for a plot's legend."""
        words = self.method.value
        if self.cap_percent is not None:
            words += f", cap {decimal_text(self.cap_percent)} %"
        return words

    def largest_share_percent(self, chosen: bool) -> str:
        """The largest part as a percentage of what is shared (one decimal)."""
        if not self.rows or self.distributable_minor <= 0:
            return "0"
        top = max(r.chosen_minor if chosen else r.proportional_minor for r in self.rows)
        value = Decimal(top * 100) / Decimal(self.distributable_minor)
        return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN))


def describe_method(method: Method, cap_percent: Decimal | None) -> str:
    words = {
        Method.PROPORTIONAL: "proportional to the score",
        Method.QUADRATIC: "quadratic (by the square root of the score)",
    }[method]
    if cap_percent is not None:
        words += f", at most {decimal_text(cap_percent)} % of what is shared per person"
    return words


def _decimal(raw: object) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _parts(allocation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for key in ("payouts", "carried", "unclaimed"):
        items = allocation.get(key)
        if isinstance(items, list):
            out.extend(p for p in items if isinstance(p, Mapping))
    return out


def _int(raw: object) -> int:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else 0


def allocation_comparison(allocation: Mapping[str, Any]) -> Comparison | None:
    """Both splits of a run's allocation document (as :func:`service.payouts.runs.plan_run`
    writes it), or None when the document lacks what they need (no parts, no policy).

    The shared amount is the run's pool less the earlier carries it set aside
    (:func:`service.payouts.carry.settle`): each part's ``carried_in_minor`` plus
    ``carried_forward_minor``. Scores are the parts' published scores."""
    policy = allocation.get("policy")
    currency = allocation.get("currency")
    parts = _parts(allocation)
    if not isinstance(policy, Mapping) or not isinstance(currency, str) or not parts:
        return None
    try:
        method = Method(str(policy.get("method", Method.PROPORTIONAL.value)))
    except ValueError:
        return None
    share = _decimal(policy.get("foundation_share_percent", "0"))
    cap = _decimal(policy.get("cap_percent"))
    pool = _int(allocation.get("pool_minor"))
    set_aside = sum(_int(p.get("carried_in_minor")) for p in parts) + _int(
        allocation.get("carried_forward_minor")
    )
    scores: dict[str, Decimal] = {}
    names: dict[str, str] = {}
    recorded: dict[str, int] = {}
    for p in parts:
        key = str(p.get("commoner", ""))
        score = _decimal(p.get("score"))
        if not key or score is None or score < 0:
            return None
        scores[key] = score
        names[key] = str(p.get("name") or key)
        recorded[key] = _int(p.get("share_minor", p.get("amount_minor")))
    try:
        chosen_policy = Policy(
            foundation_share=share if share is not None else Decimal(0),
            method=method,
            cap_percent=cap,
        )
        base = Money(pool - set_aside, currency)
        proportional = allocate(
            base, scores, Policy(foundation_share=chosen_policy.foundation_share)
        )
        chosen = allocate(base, scores, chosen_policy)
    except (AllocationError, MoneyError, ValueError):
        return None
    before = {s.commoner: s.amount_minor for s in proportional.payouts}
    after = {s.commoner: s.amount_minor for s in chosen.payouts}
    rows = sorted(
        (
            ComparisonRow(
                key,
                names[key],
                scores[key],
                before.get(key, 0),
                after.get(key, 0),
                recorded.get(key),
            )
            for key in scores
        ),
        key=lambda r: (-r.proportional_minor, -r.score, r.key),
    )
    return Comparison(
        currency=currency,
        pool_minor=pool,
        set_aside_minor=set_aside,
        foundation_share_minor=chosen.foundation_share_minor,
        distributable_minor=chosen.distributable_minor,
        method=method,
        cap_percent=cap,
        rows=tuple(rows),
        proportional_unassigned_minor=proportional.unassigned_minor,
        chosen_unassigned_minor=chosen.unassigned_minor,
    )
