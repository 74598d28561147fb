"""``POST /v1/webhooks/stripe``: verified, each event once, in any order."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.billing.runs import OwedObligation, run_billing
from service.db.accounts import create_key, create_organisation
from service.db.models import (
    Commons,
    Invoice,
    LedgerEntry,
    LedgerTransaction,
    OrganisationKind,
    WebhookEvent,
)
from service.ledger.journal import invoice_issued, payment_received
from service.ledger.store import check, post
from tests.service.billing.conftest import WEBHOOK_SECRET, billing_app
from tests.service.billing.fakes import RecordingGateway
from tests.service.billing.signing import event, signed

pytestmark = pytest.mark.asyncio
PERIOD = "2026-11"


@pytest.fixture
def gateway() -> RecordingGateway:
    return RecordingGateway(fee_minor=30)


@pytest.fixture
def app(db_engine: AsyncEngine, gateway: RecordingGateway) -> FastAPI:
    return billing_app(db_engine, gateway)


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as c:
        yield c


@pytest_asyncio.fixture
async def invoice(
    db_sessions: async_sessionmaker[AsyncSession], gateway: RecordingGateway
) -> Invoice:
    obligations = [
        OwedObligation("ob-1", "acme", "geo", 700, "EUR", PERIOD),
        OwedObligation("ob-2", "acme", "maps", 300, "EUR", PERIOD),
    ]
    await run_billing(db_sessions, gateway, obligations, PERIOD)
    async with db_sessions() as session:
        found: Invoice | None = await session.scalar(select(Invoice))
    assert found is not None and found.external_id is not None
    return found


async def deliver(
    client: AsyncClient, body: dict[str, Any], secret: str = WEBHOOK_SECRET, at: int | None = None
) -> Any:
    payload, signature = signed(body, secret, at)
    return await client.post(
        "/v1/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def paid(invoice: Invoice, id: str = "evt_paid", kind: str = "invoice.paid") -> dict[str, Any]:
    return event(
        id,
        kind,
        {
            "id": invoice.external_id,
            "object": "invoice",
            "charge": "ch_1",
            "metadata": {"copyfair_invoice_id": str(invoice.id)},
        },
    )


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, str]:
    async with sessions() as session:
        events = await session.scalar(select(func.count()).select_from(WebhookEvent))
        txs = await session.scalar(select(func.count()).select_from(LedgerTransaction))
        status = await session.scalar(select(Invoice.status))
    return int(events or 0), int(txs or 0), str(status)


@pytest.mark.parametrize("problem", ["missing", "bad", "stale", "other-secret"])
async def test_an_unverified_webhook_answers_400_and_changes_nothing(
    client: AsyncClient,
    invoice: Invoice,
    db_sessions: async_sessionmaker[AsyncSession],
    problem: str,
) -> None:
    before = await _counts(db_sessions)
    body = paid(invoice)
    if problem == "missing":
        response = await client.post("/v1/webhooks/stripe", json=body)
    elif problem == "bad":
        payload, signature = signed(body, WEBHOOK_SECRET)
        response = await client.post(
            "/v1/webhooks/stripe",
            content=payload.replace(b"evt_paid", b"evt_pwnd"),
            headers={"Stripe-Signature": signature},
        )
    elif problem == "stale":
        response = await deliver(client, body, at=int(time.time()) - 3600)
    else:
        response = await deliver(client, body, secret="whsec_someone_else")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    assert await _counts(db_sessions) == before


async def test_each_event_is_applied_once(
    client: AsyncClient, invoice: Invoice, db_sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await deliver(client, paid(invoice))
    assert first.json() == {"received": True, "outcome": "applied"}
    again = await deliver(client, paid(invoice))
    assert again.json()["outcome"] == "duplicate"
    other = await deliver(client, paid(invoice, "evt_succeeded", "invoice.payment_succeeded"))
    assert other.json()["outcome"] == "no_change"
    events, txs, status = await _counts(db_sessions)
    assert (events, txs, status) == (2, 2, "paid")  # issue + payment
    async with db_sessions() as session:
        assert await check(session) == []
        row = await session.get(Invoice, invoice.id)
    assert row is not None and (row.fee_minor, row.charge_id) == (30, "ch_1")


async def test_a_failure_then_a_success_in_any_order(
    client: AsyncClient, invoice: Invoice, db_sessions: async_sessionmaker[AsyncSession]
) -> None:
    failed = event(
        "evt_failed", "invoice.payment_failed", {"id": invoice.external_id, "metadata": {}}
    )
    assert (await deliver(client, failed)).json()["outcome"] == "applied"
    assert (await _counts(db_sessions))[2] == "dunning"
    assert (await deliver(client, paid(invoice))).json()["outcome"] == "applied"
    late = event("evt_failed_late", "invoice.payment_failed", {"id": invoice.external_id})
    assert (await deliver(client, late)).json()["outcome"] == "no_change"
    assert (await _counts(db_sessions))[2] == "paid"


async def test_a_refund_is_a_reversing_entry_and_waits_for_its_payment(
    client: AsyncClient, invoice: Invoice, db_sessions: async_sessionmaker[AsyncSession]
) -> None:
    refund = event(
        "evt_refund",
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "invoice": invoice.external_id,
            "amount_refunded": 400,
            "refunds": {"data": [{"id": "re_1", "amount": 400}]},
        },
    )
    early = await deliver(client, refund)
    assert early.status_code == 409  # before the payment: not recorded, Stripe retries
    assert (await _counts(db_sessions))[0] == 0
    await deliver(client, paid(invoice))
    assert (await deliver(client, refund)).json()["outcome"] == "applied"
    assert (await deliver(client, refund)).json()["outcome"] == "duplicate"
    async with db_sessions() as session:
        pools = {
            row[0]: int(row[1])
            for row in await session.execute(
                select(LedgerEntry.account, func.sum(LedgerEntry.amount_minor)).group_by(
                    LedgerEntry.account
                )
            )
        }
        assert await check(session) == []
    # paid 1000, fee 30 (21 geo / 9 maps); refunded 400 (280 geo / 120 maps)
    assert pools["pool:geo"] == -(700 - 21 - 280)
    assert pools["pool:maps"] == -(300 - 9 - 120)
    assert pools["clearing"] == 1000 - 30 - 400


async def test_a_dispute_reverses_and_a_won_dispute_reinstates(
    client: AsyncClient, invoice: Invoice, db_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await deliver(client, paid(invoice))
    dispute = {"id": "dp_1", "object": "dispute", "charge": "ch_1", "amount": 1000}
    closed = event("evt_dp_won", "charge.dispute.closed", {**dispute, "status": "won"})
    assert (await deliver(client, closed)).status_code == 409  # closed before opened: retry
    opened = await deliver(client, event("evt_dp", "charge.dispute.created", dispute))
    assert opened.json()["outcome"] == "applied"
    assert (await _counts(db_sessions))[2] == "refunded"
    assert (await deliver(client, closed)).json()["outcome"] == "applied"
    assert (await _counts(db_sessions))[2] == "paid"


async def test_balances_are_for_the_foundations_own_commons(
    client: AsyncClient, invoice: Invoice, db_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await deliver(client, paid(invoice))
    async with db_sessions() as session:
        foundation = await create_organisation(session, OrganisationKind.FOUNDATION, "Geo F")
        company = await create_organisation(session, OrganisationKind.COMPANY, "Acme")
        key = await create_key(session, organisation_id=foundation.id)
        company_key = await create_key(session, organisation_id=company.id)
        commons = Commons(
            id=uuid.uuid4(),
            organisation_id=foundation.id,
            name="geo",
            licence="ppl",
            payee="geo",
            repositories=[],
            match={},
        )
        session.add(commons)
        await session.commit()
    async with db_sessions() as session:  # a commons of this foundation, billed and paid
        parts = [(str(commons.id), 500), (str(commons.id), 200)]
        await post(session, invoice_issued("issue:t", "acme", "EUR", parts))
        await post(session, payment_received("payment:t", "acme", "EUR", parts[:1], 10))
        await session.commit()
    response = await client.get(
        "/v1/ledger/balances", headers={"Authorization": f"Bearer {key.token}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["commons"] == [
        {
            "commons_id": str(commons.id),
            "currency": "EUR",
            "pool_minor": 490,
            "billed_unpaid_minor": 200,
        }
    ]
    assert all(a["commons_id"] == str(commons.id) for a in body["accounts"])
    forbidden = await client.get(
        "/v1/ledger/balances", headers={"Authorization": f"Bearer {company_key.token}"}
    )
    assert forbidden.status_code == 403


async def test_a_handler_killed_midway_leaves_nothing_and_the_redelivery_applies_once(
    client: AsyncClient,
    invoice: Invoice,
    db_sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from service.billing import events
    from service.billing.payments import record_payment as real

    async def dies_after_writing(*args: Any, **kwargs: Any) -> bool:
        await real(*args, **kwargs)  # the ledger entries are flushed...
        raise RuntimeError("killed")  # ...and the process dies before the commit

    monkeypatch.setattr(events, "record_payment", dies_after_writing)
    with pytest.raises(RuntimeError, match="killed"):  # the test transport re-raises it
        await deliver(client, paid(invoice))
    assert await _counts(db_sessions) == (0, 1, "open")  # only the issue; no event recorded
    monkeypatch.setattr(events, "record_payment", real)
    assert (await deliver(client, paid(invoice))).json()["outcome"] == "applied"
    assert await _counts(db_sessions) == (1, 2, "paid")


async def test_concurrent_deliveries_of_one_event_apply_it_once(
    client: AsyncClient, invoice: Invoice, db_sessions: async_sessionmaker[AsyncSession]
) -> None:
    import asyncio

    responses = await asyncio.gather(*(deliver(client, paid(invoice)) for _ in range(5)))
    codes = sorted(r.status_code for r in responses)
    assert codes[0] == 200 and set(codes) <= {200, 409}
    assert await _counts(db_sessions) == (1, 2, "paid")
