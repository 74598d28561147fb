"""Usage reports: ``POST /v1/reports`` (company), ``GET /v1/reports`` and
``GET /v1/reports/{id}`` (company: its own; foundation: those that involve its commons,
showing only its share).

The body is ``{"scan": <JSON of copyfair scan --format json>, "period": "YYYY-MM",
"project": "..."}``; the service re-derives the obligations itself
(:mod:`service.reports.derive`) with the registered commons' matching rules and schedules.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.exc import OperationalError

from service.api.deps import CompanyDep, SessionDep, services
from service.api.errors import ApiError, ErrorResponse
from service.api.pagination import PageParamsDep
from service.api.routes.obligations import ReaderDep, obligation_public, viewer_of
from service.api.schemas_reports import ReportCreate, ReportDetail, ReportPublic, ReportsPage
from service.db import reports as store
from service.db.models import Report
from service.db.pagination import CursorError
from service.reports.derive import derive
from service.reports.submission import SubmissionError, default_project, read_submission

__all__ = ["router"]

router = APIRouter(prefix="/v1/reports", tags=["reports"])

DETAIL_OBLIGATIONS = 200

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "No key, or an invalid one."},
    403: {"model": ErrorResponse, "description": "The key's role may not do this."},
    422: {"model": ErrorResponse, "description": "Invalid input; `field` names it."},
}
_NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "No such report (or not yours)."}
}


def _summary(row: Report, viewer: store.Viewer) -> dict[str, Any]:
    summary = dict(row.summary)
    if not viewer.is_foundation:
        return summary
    mine = summary.get("by_foundation", {}).get(str(viewer.organisation_id), {})
    return dict(mine) if isinstance(mine, dict) else {}


def _public(row: Report, viewer: store.Viewer) -> ReportPublic:
    return ReportPublic(
        id=row.id,
        company_id=row.company_id,
        project=row.project,
        period=row.period,
        created_at=row.created_at,
        summary=_summary(row, viewer),
    )


async def _detail(session: SessionDep, row: Report, viewer: store.Viewer) -> ReportDetail:
    lines, total = await store.report_obligations(session, viewer, row, limit=DETAIL_OBLIGATIONS)
    return ReportDetail(
        **_public(row, viewer).model_dump(),
        obligations=[obligation_public(o) for o in lines],
        obligations_total=total,
    )


@contextlib.asynccontextmanager
async def _writer(request: Request) -> AsyncIterator[None]:
    """On SQLite (one writer at a time), one report of this process writes at a time: the
    others wait here, without a timeout, instead of in SQLite's busy handler (which gives
    up after busy_timeout). PostgreSQL writes concurrently."""
    if not services(request).settings.is_sqlite:
        yield
        return
    state = request.app.state
    lock: asyncio.Lock | None = getattr(state, "report_write_lock", None)
    if lock is None:
        lock = state.report_write_lock = asyncio.Lock()
    async with lock:
        yield


def _current_month() -> str:
    return f"{datetime.now(UTC):%Y-%m}"


@router.post(
    "",
    status_code=201,
    response_model=ReportDetail,
    responses={
        **_ERRORS,
        413: {"model": ErrorResponse, "description": "Body too large."},
        503: {"model": ErrorResponse, "description": "SQLite busy: retry (Retry-After)."},
    },
)
async def submit_report(
    body: ReportCreate, principal: CompanyDep, session: SessionDep, request: Request
) -> ReportDetail:
    """Submit the JSON of `copyfair scan --format json`; answers the report with the
    obligations the service derived (never the client's)."""
    from licences.period import parse_period

    try:
        submission = read_submission(body.scan)
    except SubmissionError as exc:
        raise ApiError(422, "invalid_report", str(exc), exc.problems[0].field) from None
    period = parse_period(body.period or _current_month())
    project = body.project or default_project(submission)
    commons = await store.registered_commons(session)
    today = datetime.now(UTC).date()
    derivation = await asyncio.to_thread(derive, submission, commons, period, today)
    # End the reading transaction before writing: on SQLite a transaction that read and
    # then writes fails at once ("database is locked") when another report was stored
    # meanwhile; one that starts by writing waits for the lock (busy_timeout).
    await session.commit()
    viewer = store.Viewer(principal.owner_id, is_foundation=False)
    try:
        async with _writer(request):
            row = await store.store_report(
                session,
                company_id=principal.owner_id,
                project=project,
                scan=body.scan,
                derivation=derivation,
            )
            await session.commit()  # hold the write lock no longer than the writes
    except OperationalError as exc:
        if "database is locked" not in str(exc):
            raise
        await session.rollback()
        raise ApiError(
            503,
            "database_busy",
            "the database is busy with other reports (SQLite allows one writer at a time): "
            "send the report again in a few seconds, or run the service on PostgreSQL",
            headers={"Retry-After": "5"},
        ) from None
    return await _detail(session, row, viewer)


@router.get("", response_model=ReportsPage, responses=_ERRORS)
async def list_reports(
    principal: ReaderDep, session: SessionDep, page: PageParamsDep
) -> ReportsPage:
    viewer = viewer_of(principal)
    try:
        found = await store.list_reports(session, viewer, limit=page.limit, cursor=page.cursor)
    except CursorError as exc:
        raise ApiError(422, "invalid_cursor", str(exc), "cursor") from None
    return ReportsPage(items=[_public(r, viewer) for r in found.items], next=found.next_cursor)


@router.get("/{report_id}", response_model=ReportDetail, responses={**_ERRORS, **_NOT_FOUND})
async def get_report(
    report_id: uuid.UUID, principal: ReaderDep, session: SessionDep
) -> ReportDetail:
    viewer = viewer_of(principal)
    row = await store.get_report(session, viewer, report_id)
    if row is None:
        raise ApiError(404, "not_found", f"no report with id {report_id}", "report_id")
    return await _detail(session, row, viewer)
