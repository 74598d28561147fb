"""The service's own obligations for a submitted report: pure, no I/O.

Each reported component (the scanned project itself left out) is attributed to a
registered commons by its matching rules (:mod:`.attribution`); an attributed component
is priced by that commons' reciprocity schedule, and when the scan could not determine
its licence (``NOASSERTION``), the licence the commons is registered under is used (said
in the evidence). Other components are assessed without a schedule. The usage and entity
profile are the company's declaration in the report; the engine is
:func:`licences.obligations.compute_obligations` for the report's month. The client's own
``obligations`` and amounts are never read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from licences.obligations import (
    ComponentInput,
    Obligation,
    ObligationKind,
    Status,
    compute_obligations,
    totals,
)
from licences.period import Period
from licences.schedule import Schedule, ScheduleError, parse_schedule
from service.reports.attribution import Attribution, RegisteredCommons, attribute
from service.reports.submission import ReportedComponent, Submission

__all__ = ["DerivedObligation", "Derivation", "derive", "schedule_of"]

_UNDETERMINED = frozenset({"NOASSERTION", "NONE", ""})


@dataclass(frozen=True, slots=True)
class DerivedObligation:
    obligation: Obligation
    commons: RegisteredCommons | None
    evidence: tuple[dict[str, object], ...]


@dataclass(frozen=True, slots=True)
class Derivation:
    period: Period
    obligations: tuple[DerivedObligation, ...]
    summary: dict[str, object]
    commons: tuple[RegisteredCommons, ...]  # those the report involves

    @property
    def foundations(self) -> frozenset[uuid.UUID]:
        return frozenset(c.foundation_id for c in self.commons)


def schedule_of(commons: RegisteredCommons) -> Schedule | None:
    """The commons' reciprocity schedule (its registration was checked; None if a stored
    one no longer parses)."""
    table: dict[str, object] = {"name": commons.name, "payee": commons.payee}
    if commons.reciprocity is not None:
        table["reciprocity"] = dict(commons.reciprocity)
    try:
        return parse_schedule({"commons": table}, source=f"commons {commons.name}")
    except ScheduleError:
        return None


def _counts_and_totals(lines: Sequence[DerivedObligation]) -> dict[str, object]:
    counts: dict[str, int] = {}
    for line in lines:
        status = line.obligation.status.value
        counts[status] = counts.get(status, 0) + 1
    owed = totals(line.obligation for line in lines)
    return {
        "obligations": len(lines),
        "counts": dict(sorted(counts.items())),
        "totals": [{"currency": c, "amount_minor": a} for c, a in owed.items()],
    }


def _once_per_commons(lines: list[DerivedObligation]) -> list[DerivedObligation]:
    """A commons' schedule prices the use of the commons, not of each of its packages:
    when several components of one commons owe a payment, the first carries it and the
    others say where it is counted (amount 0)."""
    carrier: dict[uuid.UUID, DerivedObligation] = {}
    out: list[DerivedObligation] = []
    for line in lines:
        o = line.obligation
        if (
            line.commons is None
            or o.kind is not ObligationKind.RECIPROCITY_PAYMENT
            or o.status is not Status.OWED
            or not o.amount_minor
        ):
            out.append(line)
            continue
        first = carrier.setdefault(line.commons.id, line)
        if first is line:
            out.append(line)
            continue
        note = (
            f" Counted once per commons: the payment to {line.commons.name} is on "
            f"{first.obligation.component_id}."
        )
        out.append(replace(line, obligation=replace(o, amount_minor=0, reason=o.reason + note)))
    return out


def derive(
    submission: Submission,
    commons: Sequence[RegisteredCommons],
    period: Period,
    reference: date,
) -> Derivation:
    """The obligations of ``submission`` for ``period``, attributed to ``commons`` (all
    registered commons, in registration order)."""
    inputs: list[ComponentInput] = []
    found: dict[str, tuple[ReportedComponent, Attribution | None, str]] = {}
    schedules: dict[uuid.UUID, Schedule | None] = {}
    for component in submission.components:
        if component.is_project_root or component.id in found:
            continue
        match = attribute(
            commons, purl=component.purl, name=component.name, licence=component.licence
        )
        licence = component.licence
        schedule = None
        if match is not None:
            if licence.upper() in _UNDETERMINED:
                licence = match.commons.licence
            if match.commons.id not in schedules:
                schedules[match.commons.id] = schedule_of(match.commons)
            schedule = schedules[match.commons.id]
        found[component.id] = (component, match, licence)
        names = tuple(
            dict.fromkeys(n for n in (component.purl, component.name, component.path) if n)
        )
        inputs.append(ComponentInput(component.id, licence, schedule, None, names))
    lines = compute_obligations(inputs, submission.usage, submission.profile, period, reference)
    derived: list[DerivedObligation] = []
    seen: set[tuple[str, str, str]] = set()
    for line in lines:
        key = (line.component_id, line.licence, line.kind.value)
        if key in seen:
            continue
        seen.add(key)
        component, match, licence = found[line.component_id]
        evidence = [dict(e) for e in component.evidence]
        if match is not None:
            evidence.append(match.evidence())
            if licence != component.licence:
                evidence.append(
                    {
                        "method": "commons-registration",
                        "licence": licence,
                        "detail": f"the scan found no licence ({component.licence}); the "
                        f"commons {match.commons.name!r} is registered under {licence}",
                    }
                )
        derived.append(DerivedObligation(line, match.commons if match else None, tuple(evidence)))
    derived = _once_per_commons(derived)
    involved = {m.commons.id: m.commons for _, m, _ in found.values() if m is not None}
    by_foundation: dict[str, dict[str, object]] = {}
    for foundation_id in sorted({c.foundation_id for c in involved.values()}, key=str):
        mine = [
            d for d in derived if d.commons is not None and d.commons.foundation_id == foundation_id
        ]
        components = {
            cid
            for cid, (_, m, _) in found.items()
            if m and m.commons.foundation_id == foundation_id
        }
        by_foundation[str(foundation_id)] = {
            "components": len(components),
            "commons": sorted(
                str(c.id) for c in involved.values() if c.foundation_id == foundation_id
            ),
            **_counts_and_totals(mine),
        }
    summary: dict[str, object] = {
        "components": len(found),
        "attributed_components": sum(1 for _, m, _ in found.values() if m is not None),
        **_counts_and_totals(derived),
        "usage": {
            "commercial": submission.usage.commercial.value,
            "uses": [u.value for u in submission.usage.uses],
            "declared": submission.usage.declared,
            "profile": submission.profile is not None,
        },
        "by_foundation": by_foundation,
    }
    ordered = tuple(sorted(involved.values(), key=lambda c: str(c.id)))
    return Derivation(period, tuple(derived), summary, ordered)
