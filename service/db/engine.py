"""Engine and session factory, built from :class:`~service.settings.Settings` on demand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from service.db.migrate import ensure_schema
from service.settings import Settings

__all__ = [
    "create_engine",
    "create_session_factory",
    "display_url",
    "open_database",
    "sqlite_path",
]


def sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite URL (None for other backends and in-memory databases)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    """An async engine for ``settings.database_url``. For SQLite the file's directory is
    created and foreign keys are enforced; nothing connects until first use."""
    url = settings.database_url
    if settings.is_sqlite:
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = _create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping: a broken connection fails its request and is replaced; a ping per
    # checkout would cost a round trip on every request.
    return _create_async_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def open_database(
    settings: Settings, *, ensure: bool = True
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the configured database, for commands run outside the app (``copyfair
    admin``). With ``ensure``, an empty database is first migrated (see
    :func:`service.db.migrate.ensure_schema`). The engine is disposed on exit."""
    engine = create_engine(settings)
    try:
        if ensure:
            await ensure_schema(engine, auto_migrate=settings.auto_migrate)
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


def display_url(database_url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(database_url).render_as_string(hide_password=True)
