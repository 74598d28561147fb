"""Payout runs paid in the background: one payer at a time per run, a run left by a stopped
server taken up again, failures recorded on the run, progress counted from its lines."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.base import utcnow
from service.db.models import Commons, PayoutPolicyRecord, PayoutRun
from service.payouts.policy import PolicyError
from service.payouts.run_jobs import (
    STALE_AFTER,
    RunProgress,
    execute_run,
    get_run,
    run_progress,
    start_run,
)
from service.payouts.runs import PayoutRunError
from service.transfers.interface import Transfer, TransferRequest
from tests.service.payouts.conftest import World, make_world, pay_into_pool
from tests.service.transfers_fake import RecordingProvider

pytestmark = pytest.mark.asyncio

NOV = datetime(2026, 11, 15, 12, tzinfo=UTC)
POLICY = {"foundation_share_percent": "10"}


class BrokenProvider(RecordingProvider):
    """Fails with an error no adapter translated, after ``good`` transfers."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.good = good

    def transfer(self, request: TransferRequest) -> Transfer:
        if len(self.transfers) >= self.good:
            raise RuntimeError("the provider's client broke")
        return super().transfer(request)


async def _world(sessions: async_sessionmaker[AsyncSession], history: Path) -> Commons:
    world: World = await make_world(
        sessions,
        history,
        policy=POLICY,
        accounts={"Alice": "acct_a", "Bob": "acct_b", "Carol": "acct_c", "Dave": None},
    )
    async with sessions() as session:
        await pay_into_pool(session, str(world.commons_id), str(world.company_id), 90_000, NOV)
        await session.commit()
        commons = await session.get(Commons, world.commons_id)
        assert commons is not None
        return commons


async def _run(sessions: async_sessionmaker[AsyncSession], commons: Commons) -> PayoutRun:
    async with sessions() as session:
        run_id = await session.scalar(
            select(PayoutRun.id).where(PayoutRun.commons_id == commons.id)
        )
        assert run_id is not None
        found = await get_run(session, commons.id, run_id)
        assert found is not None
        return found


async def test_a_started_run_is_paid_once_by_one_payer(
    sessions: async_sessionmaker[AsyncSession], history: Path
) -> None:
    commons = await _world(sessions, history)
    first = await start_run(sessions, commons, "2026-11")
    assert first.created and first.pay
    assert first.run.status == "running" and first.run.started_at is not None
    async with sessions() as session:
        assert await run_progress(session, first.run.id) == RunProgress(paid=0, payable=3)

    # a second start while the first payer is at work: the same run, no second payer
    second = await start_run(sessions, commons, "2026-11")
    assert second.run.id == first.run.id and not second.created and not second.pay

    provider = RecordingProvider()
    await execute_run(sessions, provider, first.run.id)
    run = await _run(sessions, commons)
    assert run.status == "finished" and run.error is None and run.finished_at is not None
    async with sessions() as session:
        assert await run_progress(session, run.id) == RunProgress(paid=3, payable=3)
    assert len(provider.transfers) == 3

    # finished with nothing left to pay: nothing to start
    third = await start_run(sessions, commons, "2026-11")
    assert third.run.status == "finished" and not third.pay


async def test_a_run_left_running_by_a_stopped_server_is_taken_up_again(
    sessions: async_sessionmaker[AsyncSession], history: Path
) -> None:
    commons = await _world(sessions, history)
    first = await start_run(sessions, commons, "2026-11")
    async with sessions() as session:
        row = await session.get(PayoutRun, first.run.id)
        assert row is not None
        row.started_at = utcnow() - STALE_AFTER - timedelta(seconds=1)
        await session.commit()
    again = await start_run(sessions, commons, "2026-11")
    assert again.pay and again.run.id == first.run.id
    assert again.run.started_at is not None and again.run.started_at > utcnow() - STALE_AFTER


async def test_an_unexpected_error_is_recorded_and_the_run_resumes(
    sessions: async_sessionmaker[AsyncSession], history: Path, caplog: pytest.LogCaptureFixture
) -> None:
    commons = await _world(sessions, history)
    started = await start_run(sessions, commons, "2026-11")
    provider = BrokenProvider(good=1)
    with caplog.at_level(logging.ERROR, logger="copyfair.payouts"):
        await execute_run(sessions, provider, started.run.id)  # does not raise
    assert any("failed" in r.getMessage() and r.exc_info for r in caplog.records)
    run = await _run(sessions, commons)
    assert run.status == "failed" and run.finished_at is None
    assert run.error is not None and run.error.startswith("unexpected error (RuntimeError)")
    async with sessions() as session:
        assert await run_progress(session, run.id) == RunProgress(paid=1, payable=3)

    resumed = await start_run(sessions, commons, "2026-11")
    assert resumed.pay and resumed.run.status == "running" and resumed.run.error is None
    provider.good = 10
    await execute_run(sessions, provider, run.id)
    run = await _run(sessions, commons)
    assert run.status == "finished" and run.error is None
    assert len(provider.transfers) == 3
    assert all(r.idempotency_key in provider.transfers for r in provider.requests)


async def test_errors_are_raised_before_anything_is_written(
    sessions: async_sessionmaker[AsyncSession], history: Path, tmp_path: Path
) -> None:
    commons = await _world(sessions, history)
    with pytest.raises(PayoutRunError, match="one month") as bad_period:
        await start_run(sessions, commons, "2026-11-01:2026-11-15")
    assert bad_period.value.field == "period"
    async with sessions() as session:
        row = await session.get(Commons, commons.id)
        assert row is not None
        row.repositories = [str(tmp_path / "missing")]
        await session.commit()
    with pytest.raises(PayoutRunError, match="register their paths"):
        await start_run(sessions, row, "2026-11")
    async with sessions() as session:
        record = await session.get(PayoutPolicyRecord, commons.id)
        assert record is not None
        record.policy = {"method": "dice"}
        await session.commit()
    with pytest.raises(PolicyError):
        await start_run(sessions, commons, "2026-11")
    async with sessions() as session:
        runs = await session.scalars(select(PayoutRun).where(PayoutRun.commons_id == commons.id))
        assert list(runs) == []
