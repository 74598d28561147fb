"""``POST /v1/webhooks/stripe``: Stripe's events, verified and applied exactly once.

The signature is checked on the raw body (``Stripe-Signature``, with a tolerance of five
minutes); a missing, bad or stale one answers 400 and changes nothing. A verified event is
applied and its id recorded in one transaction (see :mod:`service.billing.events`): a
redelivery answers 200 ``duplicate``. An event that comes before the fact it needs (a
refund before its payment) answers 409 and is not recorded, so Stripe delivers it again.
A newly recorded payment starts the foundation transfers in the background (after the
answer, once the payment is committed): idempotent, and what fails stays pending for
``copyfair billing transfer``.

The billing configuration comes from ``app.state.billing`` (a :class:`BillingContext`), or
is read once from the environment (:func:`service.billing.config.billing_config_from_env`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel

from service.api.deps import SessionDep, services
from service.api.errors import ApiError, ErrorResponse
from service.billing.config import BillingConfig, billing_config_from_env, make_gateway
from service.billing.events import PAID_EVENTS, MalformedEventError, Outcome, apply_event
from service.billing.interface import BillingError, BillingGateway
from service.billing.payments import NotReadyError
from service.billing.stripe_gateway import WebhookBodyError, WebhookSignatureError, verify_event

__all__ = ["BillingContext", "WebhookAck", "billing_context", "router"]

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class BillingContext:
    config: BillingConfig
    gateway: BillingGateway


def billing_context(request: Request) -> BillingContext:
    found = getattr(request.app.state, "billing", None)
    if isinstance(found, BillingContext):
        return found
    try:
        config = billing_config_from_env()
    except BillingError as exc:
        raise ApiError(503, "billing_not_configured", str(exc)) from None
    context = BillingContext(config, make_gateway(config))
    request.app.state.billing = context
    return context


class WebhookAck(BaseModel):
    received: bool
    outcome: Outcome


@router.post(
    "/stripe",
    response_model=WebhookAck,
    responses={
        400: {
            "model": ErrorResponse,
            "description": "Missing, bad or stale signature, or a malformed event.",
        },
        409: {"model": ErrorResponse, "description": "Too early: delivered again later."},
        503: {"model": ErrorResponse, "description": "No webhook secret configured."},
    },
)
async def stripe_webhook(
    request: Request, session: SessionDep, background: BackgroundTasks
) -> WebhookAck:
    context = billing_context(request)
    secret = context.config.stripe_webhook_secret
    if not secret:
        raise ApiError(
            503,
            "webhooks_not_configured",
            "set COPYFAIR_STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (whsec_...)",
        )
    payload = await request.body()
    try:
        event = verify_event(
            payload, request.headers.get("Stripe-Signature"), secret, TOLERANCE_SECONDS
        )
    except WebhookSignatureError as exc:
        raise ApiError(400, "bad_signature", str(exc), "Stripe-Signature") from None
    except WebhookBodyError as exc:
        raise ApiError(400, "malformed_event", str(exc), "body") from None
    try:
        outcome = await apply_event(session, event, context.gateway)
    except NotReadyError as exc:
        raise ApiError(409, "not_ready", f"{exc}; deliver it again later") from None
    except MalformedEventError as exc:
        raise ApiError(
            400, "malformed_event", f"the event is not of a shape we can apply: {exc}", exc.field
        ) from None
    if outcome is Outcome.APPLIED and event.get("type") in _TRANSFER_EVENTS:
        # paid: the net amounts go to the foundations; refunded: what was already sent
        # comes back (reversals, planned with the refund)
        _start_transfers(request, background)
    return WebhookAck(received=True, outcome=outcome)


_TRANSFER_EVENTS = PAID_EVENTS | {"charge.refunded"}


def _start_transfers(request: Request, background: BackgroundTasks) -> None:
    # Imported here: routes.billing imports this module (billing_context).
    from service.api.routes.billing import transfers_provider
    from service.transfers.foundation import transfer_in_background

    try:
        provider = transfers_provider(request)
    except ApiError as exc:  # misconfigured: the payment stands, transfers wait
        logger.warning("foundation transfers not started: %s", exc)
        return
    if provider is not None:
        background.add_task(transfer_in_background, services(request).sessions, provider)
