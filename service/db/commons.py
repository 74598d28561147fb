"""Commons: registration by a foundation, and reads scoped to the owner."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Commons
from service.db.pagination import Page, fetch_page

__all__ = [
    "DuplicateCommonsError",
    "commons_ids_of",
    "create_commons",
    "get_commons",
    "list_commons",
]


class DuplicateCommonsError(ValueError):
    """The foundation already registered a commons of that name."""


async def create_commons(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    name: str,
    licence: str,
    payee: str,
    repositories: Sequence[str],
    match: Mapping[str, Any],
    reciprocity: Mapping[str, Any] | None,
) -> Commons:
    taken = await session.scalar(
        select(Commons.id).where(Commons.organisation_id == organisation_id, Commons.name == name)
    )
    if taken is not None:
        raise DuplicateCommonsError(
            f"a commons named {name!r} is already registered by this foundation "
            f"(id {taken}): choose another name"
        )
    commons = Commons(
        organisation_id=organisation_id,
        name=name,
        licence=licence,
        payee=payee,
        repositories=list(repositories),
        match=dict(match),
        reciprocity=dict(reciprocity) if reciprocity is not None else None,
    )
    session.add(commons)
    await session.flush()
    return commons


async def get_commons(
    session: AsyncSession, organisation_id: uuid.UUID, commons_id: uuid.UUID
) -> Commons | None:
    """The commons ``commons_id`` if it belongs to ``organisation_id``, else None."""
    return await session.scalar(
        select(Commons).where(Commons.id == commons_id, Commons.organisation_id == organisation_id)
    )


async def list_commons(
    session: AsyncSession, organisation_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Commons]:
    query = select(Commons).where(Commons.organisation_id == organisation_id)
    return await fetch_page(session, query, Commons.id, limit=limit, cursor=cursor)


async def commons_ids_of(session: AsyncSession, organisation_id: uuid.UUID) -> frozenset[str]:
    """The ids (as text, as the ledger keeps them) of the commons a foundation registered."""
    owned = await session.scalars(
        select(Commons.id).where(Commons.organisation_id == organisation_id)
    )
    return frozenset(str(i) for i in owned)
