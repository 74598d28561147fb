"""Database liveness, for ``/healthz``."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["ping"]


async def ping(session: AsyncSession) -> None:
    """Raises when the database cannot answer a trivial query."""
    await session.execute(text("SELECT 1"))
