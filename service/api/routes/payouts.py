"""A foundation's payouts for its own commons: the payout policy, and payout runs.

``PUT/GET /v1/commons/{id}/payouts/policy``, ``POST /v1/commons/{id}/payouts/runs``
(``{"period": "2026-11"}``: plans the month's run once and answers 202 with the run and a
``Location``; every pending line of the commons is then paid in the background, so poll
``GET /v1/commons/{id}/payouts/runs/{run_id}`` until ``finished`` or ``failed`` (``error``);
posting again resumes a run that failed or was interrupted and pays nobody twice),
``GET /v1/commons/{id}/payouts/runs``. Every error that stops a run before a transfer
(period, policy, repositories, provider) answers before anything starts. Another
foundation's commons or run answers 404. On a deployment whose billing hands the pools over
to the foundations (``COPYFAIR_FOUNDATION_TRANSFERS=manual|stripe``) a run answers 409: see
:mod:`service.payouts.settle`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import FoundationDep, SessionDep, services
from service.api.errors import ApiError, ErrorResponse
from service.api.pagination import PageOf, PageParamsDep
from service.api.routes.billing import transfers_provider
from service.db import commons as commons_store
from service.db.base import utcnow
from service.db.models import Commons, PayoutLine, PayoutPolicyRecord, PayoutRun, PayoutRunStatus
from service.db.pagination import CursorError
from service.payouts import runs as runs_store
from service.payouts.policy import PolicyError, parse_payout_policy
from service.payouts.providers import provider_from_env
from service.payouts.run_jobs import execute_run, get_run, run_lines, run_progress, start_run
from service.payouts.runs import PayoutRunError, commons_policy
from service.payouts.settle import payouts_refusal
from service.transfers.config import TransfersMode
from service.transfers.interface import PayoutProvider, TransferError

router = APIRouter(prefix="/v1/commons", tags=["payouts"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No key, or an invalid one."},
    403: {"model": ErrorResponse, "description": "The key's role is not foundation."},
    404: {"model": ErrorResponse, "description": "No such commons of yours."},
    422: {"model": ErrorResponse, "description": "Invalid input; `field` names it."},
}


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(max_length=20, description="The month to pay out, YYYY-MM.")


class RunProgressPublic(BaseModel):
    paid: int = Field(description="Lines paid.")
    payable: int = Field(
        description="Lines to transfer (paid or still pending; held and carried lines are not)."
    )


class RunLinePublic(BaseModel):
    id: uuid.UUID
    commoner_id: uuid.UUID | None = Field(description="None: an identity nobody claimed yet.")
    identity: str = Field(description="The contributor's canonical commit email.")
    amount_minor: int
    carried_in_minor: int
    currency: str
    status: str = Field(description="pending, paid, unclaimed or carried.")
    transfer: str | None = Field(description="The provider's transfer id, once paid.")
    paid_at: datetime | None


class RunPublic(BaseModel):
    id: uuid.UUID
    commons_id: uuid.UUID
    period: str
    status: PayoutRunStatus = Field(
        description="running (transfers to make), finished (every payable line paid) or "
        "failed (see error; post the period again to resume)."
    )
    error: str | None
    progress: RunProgressPublic
    currency: str
    pool_minor: int
    foundation_share_minor: int
    carried_minor: int
    unclaimed_minor: int
    payouts: list[dict[str, Any]] = Field(description="The allocation's payable shares.")
    allocation: dict[str, Any] = Field(description="The allocation as computed.")
    lines: list[RunLinePublic]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunStarted(RunPublic):
    resumed: bool = Field(description="True: the period's run was planned before.")


class RunSummary(BaseModel):
    id: uuid.UUID
    period: str
    status: str
    currency: str
    pool_minor: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    allocation: dict[str, Any]


class PolicyPublic(BaseModel):
    commons_id: uuid.UUID
    policy: dict[str, Any]


async def _own(session: Any, principal: Any, commons_id: uuid.UUID) -> Commons:
    row = await commons_store.get_commons(session, principal.owner_id, commons_id)
    if row is None:
        raise ApiError(404, "not_found", f"no commons with id {commons_id}", "commons_id")
    return row


def payout_provider(request: Request) -> PayoutProvider:
    """The app's payout provider (``app.state.payout_provider``, for tests), else the
    environment's (:func:`service.payouts.providers.provider_from_env`); 503 if misconfigured."""
    found: PayoutProvider | None = getattr(request.app.state, "payout_provider", None)
    if found is not None:
        return found
    try:
        return provider_from_env()
    except TransferError as exc:
        raise ApiError(503, "payouts_unavailable", str(exc)) from None


@router.put("/{commons_id}/payouts/policy", response_model=PolicyPublic, responses=_ERRORS)
async def put_policy(
    commons_id: uuid.UUID, body: dict[str, Any], principal: FoundationDep, session: SessionDep
) -> PolicyPublic:
    """Set the commons' payout policy (every key optional; see the README)."""
    commons = await _own(session, principal, commons_id)
    currency = (commons.reciprocity or {}).get("currency")
    try:
        checked = parse_payout_policy(
            body, default_currency=currency if isinstance(currency, str) else None
        )
    except PolicyError as exc:
        first = exc.problems[0].field
        raise ApiError(422, "invalid_policy", str(exc), first) from None
    row = await session.get(PayoutPolicyRecord, commons.id)
    if row is None:
        session.add(PayoutPolicyRecord(commons_id=commons.id, policy=dict(body)))
    else:
        row.policy = dict(body)
        row.updated_at = utcnow()
    await session.flush()
    return PolicyPublic(commons_id=commons.id, policy=checked.to_dict())


@router.get("/{commons_id}/payouts/policy", response_model=PolicyPublic, responses=_ERRORS)
async def get_policy(
    commons_id: uuid.UUID, principal: FoundationDep, session: SessionDep
) -> PolicyPublic:
    commons = await _own(session, principal, commons_id)
    try:
        policy = await commons_policy(session, commons)
    except PolicyError as exc:
        raise ApiError(422, "invalid_policy", str(exc), exc.problems[0].field) from None
    return PolicyPublic(commons_id=commons.id, policy=policy.to_dict())


def _line_public(line: PayoutLine) -> RunLinePublic:
    return RunLinePublic(
        id=line.id,
        commoner_id=line.commoner_id,
        identity=line.identity,
        amount_minor=line.amount_minor,
        carried_in_minor=line.carried_in_minor,
        currency=line.currency,
        status=line.status,
        transfer=line.external_id,
        paid_at=line.paid_at,
    )


async def _run_public(session: Any, run: PayoutRun) -> RunPublic:
    progress = await run_progress(session, run.id)
    allocation = run.allocation if isinstance(run.allocation, dict) else {}
    return RunPublic(
        id=run.id,
        commons_id=run.commons_id,
        period=run.period,
        status=PayoutRunStatus(run.status),
        error=run.error,
        progress=RunProgressPublic(paid=progress.paid, payable=progress.payable),
        currency=run.currency,
        pool_minor=run.pool_minor,
        foundation_share_minor=int(allocation.get("foundation_share_minor", 0)),
        carried_minor=int(allocation.get("carried_minor", 0)),
        unclaimed_minor=int(allocation.get("unclaimed_minor", 0)),
        payouts=list(allocation.get("payouts", [])),
        allocation=allocation,
        lines=[_line_public(line) for line in await run_lines(session, run.id)],
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


@router.post(
    "/{commons_id}/payouts/runs",
    status_code=202,
    response_model=RunStarted,
    responses={
        **_ERRORS,
        409: {
            "model": ErrorResponse,
            "description": "Funds go to the foundations on this deployment "
            "(COPYFAIR_FOUNDATION_TRANSFERS=manual|stripe): pay commoners from the "
            "foundation's own deployment.",
        },
        503: {"model": ErrorResponse, "description": "No payout provider."},
    },
)
async def post_run(
    commons_id: uuid.UUID,
    body: RunCreate,
    principal: FoundationDep,
    request: Request,
    response: Response,
    background: BackgroundTasks,
) -> RunStarted:
    """Plan the month's run (once) and pay every pending line of the commons in the
    background: follow it at the ``Location`` answered."""
    sessions = services(request).sessions
    async with sessions() as session:
        commons = await _own(session, principal, commons_id)
    foundation_transfers = transfers_provider(request)
    if foundation_transfers is not None:
        refusal = payouts_refusal(TransfersMode(foundation_transfers.kind))
        raise ApiError(409, "payouts_not_on_this_deployment", refusal or "", "commons_id")
    provider = payout_provider(request)
    try:
        started = await start_run(sessions, commons, body.period)
    except PayoutRunError as exc:
        raise ApiError(422, "invalid_run", str(exc), exc.field) from None
    except PolicyError as exc:
        raise ApiError(422, "invalid_policy", str(exc), exc.problems[0].field) from None
    async with sessions() as session:
        public = await _run_public(session, started.run)
    if started.pay:
        background.add_task(execute_run, sessions, provider, started.run.id)
    response.headers["Location"] = f"/v1/commons/{commons.id}/payouts/runs/{started.run.id}"
    return RunStarted(**public.model_dump(), resumed=not started.created)


@router.get("/{commons_id}/payouts/runs/{run_id}", response_model=RunPublic, responses=_ERRORS)
async def get_payout_run(
    commons_id: uuid.UUID, run_id: uuid.UUID, principal: FoundationDep, session: SessionDep
) -> RunPublic:
    """A run: its status, how many lines are paid of how many, its allocation and lines."""
    commons = await _own(session, principal, commons_id)
    run = await get_run(session, commons.id, run_id)
    if run is None:
        raise ApiError(404, "not_found", f"no payout run with id {run_id}", "run_id")
    return await _run_public(session, run)


class RunsPage(PageOf[RunSummary]):
    """A page of a commons' payout runs, in the order they were made."""


@router.get("/{commons_id}/payouts/runs", response_model=RunsPage, responses=_ERRORS)
async def list_runs(
    commons_id: uuid.UUID, principal: FoundationDep, session: SessionDep, page: PageParamsDep
) -> RunsPage:
    commons = await _own(session, principal, commons_id)
    try:
        found = await runs_store.list_runs(
            session, commons.id, limit=page.limit, cursor=page.cursor
        )
    except CursorError as exc:
        raise ApiError(422, "invalid_cursor", str(exc), "cursor") from None
    return RunsPage(
        items=[
            RunSummary(
                id=r.id,
                period=r.period,
                status=r.status,
                currency=r.currency,
                pool_minor=r.pool_minor,
                error=r.error,
                created_at=r.created_at,
                started_at=r.started_at,
                finished_at=r.finished_at,
                allocation=r.allocation,
            )
            for r in found.items
        ],
        next=found.next_cursor,
    )
