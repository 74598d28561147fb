"""A scan left ``running`` by a dead worker is failed with a clear error: by the sweep
when the server starts, and by the periodic sweep while it runs."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update

from service.api import create_app
from service.db import scans as store
from service.db.base import utcnow
from service.db.models import Scan
from service.jobs import JobsConfigError, jobs_config_from_env
from service.jobs.config import JobsConfig
from service.jobs.recovery import start_sweeper, sweep_interval, sweep_once
from service.settings import Settings
from tests.service.api.conftest import Tenant

pytestmark = pytest.mark.asyncio


async def running_scan(app: FastAPI, owner: uuid.UUID, started_ago: timedelta) -> uuid.UUID:
    async with app.state.services.sessions.begin() as session:
        scan = await store.create_scan(
            session, organisation_id=owner, repository="https://git.example/x"
        )
        assert await store.claim_scan(session, scan.id)
        await session.execute(
            update(Scan).where(Scan.id == scan.id).values(started_at=utcnow() - started_ago)
        )
    return scan.id


async def status(client: AsyncClient, tenant: Tenant, scan_id: uuid.UUID) -> dict[str, str]:
    r = await client.get(f"/v1/scans/{scan_id}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    data: dict[str, str] = r.json()
    return data


async def test_a_stuck_scan_is_failed_with_advice_and_a_live_one_is_left(
    app: FastAPI, client: AsyncClient, foundation: Tenant
) -> None:
    stuck = await running_scan(app, foundation.id, timedelta(hours=2))
    live = await running_scan(app, foundation.id, timedelta(minutes=5))
    async with app.state.services.sessions.begin() as session:
        queued = await store.create_scan(
            session, organisation_id=foundation.id, repository="https://git.example/y"
        )
    sessions = app.state.services.sessions
    assert await sweep_once(sessions, JobsConfig(stuck_after=3600)) == (stuck,)
    assert await sweep_once(sessions, JobsConfig(stuck_after=3600)) == ()  # once only
    failed = await status(client, foundation, stuck)
    assert failed["status"] == "failed"
    assert "stopped or hung" in failed["error"] and "POST /v1/scans" in failed["error"]
    assert "60 minute(s)" in failed["error"]
    assert failed["finished_at"] is not None
    assert (await status(client, foundation, live))["status"] == "running"
    assert (await status(client, foundation, queued.id))["status"] == "queued"
    # the dead worker's late result does not overwrite the verdict
    async with sessions.begin() as session:
        await store.finish_scan(session, stuck, {"schema_version": "1"})
    late = await status(client, foundation, stuck)
    assert late["status"] == "failed" and late["result"] is None


async def test_the_server_sweeps_when_it_starts(
    app: FastAPI, settings: Settings, client: AsyncClient, foundation: Tenant
) -> None:
    stuck = await running_scan(app, foundation.id, timedelta(days=1))
    restarted = create_app(settings)
    async with restarted.router.lifespan_context(restarted):
        deadline = time.monotonic() + 20
        while (await status(client, foundation, stuck))["status"] != "failed":
            assert time.monotonic() < deadline, "the start-up sweep did not fail the scan"
            await asyncio.sleep(0.05)


async def test_the_periodic_sweep_catches_a_worker_that_dies_later(
    app: FastAPI, client: AsyncClient, foundation: Tenant
) -> None:
    config = JobsConfig(stuck_after=1)
    assert sweep_interval(config) == 1.0
    sweeper = start_sweeper(app.state.services.sessions, config)
    try:
        await asyncio.sleep(0.2)  # the first sweep ran and found nothing
        dying = await running_scan(app, foundation.id, timedelta(0))
        deadline = time.monotonic() + 20
        while (await status(client, foundation, dying))["status"] != "failed":
            assert time.monotonic() < deadline, "the periodic sweep did not fail the scan"
            await asyncio.sleep(0.1)
    finally:
        await sweeper.stop()
    assert sweeper.task.done()


async def test_the_timeout_is_configured_from_the_environment() -> None:
    assert jobs_config_from_env({}).stuck_after == 3600
    assert jobs_config_from_env({"COPYFAIR_SCAN_STUCK_AFTER": "900"}).stuck_after == 900
    assert sweep_interval(JobsConfig(stuck_after=7200)) == 300
    with pytest.raises(JobsConfigError, match="COPYFAIR_SCAN_STUCK_AFTER"):
        jobs_config_from_env({"COPYFAIR_SCAN_STUCK_AFTER": "soon"})
