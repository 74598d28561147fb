"""Recovery of scans whose worker died: a sweep when the server starts, then every few
minutes while it runs.

A scan ``running`` for longer than ``COPYFAIR_SCAN_STUCK_AFTER`` seconds (default 3600;
keep it above the clone timeout plus the longest scan) is failed with an error that says
what happened and what to do (:func:`service.db.scans.fail_stuck_scans`): its worker was
killed (out of memory, a restart, a lost machine) or hung. A worker that was only slow and
finishes later finds the scan failed and its result is not stored. Several servers may
sweep the same database: each stuck scan is failed once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db import scans as store
from service.jobs.config import JobsConfig, jobs_config_from_env

__all__ = ["Sweeper", "start_sweeper", "sweep_forever", "sweep_interval", "sweep_once"]

logger = logging.getLogger("copyfair.jobs")


def sweep_interval(config: JobsConfig) -> float:
    """Seconds between sweeps: a quarter of the timeout, between 1 s and 5 minutes."""
    return max(1.0, min(300.0, config.stuck_after / 4))


async def sweep_once(
    sessions: async_sessionmaker[AsyncSession], config: JobsConfig, now: datetime | None = None
) -> tuple[uuid.UUID, ...]:
    """Fail the stuck scans; returns their ids."""
    async with sessions.begin() as session:
        failed = await store.fail_stuck_scans(
            session, stuck_after=timedelta(seconds=config.stuck_after), now=now
        )
    for scan_id in failed:
        logger.warning("scan %s: running for over %ss, marked failed", scan_id, config.stuck_after)
    return tuple(failed)


async def sweep_forever(sessions: async_sessionmaker[AsyncSession], config: JobsConfig) -> None:
    """Sweep now and then every :func:`sweep_interval` seconds until cancelled; a failed
    sweep (database unreachable) is logged and tried again at the next interval."""
    while True:
        try:
            await sweep_once(sessions, config)
        except Exception:  # noqa: BLE001 - the sweeper must outlive a database outage
            logger.exception("the stuck-scan sweep failed; trying again later")
        await asyncio.sleep(sweep_interval(config))


class Sweeper:
    """:func:`sweep_forever` as a task of the running loop; :meth:`stop` cancels it and
    waits for it (the app's lifespan does, before the engine is disposed)."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], config: JobsConfig | None = None
    ) -> None:
        self.config = config or jobs_config_from_env()
        self.task = asyncio.create_task(
            sweep_forever(sessions, self.config), name="copyfair-scan-sweeper"
        )

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def start_sweeper(
    sessions: async_sessionmaker[AsyncSession], config: JobsConfig | None = None
) -> Sweeper:
    """Start sweeping (see the module's docstring) on the running loop."""
    return Sweeper(sessions, config)
