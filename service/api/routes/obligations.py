"""Obligations: ``GET /v1/obligations`` (filters ``status``, ``commons``, ``period``,
``report``; paginated) and ``GET /v1/obligations/{id}``.

A company sees its own; a foundation, those attributed to its commons. Each answers its
reason, the licence clause and the evidence.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.api.deps import SessionDep, require_role
from service.api.errors import ApiError, ErrorResponse
from service.api.pagination import PageParamsDep
from service.api.schemas_reports import ObligationPublic, ObligationsPage
from service.db import reports as store
from service.db.accounts import Principal
from service.db.models import ObligationRecord, ObligationStatus, Role
from service.db.pagination import CursorError

__all__ = ["ReaderDep", "obligation_public", "router", "viewer_of"]

router = APIRouter(prefix="/v1/obligations", tags=["obligations"])

ReaderDep = Annotated[Principal, require_role(Role.COMPANY, Role.FOUNDATION)]

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "No key, or an invalid one."},
    403: {"model": ErrorResponse, "description": "The key's role is not company or foundation."},
    422: {"model": ErrorResponse, "description": "Invalid input; `field` names it."},
}


def viewer_of(principal: Principal) -> store.Viewer:
    return store.Viewer(principal.owner_id, is_foundation=principal.role is Role.FOUNDATION)


def obligation_public(row: ObligationRecord) -> ObligationPublic:
    return ObligationPublic(
        id=row.id,
        report_id=row.report_id,
        company_id=row.company_id,
        commons_id=row.commons_id,
        foundation_id=row.foundation_id,
        project=row.project,
        component_id=row.component_id,
        licence=row.licence,
        kind=row.kind,
        status=ObligationStatus(row.status),
        period=row.period,
        amount_minor=row.amount_minor,
        currency=row.currency,
        payee=row.payee,
        reason=row.reason,
        clause=row.clause,
        evidence=row.evidence,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


_FIELDS = frozenset(ObligationPublic.model_fields)


def page_json(items: Sequence[Mapping[str, Any]], next_cursor: str | None) -> bytes:
    """An :class:`ObligationsPage` written straight from the JSON-ready rows of
    :func:`service.db.reports.list_obligation_rows` (whose columns are the model's
    fields): the same JSON as the model's, without building and validating 50 models per
    request."""
    if items and items[0].keys() != _FIELDS:
        raise AssertionError("the obligations table and ObligationPublic differ")
    body = {"items": list(items), "next": next_cursor}
    return json.dumps(body, separators=(",", ":")).encode()


@router.get("", response_model=ObligationsPage, responses=_ERRORS)
async def list_obligations(
    principal: ReaderDep,
    session: SessionDep,
    page: PageParamsDep,
    status: Annotated[ObligationStatus | None, Query(description="Only this status.")] = None,
    commons: Annotated[uuid.UUID | None, Query(description="Only this commons' id.")] = None,
    period: Annotated[
        str | None,
        Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Only this month, YYYY-MM."),
    ] = None,
    report: Annotated[
        uuid.UUID | None,
        Query(description="Only the obligations of this report's project and month."),
    ] = None,
) -> Response:
    """The obligations this key may see, oldest first (`next`: the following page)."""
    viewer = viewer_of(principal)
    scoped = None
    if report is not None:
        scoped = await store.get_report(session, viewer, report)
        if scoped is None:
            raise ApiError(404, "not_found", f"no report with id {report}", "report")
    try:
        found = await store.list_obligation_rows(
            session,
            viewer,
            status=status.value if status is not None else None,
            commons_id=commons,
            period=period,
            report=scoped,
            limit=page.limit,
            cursor=page.cursor,
        )
    except CursorError as exc:
        raise ApiError(422, "invalid_cursor", str(exc), "cursor") from None
    return Response(page_json(found.items, found.next_cursor), media_type="application/json")


@router.get(
    "/{obligation_id}",
    response_model=ObligationPublic,
    responses={
        **_ERRORS,
        404: {"model": ErrorResponse, "description": "No such obligation (or not yours)."},
    },
)
async def get_obligation(
    obligation_id: uuid.UUID, principal: ReaderDep, session: SessionDep
) -> ObligationPublic:
    row = await store.get_obligation(session, viewer_of(principal), obligation_id)
    if row is None:
        raise ApiError(404, "not_found", f"no obligation with id {obligation_id}", "obligation_id")
    return obligation_public(row)
