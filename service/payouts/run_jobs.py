"""Payout runs started from the API or the dashboard: planned before the answer, paid in
the background, so that the request does not wait on the payout provider.

:func:`start_run` plans the month's run (or finds it: once per commons and period) and
raises every error that would stop it before a transfer, so that the caller can answer it
at once. It then tells the caller whether to start :func:`execute_run` in the background:
not when a payer is already at work on the run (``running`` and started less than
:data:`STALE_AFTER` ago: a run left ``running`` longer, the server having stopped, is taken
up again), nor when the run is ``finished`` and nothing of the commons is left to pay.
Paying is idempotent (:func:`service.payouts.runs.pay_pending`): starting again pays only
what is left, nobody twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.base import utcnow
from service.db.models import (
    Commons,
    PayoutLine,
    PayoutLineStatus,
    PayoutRun,
    PayoutRunStatus,
)
from service.payouts.runs import has_pending, pay_run, plan_or_find
from service.transfers.interface import PayoutProvider

__all__ = [
    "STALE_AFTER",
    "RunProgress",
    "Started",
    "execute_run",
    "get_run",
    "is_active",
    "run_lines",
    "run_progress",
    "start_run",
]

logger = logging.getLogger("copyfair.payouts")

STALE_AFTER = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Started:
    run: PayoutRun
    created: bool  # False: the period's run was planned before (this resumes it)
    pay: bool  # True: the caller must start execute_run(run.id) in the background


@dataclass(frozen=True, slots=True)
class RunProgress:
    """How far a run's transfers are: ``paid`` of ``payable`` lines (paid or pending; the
    unclaimed and carried lines are not to transfer)."""

    paid: int
    payable: int


def is_active(run: PayoutRun) -> bool:
    """A payer is (or was recently) at work on the run."""
    return (
        run.status == PayoutRunStatus.RUNNING.value
        and run.started_at is not None
        and run.started_at > utcnow() - STALE_AFTER
    )


async def start_run(
    sessions: async_sessionmaker[AsyncSession], commons: Commons, period_text: str
) -> Started:
    """Plan (or find) the period's run and mark it to pay when a payer must start (see the
    module docstring). Raises PayoutRunError or PolicyError before anything is written."""
    planned = await plan_or_find(sessions, commons, period_text)
    async with sessions() as session:
        run = await session.get(PayoutRun, planned.run.id, with_for_update=True)
        assert run is not None  # just planned or found, and runs are not deleted
        finished = run.status == PayoutRunStatus.FINISHED.value
        if is_active(run) or (finished and not await has_pending(session, commons.id)):
            return Started(run, planned.created, pay=False)
        run.status = PayoutRunStatus.RUNNING.value
        run.started_at = utcnow()
        run.error = None
        await session.commit()
    return Started(run, planned.created, pay=True)


async def execute_run(
    sessions: async_sessionmaker[AsyncSession], provider: PayoutProvider, run_id: uuid.UUID
) -> None:
    """Pay the run to ``finished``, or to ``failed`` with its error recorded
    (:func:`service.payouts.runs.pay_run`). Never raises an ``Exception``: it runs where
    nobody would see it; the unexpected ones are logged."""
    try:
        await pay_run(sessions, provider, run_id)
    except Exception:  # noqa: BLE001 - recorded on the run by pay_run, and logged here
        logger.exception("payout run %s failed", run_id)


async def get_run(
    session: AsyncSession, commons_id: uuid.UUID, run_id: uuid.UUID
) -> PayoutRun | None:
    """The run of this commons (None for another commons' run: the caller scopes the
    commons to its foundation)."""
    found: PayoutRun | None = await session.scalar(
        select(PayoutRun).where(PayoutRun.id == run_id, PayoutRun.commons_id == commons_id)
    )
    return found


async def run_progress(session: AsyncSession, run_id: uuid.UUID) -> RunProgress:
    rows = await session.execute(
        select(PayoutLine.status, func.count())
        .where(
            PayoutLine.run_id == run_id,
            PayoutLine.status.in_((PayoutLineStatus.PAID.value, PayoutLineStatus.PENDING.value)),
        )
        .group_by(PayoutLine.status)
    )
    counts = {status: int(count) for status, count in rows.all()}
    paid = counts.get(PayoutLineStatus.PAID.value, 0)
    return RunProgress(paid=paid, payable=paid + counts.get(PayoutLineStatus.PENDING.value, 0))


async def run_lines(session: AsyncSession, run_id: uuid.UUID) -> list[PayoutLine]:
    """A run's lines, largest amount first (call only with a run already scoped)."""
    rows = await session.scalars(
        select(PayoutLine)
        .where(PayoutLine.run_id == run_id)
        .order_by(PayoutLine.amount_minor.desc(), PayoutLine.identity, PayoutLine.id)
    )
    return list(rows)
