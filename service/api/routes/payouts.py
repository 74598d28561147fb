"""A foundation's payouts for its own commons: the payout policy, and payout runs.

``PUT/GET /v1/commons/{id}/payouts/policy``, ``POST /v1/commons/{id}/payouts/runs``
(``{"period": "2026-11"}``: plans the month's run once, then pays every pending line of
the commons; posting again resumes a run that was interrupted and pays nobody twice),
``GET /v1/commons/{id}/payouts/runs``. Another foundation's commons answers 404. On a
deployment whose billing hands the pools over to the foundations
(``COPYFAIR_FOUNDATION_TRANSFERS=manual|stripe``) a run answers 409: see
:mod:`service.payouts.settle`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import FoundationDep, SessionDep, services
from service.api.errors import ApiError, ErrorResponse
from service.api.pagination import PageOf, PageParamsDep
from service.api.routes.billing import transfers_provider
from service.db import commons as commons_store
from service.db.base import utcnow
from service.db.models import Commons, PayoutPolicyRecord
from service.db.pagination import CursorError
from service.payouts import runs as runs_store
from service.payouts.policy import PolicyError, parse_payout_policy
from service.payouts.providers import provider_from_env
from service.payouts.runs import PayoutRunError, commons_policy, run_payouts
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


class RunPublic(BaseModel):
    run_id: str
    commons_id: str
    period: str
    resumed: bool
    status: str
    pool_minor: int
    currency: str
    foundation_share_minor: int
    carried_minor: int
    unclaimed_minor: int
    payouts: list[dict[str, Any]]
    paid_now: list[dict[str, Any]]
    failed: list[dict[str, str]]


class RunSummary(BaseModel):
    id: uuid.UUID
    period: str
    status: str
    currency: str
    pool_minor: int
    created_at: datetime
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


@router.post(
    "/{commons_id}/payouts/runs",
    response_model=RunPublic,
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
    commons_id: uuid.UUID, body: RunCreate, principal: FoundationDep, request: Request
) -> RunPublic:
    """Plan the month's run (once) and pay every pending line of the commons."""
    sessions = services(request).sessions
    async with sessions() as session:
        commons = await _own(session, principal, commons_id)
    foundation_transfers = transfers_provider(request)
    if foundation_transfers is not None:
        refusal = payouts_refusal(TransfersMode(foundation_transfers.kind))
        raise ApiError(409, "payouts_not_on_this_deployment", refusal or "", "commons_id")
    provider = payout_provider(request)
    try:
        report = await run_payouts(sessions, provider, commons, body.period)
    except PayoutRunError as exc:
        raise ApiError(422, "invalid_run", str(exc), exc.field) from None
    except PolicyError as exc:
        raise ApiError(422, "invalid_policy", str(exc), exc.problems[0].field) from None
    return RunPublic(**report.to_dict())


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
                created_at=r.created_at,
                finished_at=r.finished_at,
                allocation=r.allocation,
            )
            for r in found.items
        ],
        next=found.next_cursor,
    )
