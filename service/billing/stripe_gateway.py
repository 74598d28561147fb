"""The Stripe gateway, through the official ``stripe`` SDK.

Customers, invoice items, invoices, finalise, pay. Every request that changes something
carries an idempotency key derived from our own ids (``copyfair-<step>-<id>``), so the same
step repeated after a crash or a timeout is recognised by Stripe as the same request. Our
ids travel in ``metadata`` (``copyfair_invoice_id``, ``obligation_id``, ``commons_id``) so
webhooks and reconciliation find their way back. Stripe's errors are translated here: nothing
above this module imports ``stripe``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import stripe

from service.billing.interface import (
    BillingError,
    GatewayKind,
    GatewayUnavailableError,
    LineDraft,
    RemoteInvoice,
)

__all__ = ["StripeGateway", "WebhookSignatureError", "idempotency_key", "verify_event"]


def idempotency_key(step: str, our_id: str) -> str:
    return f"copyfair-{step}-{our_id}"


class StripeGateway:
    kind = GatewayKind.STRIPE

    def __init__(
        self, api_key: str, api_base: str | None = None, http_client: Any | None = None
    ) -> None:
        options: dict[str, Any] = {"max_network_retries": 2}
        if api_base:
            options["base_addresses"] = {"api": api_base.rstrip("/")}
        if http_client is not None:  # another transport (tests)
            options["http_client"] = http_client
        self._client = stripe.StripeClient(api_key, **options)

    def _call(self, what: str, request: Any) -> Any:
        try:
            return request()
        except stripe.StripeError as exc:
            raise GatewayUnavailableError(
                f"Stripe refused or failed to {what}: {exc.user_message or exc} "
                "(check COPYFAIR_STRIPE_API_KEY / COPYFAIR_STRIPE_API_BASE; the run can be "
                "repeated safely, it resumes)"
            ) from exc

    def customer(self, company_id: str) -> str:
        created = self._call(
            "create a customer",
            lambda: self._client.v1.customers.create(
                params={"metadata": {"company_id": company_id}},
                options={"idempotency_key": idempotency_key("customer", company_id)},
            ),
        )
        return str(created.id)

    def add_line(self, customer_id: str, invoice_id: str, line: LineDraft) -> str:
        item = self._call(
            "add an invoice item",
            lambda: self._client.v1.invoice_items.create(
                params={
                    "customer": customer_id,
                    "amount": line.amount_minor,
                    "currency": line.currency.lower(),
                    "description": line.description,
                    "metadata": {
                        "obligation_id": line.obligation_id,
                        "commons_id": line.commons_id,
                        "copyfair_invoice_id": invoice_id,
                    },
                },
                options={"idempotency_key": idempotency_key("item", line.line_id)},
            ),
        )
        return str(item.id)

    def create_invoice(self, customer_id: str, invoice_id: str, period: str) -> str:
        invoice = self._call(
            "create an invoice",
            lambda: self._client.v1.invoices.create(
                params={
                    "customer": customer_id,
                    "description": f"Reciprocity to the commons, {period}",
                    "metadata": {"copyfair_invoice_id": invoice_id, "period": period},
                    "pending_invoice_items_behavior": "include",
                },
                options={"idempotency_key": idempotency_key("invoice", invoice_id)},
            ),
        )
        return str(invoice.id)

    def finalise(self, external_id: str, invoice_id: str) -> None:
        self._call(
            "finalise an invoice",
            lambda: self._client.v1.invoices.finalize_invoice(
                external_id, options={"idempotency_key": idempotency_key("finalise", invoice_id)}
            ),
        )

    def collect(self, external_id: str, invoice_id: str) -> None:
        try:
            self._client.v1.invoices.pay(
                external_id, options={"idempotency_key": idempotency_key("pay", invoice_id)}
            )
        except stripe.CardError:
            return None  # declined: invoice.payment_failed arrives by webhook
        except stripe.StripeError as exc:
            raise GatewayUnavailableError(
                f"Stripe could not collect invoice {external_id}: {exc.user_message or exc}"
            ) from exc

    def fee(self, external_id: str) -> int:
        """The processor's fee on the invoice's payment, from the balance transaction of
        each charge that paid it.

        Older API versions (and localstripe) name the charge on the invoice (``charge``).
        From API version 2025-03-31 (basil) on, the invoice has no ``charge``: its payments
        are Invoice Payments (``GET /v1/invoice_payments?invoice=...``), each naming a
        payment intent (whose ``latest_charge`` is the charge) or a charge."""
        invoice = self._call(
            "read an invoice", lambda: self._client.v1.invoices.retrieve(external_id)
        )
        charge = _field(invoice, "charge")
        if charge is not None:
            return self._charge_fee(charge)
        return sum(self._charge_fee(c) for c in self._paying_charges(external_id))

    def _paying_charges(self, external_id: str) -> list[Any]:
        """The charges of the invoice's paid Invoice Payments (newer API versions)."""
        payments = self._call(
            "list an invoice's payments",
            lambda: self._client.v1.invoice_payments.list(
                params={"invoice": external_id, "status": "paid", "limit": 100}
            ),
        )
        charges: list[Any] = []
        for payment in _field(payments, "data") or []:
            if _field(payment, "status") not in (None, "paid"):
                continue
            associated = _field(payment, "payment")
            kind = _field(associated, "type")
            if kind == "charge":
                charges.append(_field(associated, "charge"))
            elif kind == "payment_intent":
                intent = _field(associated, "payment_intent")
                if isinstance(intent, str):
                    intent = self._call(
                        "read a payment intent",
                        partial(self._client.v1.payment_intents.retrieve, intent),
                    )
                charges.append(_field(intent, "latest_charge"))
        return [c for c in charges if c is not None]

    def _charge_fee(self, charge: Any) -> int:
        if isinstance(charge, str):
            charge_id = charge
            charge = self._call(
                "read a charge", lambda: self._client.v1.charges.retrieve(charge_id)
            )
        balance = _field(charge, "balance_transaction")
        if isinstance(balance, str):
            balance_id = balance
            balance = self._call(
                "read a balance transaction",
                lambda: self._client.v1.balance_transactions.retrieve(balance_id),
            )
        fee = _field(balance, "fee")
        return int(fee) if isinstance(fee, int) else 0

    def fetch(self, external_id: str) -> RemoteInvoice | None:
        try:
            invoice = self._client.v1.invoices.retrieve(external_id)
        except stripe.InvalidRequestError:
            return None
        except stripe.StripeError as exc:
            raise GatewayUnavailableError(f"Stripe could not read {external_id}: {exc}") from exc
        return RemoteInvoice(
            external_id=str(invoice.id),
            status=str(_field(invoice, "status")),
            currency=str(_field(invoice, "currency")).upper(),
            total_minor=int(_field(invoice, "total") or 0),
            amount_paid_minor=int(_field(invoice, "amount_paid") or 0),
        )


def _field(obj: Any, name: str) -> Any:
    if obj is None or isinstance(obj, str):
        return None
    try:
        return obj[name]
    except (KeyError, TypeError):
        return None


class WebhookSignatureError(BillingError):
    """A webhook whose signature is missing, wrong or too old."""


class WebhookBodyError(BillingError):
    """A correctly signed webhook whose body is not a Stripe event (not a JSON object)."""


def verify_event(
    payload: bytes, signature: str | None, secret: str, tolerance: int = 300
) -> dict[str, Any]:
    """The event of a Stripe webhook, checked against its ``Stripe-Signature`` on the raw
    body (within ``tolerance`` seconds), as a plain dict."""
    if not signature:
        raise WebhookSignatureError("missing Stripe-Signature header")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise WebhookSignatureError(f"bad or stale signature: {exc.user_message or exc}") from None
    except ValueError as exc:  # the signature holds; the body is not JSON
        raise WebhookBodyError(f"the body is not a Stripe event: {exc}") from None
    except (AttributeError, TypeError):  # signed, but JSON that is not an object
        raise WebhookBodyError("the body is not a Stripe event: expected a JSON object") from None
    result: dict[str, Any] = event.to_dict()
    return result
