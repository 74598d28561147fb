"""Connect transfers through the official ``stripe`` SDK (separate charges and transfers).

``transfer`` creates a Transfer from the platform's balance to a connected account
(``destination``), grouped with the charge that funded it (``transfer_group``), our ids in
``metadata``, and the request's idempotency key: the same request after a crash or a
timeout is recognised by Stripe and answered with the same transfer. ``reverse`` creates a
transfer reversal (``POST /v1/transfers/{id}/reversals``): the amount goes back from the
connected account to the platform's balance, under its own idempotency key. Stripe's errors
are translated to :class:`TransferError` here: nothing above imports ``stripe``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe

from service.transfers.interface import (
    Reversal,
    ReversalRequest,
    Transfer,
    TransferError,
    TransferRequest,
)

__all__ = ["StripeConnectProvider"]


@contextmanager
def _translated(what: str, advice: str) -> Iterator[None]:
    """Stripe's errors as :class:`TransferError`, naming what was asked (``what``) and what
    to do about it (``advice``): nothing above this module sees ``stripe``."""
    try:
        yield
    except stripe.StripeError as exc:
        raise TransferError(
            f"Stripe refused or failed {what}: {exc.user_message or exc} ({advice})"
        ) from exc


class StripeConnectProvider:
    kind = "stripe"

    def __init__(
        self, api_key: str, api_base: str | None = None, http_client: Any | None = None
    ) -> None:
        options: dict[str, Any] = {"max_network_retries": 2}
        if api_base:
            options["base_addresses"] = {"api": api_base.rstrip("/")}
        if http_client is not None:
            options["http_client"] = http_client
        self._client = stripe.StripeClient(api_key, **options)

    def transfer(self, request: TransferRequest) -> Transfer:
        params: dict[str, Any] = {
            "amount": request.amount_minor,
            "currency": request.currency.lower(),
            "destination": request.destination,
            "metadata": dict(request.metadata),
        }
        if request.transfer_group:
            params["transfer_group"] = request.transfer_group
        if request.description:
            params["description"] = request.description
        with _translated(
            f"the transfer {request.idempotency_key} to {request.destination}",
            "check the foundation's connected account and the platform's balance; sending "
            "again is safe, the idempotency key makes it the same transfer",
        ):
            made = self._client.v1.transfers.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        return Transfer(str(made.id), request)

    def reverse(self, request: ReversalRequest) -> Reversal:
        params: dict[str, Any] = {
            "amount": request.amount_minor,
            "metadata": dict(request.metadata),
        }
        if request.description:
            params["description"] = request.description
        with _translated(
            f"the reversal {request.idempotency_key} of transfer {request.transfer_id}",
            "the connected account's balance must cover it, and no more than what is left of "
            "the transfer can be reversed; sending again is safe, the idempotency key makes it "
            "the same reversal",
        ):
            made = self._client.v1.transfers.reversals.create(
                request.transfer_id,
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        return Reversal(str(made.id), request)
