"""Usage reports and obligations: storage of a derivation, and reads scoped to a tenant.

A report's obligations are upserted on their natural key (company, project, component,
licence, kind, period) by one statement executed for every row (``INSERT ... ON CONFLICT
DO UPDATE`` on both SQLite and PostgreSQL): the many CI reports of one month refresh the same rows.
Rows that billing has taken (``invoiced``, ``paid``, ``refunded``) are never changed.
Across the company's projects, one row per commons and month carries the reciprocity
payment, the others show 0 and say where it is counted (:mod:`service.reports.once`).

Who sees what: a company, the rows it owns (``company_id``); a foundation, the reports
that involve one of its commons (``report_commons``) and only the obligations attributed
to its commons (``foundation_id``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    String,
    Table,
    and_,
    func,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from licences.obligations import ObligationKind
from service.db.base import new_id, utcnow
from service.db.models import Commons, ObligationRecord, Report
from service.db.models.reports import FROZEN_STATUSES, ReportCommons
from service.db.pagination import Page, decode_cursor, fetch_page
from service.reports.attribution import RegisteredCommons
from service.reports.derive import Derivation, DerivedObligation
from service.reports.once import GroupRow, adjusted_summary, once_per_company

__all__ = [
    "BATCH",
    "Viewer",
    "get_obligation",
    "get_report",
    "list_obligation_rows",
    "list_reports",
    "registered_commons",
    "report_obligations",
    "store_report",
]

BATCH = 1000  # rows per executemany call
RECIPROCITY_KIND = ObligationKind.RECIPROCITY_PAYMENT.value
_KEY = ("company_id", "project", "component_id", "licence", "kind", "period")
_REFRESHED = (
    "report_id",
    "commons_id",
    "foundation_id",
    "status",
    "amount_minor",
    "currency",
    "payee",
    "reason",
    "clause",
    "evidence",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Whose rows a read may return: a company's own, or a foundation's share."""

    organisation_id: uuid.UUID
    is_foundation: bool


async def registered_commons(session: AsyncSession) -> list[RegisteredCommons]:
    """Every registered commons, in registration order (the attribution candidates)."""
    rows = (await session.scalars(select(Commons).order_by(Commons.id))).all()
    return [
        RegisteredCommons(
            id=c.id,
            foundation_id=c.organisation_id,
            name=c.name,
            licence=c.licence,
            payee=c.payee,
            match=c.match or {},
            reciprocity=c.reciprocity,
        )
        for c in rows
    ]


def _row(
    line: DerivedObligation, report_id: uuid.UUID, company_id: uuid.UUID, project: str
) -> dict[str, Any]:
    o = line.obligation
    now = utcnow()
    return {
        "id": new_id(),
        "report_id": report_id,
        "company_id": company_id,
        "commons_id": line.commons.id if line.commons else None,
        "foundation_id": line.commons.foundation_id if line.commons else None,
        "project": project,
        "component_id": o.component_id[:1000],
        "licence": o.licence[:1000],
        "kind": o.kind.value,
        "status": o.status.value,
        "period": f"{o.period.start:%Y-%m}",
        "amount_minor": o.amount_minor,
        "currency": o.currency,
        "payee": o.payee[:200] if o.payee else None,
        "reason": o.reason,
        "clause": o.clause[:200] if o.clause else None,
        "evidence": list(line.evidence),
        "created_at": now,
        "updated_at": now,
    }


async def _upsert(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """One statement, compiled once and executed for every row (executemany)."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, ObligationRecord.__table__)
    frozen = sorted(s.value for s in FROZEN_STATUSES)
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[k] for k in _KEY],
        set_={k: statement.excluded[k] for k in _REFRESHED},
        where=and_(*(table.c.status != value for value in frozen)),  # no expanding IN
    )
    for start in range(0, len(rows), BATCH):
        await session.execute(statement, list(rows[start : start + BATCH]))


async def store_report(
    session: AsyncSession,
    *,
    company_id: uuid.UUID,
    project: str,
    scan: Mapping[str, Any],
    derivation: Derivation,
) -> Report:
    """Store the report and upsert its obligations (see the module's docstring)."""
    period = f"{derivation.period.start:%Y-%m}"
    report = Report(
        id=new_id(),
        company_id=company_id,
        project=project,
        period=period,
        scan=dict(scan),
        summary=derivation.summary,
        created_at=utcnow(),
    )
    session.add(report)
    for commons in derivation.commons:
        session.add(
            ReportCommons(
                report_id=report.id, commons_id=commons.id, foundation_id=commons.foundation_id
            )
        )
    await session.flush()
    groups = sorted(
        {
            d.commons.id
            for d in derivation.obligations
            if d.commons is not None and d.obligation.kind.value == RECIPROCITY_KIND
        },
        key=str,
    )
    await _lock_groups(session, company_id, period, groups)
    await _upsert(
        session, [_row(d, report.id, company_id, project) for d in derivation.obligations]
    )
    moved = await _once_per_company(session, company_id, period, groups)
    mine = [(f, c, d) for proj, f, c, d in moved if proj == project and d]
    if mine:  # this report's rows gave the charge to (or took it from) another project
        report.summary = adjusted_summary(report.summary, mine)
        await session.flush()
    return report


def _lock_key(company_id: uuid.UUID, period: str, commons_id: uuid.UUID) -> int:
    digest = hashlib.sha256(f"{company_id}:{period}:{commons_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def _lock_groups(
    session: AsyncSession, company_id: uuid.UUID, period: str, groups: Sequence[uuid.UUID]
) -> None:
    """On PostgreSQL, one report at a time per company, commons and month decides which
    row carries the payment (a transaction lock, in a stable order: no deadlock). SQLite
    has one writer at a time anyway."""
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return
    for commons_id in groups:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": _lock_key(company_id, period, commons_id)},
        )


async def _once_per_company(
    session: AsyncSession, company_id: uuid.UUID, period: str, groups: Sequence[uuid.UUID]
) -> list[tuple[str, str, str, int]]:
    """One row per company, commons and month carries the reciprocity payment, across the
    company's projects (:mod:`service.reports.once`); billed rows are never changed.
    Returns the amounts moved: (project, foundation id, currency, change)."""
    if not groups:
        return []
    rows = await session.scalars(
        select(ObligationRecord)
        .where(
            ObligationRecord.company_id == company_id,
            ObligationRecord.period == period,
            ObligationRecord.kind == RECIPROCITY_KIND,
            ObligationRecord.commons_id.in_(list(groups)),
        )
        .execution_options(populate_existing=True)
    )
    by_commons: dict[uuid.UUID, list[GroupRow]] = defaultdict(list)
    records: dict[uuid.UUID, ObligationRecord] = {}
    for r in rows:
        assert r.commons_id is not None
        records[r.id] = r
        by_commons[r.commons_id].append(
            GroupRow(
                r.id,
                r.project,
                r.component_id,
                r.status,
                r.amount_minor,
                r.reason,
                list(r.evidence or []),
                r.created_at,
            )
        )
    frozen = sorted(s.value for s in FROZEN_STATUSES)
    moved: list[tuple[str, str, str, int]] = []
    for members in by_commons.values():
        for change in once_per_company(members):
            before = records[change.id]
            moved.append(
                (
                    before.project,
                    str(before.foundation_id),
                    before.currency or "",
                    change.amount_minor - (before.amount_minor or 0),
                )
            )
            await session.execute(
                update(ObligationRecord)
                .where(ObligationRecord.id == change.id, ObligationRecord.status.not_in(frozen))
                .values(
                    amount_minor=change.amount_minor,
                    reason=change.reason,
                    evidence=change.evidence,
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
    return moved


def _report_scope(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.is_foundation:
        involved = select(ReportCommons.report_id).where(
            ReportCommons.foundation_id == viewer.organisation_id
        )
        return Report.id.in_(involved)
    return Report.company_id == viewer.organisation_id


def _obligation_scope(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.is_foundation:
        return ObligationRecord.foundation_id == viewer.organisation_id
    return ObligationRecord.company_id == viewer.organisation_id


async def list_reports(
    session: AsyncSession, viewer: Viewer, *, limit: int, cursor: str | None
) -> Page[Report]:
    query = select(Report).where(_report_scope(viewer))
    return await fetch_page(session, query, Report.id, limit=limit, cursor=cursor)


async def get_report(session: AsyncSession, viewer: Viewer, report_id: uuid.UUID) -> Report | None:
    return await session.scalar(select(Report).where(Report.id == report_id, _report_scope(viewer)))


def _of_report(report: Report, viewer: Viewer) -> Select[ObligationRecord]:
    return select(ObligationRecord).where(
        and_(
            ObligationRecord.company_id == report.company_id,
            ObligationRecord.project == report.project,
            ObligationRecord.period == report.period,
        ),
        _obligation_scope(viewer),
    )


async def report_obligations(
    session: AsyncSession, viewer: Viewer, report: Report, *, limit: int
) -> tuple[list[ObligationRecord], int]:
    """The obligations of the report's project and month as they stand now (the first
    ``limit``), and how many there are; a foundation gets only its own."""
    query = _of_report(report, viewer)
    rows = list((await session.scalars(query.order_by(ObligationRecord.id).limit(limit))).all())
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    return rows, int(total or 0)


async def get_obligation(
    session: AsyncSession, viewer: Viewer, obligation_id: uuid.UUID
) -> ObligationRecord | None:
    return await session.scalar(
        select(ObligationRecord).where(
            ObligationRecord.id == obligation_id, _obligation_scope(viewer)
        )
    )


_UUID_COLUMNS = frozenset({"id", "report_id", "company_id", "commons_id", "foundation_id"})
_TIME_COLUMNS = frozenset({"created_at", "updated_at"})


def _uuid_text(value: object) -> str | None:
    """A stored UUID as text with dashes (SQLite keeps 32 hex digits)."""
    if value is None:
        return None
    text = str(value)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def _time_text(value: object) -> str:
    """A stored UTC time in ISO 8601 with ``Z`` (SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value).replace(" ", "T") + "Z"


def _json_ready(row: RowMapping) -> dict[str, Any]:
    out = dict(row)
    for name in _UUID_COLUMNS:
        out[name] = _uuid_text(out[name])
    for name in _TIME_COLUMNS:
        out[name] = _time_text(out[name])
    if isinstance(out["evidence"], str):
        out["evidence"] = json.loads(out["evidence"])
    return out


async def list_obligation_rows(
    session: AsyncSession,
    viewer: Viewer,
    *,
    status: str | None = None,
    commons_id: uuid.UUID | None = None,
    period: str | None = None,
    report: Report | None = None,
    limit: int,
    cursor: str | None,
) -> Page[dict[str, Any]]:
    """A page of the obligations the viewer may see (a foundation its own, a company its
    own), narrowed by the filters given (``report``: its project and month, as in
    :func:`report_obligations`), as JSON-ready mappings (ids and times as text): no ORM
    objects nor type conversions back and forth, as the list is the service's hottest read
    (see benchmarks/api_load.py)."""
    table = cast(Table, ObligationRecord.__table__)
    raw = _UUID_COLUMNS | _TIME_COLUMNS | {"evidence"}
    query = select(*(type_coerce(c, String).label(c.name) if c.name in raw else c for c in table.c))
    if report is not None:
        query = query.where(
            table.c.company_id == report.company_id,
            table.c.project == report.project,
            table.c.period == report.period,
        )
    owner = table.c.foundation_id if viewer.is_foundation else table.c.company_id
    query = query.where(owner == viewer.organisation_id)
    if status is not None:
        query = query.where(table.c.status == status)
    if commons_id is not None:
        query = query.where(table.c.commons_id == commons_id)
    if period is not None:
        query = query.where(table.c.period == period)
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(table.c.id > after)
    result = await session.execute(query.order_by(table.c.id).limit(limit + 1))
    rows = [_json_ready(r) for r in result.mappings()]
    more = len(rows) > limit
    items = rows[:limit]
    return Page(items=items, next_cursor=items[-1]["id"] if more and items else None)
