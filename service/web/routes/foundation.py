"""A foundation's pages: ``/foundation`` and below. Every read is scoped to the logged-in
foundation; another foundation's commons or scan id answers the 404 page."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.api.deps import SessionDep
from service.api.routes.scans import job_runner, jobs_config
from service.db import scans as scan_store
from service.db.commons import get_commons
from service.db.models import ScanStatus
from service.jobs import JobQueueError
from service.jobs.sources import SourceError, check_repository, display_repository
from service.web import payout_queries, queries
from service.web.auth import FoundationViewer, apply_session, checked_form
from service.web.errors import not_found, parse_id
from service.web.figures import describe_schedule, is_overdue, obligation_timeline
from service.web.plots import obligation_plots
from service.web.render import render

router = APIRouter(prefix="/foundation", include_in_schema=False)

REFRESH_SECONDS = 2
_REPOSITORY_FIELD = "repository"


def _today() -> date:
    return datetime.now(UTC).date()


@router.get("")
async def overview(request: Request, viewer: FoundationViewer, session: SessionDep) -> Response:
    org = viewer.principal.owner_id
    commons = await queries.foundation_commons(session, org)
    balances = await queries.commons_balances(session, [str(c.id) for c in commons])
    obligations = await queries.foundation_obligations(session, org)
    scans = await queries.foundation_scans(session, org)
    today = _today()
    statuses = Counter(
        "overdue" if is_overdue(o.record.status, o.record.period, today) else o.record.status
        for o in obligations
    )
    return render(
        request,
        "foundation/overview.html",
        {
            "title": viewer.name,
            "commons": commons,
            "names": {str(c.id): c.name for c in commons},
            "balances": balances,
            "statuses": sorted(statuses.items()),
            "scans": scans[:5],
        },
    )


@router.get("/commons")
async def commons_list(request: Request, viewer: FoundationViewer, session: SessionDep) -> Response:
    commons = await queries.foundation_commons(session, viewer.principal.owner_id)
    balances = await queries.commons_balances(session, [str(c.id) for c in commons])
    by_commons: dict[str, list[queries.CommonsBalance]] = {}
    for b in balances:
        by_commons.setdefault(b.commons_id, []).append(b)
    return render(
        request,
        "foundation/commons_list.html",
        {"title": "Commons", "commons": commons, "balances": by_commons},
    )


@router.get("/commons/{commons_id}")
async def commons_detail(
    commons_id: str, request: Request, viewer: FoundationViewer, session: SessionDep
) -> Response:
    org = viewer.principal.owner_id
    key = parse_id(commons_id, "commons")
    commons = await get_commons(session, org, key)
    if commons is None:
        raise not_found("commons")
    usage = await queries.foundation_obligations(session, org, key)
    companies = sorted({u.company for u in usage})
    balances = await queries.commons_balances(session, [str(commons.id)])
    runs = await payout_queries.foundation_payout_runs(session, org, commons.id)
    return render(
        request,
        "foundation/commons_detail.html",
        {
            "title": commons.name,
            "commons": commons,
            "schedule": describe_schedule(commons.name, commons.payee, commons.reciprocity),
            "usage": usage,
            "companies": companies,
            "balances": balances,
            "runs": runs,
        },
    )


@router.get("/obligations")
async def obligations(request: Request, viewer: FoundationViewer, session: SessionDep) -> Response:
    rows = await queries.foundation_obligations(session, viewer.principal.owner_id)
    today = _today()
    timeline = obligation_timeline((r.record for r in rows), today)
    plots = await asyncio.to_thread(obligation_plots, timeline)
    return render(
        request,
        "foundation/obligations.html",
        {"title": "Obligations", "rows": rows, "plots": plots, "today": today},
    )


@router.get("/invoices")
async def invoices(request: Request, viewer: FoundationViewer, session: SessionDep) -> Response:
    rows = await queries.foundation_invoices(session, viewer.principal.owner_id)
    return render(request, "foundation/invoices.html", {"title": "Invoices", "rows": rows})


@router.get("/ledger")
async def ledger(request: Request, viewer: FoundationViewer, session: SessionDep) -> Response:
    commons = await queries.foundation_commons(session, viewer.principal.owner_id)
    balances = await queries.commons_balances(session, [str(c.id) for c in commons])
    return render(
        request,
        "foundation/ledger.html",
        {
            "title": "Ledger balances",
            "balances": balances,
            "names": {str(c.id): c.name for c in commons},
        },
    )


async def _audits_page(
    request: Request,
    viewer: FoundationViewer,
    session: SessionDep,
    *,
    error: str | None = None,
    value: str = "",
    status: int = 200,
) -> Response:
    scans = await queries.foundation_scans(session, viewer.principal.owner_id)
    return render(
        request,
        "foundation/audits.html",
        {
            "title": "Audits",
            "scans": scans,
            "error": error,
            "value": value,
            "display": display_repository,
        },
        status=status,
    )


@router.get("/audits")
async def audits(request: Request, viewer: FoundationViewer, session: SessionDep) -> Response:
    return await _audits_page(request, viewer, session)


@router.post("/audits")
async def start_audit(request: Request, viewer: FoundationViewer, session: SessionDep) -> Response:
    """The form's twin of ``POST /v1/scans``: the same checks, store and job runner."""
    form = await checked_form(request)
    raw = form.get(_REPOSITORY_FIELD)
    repository = raw.strip() if isinstance(raw, str) else ""
    if not repository:
        return await _audits_page(
            request,
            viewer,
            session,
            error="Repository: this field is required. Give a git URL (https://…, ssh://…, "
            "git@host:org/repo) or an allowed local path.",
            status=422,
        )
    if len(repository) > 2000:
        return await _audits_page(
            request,
            viewer,
            session,
            error="Repository: at most 2000 characters. Give the repository's clone URL.",
            status=422,
        )
    try:
        check_repository(repository, jobs_config(request).local_roots)
    except SourceError as exc:
        return await _audits_page(
            request, viewer, session, error=f"Repository: {exc}", value=repository, status=422
        )
    row = await scan_store.create_scan(
        session, organisation_id=viewer.principal.owner_id, repository=repository
    )
    scan_id = row.id
    await session.commit()  # the job must find the scan
    try:
        await asyncio.to_thread(job_runner(request).submit_scan, scan_id)
    except JobQueueError as exc:
        await scan_store.fail_scan(session, scan_id, f"could not be queued: {exc}")
        await session.commit()
    return apply_session(
        request, RedirectResponse(f"/foundation/audits/{scan_id}", status_code=303)
    )


@router.get("/audits/{scan_id}")
async def audit_detail(
    scan_id: str, request: Request, viewer: FoundationViewer, session: SessionDep
) -> Response:
    scan = await scan_store.get_scan(session, viewer.principal.owner_id, parse_id(scan_id, "audit"))
    if scan is None:
        raise not_found("audit")
    finished = scan.status in (ScanStatus.DONE.value, ScanStatus.FAILED.value)
    result = scan.result if isinstance(scan.result, dict) else {}
    return render(
        request,
        "foundation/audit.html",
        {
            "title": f"Audit of {display_repository(scan.repository or '') or scan.archive_name}",
            "scan": scan,
            "finished": finished,
            "refresh": None if finished else REFRESH_SECONDS,
            "components": result.get("components") or [],
            "files": result.get("files") or [],
            "summary": result.get("summary") or [],
            "skipped": result.get("skipped") or [],
            "display": display_repository,
        },
    )


@router.get("/{rest:path}")
async def unknown_page(rest: str, viewer: FoundationViewer) -> Response:
    """Any other address below ``/foundation`` is the 404 page (not the API's JSON)."""
    raise not_found("page")
