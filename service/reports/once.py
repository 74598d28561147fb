"""One reciprocity charge per company, commons and month, across the company's projects
(pure: no I/O).

A schedule prices the organisation (e.g. developers x price a year), not each project that
uses the commons: when several projects of one company owe the same commons a payment for
the same month, one row carries the amount and the others show 0 with a reason that names
where it is counted. Within one report, :func:`service.reports.derive` already keeps one
line per commons; this module decides between the projects' rows as stored.

Which row carries it:

1. a row billing has taken (``invoiced``, ``paid``, ``refunded``) with an amount: billed
   rows are never changed, so the others must not be billed again;
2. otherwise the owed row with the largest amount (a project may declare a larger
   organisation), then the oldest, then by project name: the choice is stable.

A row set to 0 keeps its own amount in a marker of its evidence (method
``once-per-company``), so that it can carry again when the carrier stops owing (e.g. its
project declared a non-commercial use). A project's next report rewrites its own rows,
marker and note included, and the choice is made again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "MARKER_METHOD",
    "NOTE",
    "Change",
    "GroupRow",
    "adjusted_summary",
    "once_per_company",
]

MARKER_METHOD = "once-per-company"
NOTE = " Counted once per company, commons and month:"
OWED = "owed"
BILLED = frozenset({"invoiced", "paid", "refunded"})


@dataclass(frozen=True, slots=True)
class GroupRow:
    """A stored reciprocity-payment row of one company, commons and month."""

    id: uuid.UUID
    project: str
    component_id: str
    status: str
    amount_minor: int | None
    reason: str
    evidence: Sequence[dict[str, Any]]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Change:
    """What a row must become (only rows that change are returned)."""

    id: uuid.UUID
    amount_minor: int
    reason: str
    evidence: list[dict[str, Any]]


def _own_amount(row: GroupRow) -> int:
    """The amount the row's project owes on its own (its marker's, when it was set to 0)."""
    if row.amount_minor:
        return row.amount_minor
    for item in row.evidence:
        if item.get("method") == MARKER_METHOD:
            amount = item.get("amount_minor")
            if isinstance(amount, int) and not isinstance(amount, bool):
                return amount
    return 0


def _base_reason(row: GroupRow) -> str:
    return row.reason.split(NOTE, 1)[0]


def _base_evidence(row: GroupRow) -> list[dict[str, Any]]:
    return [dict(e) for e in row.evidence if e.get("method") != MARKER_METHOD]


def _carrier(rows: Sequence[GroupRow]) -> GroupRow | None:
    billed = [r for r in rows if r.status in BILLED and r.amount_minor]
    if billed:
        return min(billed, key=lambda r: (r.created_at, str(r.id)))
    owed = [r for r in rows if r.status == OWED and _own_amount(r) > 0]
    if not owed:
        return None
    return min(owed, key=lambda r: (-_own_amount(r), r.created_at, r.project, str(r.id)))


def once_per_company(rows: Sequence[GroupRow]) -> list[Change]:
    """The changes that leave one carrier among ``rows`` (one company, commons and
    month); billed rows and rows that owe nothing of their own are never changed."""
    carrier = _carrier(rows)
    if carrier is None:
        return []
    changes: list[Change] = []
    for row in rows:
        own = _own_amount(row)
        if row.status != OWED or own <= 0:
            continue
        if row.id == carrier.id:
            amount, reason, evidence = own, _base_reason(row), _base_evidence(row)
        else:
            where = (
                f"project {carrier.project!r}, component {carrier.component_id} ({carrier.status})"
            )
            amount = 0
            reason = (
                f"{_base_reason(row)}{NOTE} the schedule prices the organisation, not each "
                f"project; the payment is on {where}."
            )
            evidence = [
                *_base_evidence(row),
                {
                    "method": MARKER_METHOD,
                    "amount_minor": own,
                    "detail": f"this project's own amount; counted on {where}",
                },
            ]
        if (amount, reason, evidence) != (row.amount_minor, row.reason, list(row.evidence)):
            changes.append(Change(row.id, amount, reason, evidence))
    return changes


def _add(totals: object, currency: str, delta: int) -> list[dict[str, Any]]:
    out = [dict(t) for t in totals] if isinstance(totals, list) else []
    for entry in out:
        if entry.get("currency") == currency:
            entry["amount_minor"] = int(entry.get("amount_minor", 0)) + delta
            return out
    out.append({"currency": currency, "amount_minor": delta})
    return sorted(out, key=lambda t: str(t.get("currency")))


def adjusted_summary(
    summary: dict[str, Any], deltas: Sequence[tuple[str, str, int]]
) -> dict[str, Any]:
    """A report's summary with its totals (and its foundations' totals) moved by
    ``deltas`` (foundation id, currency, amount change) when its rows were set to 0 or
    took the charge back."""
    out = dict(summary)
    by_foundation = {k: dict(v) for k, v in dict(out.get("by_foundation") or {}).items()}
    for foundation_id, currency, delta in deltas:
        out["totals"] = _add(out.get("totals"), currency, delta)
        if foundation_id in by_foundation:
            mine = by_foundation[foundation_id]
            mine["totals"] = _add(mine.get("totals"), currency, delta)
    out["by_foundation"] = by_foundation
    return out
