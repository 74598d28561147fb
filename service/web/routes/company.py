"""A company's pages: ``/company`` and below, its own reports, obligations and invoices
only; another company's report id answers the 404 page."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.api.deps import SessionDep
from service.web import queries
from service.web.auth import CompanyViewer
from service.web.errors import not_found, parse_id
from service.web.figures import compliance_trend, obligation_timeline
from service.web.plots import obligation_plots, trend_plot
from service.web.render import render

router = APIRouter(prefix="/company", include_in_schema=False)


@router.get("")
async def overview(request: Request, viewer: CompanyViewer, session: SessionDep) -> Response:
    company = viewer.principal.owner_id
    reports = await queries.company_reports(session, company)
    plot = await asyncio.to_thread(trend_plot, compliance_trend(reports))
    obligations = await queries.company_obligations(session, company)
    timeline = obligation_timeline((o.record for o in obligations), datetime.now(UTC).date())
    invoices = await queries.company_invoices(session, company)
    return render(
        request,
        "company/overview.html",
        {
            "title": viewer.name,
            "reports": reports[:5],
            "report_count": len(reports),
            "trend": plot,
            "timeline": timeline,
            "obligation_count": len(obligations),
            "invoices": invoices[:5],
        },
    )


@router.get("/reports")
async def reports(request: Request, viewer: CompanyViewer, session: SessionDep) -> Response:
    rows = await queries.company_reports(session, viewer.principal.owner_id)
    plot = await asyncio.to_thread(trend_plot, compliance_trend(rows))
    return render(
        request, "company/reports.html", {"title": "Usage reports", "rows": rows, "trend": plot}
    )


@router.get("/reports/{report_id}")
async def report_detail(
    report_id: str, request: Request, viewer: CompanyViewer, session: SessionDep
) -> Response:
    company = viewer.principal.owner_id
    key = parse_id(report_id, "report")
    report = await queries.company_report(session, company, key)
    if report is None:
        raise not_found("report")
    scan = report.scan if isinstance(report.scan, dict) else {}
    return render(
        request,
        "company/report.html",
        {
            "title": f"Report for {report.project} ({report.period})",
            "report": report,
            "components": scan.get("components") or [],
            "obligations": await queries.report_obligations(session, company, key),
        },
    )


@router.get("/obligations")
async def obligations(request: Request, viewer: CompanyViewer, session: SessionDep) -> Response:
    rows = await queries.company_obligations(session, viewer.principal.owner_id)
    timeline = obligation_timeline((r.record for r in rows), datetime.now(UTC).date())
    plots = await asyncio.to_thread(obligation_plots, timeline)
    return render(
        request,
        "company/obligations.html",
        {"title": "What you owe, and why", "rows": rows, "plots": plots},
    )


@router.get("/invoices")
async def invoices(request: Request, viewer: CompanyViewer, session: SessionDep) -> Response:
    rows = await queries.company_invoices(session, viewer.principal.owner_id)
    return render(request, "company/invoices.html", {"title": "Invoices", "rows": rows})


@router.get("/{rest:path}")
async def unknown_page(rest: str, viewer: CompanyViewer) -> Response:
    """Any other address below ``/company`` is the 404 page (not the API's JSON)."""
    raise not_found("page")
