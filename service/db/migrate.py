"""Alembic migrations, run from code: ``copyfair db upgrade`` and the first start.

The migration scripts ship inside the package (``service/db/migrations``), so no
``alembic.ini`` is needed at run time; the ``alembic.ini`` at the repository root only
serves developers who run ``alembic revision --autogenerate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "MIGRATIONS_DIR",
    "SchemaOutOfDateError",
    "SchemaState",
    "alembic_config",
    "downgrade",
    "ensure_schema",
    "head_revision",
    "schema_state",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaOutOfDateError(RuntimeError):
    """The database holds tables but is not at the revision this copyfair needs."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: str | None  # None: never migrated
    head: str
    empty: bool  # no table (but perhaps an empty alembic_version)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migration found"
    return head


def _state(connection: Connection) -> SchemaState:
    current = MigrationContext.configure(connection).get_current_revision()
    tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
    return SchemaState(current=current, head=head_revision(), empty=not tables)


# Serialises concurrent migrations (several workers starting at once) on PostgreSQL.
_PG_LOCK_KEY = 0x636F7079666169  # "copyfai"


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _upgrade(connection: Connection, revision: str) -> None:
    _lock(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _ensure(connection: Connection, auto_migrate: bool) -> SchemaState:
    _lock(connection)
    state = _state(connection)
    if state.up_to_date:
        return state
    if state.empty and auto_migrate:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return _state(connection)
    found = state.current or ("no schema (empty database)" if state.empty else "no revision")
    raise SchemaOutOfDateError(
        f"the database schema is at {found}, this copyfair needs revision {state.head}: "
        "run `copyfair db upgrade` (with the same COPYFAIR_DATABASE_URL)"
    )


async def schema_state(engine: AsyncEngine) -> SchemaState:
    async with engine.connect() as conn:
        return await conn.run_sync(_state)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> SchemaState:
    """Apply the migrations up to ``revision``; returns the state after."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
    return await schema_state(engine)


def _downgrade(connection: Connection, revision: str) -> None:
    _lock(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> SchemaState:
    """Revert the migrations down to ``revision`` (``base``: an empty schema)."""
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade, revision)
    return await schema_state(engine)


async def ensure_schema(engine: AsyncEngine, *, auto_migrate: bool = True) -> SchemaState:
    """Migrate an empty database to head (when ``auto_migrate``); refuse one that is at
    another revision, with the command that fixes it."""
    async with engine.begin() as conn:
        return await conn.run_sync(_ensure, auto_migrate)
