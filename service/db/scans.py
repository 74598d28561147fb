"""Audit scans: creation by a foundation, reads scoped to it, and the job's state changes.

The job side (:func:`claim_scan`, :func:`finish_scan`, :func:`fail_scan`) is written so that
several workers may receive the same scan: only the one whose claim moves it from ``queued``
to ``running`` runs it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from service.db.base import utcnow
from service.db.models import Scan, ScanStatus
from service.db.pagination import Page, fetch_page

__all__ = [
    "MAX_ERROR_LENGTH",
    "ScanSource",
    "claim_scan",
    "create_scan",
    "fail_scan",
    "fail_stuck_scans",
    "finish_scan",
    "get_scan",
    "list_scans",
    "scan_source",
]

MAX_ERROR_LENGTH = 4000


@dataclass(frozen=True, slots=True)
class ScanSource:
    """What a job scans: a repository, or an archive's name and bytes."""

    repository: str | None
    archive_name: str | None
    archive: bytes | None


async def create_scan(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    repository: str | None = None,
    archive_name: str | None = None,
    archive: bytes | None = None,
) -> Scan:
    if (repository is None) == (archive is None):
        raise ValueError("a scan has exactly one source: a repository or an archive")
    if archive is not None and not archive_name:
        archive_name = "upload"
    scan = Scan(
        organisation_id=organisation_id,
        status=ScanStatus.QUEUED.value,
        repository=repository,
        archive_name=archive_name if archive is not None else None,
        archive=archive,
    )
    session.add(scan)
    await session.flush()
    return scan


async def get_scan(
    session: AsyncSession, organisation_id: uuid.UUID, scan_id: uuid.UUID
) -> Scan | None:
    """The scan ``scan_id``, with its result, if it belongs to ``organisation_id``."""
    return await session.scalar(
        select(Scan)
        .options(undefer(Scan.result))
        .where(Scan.id == scan_id, Scan.organisation_id == organisation_id)
    )


async def list_scans(
    session: AsyncSession, organisation_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Scan]:
    """A page of the organisation's scans, oldest first (results and archives not loaded)."""
    query = select(Scan).where(Scan.organisation_id == organisation_id)
    return await fetch_page(session, query, Scan.id, limit=limit, cursor=cursor)


async def claim_scan(session: AsyncSession, scan_id: uuid.UUID) -> bool:
    """Move a queued scan to ``running``; False when it is not queued (another worker has
    it, or it is finished, or it does not exist)."""
    outcome = await session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status == ScanStatus.QUEUED.value)
        .values(status=ScanStatus.RUNNING.value, started_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(outcome, "rowcount", 0) == 1)


async def scan_source(session: AsyncSession, scan_id: uuid.UUID) -> ScanSource | None:
    row = (
        await session.execute(
            select(Scan.repository, Scan.archive_name, Scan.archive).where(Scan.id == scan_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return ScanSource(row.repository, row.archive_name, row.archive)


async def finish_scan(session: AsyncSession, scan_id: uuid.UUID, result: Mapping[str, Any]) -> None:
    """Store the result of a running scan; the uploaded archive is dropped (it has been
    scanned). A scan no longer running (failed as stuck meanwhile) is left as it is."""
    await session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status == ScanStatus.RUNNING.value)
        .values(
            status=ScanStatus.DONE.value,
            result=dict(result),
            error=None,
            archive=None,
            finished_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


async def fail_scan(session: AsyncSession, scan_id: uuid.UUID, error: str) -> None:
    if len(error) > MAX_ERROR_LENGTH:
        error = error[: MAX_ERROR_LENGTH - 3] + "..."
    await session.execute(
        update(Scan)
        .where(Scan.id == scan_id)
        .values(status=ScanStatus.FAILED.value, error=error, archive=None, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def fail_stuck_scans(
    session: AsyncSession, *, stuck_after: timedelta, now: datetime | None = None
) -> list[uuid.UUID]:
    """Fail every scan ``running`` since before ``now - stuck_after``: its worker died or
    hung (a live worker that finishes later finds it failed and its result is dropped by
    :func:`finish_scan`'s guard). Returns their ids; idempotent (one UPDATE, so several
    sweepers at once fail each scan once)."""
    now = now or utcnow()
    cutoff = now - stuck_after
    minutes = max(1, round(stuck_after.total_seconds() / 60))
    error = (
        f"the worker running this scan stopped or hung: it had no result {minutes} minute(s) "
        f"after it started (COPYFAIR_SCAN_STUCK_AFTER); it was marked failed at "
        f"{now:%Y-%m-%d %H:%M} UTC. Start the scan again with POST /v1/scans; if it fails "
        "again the same way, the repository may be too large for the worker's memory"
    )
    outcome = await session.execute(
        update(Scan)
        .where(Scan.status == ScanStatus.RUNNING.value, Scan.started_at < cutoff)
        .values(status=ScanStatus.FAILED.value, error=error, archive=None, finished_at=now)
        .returning(Scan.id)
        .execution_options(synchronize_session=False)
    )
    return list(outcome.scalars().all())
