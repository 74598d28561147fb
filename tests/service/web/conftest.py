"""Fixtures for the dashboard's tests: the app on SQLite and on PostgreSQL (the API tests'
``database_url``), a seeded world, and a logged-in browser-like client per role."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import text

from service.api import create_app
from service.db.base import Base
from service.db.engine import create_engine
from service.jobs import JobsConfig
from service.jobs.local import LocalJobRunner
from service.settings import Settings
from tests.service.api import conftest as api_fixtures
from tests.service.web.payout_seed import PayoutWorld, seed_payouts
from tests.service.web.seed import World, seed

# The API tests' databases: SQLite per test, and PostgreSQL (skipped or required as there).
database_url = api_fixtures.database_url
postgres_url = api_fixtures.postgres_url
sqlite_template = api_fixtures.sqlite_template

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: Response) -> str:
    found = CSRF.search(page.text)
    assert found, f"no CSRF field in {page.request.url}"
    return found.group(1)


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    path = tmp_path / "repos"
    path.mkdir()
    return path.resolve()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, max_body_bytes=64 * 1024)


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


@pytest_asyncio.fixture
async def world(app: FastAPI) -> World:
    return await seed(app.state.services.sessions)


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def log_in(client: AsyncClient, key: str) -> Response:
    page = await client.get("/login")
    return await client.post("/login", data={"csrf_token": csrf_of(page), "api_key": key})


@pytest_asyncio.fixture
async def payouts(app: FastAPI, world: World, tmp_path: Path) -> PayoutWorld:
    """The seeded world plus Geo Tiles' three payout runs (:mod:`.payout_seed`)."""
    return await seed_payouts(app.state.services.sessions, world, tmp_path)
