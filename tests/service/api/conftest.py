"""Fixtures for the service tests: an app on SQLite and on the real PostgreSQL, and tenants.

Async tests run with pytest-asyncio (marked, so that they run in strict mode too). Every
test that takes ``client`` runs twice, once per backend (``database_url`` is parametrised).
SQLite: a copy of a migrated template file per test. PostgreSQL: one freshly created
database per test session (``copyfair_test_<random>``, dropped at the end), tables emptied
before each test. PostgreSQL is found at ``COPYFAIR_TEST_POSTGRES_URL`` (default
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``); when it is unreachable its tests are
skipped with the reason, or fail when ``COPYFAIR_REQUIRE_SERVICES=1`` (as in CI).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from service.api import create_app
from service.db.accounts import create_commoner, create_key, create_organisation
from service.db.engine import create_engine
from service.db.migrate import upgrade
from service.db.models import OrganisationKind
from service.settings import Settings

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TABLES = ("commons", "api_keys", "commoners", "organisations")


def services_required() -> bool:
    return os.environ.get("COPYFAIR_REQUIRE_SERVICES") == "1"


def postgres_admin_url() -> str:
    return os.environ.get("COPYFAIR_TEST_POSTGRES_URL", DEFAULT_PG_URL)


async def _migrate(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def admin_statement(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    admin = postgres_admin_url()
    try:
        asyncio.run(admin_statement(admin, "SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not reachable"
        reason = (
            f"PostgreSQL is not reachable at {admin} ({type(exc).__name__}: {exc}); "
            "start it or set COPYFAIR_TEST_POSTGRES_URL"
        )
        if services_required():
            pytest.fail(f"{reason} (COPYFAIR_REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    name = f"copyfair_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_statement(admin, f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        asyncio.run(admin_statement(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "copyfair.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "copyfair.db"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, max_body_bytes=64 * 1024)


@pytest_asyncio.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        if not settings.is_sqlite:
            async with app.state.services.engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
        yield app


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@dataclass(frozen=True)
class Tenant:
    id: uuid.UUID
    key_id: uuid.UUID
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


async def make_organisation(app: FastAPI, kind: OrganisationKind, name: str) -> Tenant:
    async with app.state.services.sessions() as session:
        org = await create_organisation(session, kind, name)
        key = await create_key(session, organisation_id=org.id)
        await session.commit()
    return Tenant(org.id, key.id, key.token)


async def make_commoner(app: FastAPI, name: str) -> Tenant:
    async with app.state.services.sessions() as session:
        person = await create_commoner(session, name, f"{name.lower()}@example.org")
        key = await create_key(session, commoner_id=person.id)
        await session.commit()
    return Tenant(person.id, key.id, key.token)


@pytest_asyncio.fixture
async def foundation(app: FastAPI) -> Tenant:
    return await make_organisation(app, OrganisationKind.FOUNDATION, "Geo Commons Foundation")


@pytest_asyncio.fixture
async def other_foundation(app: FastAPI) -> Tenant:
    return await make_organisation(app, OrganisationKind.FOUNDATION, "Other Foundation")


@pytest_asyncio.fixture
async def company(app: FastAPI) -> Tenant:
    return await make_organisation(app, OrganisationKind.COMPANY, "Acme Analytics GmbH")


@pytest_asyncio.fixture
async def commoner(app: FastAPI) -> Tenant:
    return await make_commoner(app, "Ada")


def commons_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "Geo Commons Library",
        "licence": "ppl",
        "payee": "geo-commons-foundation",
        "repositories": ["https://github.com/geo/geo-commons", "/srv/git/geo-commons"],
        "match": {
            "purls": ["pkg:pypi/geo-commons*"],
            "packages": ["geo-commons"],
            "licences": ["ppl"],
        },
        "reciprocity": {
            "model": "per-developer",
            "currency": "EUR",
            "amount_per_developer_year": 2000,
        },
    }
    body.update(overrides)
    return body
