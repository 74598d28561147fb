"""A foundation's payout runs and billing runs: ``/foundation/payouts`` and
``/foundation/billing``. Every read is scoped to the logged-in foundation; another
foundation's run id answers the 404 page.

- A **billing run** started here is the form's twin of ``POST /v1/billing/runs``: the same
  :func:`service.billing.run_jobs.start_run`, then :func:`~service.billing.run_jobs.
  execute_run` in the background; its page refreshes until the run is done or failed.
- A **payout run** started here is the twin of ``POST /v1/commons/{id}/payouts/runs``: the
  same :func:`service.payouts.run_jobs.start_run` (plans the month once, before the page
  answers, so that its errors show on the form), then :func:`~service.payouts.run_jobs.
  execute_run` pays every pending line in the background (starting it again resumes and
  pays nobody twice); its page shows "N of M paid" and refreshes until the run is finished
  or failed.
- A run's page shows its allocation and, from the same scores, the split proportional to
  the score (before any anti-concentration option) beside the commons' chosen split.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response

from service.api.deps import SessionDep, services
from service.api.errors import ApiError
from service.api.routes.billing import transfers_provider
from service.api.routes.payouts import payout_provider
from service.api.routes.webhooks import billing_context
from service.billing.interface import BillingError
from service.billing.run_jobs import RunInProgressError, execute_run, get_run, start_run
from service.db.commons import get_commons
from service.db.models import PayoutLineStatus, PayoutRunStatus
from service.db.models.ledger import BillingRunStatus
from service.payouts import run_jobs as payout_jobs
from service.payouts.policy import PolicyError
from service.payouts.runs import PayoutRunError
from service.payouts.settle import payouts_refusal
from service.transfers.config import TransfersMode
from service.transfers.interface import PayoutProvider
from service.web import payout_queries, queries
from service.web.auth import FoundationViewer, apply_session, checked_form
from service.web.errors import PageError, not_found, parse_id
from service.web.forms import FieldError, text_field
from service.web.payout_figures import allocation_comparison
from service.web.payout_plots import comparison_plot
from service.web.render import render

router = APIRouter(prefix="/foundation", include_in_schema=False)

REFRESH_SECONDS = 2
_PERIOD_HINT = "Give a month as YYYY-MM, e.g. 2026-11."


def last_month(today: datetime | None = None) -> str:
    """The month before ``today`` (UTC), YYYY-MM: the usual period to bill or pay out."""
    now = today or datetime.now(UTC)
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _redirect(request: Request, to: str) -> Response:
    return apply_session(request, RedirectResponse(to, status_code=303))


# --- billing runs --------------------------------------------------------------------------


async def _billing_page(
    request: Request,
    viewer: FoundationViewer,
    session: SessionDep,
    *,
    status: int = 200,
    error: str | None = None,
    value: str | None = None,
) -> Response:
    runs = await payout_queries.billing_runs(session, viewer.principal.owner_id)
    return render(
        request,
        "foundation/billing.html",
        {
            "title": "Billing runs",
            "runs": runs,
            "error": error,
            "value": value if value is not None else last_month(),
        },
        status=status,
    )


@router.get("/billing")
async def billing(request: Request, viewer: FoundationViewer, session: SessionDep) -> Response:
    return await _billing_page(request, viewer, session)


@router.post("/billing")
async def start_billing(
    request: Request, viewer: FoundationViewer, session: SessionDep, background: BackgroundTasks
) -> Response:
    """The form's twin of ``POST /v1/billing/runs``."""
    form = await checked_form(request)
    raw = form.get("period")
    typed = raw.strip() if isinstance(raw, str) else ""
    try:
        period = text_field(form, "period", "Period", max_length=7, hint=_PERIOD_HINT)
        assert period is not None
        context = billing_context(request)
        run = await start_run(session, viewer.principal.owner_id, period)
    except FieldError as exc:
        return await _billing_page(
            request, viewer, session, status=422, error=exc.message, value=typed[:20]
        )
    except RunInProgressError as exc:
        return _redirect(request, f"/foundation/billing/{exc.run_id}")
    except BillingError as exc:
        return await _billing_page(
            request, viewer, session, status=422, error=f"Period: {exc}", value=typed[:20]
        )
    except ApiError as exc:  # billing is not configured (the API answers 503)
        return await _billing_page(
            request, viewer, session, status=503, error=f"Billing: {exc.message}", value=typed
        )
    await session.commit()  # the background run must find it
    background.add_task(execute_run, services(request).sessions, context.gateway, run.id)
    return _redirect(request, f"/foundation/billing/{run.id}")


@router.get("/billing/{run_id}")
async def billing_run(
    run_id: str, request: Request, viewer: FoundationViewer, session: SessionDep
) -> Response:
    run = await get_run(session, viewer.principal.owner_id, parse_id(run_id, "billing run"))
    if run is None:
        raise not_found("billing run")
    finished = run.status in (BillingRunStatus.DONE.value, BillingRunStatus.FAILED.value)
    return render(
        request,
        "foundation/billing_run.html",
        {
            "title": f"Billing run for {run.period}",
            "run": run,
            "finished": finished,
            "refresh": None if finished else REFRESH_SECONDS,
            "report": run.report if isinstance(run.report, dict) else {},
        },
    )


# --- payout runs ---------------------------------------------------------------------------


async def _payouts_page(
    request: Request,
    viewer: FoundationViewer,
    session: SessionDep,
    *,
    status: int = 200,
    error: str | None = None,
    error_field: str | None = None,
    period: str | None = None,
    chosen: str = "",
) -> Response:
    org = viewer.principal.owner_id
    return render(
        request,
        "foundation/payouts.html",
        {
            "title": "Payout runs",
            "runs": await payout_queries.foundation_payout_runs(session, org),
            "commons": await queries.foundation_commons(session, org),
            "error": error,
            "error_field": error_field,
            "period": period if period is not None else last_month(),
            "chosen": chosen,
        },
        status=status,
    )


@router.get("/payouts")
async def payouts(request: Request, viewer: FoundationViewer, session: SessionDep) -> Response:
    return await _payouts_page(request, viewer, session)


def _payout_provider(request: Request) -> PayoutProvider:
    try:
        return payout_provider(request)
    except ApiError as exc:
        raise PageError(503, "Payouts unavailable", f"Payout provider: {exc}") from None


def _payouts_refused_here(request: Request) -> str | None:
    """Why this deployment runs no commoner payouts (its pools go to the foundations), as
    ``POST /v1/commons/{id}/payouts/runs`` answers 409; None when it may."""
    try:
        foundation_transfers = transfers_provider(request)
    except ApiError as exc:
        raise PageError(503, "Payouts unavailable", str(exc)) from None
    if foundation_transfers is None:
        return None
    return payouts_refusal(TransfersMode(foundation_transfers.kind))


@router.post("/payouts")
async def start_payouts(
    request: Request, viewer: FoundationViewer, session: SessionDep, background: BackgroundTasks
) -> Response:
    """The form's twin of ``POST /v1/commons/{id}/payouts/runs``."""
    form = await checked_form(request)
    raw_commons, raw_period = form.get("commons"), form.get("period")
    typed: dict[str, Any] = {
        "chosen": raw_commons if isinstance(raw_commons, str) else "",
        "period": (raw_period.strip() if isinstance(raw_period, str) else "")[:20],
    }
    try:
        chosen = text_field(
            form, "commons", "Commons", max_length=64, hint="Choose one of your commons."
        )
        period = text_field(form, "period", "Period", max_length=20, hint=_PERIOD_HINT)
        assert chosen is not None and period is not None
        try:
            commons_key = uuid.UUID(chosen)
        except ValueError:
            raise FieldError("commons", "Commons: choose one of your commons.") from None
        commons = await get_commons(session, viewer.principal.owner_id, commons_key)
        if commons is None:
            raise FieldError("commons", "Commons: choose one of your commons.")
    except FieldError as exc:
        return await _payouts_page(
            request, viewer, session, status=422, error=exc.message, error_field=exc.field,
            **typed,
        )  # fmt: skip
    refusal = _payouts_refused_here(request)
    if refusal is not None:
        return await _payouts_page(
            request, viewer, session, status=409, error=refusal, error_field="commons", **typed
        )
    provider = _payout_provider(request)
    sessions = services(request).sessions
    try:
        started = await payout_jobs.start_run(sessions, commons, period)
    except PayoutRunError as exc:
        field = exc.field or "period"
        label = "Period" if field == "period" else f"Commons ({field})"
        return await _payouts_page(
            request, viewer, session, status=422, error=f"{label}: {exc}",
            error_field="period" if field == "period" else "commons", **typed,
        )  # fmt: skip
    except PolicyError as exc:
        return await _payouts_page(
            request, viewer, session, status=422,
            error=f"Payout policy of the commons: {exc}. Fix it with PUT "
            f"/v1/commons/{commons.id}/payouts/policy.",
            error_field="commons", **typed,
        )  # fmt: skip
    if started.pay:
        background.add_task(payout_jobs.execute_run, sessions, provider, started.run.id)
    return _redirect(request, f"/foundation/payouts/{started.run.id}")


@router.get("/payouts/{run_id}")
async def payout_run(
    run_id: str, request: Request, viewer: FoundationViewer, session: SessionDep
) -> Response:
    found = await payout_queries.foundation_payout_run(
        session, viewer.principal.owner_id, parse_id(run_id, "payout run")
    )
    if found is None:
        raise not_found("payout run")
    run = found.run
    allocation = run.allocation if isinstance(run.allocation, dict) else {}
    lines = await payout_queries.run_lines(session, run.id)
    comparison = allocation_comparison(allocation)
    plot = await asyncio.to_thread(comparison_plot, comparison) if comparison else None
    pending = [line for line in lines if line.status == PayoutLineStatus.PENDING.value]
    paid = [line for line in lines if line.status == PayoutLineStatus.PAID.value]
    paying = payout_jobs.is_active(run)  # not when finished, failed, or left by a stopped server
    return render(
        request,
        "foundation/payout_run.html",
        {
            "title": f"Payout run: {found.commons}, {run.period}",
            "found": found,
            "run": run,
            "finished": run.status == PayoutRunStatus.FINISHED.value,
            "paying": paying,
            "refresh": REFRESH_SECONDS if paying else None,
            "allocation": allocation,
            "lines": lines,
            "pending": pending,
            "paid": paid,
            "comparison": comparison,
            "plot": plot,
        },
    )
