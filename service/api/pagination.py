"""Pagination of every list: ``?limit=`` (1-200, default 50) and ``?cursor=`` (the ``next``
of the previous page); answers ``{"items": [...], "next": cursor-or-null}``."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "PageOf", "PageParams", "PageParamsDep"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


class PageOf(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = None


class PageParams(BaseModel):
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1-200).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=100, description="The `next` value of the previous page."),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageParamsDep = Annotated[PageParams, Depends(page_params)]
