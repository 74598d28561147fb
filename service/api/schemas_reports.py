"""Request and response models of usage reports and obligations (``/v1/reports``,
``/v1/obligations``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from service.api.pagination import PageOf
from service.db.models import ObligationStatus

__all__ = [
    "ObligationPublic",
    "ObligationsPage",
    "ReportCreate",
    "ReportDetail",
    "ReportPublic",
    "ReportsPage",
]

Month = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class ReportCreate(BaseModel):
    """A usage report: the JSON of `copyfair scan --format json` under `scan`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scan": {"schema_version": "1", "components": [], "usage": {}},
                    "period": "2026-11",
                    "project": "https://github.com/acme/analytics",
                }
            ]
        },
    )

    scan: dict[str, Any] = Field(
        description="The JSON document of `copyfair scan --format json`: its `components` "
        "and `usage` (with the declared `profile`) are read; its `obligations` and amounts "
        "are ignored (the service derives its own)."
    )
    period: Month | None = Field(
        default=None, description="The billing month, YYYY-MM. Default: the current month (UTC)."
    )
    project: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        | None
    ) = Field(
        default=None,
        description="Which project this is (reports of one project and month update the same "
        "obligations). Default: the scan's git remote, else the scanned project's name.",
    )

    @model_validator(mode="before")
    @classmethod
    def _not_bare(cls, data: Any) -> Any:
        if isinstance(data, dict) and "scan" not in data and "schema_version" in data:
            raise ValueError(
                "this is the bare JSON of copyfair scan: send it wrapped, "
                '{"scan": <that JSON>, "period": "YYYY-MM"} (copyfair scan --report does)'
            )
        return data


class ReportPublic(BaseModel):
    id: uuid.UUID
    company_id: uuid.UUID
    project: str
    period: str
    created_at: datetime
    summary: dict[str, Any] = Field(
        description="At submission: components, attributed components, obligations, counts "
        "by status, `totals` owed per currency (minor units). A foundation sees only its "
        "share (its commons' components and obligations)."
    )


class ObligationPublic(BaseModel):
    id: uuid.UUID
    report_id: uuid.UUID = Field(description="The report that last derived it.")
    company_id: uuid.UUID
    commons_id: uuid.UUID | None
    foundation_id: uuid.UUID | None
    project: str
    component_id: str
    licence: str
    kind: str
    status: ObligationStatus
    period: str
    amount_minor: int | None
    currency: str | None
    payee: str | None
    reason: str = Field(description="Why: the licence clause and the facts it rests on.")
    clause: str | None
    evidence: list[dict[str, Any]] = Field(
        description="Where the component and its licence were found (file, line, method, "
        "licence) and which matching rule attributed it to the commons."
    )
    created_at: datetime
    updated_at: datetime


class ReportDetail(ReportPublic):
    obligations: list[ObligationPublic] = Field(
        description="The obligations of this project and month as they stand now (the "
        "first 200; `GET /v1/obligations?report=<id>` pages through all)."
    )
    obligations_total: int


class ReportsPage(PageOf[ReportPublic]):
    """A page of reports, oldest first; ``next`` is the cursor of the following page."""


class ObligationsPage(PageOf[ObligationPublic]):
    """A page of obligations, oldest first; ``next`` is the cursor of the following page."""
