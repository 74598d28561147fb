"""Request and response models at the API edge (families: ``*Create``, ``*Public``).

The commons body uses the names of the ``[commons]`` table of a component's
``copyfair.toml`` (:mod:`licences.schedule`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from service.api.pagination import PageOf

__all__ = [
    "CommonsCreate",
    "CommonsPage",
    "CommonsPublic",
    "HealthPublic",
    "MatchRules",
    "OrganisationPublic",
    "WhoAmI",
]

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MatchRules(_Input):
    """What attributes a reported component to a commons: any rule matching is enough."""

    purls: list[LongText] = Field(
        default_factory=list,
        max_length=500,
        description="Package URL patterns; `*` matches any run of characters "
        "(e.g. `pkg:pypi/geo-commons*`).",
    )
    packages: list[ShortText] = Field(
        default_factory=list, max_length=500, description="Package names, any ecosystem."
    )
    licences: list[ShortText] = Field(
        default_factory=list,
        max_length=100,
        description="SPDX ids (or LicenseRef-) whose components belong to this commons.",
    )


class CommonsCreate(_Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Geo Commons Library",
                    "licence": "LicenseRef-scancode-peer-production",
                    "payee": "geo-commons-foundation",
                    "repositories": ["https://github.com/geo/geo-commons"],
                    "match": {"purls": ["pkg:pypi/geo-commons*"], "packages": ["geo-commons"]},
                    "reciprocity": {
                        "model": "per-developer",
                        "currency": "EUR",
                        "amount_per_developer_year": 2000,
                    },
                }
            ]
        },
    )

    name: ShortText
    licence: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ] = Field(description="SPDX licence expression of the commons.")
    payee: ShortText | None = Field(
        default=None, description="Who collects; default: the registering foundation's id."
    )
    repositories: list[LongText] = Field(
        default_factory=list, max_length=500, description="Repository URLs or local paths."
    )
    match: MatchRules = Field(default_factory=MatchRules)
    reciprocity: dict[str, Any] | None = Field(
        default=None,
        description="The reciprocity schedule, as `[commons.reciprocity]` of copyfair.toml: "
        '{"model", "currency", "amount_per_developer_year", ...}.',
    )


class CommonsPublic(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    licence: str
    payee: str
    repositories: list[str]
    match: MatchRules
    reciprocity: dict[str, Any] | None
    created_at: datetime


class CommonsPage(PageOf[CommonsPublic]):
    """A page of commons; ``next`` is the cursor of the following page (null: the last)."""


class OrganisationPublic(BaseModel):
    id: uuid.UUID
    kind: str
    name: str


class WhoAmI(BaseModel):
    key_id: uuid.UUID
    role: str
    organisation_id: uuid.UUID | None
    commoner_id: uuid.UUID | None


class HealthPublic(BaseModel):
    status: str
    database: str
