"""The app as the tests of audit scans need it, over the API (``tests/service/api/
test_scans.py``) and on the dashboard (``tests/service/web``): a job runner in a thread that
may clone the local repositories below ``repos``, on a database that starts empty.

A test module or conftest takes the fixtures by assignment (``app = jobs_app.app``), and
provides the ``settings`` they are built from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from service.api import create_app
from service.db.base import Base
from service.db.engine import create_engine
from service.jobs import JobsConfig
from service.jobs.local import LocalJobRunner
from service.settings import Settings


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    """Where the test's local repositories go: the only place the runner may clone from."""
    path = tmp_path / "repos"
    path.mkdir()
    return path.resolve()


async def truncate_all(database_url: str) -> None:
    """PostgreSQL's test database is shared by the session's tests: start from nothing."""
    names = ", ".join(f'"{t}"' for t in Base.metadata.tables)
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
    finally:
        await engine.dispose()


@pytest_asyncio.fixture
async def app(settings: Settings, repos: Path) -> AsyncIterator[FastAPI]:
    """The app with a thread runner for its jobs, and local paths allowed under ``repos``."""
    app = create_app(settings)
    config = JobsConfig(local_roots=(repos,))
    runner = LocalJobRunner(settings.database_url, config, mode="thread")
    app.state.jobs_config = config
    app.state.job_runner = runner
    async with app.router.lifespan_context(app):
        if not settings.is_sqlite:
            await truncate_all(settings.database_url)
        yield app
        runner.close()
