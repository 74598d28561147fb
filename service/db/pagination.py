"""Keyset pagination over time-ordered primary keys (:func:`service.db.base.new_id`).

A page asks for ``limit + 1`` rows after the cursor; the extra row only says whether there is
a next page, whose cursor is the last id returned. Cursors are the id as text: opaque to
clients, stable under inserts, and O(limit) to serve whatever the depth.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

__all__ = ["CursorError", "Page", "decode_cursor", "fetch_page"]

T = TypeVar("T")


class CursorError(ValueError):
    """A cursor that this service did not hand out."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if cursor is None or cursor == "":
        return None
    try:
        return uuid.UUID(cursor)
    except ValueError:
        raise CursorError(
            f"not a cursor: {cursor!r}; pass the 'next' value of the previous page, "
            "or no cursor for the first page"
        ) from None


async def fetch_page(
    session: AsyncSession,
    query: Select[T],
    key: InstrumentedAttribute[Any],
    *,
    limit: int,
    cursor: str | None,
) -> Page[T]:
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(key > after)
    rows = list((await session.scalars(query.order_by(key).limit(limit + 1))).all())
    more = len(rows) > limit
    items = rows[:limit]
    next_cursor = str(getattr(items[-1], key.key)) if more and items else None
    return Page(items=items, next_cursor=next_cursor)
