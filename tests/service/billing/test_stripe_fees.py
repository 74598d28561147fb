"""The processor's fee of a paid invoice, on API versions whose invoices name their charge
(the old path, also run against localstripe in test_stripe.py) and on newer ones, where the
fee is found through the invoice's payments: a fake of Stripe's responses behind the real
SDK (localstripe has no Invoice Payments)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import stripe

from service.billing.stripe_gateway import StripeGateway

BASE = "http://127.0.0.1:9"


class FakeStripe(stripe.HTTPClient):
    """Answers GETs from ``objects`` (path -> JSON body) and records each call."""

    name = "fake-stripe"

    def __init__(self, objects: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self.objects = objects
        self.calls: list[tuple[str, dict[str, list[str]]]] = []

    def request(
        self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None
    ) -> tuple[str, int, dict[str, str]]:
        parts = urlsplit(url)
        self.calls.append((parts.path, parse_qs(parts.query)))
        found = self.objects.get(parts.path)
        if method != "get" or found is None:
            error = {"error": {"type": "invalid_request_error", "message": "No such object"}}
            return json.dumps(error), 404, {}
        return json.dumps(found), 200, {}

    def close(self) -> None:
        return None


def _gateway(objects: dict[str, dict[str, Any]]) -> tuple[StripeGateway, FakeStripe]:
    http = FakeStripe(objects)
    return StripeGateway("sk_test_x", BASE, http_client=http), http


CHARGES: dict[str, dict[str, Any]] = {
    "/v1/charges/ch_1": {"id": "ch_1", "object": "charge", "balance_transaction": "txn_1"},
    "/v1/charges/ch_2": {"id": "ch_2", "object": "charge", "balance_transaction": "txn_2"},
    "/v1/balance_transactions/txn_1": {"id": "txn_1", "object": "balance_transaction", "fee": 59},
    "/v1/balance_transactions/txn_2": {"id": "txn_2", "object": "balance_transaction", "fee": 11},
}


def _invoice(**extra: Any) -> dict[str, Any]:
    return {
        "id": "in_1",
        "object": "invoice",
        "status": "paid",
        "currency": "eur",
        "total": 1250,
        "amount_paid": 1250,
        **extra,
    }


def test_the_fee_of_an_invoice_that_names_its_charge() -> None:
    gateway, http = _gateway({"/v1/invoices/in_1": _invoice(charge="ch_1"), **CHARGES})
    assert gateway.fee("in_1") == 59
    assert [path for path, _ in http.calls] == [
        "/v1/invoices/in_1",
        "/v1/charges/ch_1",
        "/v1/balance_transactions/txn_1",
    ]


def test_the_fee_through_the_invoice_payments_of_newer_api_versions() -> None:
    payments = {
        "object": "list",
        "url": "/v1/invoice_payments",
        "has_more": False,
        "data": [
            {
                "id": "inpay_1",
                "object": "invoice_payment",
                "invoice": "in_1",
                "status": "paid",
                "amount_paid": 1000,
                "payment": {"type": "payment_intent", "payment_intent": "pi_1"},
            },
            {
                "id": "inpay_2",
                "object": "invoice_payment",
                "invoice": "in_1",
                "status": "paid",
                "amount_paid": 250,
                "payment": {"type": "charge", "charge": "ch_2"},
            },
            {
                "id": "inpay_3",
                "object": "invoice_payment",
                "invoice": "in_1",
                "status": "canceled",
                "amount_paid": None,
                "payment": {"type": "payment_intent", "payment_intent": "pi_failed"},
            },
        ],
    }
    objects = {
        "/v1/invoices/in_1": _invoice(),  # no "charge" on newer API versions
        "/v1/invoice_payments": payments,
        "/v1/payment_intents/pi_1": {
            "id": "pi_1",
            "object": "payment_intent",
            "latest_charge": "ch_1",
        },
        **CHARGES,
    }
    gateway, http = _gateway(objects)
    assert gateway.fee("in_1") == 59 + 11
    paths = [path for path, _ in http.calls]
    assert paths[:3] == ["/v1/invoices/in_1", "/v1/invoice_payments", "/v1/payment_intents/pi_1"]
    assert "/v1/payment_intents/pi_failed" not in paths
    query = dict(http.calls[1][1])
    assert query["invoice"] == ["in_1"] and query["status"] == ["paid"]


def test_an_invoice_without_payments_has_no_fee() -> None:
    empty = {"object": "list", "url": "/v1/invoice_payments", "has_more": False, "data": []}
    gateway, _ = _gateway({"/v1/invoices/in_1": _invoice(), "/v1/invoice_payments": empty})
    assert gateway.fee("in_1") == 0
