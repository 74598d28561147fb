"""Signed Stripe events of odd shapes: a missing or over-long id, NUL bytes, amounts that
are not integers or overflow 64 bits, refunds that are not a list. Each answers 400 naming
the field (or is ignored when it concerns none of our invoices), never 500, and nothing is
recorded: the event can be delivered again."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from service.api.routes.webhooks import BillingContext
from service.billing.config import BillingConfig
from service.billing.manual import ManualGateway
from service.db.models import Invoice
from tests.service.api.conftest import Tenant, commons_body
from tests.service.api.report_fixtures import scan_doc
from tests.service.billing.conftest import WEBHOOK_SECRET
from tests.service.billing.signing import event, signed

pytestmark = pytest.mark.asyncio


async def _deliver(app: FastAPI, client: AsyncClient, body: Any) -> tuple[int, dict[str, Any]]:
    app.state.billing = BillingContext(
        BillingConfig(stripe_webhook_secret=WEBHOOK_SECRET), ManualGateway()
    )
    payload, signature = signed(body, WEBHOOK_SECRET)
    r = await client.post(
        "/v1/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    answer: dict[str, Any] = r.json()
    return r.status_code, answer


ODD_EVENTS: list[tuple[str, Any]] = [
    ("no id", {k: v for k, v in event("x", "invoice.paid", {}).items() if k != "id"}),
    ("id null", {**event("x", "invoice.paid", {}), "id": None}),
    ("id 2^70", {**event("x", "invoice.paid", {}), "id": 2**70}),
    ("id long", event("evt_" + "x" * 300, "invoice.paid", {"id": "in_1"})),
    ("id NUL", event("evt_\u0000", "invoice.paid", {"id": "in_1"})),
    ("type long", event("evt_t", "x" * 300, {})),
    ("type NUL", event("evt_tn", "invoice.\u0000", {})),
    ("type list", {**event("evt_tl", "invoice.paid", {}), "type": ["invoice.paid"]}),
    ("object id NUL", event("evt_o", "invoice.paid", {"id": "in_\u0000"})),
    ("object id long", event("evt_ol", "invoice.paid", {"id": "in_" + "x" * 5000})),
    ("metadata NUL", event("evt_m", "invoice.paid", {"metadata": {"copyfair_invoice_id": "\0"}})),
    ("charge NUL", event("evt_c", "charge.refunded", {"id": "ch_\u0000", "invoice": "in_\0"})),
    ("refunds list", event("evt_r", "charge.refunded", {"id": "ch_1", "refunds": []})),
    ("refunds str", event("evt_rs", "charge.refunded", {"id": "ch_1", "refunds": "x"})),
    ("refund no id", event("evt_ri", "charge.refunded", {"id": "ch_1", "refunds": {"data": [{}]}})),
    ("amount text", event("evt_a", "charge.refunded", {"id": "ch_1", "amount_refunded": "x"})),
    ("amount 2^70", event("evt_a7", "charge.refunded", {"id": "ch_1", "amount_refunded": 2**70})),
    ("dispute text", event("evt_d", "charge.dispute.created", {"charge": "ch_1", "amount": "x"})),
    ("data list", {**event("evt_dl", "invoice.paid", {}), "data": [1]}),
    ("not an object", [1, 2, 3]),
]


@pytest.mark.parametrize(("name", "body"), ODD_EVENTS, ids=[n for n, _ in ODD_EVENTS])
async def test_an_odd_signed_event_never_fails_the_server(
    app: FastAPI, client: AsyncClient, name: str, body: Any
) -> None:
    status, answer = await _deliver(app, client, body)
    assert status in (200, 400), (name, status, answer)
    if status == 400:
        assert answer["error"]["code"] and answer["error"]["message"], answer


async def _paid_invoice(
    app: FastAPI, client: AsyncClient, foundation: Tenant, company: Tenant
) -> str:
    """A company's invoice, paid by hand; answers its external (gateway) id."""
    app.state.foundation_transfers = None
    made = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    assert made.status_code == 201, made.text
    body = {"scan": scan_doc(), "period": "2026-11", "project": "p"}
    assert (await client.post("/v1/reports", json=body, headers=company.headers)).is_success
    run = await client.post(
        "/v1/billing/runs", json={"period": "2026-11"}, headers=foundation.headers
    )
    assert run.status_code == 202, run.text
    [invoice] = (await client.get("/v1/invoices", headers=company.headers)).json()["items"]
    paid = await client.post(
        f"/v1/invoices/{invoice['id']}/payments",
        json={"amount_minor": invoice["total_minor"], "currency": "EUR", "reference": "bank-1"},
        headers=foundation.headers,
    )
    assert paid.status_code == 201, paid.text
    async with app.state.services.sessions() as session:
        row = await session.get(Invoice, uuid.UUID(invoice["id"]))
        assert row is not None and row.external_id
        external: str = row.external_id
        return external


def _refund(ext: str, **obj: Any) -> dict[str, Any]:
    return event(
        f"evt_{uuid.uuid4().hex}", "charge.refunded", {"id": "ch_1", "invoice": ext, **obj}
    )


async def test_odd_amounts_of_a_paid_invoice_answer_400_naming_the_field(
    app: FastAPI, client: AsyncClient, foundation: Tenant, company: Tenant
) -> None:
    ext = await _paid_invoice(app, client, foundation, company)
    cases = [
        (_refund(ext, amount_refunded="lots"), "data.object.amount_refunded"),
        (_refund(ext, amount_refunded=2**70), "data.object.amount_refunded"),
        (_refund(ext, amount_refunded=1.5), "data.object.amount_refunded"),
        (_refund(ext, refunds="x"), "data.object.refunds"),
        (_refund(ext, refunds={"data": "x"}), "data.object.refunds"),
        (_refund(ext, refunds={"data": [1]}), "data.object.refunds.data[0]"),
        (_refund(ext, refunds={"data": [{"amount": 5}]}), "data.object.refunds.data[0].id"),
        (
            _refund(ext, refunds={"data": [{"id": "r" * 101, "amount": 5}]}),
            "data.object.refunds.data[0].id",
        ),
        (
            _refund(ext, refunds={"data": [{"id": "re_1", "amount": "x"}]}),
            "data.object.refunds.data[0].amount",
        ),
        (
            _refund(ext, refunds={"data": [{"id": "re_1", "amount": -(2**64)}]}),
            "data.object.refunds.data[0].amount",
        ),
    ]
    for body, field in cases:
        status, answer = await _deliver(app, client, body)
        assert status == 400, (body, answer)
        assert answer["error"]["code"] == "malformed_event"
        assert answer["error"]["field"] == field, answer
    # nothing was recorded: a well-formed refund under the last id still applies
    good = {
        **cases[-1][0],
        "data": {"object": {"id": "ch_1", "invoice": ext, "amount_refunded": 100}},
    }
    status, answer = await _deliver(app, client, good)
    assert (status, answer["outcome"]) == (200, "applied"), answer
    status, answer = await _deliver(app, client, good)
    assert (status, answer["outcome"]) == (200, "duplicate"), answer


async def test_an_event_without_an_id_names_the_field(app: FastAPI, client: AsyncClient) -> None:
    status, answer = await _deliver(app, client, ODD_EVENTS[0][1])
    assert status == 400
    assert answer["error"]["code"] == "malformed_event"
    assert answer["error"]["field"] == "id"
    status, answer = await _deliver(app, client, [1, 2, 3])
    assert status == 400
    assert "expected a JSON object" in answer["error"]["message"]
    assert (answer["error"]["code"], answer["error"]["field"]) == ("malformed_event", "body")
