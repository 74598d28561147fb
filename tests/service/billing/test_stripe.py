"""The Stripe gateway against localstripe, a real HTTP server; its signed webhooks are
delivered to the service served over HTTP."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
import stripe
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.billing.reconcile import reconcile
from service.billing.runs import OwedObligation, run_billing
from service.billing.stripe_gateway import StripeGateway
from service.db.models import BillingCustomer, Invoice, InvoiceLine, WebhookEvent
from service.ledger.store import balances, check
from tests.service.billing.conftest import WEBHOOK_SECRET, ServedApp, billing_app

pytestmark = pytest.mark.asyncio
PERIOD = "2026-11"
API_KEY = "sk_test_copyfair"


def _client(url: str) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": url})


def customer_with_card(url: str, card: str) -> str:
    """A company that has set up a card (in production: Stripe Checkout / a SetupIntent)."""
    client = _client(url)
    customer = client.v1.customers.create(params={"email": "billing@acme.example"})
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2040, "cvc": "123"},
        }
    )
    client.v1.payment_methods.attach(method.id, params={"customer": customer.id})
    client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": method.id}}
    )
    return str(customer.id)


async def _wait_for_status(
    sessions: async_sessionmaker[AsyncSession], status: str, timeout: float = 15
) -> Invoice:
    deadline = time.monotonic() + timeout
    while True:
        async with sessions() as session:
            found: Invoice | None = await session.scalar(select(Invoice))
        if found is not None and found.status == status:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"invoice still {found.status if found else None}")
        await asyncio.sleep(0.1)


async def _setup(
    localstripe_url: str, sessions: async_sessionmaker[AsyncSession], card: str
) -> str:
    company = f"acme-{uuid.uuid4().hex[:8]}"
    async with sessions() as session:
        session.add(
            BillingCustomer(
                company_id=company,
                gateway="stripe",
                external_id=customer_with_card(localstripe_url, card),
            )
        )
        await session.commit()
    return company


def _register(localstripe_url: str, served: ServedApp) -> None:
    response = httpx.post(
        f"{localstripe_url}/_config/webhooks/copyfair",
        data={"url": f"{served.url}/v1/webhooks/stripe", "secret": WEBHOOK_SECRET},
    )
    assert response.status_code == 200


async def test_bill_pay_and_webhook_end_to_end(
    localstripe_url: str,
    db_engine: AsyncEngine,
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    gateway = StripeGateway(API_KEY, localstripe_url)
    company = await _setup(localstripe_url, db_sessions, "4242424242424242")
    obligations = [
        OwedObligation("ob-geo", company, "geo", 1500, "EUR", PERIOD),
        OwedObligation("ob-maps", company, "maps", 500, "EUR", PERIOD),
    ]
    with ServedApp(billing_app(db_engine, gateway)) as served:
        _register(localstripe_url, served)
        report = await run_billing(db_sessions, gateway, obligations, PERIOD)
        assert (report.invoices_created, report.lines_added) == (1, 2)
        invoice = await _wait_for_status(db_sessions, "paid")
        again = await run_billing(db_sessions, gateway, obligations, PERIOD)
        assert (again.invoices_created, again.lines_added, again.already_billed) == (0, 0, 2)

    assert invoice.external_id is not None
    remote = gateway.fetch(invoice.external_id)
    assert remote is not None
    assert (remote.status, remote.total_minor, remote.currency) == ("paid", 2000, "EUR")
    lines = _client(localstripe_url).v1.invoices.retrieve(invoice.external_id).to_dict()
    metadata = sorted(line["metadata"]["obligation_id"] for line in lines["lines"]["data"])
    assert metadata == ["ob-geo", "ob-maps"]
    customer = await _customer_id(db_sessions, company)
    listed = _client(localstripe_url).v1.invoices.list(params={"customer": customer})
    assert len(listed.data) == 1  # the second run billed nothing
    async with db_sessions() as session:
        found = {b.account: b.amount_minor for b in await balances(session)}
        assert await check(session) == []
        statuses = set(await session.scalars(select(InvoiceLine.status)))
        kinds = set(await session.scalars(select(WebhookEvent.type)))
    assert found["pool:geo"] == -1500 and found["pool:maps"] == -500  # localstripe: no fee
    assert found[f"receivable:{company}"] == 0
    assert statuses == {"paid"}
    assert "invoice.payment_succeeded" in kinds
    async with db_sessions() as session:
        assert await reconcile(session, gateway) == []


async def _customer_id(sessions: async_sessionmaker[AsyncSession], company: str) -> str:
    async with sessions() as session:
        row = await session.get(BillingCustomer, (company, "stripe"))
    assert row is not None
    return row.external_id


async def test_a_declined_card_moves_no_money(
    localstripe_url: str,
    db_engine: AsyncEngine,
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    gateway = StripeGateway(API_KEY, localstripe_url)
    company = await _setup(localstripe_url, db_sessions, "4000000000000341")
    obligations = [OwedObligation("ob-1", company, "geo", 900, "EUR", PERIOD)]
    with ServedApp(billing_app(db_engine, gateway)) as served:
        _register(localstripe_url, served)
        await run_billing(db_sessions, gateway, obligations, PERIOD)
        # localstripe sends no invoice.payment_failed for a declined synchronous payment
        # (Stripe does; dunning on that event is tested in test_webhooks.py)
        await asyncio.sleep(1.5)
        invoice = await _wait_for_status(db_sessions, "open")
    assert invoice.external_id is not None
    remote = gateway.fetch(invoice.external_id)
    assert remote is not None and (remote.status, remote.amount_paid_minor) == ("open", 0)
    async with db_sessions() as session:
        found = {b.account: b.amount_minor for b in await balances(session)}
    assert found[f"receivable:{company}"] == 900
    assert "pool:geo" not in found
