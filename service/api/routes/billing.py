"""Billing over the API: runs, invoices, payments recorded by hand.

- ``POST /v1/billing/runs`` (foundation) ``{"period": "2026-11"}``: bills the period's owed
  reciprocity payments of the foundation's commons. Answers 202 with the run ``queued``; the
  run goes on in the background (gateway calls in worker threads), so poll
  ``GET /v1/billing/runs/{id}`` until ``done`` (``report``) or ``failed`` (``error``). A run
  of the same period still in progress answers 409. Runs are idempotent: starting the same
  period again bills only what is new. A company's key answers 403.
- ``GET /v1/invoices`` and ``GET /v1/invoices/{id}``: a company sees its own invoices; a
  foundation the invoices with lines for its commons (and those lines only).
- ``POST /v1/invoices/{id}/payments`` (foundation; manual gateway): records the full
  payment under ``reference`` or the ``Idempotency-Key`` header. 201 when recorded, 200 with
  ``recorded: false`` when the same reference was recorded before, 409 when the invoice is
  paid under another reference or is collected by Stripe. When funds go to the foundations
  (``COPYFAIR_FOUNDATION_TRANSFERS=manual|stripe``), the invoice's transfers follow in the
  background.
- ``GET`` / ``PUT /v1/billing/payout-account`` (foundation): the Stripe connected account
  (``acct_...``) that receives the foundation's funds; ``GET /v1/billing/transfers``: the
  transfers made (or owed) to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated, TypeVar

from fastapi import APIRouter, BackgroundTasks, Header, Query, Request, Response

from service.api.billing_schemas import (
    BillingRunCreate,
    BillingRunPublic,
    BillingRunReport,
    BillingRunsPage,
    FoundationTransferPublic,
    FoundationTransfersPage,
    InvoiceLinePublic,
    InvoicePublic,
    InvoicesPage,
    PaymentCreate,
    PaymentPublic,
    PayoutAccountPublic,
    PayoutAccountUpdate,
    Period,
)
from service.api.deps import CurrentPrincipal, FoundationDep, SessionDep, services
from service.api.errors import ApiError, ErrorResponse
from service.api.pagination import PageParamsDep
from service.api.routes.webhooks import billing_context
from service.billing.invoices import (
    InvoiceView,
    PaymentConflictError,
    PaymentRefusedError,
    Viewer,
    foundation_commons,
    get_invoice,
    list_invoices,
    record_manual_payment,
)
from service.billing.payments import NotReadyError
from service.billing.run_jobs import RunInProgressError, execute_run, get_run, list_runs, start_run
from service.db.accounts import Principal
from service.db.models import InvoiceStatus, Organisation, Role
from service.db.models.ledger import BillingRun, BillingRunStatus, TransferStatus
from service.db.pagination import CursorError, Page
from service.transfers.accounts import set_payout_account
from service.transfers.config import make_provider, transfers_config_from_env
from service.transfers.foundation import list_transfers, transfer_in_background
from service.transfers.interface import PayoutProvider, TransferError

__all__ = ["invoices_router", "router"]

T = TypeVar("T")

router = APIRouter(prefix="/v1/billing", tags=["billing"])
invoices_router = APIRouter(prefix="/v1/invoices", tags=["billing"])

_AUTH: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "No key, or an invalid one."},
    403: {"model": ErrorResponse, "description": "The key's role may not do this."},
    422: {"model": ErrorResponse, "description": "Invalid input; `field` names it."},
}
_NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "No such item (for this key)."}
}


def transfers_provider(request: Request) -> PayoutProvider | None:
    """The app's provider of foundation transfers (``app.state.foundation_transfers``, None
    when funds stay with the operator), read once from the environment otherwise."""
    state = request.app.state
    if hasattr(state, "foundation_transfers"):
        found: PayoutProvider | None = state.foundation_transfers
        return found
    try:
        provider = make_provider(transfers_config_from_env())
    except TransferError as exc:
        raise ApiError(503, "transfers_not_configured", str(exc)) from None
    state.foundation_transfers = provider
    return provider


async def _page(pending: Awaitable[Page[T]]) -> Page[T]:
    """A page of a list, or 422 naming ``cursor`` when the cursor is not one of ours."""
    try:
        return await pending
    except CursorError as exc:
        raise ApiError(422, "invalid_cursor", str(exc), "cursor") from None


def _run_public(run: BillingRun) -> BillingRunPublic:
    return BillingRunPublic(
        id=run.id,
        period=run.period,
        status=BillingRunStatus(run.status),
        report=BillingRunReport.model_validate(run.report) if run.report else None,
        error=run.error,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


@router.post(
    "/runs",
    status_code=202,
    response_model=BillingRunPublic,
    responses={
        **_AUTH,
        409: {"model": ErrorResponse, "description": "A run of this period is in progress."},
        503: {"model": ErrorResponse, "description": "Billing is not configured."},
    },
)
async def start_billing_run(
    body: BillingRunCreate,
    request: Request,
    background: BackgroundTasks,
    principal: FoundationDep,
    session: SessionDep,
) -> BillingRunPublic:
    """Bill the period's owed reciprocity payments of your commons, in the background."""
    context = billing_context(request)
    try:
        run = await start_run(session, principal.owner_id, body.period)
    except RunInProgressError as exc:
        raise ApiError(409, "run_in_progress", str(exc), "period") from None
    public = _run_public(run)
    await session.commit()  # the background run must find it
    background.add_task(execute_run, services(request).sessions, context.gateway, run.id)
    return public


@router.get("/runs", response_model=BillingRunsPage, responses=_AUTH)
async def list_billing_runs(
    principal: FoundationDep, session: SessionDep, page: PageParamsDep
) -> BillingRunsPage:
    found = await _page(
        list_runs(session, principal.owner_id, limit=page.limit, cursor=page.cursor)
    )
    return BillingRunsPage(items=[_run_public(r) for r in found.items], next=found.next_cursor)


@router.get("/runs/{run_id}", response_model=BillingRunPublic, responses={**_AUTH, **_NOT_FOUND})
async def get_billing_run(
    run_id: uuid.UUID, principal: FoundationDep, session: SessionDep
) -> BillingRunPublic:
    run = await get_run(session, principal.owner_id, run_id)
    if run is None:
        raise ApiError(404, "not_found", f"no billing run with id {run_id}", "run_id")
    return _run_public(run)


async def _viewer(session: SessionDep, principal: Principal) -> Viewer:
    if principal.role is Role.COMPANY:
        return Viewer(company_id=str(principal.owner_id))
    if principal.role is Role.FOUNDATION:
        return Viewer(commons_ids=await foundation_commons(session, principal.owner_id))
    raise ApiError(
        403,
        "forbidden",
        f"invoices are for keys with role company or foundation; this key has role "
        f"{principal.role.value}",
    )


def _invoice_public(view: InvoiceView) -> InvoicePublic:
    i = view.invoice
    return InvoicePublic(
        id=i.id,
        company_id=i.company_id,
        foundation_id=i.foundation_id,
        period=i.period,
        currency=i.currency,
        status=InvoiceStatus(i.status),
        gateway=i.gateway,
        total_minor=view.total_minor,
        amount_paid_minor=i.amount_paid_minor,
        fee_minor=i.fee_minor,
        refunded_minor=i.refunded_minor,
        payment_reference=i.payment_reference,
        created_at=i.created_at,
        paid_at=i.paid_at,
        lines=[
            InvoiceLinePublic(
                id=line.id,
                obligation_id=line.obligation_id,
                commons_id=line.commons_id,
                amount_minor=line.amount_minor,
                status=line.status,
            )
            for line in view.lines
        ],
    )


@invoices_router.get("", response_model=InvoicesPage, responses=_AUTH)
async def list_invoices_route(
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageParamsDep,
    period: Annotated[Period | None, Query(description="Only this month, `YYYY-MM`.")] = None,
    status: Annotated[InvoiceStatus | None, Query(description="Only this status.")] = None,
) -> InvoicesPage:
    viewer = await _viewer(session, principal)
    found = await _page(
        list_invoices(
            session, viewer, limit=page.limit, cursor=page.cursor, period=period, status=status
        )
    )
    return InvoicesPage(items=[_invoice_public(v) for v in found.items], next=found.next_cursor)


@invoices_router.get(
    "/{invoice_id}", response_model=InvoicePublic, responses={**_AUTH, **_NOT_FOUND}
)
async def get_invoice_route(
    invoice_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> InvoicePublic:
    view = await get_invoice(session, await _viewer(session, principal), invoice_id)
    if view is None:
        raise ApiError(404, "not_found", f"no invoice with id {invoice_id}", "invoice_id")
    return _invoice_public(view)


@invoices_router.post(
    "/{invoice_id}/payments",
    status_code=201,
    response_model=PaymentPublic,
    responses={
        **_AUTH,
        **_NOT_FOUND,
        200: {"model": PaymentPublic, "description": "Recorded before (same reference)."},
        409: {"model": ErrorResponse, "description": "Paid otherwise, or not manual."},
    },
)
async def record_payment_route(
    invoice_id: uuid.UUID,
    body: PaymentCreate,
    request: Request,
    response: Response,
    background: BackgroundTasks,
    principal: FoundationDep,
    session: SessionDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="Used as the payment's reference when the body has none.",
        ),
    ] = None,
) -> PaymentPublic:
    """Record the full payment of a manual invoice (e.g. a bank transfer received)."""
    reference = body.reference or (idempotency_key.strip() if idempotency_key else None)
    if not reference:
        raise ApiError(
            422,
            "invalid_request",
            "reference: give the payment's reference in the body, or an Idempotency-Key "
            "header, so that recording it twice records it once",
            "reference",
        )
    provider = transfers_provider(request)
    commons = await foundation_commons(session, principal.owner_id)
    view = await get_invoice(session, Viewer(commons_ids=commons), invoice_id, for_update=True)
    if view is None:
        raise ApiError(404, "not_found", f"no invoice with id {invoice_id}", "invoice_id")
    try:
        recorded = await record_manual_payment(
            session, view, commons, reference, body.fee_minor, body.amount_minor, body.currency
        )
    except PaymentRefusedError as exc:
        raise ApiError(422, "invalid_payment", str(exc), exc.field) from None
    except PaymentConflictError as exc:
        raise ApiError(409, "conflict", str(exc), "invoice_id") from None
    except NotReadyError as exc:
        raise ApiError(409, "not_ready", str(exc), "invoice_id") from None
    if not recorded:
        response.status_code = 200
    fresh = await get_invoice(session, Viewer(commons_ids=commons), invoice_id)
    assert fresh is not None
    public = PaymentPublic(recorded=recorded, invoice=_invoice_public(fresh))
    await session.commit()  # the transfers must find the payment
    if provider is not None:
        background.add_task(
            transfer_in_background, services(request).sessions, provider, invoice_id
        )
    return public


@router.get("/payout-account", response_model=PayoutAccountPublic, responses=_AUTH)
async def get_payout_account(principal: FoundationDep, session: SessionDep) -> PayoutAccountPublic:
    organisation = await session.get(Organisation, principal.owner_id)
    assert organisation is not None
    return PayoutAccountPublic(
        organisation_id=organisation.id, account_id=organisation.payout_account_id
    )


@router.put("/payout-account", response_model=PayoutAccountPublic, responses=_AUTH)
async def put_payout_account(
    body: PayoutAccountUpdate, principal: FoundationDep, session: SessionDep
) -> PayoutAccountPublic:
    """Set (or clear, with null) the connected account that receives your commons' funds."""
    try:
        organisation = await set_payout_account(session, principal.owner_id, body.account_id)
    except TransferError as exc:
        raise ApiError(422, "invalid_account", str(exc), "account_id") from None
    return PayoutAccountPublic(
        organisation_id=organisation.id, account_id=organisation.payout_account_id
    )


@router.get("/transfers", response_model=FoundationTransfersPage, responses=_AUTH)
async def list_foundation_transfers(
    principal: FoundationDep,
    session: SessionDep,
    page: PageParamsDep,
    status: Annotated[TransferStatus | None, Query(description="Only this status.")] = None,
) -> FoundationTransfersPage:
    found = await _page(
        list_transfers(
            session, str(principal.owner_id), status, limit=page.limit, cursor=page.cursor
        )
    )
    return FoundationTransfersPage(
        items=[
            FoundationTransferPublic(
                id=t.id,
                invoice_id=t.invoice_id,
                commons_id=t.commons_id,
                destination=t.destination,
                amount_minor=t.amount_minor,
                currency=t.currency,
                dispute_id=t.dispute_id or None,
                status=TransferStatus(t.status),
                provider=t.provider,
                external_id=t.external_id,
                created_at=t.created_at,
                sent_at=t.sent_at,
            )
            for t in found.items
        ],
        next=found.next_cursor,
    )
