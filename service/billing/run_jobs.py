"""Billing runs started from the API: recorded (``billing_runs``), then executed in the
background so that the request does not wait on the gateway.

A foundation's run bills the owed obligations of its own commons for the period
(:func:`service.billing.runs.run_period`). One run per foundation and period is active at a
time; a run left ``queued`` or ``running`` longer than :data:`STALE_AFTER` (the server was
stopped) no longer blocks a new one, which resumes its work: the run itself is idempotent.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.billing.interface import BillingError, BillingGateway
from service.billing.runs import check_period, run_period
from service.db.base import utcnow
from service.db.models.ledger import BillingRun, BillingRunStatus
from service.db.pagination import Page, fetch_page

__all__ = [
    "STALE_AFTER",
    "RunInProgressError",
    "execute_run",
    "get_run",
    "list_runs",
    "start_run",
]

logger = logging.getLogger("copyfair.billing")

STALE_AFTER = timedelta(minutes=30)
_ACTIVE = (BillingRunStatus.QUEUED.value, BillingRunStatus.RUNNING.value)


class RunInProgressError(BillingError):
    """A run of the same foundation and period is still queued or running."""

    def __init__(self, run_id: uuid.UUID) -> None:
        super().__init__(
            f"billing run {run_id} for this period is still in progress: follow it at "
            f"GET /v1/billing/runs/{run_id}, and start another when it is done"
        )
        self.run_id = run_id


async def start_run(session: AsyncSession, organisation_id: uuid.UUID, period: str) -> BillingRun:
    """Record a queued run (flushes; the caller commits, then calls :func:`execute_run`)."""
    check_period(period)
    active = await session.scalar(
        select(BillingRun)
        .where(
            BillingRun.organisation_id == organisation_id,
            BillingRun.period == period,
            BillingRun.status.in_(_ACTIVE),
            BillingRun.created_at > utcnow() - STALE_AFTER,
        )
        .order_by(BillingRun.id.desc())
        .limit(1)
    )
    if active is not None:
        raise RunInProgressError(active.id)
    run = BillingRun(
        organisation_id=organisation_id, period=period, status=BillingRunStatus.QUEUED.value
    )
    session.add(run)
    await session.flush()
    return run


async def _finish(
    sessions: async_sessionmaker[AsyncSession],
    run_id: uuid.UUID,
    status: BillingRunStatus,
    report: dict[str, object] | None = None,
    error: str | None = None,
) -> None:
    async with sessions() as session:
        run = await session.get(BillingRun, run_id)
        if run is None:
            return
        run.status = status.value
        run.report = report
        run.error = error
        run.finished_at = utcnow()
        await session.commit()


async def execute_run(
    sessions: async_sessionmaker[AsyncSession], gateway: BillingGateway, run_id: uuid.UUID
) -> None:
    """Run a queued run to ``done`` (its report recorded) or ``failed`` (its error). Never
    raises: it runs where nobody would see an exception."""
    try:
        async with sessions() as session:
            run = await session.get(BillingRun, run_id)
            if run is None or run.status != BillingRunStatus.QUEUED.value:
                return
            run.status = BillingRunStatus.RUNNING.value
            run.started_at = utcnow()
            period, organisation_id = run.period, run.organisation_id
            await session.commit()
        report = await run_period(sessions, gateway, period, organisation_id)
    except BillingError as exc:
        await _finish(sessions, run_id, BillingRunStatus.FAILED, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - recorded on the run, and logged
        logger.exception("billing run %s failed", run_id)
        await _finish(
            sessions,
            run_id,
            BillingRunStatus.FAILED,
            error=f"unexpected error ({type(exc).__name__}): it has been logged; start the "
            "run again, it resumes where it stopped",
        )
    else:
        await _finish(sessions, run_id, BillingRunStatus.DONE, report=asdict(report))


async def get_run(
    session: AsyncSession, organisation_id: uuid.UUID, run_id: uuid.UUID
) -> BillingRun | None:
    found: BillingRun | None = await session.scalar(
        select(BillingRun).where(
            BillingRun.id == run_id, BillingRun.organisation_id == organisation_id
        )
    )
    return found


async def list_runs(
    session: AsyncSession, organisation_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[BillingRun]:
    query = select(BillingRun).where(BillingRun.organisation_id == organisation_id)
    return await fetch_page(session, query, BillingRun.id, limit=limit, cursor=cursor)
