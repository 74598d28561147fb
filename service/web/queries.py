"""What the dashboard reads, every query scoped to its tenant (read-only).

A foundation reads its own commons, the obligations attributed to them
(``ObligationRecord.foundation_id``), the invoice lines billed on their behalf, their ledger
accounts and its own audit scans. A company reads its own reports, obligations and
invoices. The public page of a commons reads the commons and its pool's postings only.
Another tenant's row is simply not found (None), which the pages answer with 404.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from service.db.models import (
    Commons,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    LedgerTransaction,
    ObligationRecord,
    Organisation,
    Report,
    Scan,
)
from service.ledger.journal import AccountKind
from service.ledger.store import balances

__all__ = [
    "InvoiceRow",
    "ObligationRow",
    "PoolPosting",
    "CommonsBalance",
    "commons_balances",
    "company_invoices",
    "company_obligations",
    "company_report",
    "company_reports",
    "foundation_commons",
    "foundation_invoices",
    "foundation_obligations",
    "foundation_scans",
    "organisation_names",
    "pool_postings",
    "public_commons",
    "report_obligations",
]

LIST_LIMIT = 500  # rows a page shows; the newest first


@dataclass(frozen=True, slots=True)
class ObligationRow:
    """An obligation with the names a page shows beside it."""

    record: ObligationRecord
    company: str
    commons: str | None
    commercial: str | None  # the report's usage as the service derived it: yes, no, unknown


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """An invoice and the part of it the reader may see: all of it for the company, the
    lines of its own commons for a foundation."""

    invoice: Invoice
    company: str
    amount_minor: int
    lines: int


@dataclass(frozen=True, slots=True)
class CommonsBalance:
    commons_id: str
    currency: str
    pool_minor: int  # what the pool holds (credit balance shown positive)
    billed_unpaid_minor: int  # invoiced on its behalf, not yet paid


@dataclass(frozen=True, slots=True)
class PoolPosting:
    """One posting on a commons' pool: negative amounts are money in (credits)."""

    at: datetime
    kind: str
    currency: str
    amount_minor: int


async def organisation_names(session: AsyncSession, ids: Sequence[str]) -> dict[str, str]:
    """Names of organisations by id (as text); ids that are not organisations are left out."""
    keys = []
    for raw in set(ids):
        try:
            keys.append(uuid.UUID(raw))
        except ValueError:
            continue
    if not keys:
        return {}
    rows = await session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(keys))
    )
    return {str(i): name for i, name in rows}


# --- foundation ----------------------------------------------------------------------------


async def foundation_commons(session: AsyncSession, foundation_id: uuid.UUID) -> list[Commons]:
    rows = await session.scalars(
        select(Commons)
        .where(Commons.organisation_id == foundation_id)
        .order_by(Commons.name)
        .limit(LIST_LIMIT)
    )
    return list(rows)


async def _obligation_rows(session: AsyncSession, query: Any) -> list[ObligationRow]:
    rows = (await session.execute(query)).all()
    return [
        ObligationRow(record, company, commons, _commercial(summary))
        for record, company, commons, summary in rows
    ]


def _commercial(summary: object) -> str | None:
    usage = summary.get("usage") if isinstance(summary, dict) else None
    value = usage.get("commercial") if isinstance(usage, dict) else None
    return value if isinstance(value, str) else None


def _obligations_query() -> Any:
    return (
        select(ObligationRecord, Organisation.name, Commons.name, Report.summary)
        .join(Organisation, Organisation.id == ObligationRecord.company_id)
        .join(Report, Report.id == ObligationRecord.report_id)
        .outerjoin(Commons, Commons.id == ObligationRecord.commons_id)
        .order_by(ObligationRecord.period.desc(), ObligationRecord.id.desc())
        .limit(LIST_LIMIT)
    )


async def foundation_obligations(
    session: AsyncSession, foundation_id: uuid.UUID, commons_id: uuid.UUID | None = None
) -> list[ObligationRow]:
    """Obligations attributed to the foundation's commons (one commons when given)."""
    query = _obligations_query().where(ObligationRecord.foundation_id == foundation_id)
    if commons_id is not None:
        query = query.where(ObligationRecord.commons_id == commons_id)
    return await _obligation_rows(session, query)


async def _owned_commons_ids(session: AsyncSession, foundation_id: uuid.UUID) -> list[str]:
    ids = await session.scalars(select(Commons.id).where(Commons.organisation_id == foundation_id))
    return [str(i) for i in ids]


async def foundation_invoices(session: AsyncSession, foundation_id: uuid.UUID) -> list[InvoiceRow]:
    """Invoices with at least one line billed for the foundation's commons, with the sum of
    those lines only (an invoice may carry other foundations' lines too)."""
    owned = await _owned_commons_ids(session, foundation_id)
    if not owned:
        return []
    rows = (
        await session.execute(
            select(Invoice, func.sum(InvoiceLine.amount_minor), func.count(InvoiceLine.id))
            .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
            .where(InvoiceLine.commons_id.in_(owned))
            .group_by(Invoice.id)
            .order_by(Invoice.created_at.desc())
            .limit(LIST_LIMIT)
        )
    ).all()
    names = await organisation_names(session, [inv.company_id for inv, _, _ in rows])
    return [
        InvoiceRow(inv, names.get(inv.company_id, inv.company_id), int(total), int(count))
        for inv, total, count in rows
    ]


async def commons_balances(
    session: AsyncSession, commons_ids: Sequence[str]
) -> list[CommonsBalance]:
    """Pool and billed-unpaid balance per commons and currency, from the journal (as
    ``GET /v1/ledger/balances`` computes them)."""
    if not commons_ids:
        return []
    per: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in await balances(session, frozenset(commons_ids)):
        if row.commons_id is None:
            continue
        if row.account == f"{AccountKind.POOL.value}:{row.commons_id}":
            per[(row.commons_id, row.currency)][0] -= row.amount_minor
        elif row.account == f"{AccountKind.BILLED.value}:{row.commons_id}":
            per[(row.commons_id, row.currency)][1] -= row.amount_minor
    return [CommonsBalance(c, cur, v[0], v[1]) for (c, cur), v in sorted(per.items())]


async def foundation_scans(session: AsyncSession, foundation_id: uuid.UUID) -> list[Scan]:
    rows = await session.scalars(
        select(Scan)
        .where(Scan.organisation_id == foundation_id)
        .order_by(Scan.id.desc())
        .limit(LIST_LIMIT)
    )
    return list(rows)


# --- company -------------------------------------------------------------------------------


async def company_reports(session: AsyncSession, company_id: uuid.UUID) -> list[Report]:
    """The company's reports, newest first, with the submitted scan (for the trend)."""
    rows = await session.scalars(
        select(Report)
        .options(undefer(Report.scan))
        .where(Report.company_id == company_id)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(100)
    )
    return list(rows)


async def company_report(
    session: AsyncSession, company_id: uuid.UUID, report_id: uuid.UUID
) -> Report | None:
    return await session.scalar(
        select(Report)
        .options(undefer(Report.scan))
        .where(Report.id == report_id, Report.company_id == company_id)
    )


async def company_obligations(session: AsyncSession, company_id: uuid.UUID) -> list[ObligationRow]:
    return await _obligation_rows(
        session, _obligations_query().where(ObligationRecord.company_id == company_id)
    )


async def report_obligations(
    session: AsyncSession, company_id: uuid.UUID, report_id: uuid.UUID
) -> list[ObligationRow]:
    return await _obligation_rows(
        session,
        _obligations_query().where(
            ObligationRecord.company_id == company_id, ObligationRecord.report_id == report_id
        ),
    )


async def company_invoices(session: AsyncSession, company_id: uuid.UUID) -> list[InvoiceRow]:
    rows = (
        await session.execute(
            select(
                Invoice,
                func.coalesce(func.sum(InvoiceLine.amount_minor), 0),
                func.count(InvoiceLine.id),
            )
            .outerjoin(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
            .where(Invoice.company_id == str(company_id))
            .group_by(Invoice.id)
            .order_by(Invoice.created_at.desc())
            .limit(LIST_LIMIT)
        )
    ).all()
    name = (await organisation_names(session, [str(company_id)])).get(str(company_id), "")
    return [InvoiceRow(inv, name, int(total), int(count)) for inv, total, count in rows]


# --- public --------------------------------------------------------------------------------


async def public_commons(
    session: AsyncSession, commons_id: uuid.UUID
) -> tuple[Commons, str] | None:
    """A commons and its foundation's name, whoever asks (the public page)."""
    row = (
        await session.execute(
            select(Commons, Organisation.name)
            .join(Organisation, Organisation.id == Commons.organisation_id)
            .where(Commons.id == commons_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def pool_postings(session: AsyncSession, commons_id: str) -> list[PoolPosting]:
    """Every posting on the commons' pool account, oldest first."""
    rows = await session.execute(
        select(
            LedgerTransaction.created_at,
            LedgerTransaction.kind,
            LedgerEntry.currency,
            LedgerEntry.amount_minor,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerEntry.commons_id == commons_id,
            LedgerEntry.account == f"{AccountKind.POOL.value}:{commons_id}",
        )
        .order_by(LedgerTransaction.created_at, LedgerEntry.id)
    )
    return [PoolPosting(at, kind, cur, int(amount)) for at, kind, cur, amount in rows]
