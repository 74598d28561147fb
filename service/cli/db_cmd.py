"""``copyfair db ...``: the database schema, through the Alembic migrations.

``copyfair db upgrade`` brings the database of ``COPYFAIR_DATABASE_URL`` (default: the SQLite
file of :mod:`service.settings`) to the current schema; ``copyfair db current`` shows where
it stands. Exit codes: 0 success, 1 ``current --check`` on an out-of-date schema, 2
configuration or connection errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from service.settings import Settings

EXIT_INPUT_ERROR = 2
T = TypeVar("T")


def fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(EXIT_INPUT_ERROR)


def load_settings() -> Settings:
    """Settings from the environment, or exit 2 naming the variable to fix."""
    from service.settings import SettingsError, settings_from_env

    try:
        return settings_from_env()
    except SettingsError as exc:
        fail(str(exc))


def run_on_database(url: str, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``work`` and turn database failures into exit 2 with a message that helps."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.db.engine import display_url
    from service.db.migrate import SchemaOutOfDateError

    try:
        return asyncio.run(work())
    except SchemaOutOfDateError as exc:
        fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fail(
            f"cannot use the database {display_url(url)}: {reason} "
            "(check COPYFAIR_DATABASE_URL, and that the server is running)"
        )


@click.group("db")
def db() -> None:
    """Create or upgrade the service's database schema (Alembic migrations)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply the migrations up to REVISION (default: the latest)."""
    from service.db.engine import create_engine, display_url
    from service.db.migrate import SchemaState, upgrade

    settings = load_settings()

    async def work() -> SchemaState:
        engine = create_engine(settings)
        try:
            return await upgrade(engine, revision)
        finally:
            await engine.dispose()

    state = run_on_database(settings.database_url, work)
    where = "the latest" if state.up_to_date else f"latest is {state.head}"
    click.echo(f"{display_url(settings.database_url)}: at revision {state.current} ({where})")


@db.command("current")
@click.option("--check", is_flag=True, help="Exit 1 when the schema is not the latest.")
def current_command(check: bool) -> None:
    """Show the schema revision of the database, and the latest one."""
    from service.db.engine import create_engine, display_url
    from service.db.migrate import SchemaState, schema_state

    settings = load_settings()

    async def work() -> SchemaState:
        engine = create_engine(settings)
        try:
            return await schema_state(engine)
        finally:
            await engine.dispose()

    state = run_on_database(settings.database_url, work)
    status = "up to date" if state.up_to_date else "run `copyfair db upgrade`"
    click.echo(
        f"{display_url(settings.database_url)}: revision {state.current or 'none'}, "
        f"latest {state.head} ({status})"
    )
    if check and not state.up_to_date:
        raise click.exceptions.Exit(1)


@db.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Revert the migrations down to REVISION (``base`` drops every table: data is lost)."""
    from service.db.engine import create_engine, display_url
    from service.db.migrate import SchemaState, downgrade

    settings = load_settings()

    async def work() -> SchemaState:
        engine = create_engine(settings)
        try:
            return await downgrade(engine, revision)
        finally:
            await engine.dispose()

    state = run_on_database(settings.database_url, work)
    click.echo(f"{display_url(settings.database_url)}: at revision {state.current or 'none'}")
