"""The schema comes only from the migrations, identically on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from service.db.base import Base
from service.db.engine import create_engine
from service.db.migrate import (
    SchemaOutOfDateError,
    downgrade,
    ensure_schema,
    head_revision,
    upgrade,
)
from service.settings import Settings
from tests.service.api.conftest import admin_statement, postgres_admin_url

pytestmark = pytest.mark.asyncio


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_an_empty_database_is_migrated_on_first_start(tmp_path: object) -> None:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db"))
    try:
        state = await ensure_schema(engine)
        assert state.current == head_revision()
        assert state.up_to_date
    finally:
        await engine.dispose()


async def test_an_empty_database_is_refused_without_auto_migrate(tmp_path: object) -> None:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db"))
    try:
        with pytest.raises(SchemaOutOfDateError, match="copyfair db upgrade"):
            await ensure_schema(engine, auto_migrate=False)
    finally:
        await engine.dispose()


async def test_a_database_at_another_revision_is_refused(tmp_path: object) -> None:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/old.db"))
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        with pytest.raises(SchemaOutOfDateError, match="at older.*run `copyfair db upgrade`"):
            await ensure_schema(engine)
    finally:
        await engine.dispose()


async def test_downgrade_and_upgrade_round_trip(tmp_path: object) -> None:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/rt.db"))
    try:
        await upgrade(engine)
        state = await downgrade(engine, "base")
        assert state.current is None
        assert state.empty
        state = await upgrade(engine)
        assert state.up_to_date
    finally:
        await engine.dispose()


async def test_concurrent_first_starts_migrate_once_on_postgresql(postgres_url: str) -> None:
    name = f"copyfair_test_{uuid.uuid4().hex[:12]}"
    await admin_statement(postgres_admin_url(), f'CREATE DATABASE "{name}"')
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    engines = [create_engine(Settings(database_url=url)) for _ in range(3)]
    try:
        # Without the advisory lock the three deadlock on DDL: bound the wait.
        states = await asyncio.wait_for(
            asyncio.gather(*(ensure_schema(e) for e in engines)), timeout=30
        )
        assert all(s.current == head_revision() for s in states)
    finally:
        for engine in engines:
            await engine.dispose()
        await admin_statement(postgres_admin_url(), f'DROP DATABASE "{name}" WITH (FORCE)')
