"""The numbers behind the dashboard's plots and tables. Pure functions over plain rows.

- :func:`obligation_timeline`: obligation amounts per billing period, as paid, outstanding
  and overdue (an obligation is *overdue* when it is still ``owed`` or ``invoiced``
  :data:`OVERDUE_AFTER_DAYS` days after its period ended).
- :func:`pool_flows`: a commons' pool per month, money in and money out, and totals that
  are exactly the journal's pool balance (in - out = -(sum of the pool's postings)).
- :func:`compliance_trend`: per usage report, how many components it lists, how many have
  no known licence, how many carry a copyfair or non-commercial licence, and how many
  obligations the service found owed or waiting for a declaration.

Amounts stay integer minor units; only the plots convert them to major units.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from licences.money import format_minor

__all__ = [
    "OVERDUE_AFTER_DAYS",
    "FlowTotals",
    "MonthFlow",
    "PeriodAmounts",
    "TrendPoint",
    "compliance_trend",
    "is_overdue",
    "money",
    "obligation_timeline",
    "period_end",
    "pool_flows",
]

OVERDUE_AFTER_DAYS = 30
_UNPAID = frozenset({"owed", "invoiced"})
_UNKNOWN_LICENCES = frozenset({"", "NOASSERTION", "NONE", "LicenseRef-copyfair-unknown"})
_RECIPROCAL = frozenset({"copyfair", "noncommercial"})


def money(amount_minor: int, currency: str) -> str:
    """``money(123456, "EUR")`` -> ``"EUR 1,234.56"`` (exact: from minor units)."""
    return format_minor(amount_minor, currency)


def period_end(period: str) -> date:
    """The first day after the billing period ``YYYY-MM``."""
    year, month = (int(part) for part in period.split("-", 1))
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def is_overdue(status: str, period: str, today: date) -> bool:
    if status not in _UNPAID:
        return False
    try:
        end = period_end(period)
    except ValueError:
        return False
    return today >= end + timedelta(days=OVERDUE_AFTER_DAYS)


class ObligationLike(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def amount_minor(self) -> int | None: ...
    @property
    def currency(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class PeriodAmounts:
    period: str
    paid_minor: int
    outstanding_minor: int  # owed or invoiced, not yet overdue
    overdue_minor: int

    @property
    def total_minor(self) -> int:
        return self.paid_minor + self.outstanding_minor + self.overdue_minor


def obligation_timeline(
    records: Iterable[ObligationLike], today: date
) -> dict[str, list[PeriodAmounts]]:
    """Per currency, per period (oldest first): the amounts paid, outstanding and overdue.
    Obligations without an amount (exempt, needs a declaration...) and refunded ones are
    not money owed and are left out."""
    sums: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for r in records:
        if r.amount_minor is None or r.currency is None:
            continue
        bucket = sums[r.currency][r.period]
        if r.status == "paid":
            bucket[0] += r.amount_minor
        elif r.status in _UNPAID:
            bucket[2 if is_overdue(r.status, r.period, today) else 1] += r.amount_minor
    return {
        currency: [PeriodAmounts(p, *values) for p, values in sorted(periods.items())]
        for currency, periods in sorted(sums.items())
    }


class PostingLike(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def currency(self) -> str: ...
    @property
    def amount_minor(self) -> int: ...


@dataclass(frozen=True, slots=True)
class MonthFlow:
    month: str  # YYYY-MM
    inflow_minor: int
    outflow_minor: int

    @property
    def net_minor(self) -> int:
        return self.inflow_minor - self.outflow_minor


@dataclass(frozen=True, slots=True)
class FlowTotals:
    currency: str
    inflow_minor: int
    outflow_minor: int

    @property
    def balance_minor(self) -> int:
        return self.inflow_minor - self.outflow_minor


def pool_flows(
    postings: Iterable[PostingLike],
) -> tuple[dict[str, list[MonthFlow]], list[FlowTotals]]:
    """Money in (credits to the pool) and out (debits: refunds, payouts) per currency and
    month, and the totals per currency."""
    months: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for p in postings:
        bucket = months[p.currency][p.at.strftime("%Y-%m")]
        if p.amount_minor < 0:
            bucket[0] += -p.amount_minor
        else:
            bucket[1] += p.amount_minor
    flows = {
        currency: [MonthFlow(m, i, o) for m, (i, o) in sorted(per.items())]
        for currency, per in sorted(months.items())
    }
    totals = [
        FlowTotals(
            currency,
            sum(f.inflow_minor for f in items),
            sum(f.outflow_minor for f in items),
        )
        for currency, items in flows.items()
    ]
    return flows, totals


class ReportLike(Protocol):
    @property
    def created_at(self) -> datetime: ...
    @property
    def project(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def scan(self) -> Mapping[str, Any]: ...
    @property
    def summary(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class TrendPoint:
    at: datetime
    project: str
    period: str
    components: int
    unknown: int  # components whose licence is not known
    reciprocal: int  # components under a copyfair or non-commercial licence
    owed: int  # obligations the service derived with status owed
    undeclared: int  # obligations that need a declaration (entity profile) to be decided

    @property
    def label(self) -> str:
        return self.at.strftime("%Y-%m-%d %H:%M")


def _components(scan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items = scan.get("components") if isinstance(scan, Mapping) else None
    return [c for c in items if isinstance(c, Mapping)] if isinstance(items, list) else []


def _status_count(summary: Mapping[str, Any], status: str) -> int:
    counts = summary.get("counts") if isinstance(summary, Mapping) else None
    value = counts.get(status) if isinstance(counts, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def compliance_trend(reports: Iterable[ReportLike]) -> list[TrendPoint]:
    """One point per report, oldest first: its components (as submitted) and the
    obligations the service derived from it (its summary's counts per status)."""
    points = []
    for report in reports:
        components = _components(report.scan)
        unknown = sum(
            1
            for c in components
            if c.get("category") == "unknown" or str(c.get("licence") or "") in _UNKNOWN_LICENCES
        )
        reciprocal = sum(1 for c in components if c.get("category") in _RECIPROCAL)
        points.append(
            TrendPoint(
                report.created_at,
                report.project,
                report.period,
                len(components),
                unknown,
                reciprocal,
                _status_count(report.summary, "owed"),
                _status_count(report.summary, "needs-declaration"),
            )
        )
    return sorted(points, key=lambda p: p.at)


def describe_schedule(
    name: str, payee: str, reciprocity: Mapping[str, Any] | None
) -> list[tuple[str, str]]:
    """The reciprocity schedule in words, one (label, value) per term, read with the same
    parser as a ``copyfair.toml`` (:func:`licences.schedule.parse_schedule`); a schedule that
    no longer parses is shown as stored, with the parser's message."""
    from licences.schedule import ScheduleError, parse_schedule

    if not reciprocity:
        return [("Reciprocity", "no price set: commercial use needs a licence from the payee")]
    table = {"commons": {"name": name, "payee": payee, "reciprocity": dict(reciprocity)}}
    try:
        schedule = parse_schedule(table, source="commons")
    except ScheduleError as exc:
        return [("Schedule (as stored, not valid)", str(reciprocity)), ("Problem", str(exc))]
    rec = schedule.reciprocity
    if rec is None:  # pragma: no cover - a non-empty reciprocity table always parses to one
        return []
    out = [("Model", str(rec.model)), ("Currency", rec.currency)]
    if rec.amount_per_developer_year is not None:
        out.append(("Per developer and year", str(rec.amount_per_developer_year)))
    if rec.revenue_share_percent is not None:
        out.append(("Share of revenue", f"{rec.revenue_share_percent} %"))
    if rec.flat_amount_year is not None:
        out.append(("Flat amount per year", str(rec.flat_amount_year)))
    for tier in rec.tiers:
        limit = tier.up_to
        if limit is not None and str(rec.tier_basis) == "revenue":
            bound = f"up to {money(limit, rec.currency)} of revenue"
        else:
            bound = f"up to {limit}" if limit is not None else "above"
        out.append((f"Tier ({rec.tier_basis}) {bound}", f"{tier.amount_year} per year"))
    if rec.minimum_year is not None:
        out.append(("Minimum per year", str(rec.minimum_year)))
    if rec.cap_year is not None:
        out.append(("Cap per year", str(rec.cap_year)))
    if rec.in_kind is not None:
        credit = f"{rec.in_kind.value_per_commit} per commit"
        if rec.in_kind.cap_year is not None:
            credit += f", at most {rec.in_kind.cap_year} per year"
        out.append(("In-kind credit", credit))
    return out
