"""Fixtures for the dashboard's tests: the app on SQLite and on PostgreSQL (the API tests'
``database_url``), a seeded world, and a logged-in browser-like client per role."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from service.settings import Settings
from tests.service import jobs_app
from tests.service.api import conftest as api_fixtures
from tests.service.web.payout_seed import PayoutWorld, seed_payouts
from tests.service.web.seed import World, seed

# The API tests' databases: SQLite per test, and PostgreSQL (skipped or required as there).
database_url = api_fixtures.database_url
postgres_url = api_fixtures.postgres_url
sqlite_template = api_fixtures.sqlite_template
# The app with its job runner, and where audits may clone from (shared with the API's tests).
app = jobs_app.app
repos = jobs_app.repos
truncate_all = jobs_app.truncate_all  # test_browser.py empties PostgreSQL with it

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: Response) -> str:
    found = CSRF.search(page.text)
    assert found, f"no CSRF field in {page.request.url}"
    return found.group(1)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, max_body_bytes=64 * 1024)


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


async def follow_refresh(client: AsyncClient, path: str) -> str:
    """The page at ``path`` once it stops refreshing itself (a run or an audit in progress
    reloads until it is done): its text. Fails after 60 s."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = await client.get(path)
        assert page.status_code == 200
        if 'http-equiv="refresh"' not in page.text:
            return page.text
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} still refreshing after 60 s")


@pytest_asyncio.fixture
async def payouts(app: FastAPI, world: World, tmp_path: Path) -> PayoutWorld:
    """The seeded world plus Geo Tiles' three payout runs (:mod:`.payout_seed`)."""
    return await seed_payouts(app.state.services.sessions, world, tmp_path)
