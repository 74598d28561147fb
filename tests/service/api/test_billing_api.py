"""The billing API: runs (foundation only, in the background), invoices (each tenant sees
its own), payments recorded by hand (idempotent)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.api.routes.webhooks import BillingContext
from service.billing.config import BillingConfig
from service.billing.interface import GatewayUnavailableError
from service.billing.manual import ManualGateway
from service.db.models import OrganisationKind
from service.db.models.ledger import BillingRun
from service.ledger.store import balances
from tests.service.api.conftest import Tenant, make_commoner, make_organisation
from tests.service.billing.conftest import WEBHOOK_SECRET
from tests.service.billing.signing import event, signed
from tests.service.billing.store_rows import (
    PERIOD,
    Row,
    World,
    add_commons,
    statuses,
    store_obligations,
)
from tests.service.transfers_fake import RecordingProvider

pytestmark = pytest.mark.asyncio


class FailingGateway(ManualGateway):
    def customer(self, company_id: str) -> str:
        raise GatewayUnavailableError("the processor is down (test)")


@dataclass
class Billing:
    sessions: async_sessionmaker[AsyncSession]
    world: World
    obligations: list[uuid.UUID]
    company: Tenant
    globex: Tenant
    foundation: Tenant
    other: Tenant


@pytest_asyncio.fixture
async def billing(
    app: FastAPI, company: Tenant, foundation: Tenant, other_foundation: Tenant
) -> Billing:
    app.state.billing = BillingContext(BillingConfig(), ManualGateway())
    app.state.foundation_transfers = None  # the operator is the foundation
    sessions: async_sessionmaker[AsyncSession] = app.state.services.sessions
    globex = await make_organisation(app, OrganisationKind.COMPANY, "Globex")
    world = World(
        geo_foundation=foundation.id,
        other_foundation=other_foundation.id,
        acme=company.id,
        globex=globex.id,
    )
    world.commons["geo"] = await add_commons(sessions, foundation.id, "geo")
    world.commons["maps"] = await add_commons(sessions, foundation.id, "maps")
    world.commons["tiles"] = await add_commons(sessions, other_foundation.id, "tiles")
    ids = await store_obligations(
        sessions,
        world,
        [
            Row(company.id, world.commons["geo"], 1000),
            Row(company.id, world.commons["maps"], 250),
            Row(company.id, world.commons["tiles"], 400),
            Row(globex.id, world.commons["geo"], 333),
        ],
    )
    return Billing(sessions, world, ids, company, globex, foundation, other_foundation)


async def _run(client: AsyncClient, tenant: Tenant, period: str = PERIOD) -> dict[str, object]:
    started = await client.post("/v1/billing/runs", json={"period": period}, headers=tenant.headers)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    run_id = started.json()["id"]
    found = await client.get(f"/v1/billing/runs/{run_id}", headers=tenant.headers)
    assert found.status_code == 200, found.text
    body: dict[str, object] = found.json()
    return body


async def test_a_foundation_runs_billing_for_its_own_commons(
    client: AsyncClient, billing: Billing
) -> None:
    run = await _run(client, billing.foundation)
    assert run["status"] == "done", run
    assert run["report"] == {
        "period": PERIOD,
        "invoices_created": 2,  # acme and globex, for geo and maps
        "lines_added": 3,
        "already_billed": 0,
        "invoices_issued": 2,
    }
    assert run["started_at"] and run["finished_at"]
    assert await statuses(billing.sessions, billing.obligations) == [
        "invoiced",
        "invoiced",
        "owed",  # tiles: the other foundation's
        "invoiced",
    ]
    again = await _run(client, billing.foundation)
    assert again["report"] == {
        "period": PERIOD,
        "invoices_created": 0,
        "lines_added": 0,
        "already_billed": 0,
        "invoices_issued": 0,
    }
    other = await client.get(f"/v1/billing/runs/{run['id']}", headers=billing.other.headers)
    assert other.status_code == 404
    assert other.json()["error"]["field"] == "run_id"
    listed = await client.get("/v1/billing/runs?limit=1", headers=billing.foundation.headers)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["items"]] == [run["id"]]
    assert listed.json()["next"]


async def test_companies_and_commoners_may_not_run_billing(
    app: FastAPI, client: AsyncClient, billing: Billing
) -> None:
    commoner = await make_commoner(app, "Ada")
    for tenant in (billing.company, commoner):
        r = await client.post("/v1/billing/runs", json={"period": PERIOD}, headers=tenant.headers)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
    anonymous = await client.post("/v1/billing/runs", json={"period": PERIOD})
    assert anonymous.status_code == 401
    assert await statuses(billing.sessions, billing.obligations) == ["owed"] * 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "november"}, "period"),
        ({}, "period"),
        ({"period": "2026-11", "dry": True}, "dry"),
        ([], None),
    ],
)
async def test_a_malformed_run_request_answers_422_naming_the_field(
    client: AsyncClient, billing: Billing, body: object, field: str | None
) -> None:
    r = await client.post("/v1/billing/runs", json=body, headers=billing.foundation.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field


async def test_a_run_in_progress_answers_409(client: AsyncClient, billing: Billing) -> None:
    async with billing.sessions() as session:
        session.add(BillingRun(organisation_id=billing.foundation.id, period=PERIOD))
        await session.commit()
    r = await client.post(
        "/v1/billing/runs", json={"period": PERIOD}, headers=billing.foundation.headers
    )
    assert r.status_code == 409
    assert "in progress" in r.json()["error"]["message"]
    other = await client.post(
        "/v1/billing/runs", json={"period": PERIOD}, headers=billing.other.headers
    )
    assert other.status_code == 202  # another foundation is not blocked


async def test_a_failed_run_says_why_and_bills_nothing(
    app: FastAPI, client: AsyncClient, billing: Billing
) -> None:
    app.state.billing = BillingContext(BillingConfig(), FailingGateway())
    run = await _run(client, billing.foundation)
    assert run["status"] == "failed"
    assert "the processor is down" in str(run["error"])
    app.state.billing = BillingContext(BillingConfig(), ManualGateway())
    resumed = await _run(client, billing.foundation)  # the planned invoices are pushed now
    assert resumed["status"] == "done"
    assert resumed["report"]["invoices_issued"] == 2  # type: ignore[index]


async def _invoices(
    client: AsyncClient, tenant: Tenant, query: str = ""
) -> list[dict[str, object]]:
    r = await client.get(f"/v1/invoices{query}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, object]] = r.json()["items"]
    return items


async def test_each_tenant_sees_its_own_invoices_and_lines(
    app: FastAPI, client: AsyncClient, billing: Billing
) -> None:
    await _run(client, billing.foundation)
    await _run(client, billing.other)
    acme = await _invoices(client, billing.company)
    assert sorted((i["foundation_id"], i["total_minor"]) for i in acme) == sorted(
        [(str(billing.foundation.id), 1250), (str(billing.other.id), 400)]
    )
    assert all(i["company_id"] == str(billing.company.id) for i in acme)
    globex = await _invoices(client, billing.globex)
    assert [(i["total_minor"], len(i["lines"])) for i in globex] == [(333, 1)]  # type: ignore[arg-type]
    geo = await _invoices(client, billing.foundation)
    assert sorted(i["total_minor"] for i in geo) == [333, 1250]  # type: ignore[type-var]
    lines = {line["commons_id"] for i in geo for line in i["lines"]}  # type: ignore[attr-defined]
    assert lines == {str(billing.world.commons["geo"]), str(billing.world.commons["maps"])}
    tiles = await _invoices(client, billing.other)
    assert [i["total_minor"] for i in tiles] == [400]

    other_invoice = tiles[0]["id"]
    for tenant in (billing.foundation, billing.globex):
        r = await client.get(f"/v1/invoices/{other_invoice}", headers=tenant.headers)
        assert r.status_code == 404
    mine = await client.get(f"/v1/invoices/{other_invoice}", headers=billing.company.headers)
    assert mine.status_code == 200 and mine.json()["status"] == "open"

    first = await client.get("/v1/invoices?limit=1", headers=billing.company.headers)
    nxt = first.json()["next"]
    assert nxt and len(first.json()["items"]) == 1
    second = await _invoices(client, billing.company, f"?limit=1&cursor={nxt}")
    assert {first.json()["items"][0]["id"], second[0]["id"]} == {i["id"] for i in acme}
    assert await _invoices(client, billing.company, "?period=2026-10") == []
    assert len(await _invoices(client, billing.company, "?status=open")) == 2

    bad = await client.get("/v1/invoices?cursor=nope", headers=billing.company.headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"
    bad_period = await client.get("/v1/invoices?period=11-2026", headers=billing.company.headers)
    assert bad_period.status_code == 422 and bad_period.json()["error"]["field"] == "period"
    assert "YYYY-MM" in bad_period.json()["error"]["message"]
    commoner = await make_commoner(app, "Ada")
    assert (await client.get("/v1/invoices", headers=commoner.headers)).status_code == 403


async def _acme_invoice(client: AsyncClient, billing: Billing) -> dict[str, object]:
    await _run(client, billing.foundation)
    (invoice,) = [
        i
        for i in await _invoices(client, billing.foundation)
        if i["company_id"] == str(billing.company.id)
    ]
    return invoice


async def test_a_payment_is_recorded_once_per_reference(
    client: AsyncClient, billing: Billing
) -> None:
    invoice = await _acme_invoice(client, billing)
    url = f"/v1/invoices/{invoice['id']}/payments"
    headers = {**billing.foundation.headers, "Idempotency-Key": "bank-2026-11-0042"}
    body = {"amount_minor": 1250, "currency": "EUR", "fee_minor": 50}
    first = await client.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["recorded"] is True
    paid = first.json()["invoice"]
    assert (paid["status"], paid["amount_paid_minor"], paid["fee_minor"]) == ("paid", 1250, 50)
    assert paid["payment_reference"] == "bank-2026-11-0042"
    assert {line["status"] for line in paid["lines"]} == {"paid"}

    replay = await client.post(url, json=body, headers=headers)
    assert replay.status_code == 200
    assert replay.json()["recorded"] is False
    same_in_body = await client.post(
        url, json={**body, "reference": "bank-2026-11-0042"}, headers=billing.foundation.headers
    )
    assert same_in_body.status_code == 200
    other = await client.post(
        url, json={**body, "reference": "bank-other"}, headers=billing.foundation.headers
    )
    assert other.status_code == 409
    assert "already paid" in other.json()["error"]["message"]

    assert await statuses(billing.sessions, billing.obligations[:2]) == ["paid", "paid"]
    geo, maps = billing.world.commons["geo"], billing.world.commons["maps"]
    mine = {f"pool:{geo}", f"pool:{maps}"}  # the database may hold other tests' commons
    async with billing.sessions() as session:
        pools = {b.account: b.amount_minor for b in await balances(session) if b.account in mine}
    assert pools == {f"pool:{geo}": -960, f"pool:{maps}": -240}  # 1250 less 50 of fees


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"amount_minor": 1000}, 422, "amount_minor"),
        ({"currency": "USD"}, 422, "currency"),
        ({"fee_minor": 5000}, 422, "fee_minor"),
        ({"fee_minor": -1}, 422, "fee_minor"),
        ({"amount_minor": "lots"}, 422, "amount_minor"),
        ({"memo": "x"}, 422, "memo"),
    ],
)
async def test_a_payment_that_does_not_fit_is_refused_naming_the_field(
    client: AsyncClient, billing: Billing, body: dict[str, object], status: int, field: str
) -> None:
    invoice = await _acme_invoice(client, billing)
    r = await client.post(
        f"/v1/invoices/{invoice['id']}/payments",
        json={"reference": "bank-1", **body},
        headers=billing.foundation.headers,
    )
    assert r.status_code == status, r.text
    assert r.json()["error"]["field"] == field
    assert await statuses(billing.sessions, billing.obligations[:2]) == ["invoiced"] * 2


async def test_only_the_invoice_s_foundation_records_its_payment(
    client: AsyncClient, billing: Billing
) -> None:
    invoice = await _acme_invoice(client, billing)
    url = f"/v1/invoices/{invoice['id']}/payments"
    body = {"reference": "bank-1"}
    assert (await client.post(url, json=body, headers=billing.company.headers)).status_code == 403
    assert (await client.post(url, json=body, headers=billing.other.headers)).status_code == 404
    missing = await client.post(url, json={}, headers=billing.foundation.headers)
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "reference"
    unknown = await client.post(
        f"/v1/invoices/{uuid.uuid4()}/payments", json=body, headers=billing.foundation.headers
    )
    assert unknown.status_code == 404
    assert await statuses(billing.sessions, billing.obligations[:2]) == ["invoiced"] * 2


async def test_a_foundation_sets_its_payout_account(client: AsyncClient, billing: Billing) -> None:
    url = "/v1/billing/payout-account"
    headers = billing.foundation.headers
    assert (await client.get(url, headers=headers)).json()["account_id"] is None
    r = await client.put(url, json={"account_id": "acct_1GeoFoundation"}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "organisation_id": str(billing.foundation.id),
        "account_id": "acct_1GeoFoundation",
    }
    assert (await client.get(url, headers=headers)).json()["account_id"] == "acct_1GeoFoundation"
    other = await client.get(url, headers=billing.other.headers)
    assert other.json()["account_id"] is None
    for body, field in (({"account_id": "ba_1"}, "account_id"), ({}, "account_id")):
        bad = await client.put(url, json=body, headers=headers)
        assert bad.status_code == 422, bad.text
        assert bad.json()["error"]["field"] == field
    company = await client.put(url, json={"account_id": "acct_1X"}, headers=billing.company.headers)
    assert company.status_code == 403
    cleared = await client.put(url, json={"account_id": None}, headers=headers)
    assert cleared.json()["account_id"] is None


async def test_a_recorded_payment_sends_the_funds_to_the_foundation(
    app: FastAPI, client: AsyncClient, billing: Billing
) -> None:
    provider = RecordingProvider()
    app.state.foundation_transfers = provider
    await client.put(
        "/v1/billing/payout-account",
        json={"account_id": "acct_1GeoFoundation"},
        headers=billing.foundation.headers,
    )
    invoice = await _acme_invoice(client, billing)
    url = f"/v1/invoices/{invoice['id']}/payments"
    headers = {**billing.foundation.headers, "Idempotency-Key": "bank-7"}
    first = await client.post(url, json={"fee_minor": 50}, headers=headers)
    assert first.status_code == 201, first.text
    replay = await client.post(url, json={"fee_minor": 50}, headers=headers)
    assert replay.status_code == 200
    geo, maps = billing.world.commons["geo"], billing.world.commons["maps"]
    assert sorted((r.idempotency_key, r.amount_minor) for r in provider.requests) == sorted(
        [
            (f"copyfair-transfer-{invoice['id']}-{geo}", 960),
            (f"copyfair-transfer-{invoice['id']}-{maps}", 240),
        ]
    )
    assert {r.transfer_group for r in provider.requests} == {f"invoice_{invoice['id']}"}
    assert provider.moved("acct_1GeoFoundation") == 1200
    listed = await client.get("/v1/billing/transfers", headers=billing.foundation.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert sorted((t["amount_minor"], t["status"], t["destination"]) for t in items) == [
        (240, "sent", "acct_1GeoFoundation"),
        (960, "sent", "acct_1GeoFoundation"),
    ]
    other = await client.get("/v1/billing/transfers", headers=billing.other.headers)
    assert other.json()["items"] == []
    company = await client.get("/v1/billing/transfers", headers=billing.company.headers)
    assert company.status_code == 403
    bad = await client.get("/v1/billing/transfers?status=lost", headers=billing.foundation.headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


async def _webhook_transfers(
    app: FastAPI, client: AsyncClient, billing: Billing
) -> tuple[RecordingProvider, dict[str, object]]:
    """Stripe webhooks on (signed with the test secret), transfers recorded, the foundation's
    payout account set, and Acme's invoice billed: the recording provider and the invoice."""
    provider = RecordingProvider()
    app.state.foundation_transfers = provider
    app.state.billing = BillingContext(
        BillingConfig(stripe_webhook_secret=WEBHOOK_SECRET), ManualGateway()
    )
    await client.put(
        "/v1/billing/payout-account",
        json={"account_id": "acct_1GeoFoundation"},
        headers=billing.foundation.headers,
    )
    return provider, await _acme_invoice(client, billing)


def _invoice_paid(event_id: str, invoice: dict[str, object], **more: object) -> dict[str, Any]:
    """Stripe's ``invoice.paid`` event for one of our invoices, with ``more`` fields."""
    metadata = {"copyfair_invoice_id": invoice["id"]}
    paid = {"id": f"in_manual_{invoice['id']}", "object": "invoice", **more, "metadata": metadata}
    return event(event_id, "invoice.paid", paid)


async def _deliver(client: AsyncClient, body: dict[str, Any]) -> None:
    """Deliver a Stripe event signed with the test secret; it must be accepted."""
    payload, signature = signed(body, WEBHOOK_SECRET)
    answer = await client.post(
        "/v1/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text


async def test_a_paid_webhook_sends_the_funds_to_the_foundation(
    app: FastAPI, client: AsyncClient, billing: Billing
) -> None:
    provider, invoice = await _webhook_transfers(app, client, billing)
    body = _invoice_paid("evt_paid_1", invoice)
    for _ in range(2):  # a redelivery moves nothing more
        await _deliver(client, body)
    assert sorted(r.amount_minor for r in provider.requests) == [250, 1000]
    assert {r.transfer_group for r in provider.requests} == {f"invoice_{invoice['id']}"}
    assert provider.moved("acct_1GeoFoundation") == 1250


async def test_a_refund_webhook_after_the_transfer_takes_the_funds_back(
    app: FastAPI, client: AsyncClient, billing: Billing
) -> None:
    provider, invoice = await _webhook_transfers(app, client, billing)
    paid = _invoice_paid("evt_paid_2", invoice, charge="ch_acme_1")
    refunded = event(
        "evt_refund_1",
        "charge.refunded",
        {
            "id": "ch_acme_1",
            "object": "charge",
            "amount_refunded": 500,
            "refunds": {"data": [{"id": "re_acme_1", "amount": 500}]},
        },
    )
    for body in (paid, refunded, refunded):  # the refund delivered twice
        await _deliver(client, body)
    # 500 of 1250 refunded: 40 % of what each commons received (1000 and 250) comes back,
    # sent by the transfer run the refund webhook started, once
    assert sorted(r.request.amount_minor for r in provider.reversals.values()) == [100, 400]
    geo, maps = billing.world.commons["geo"], billing.world.commons["maps"]
    assert {r.idempotency_key for r in provider.reversal_requests} == {
        f"copyfair-reversal-re_acme_1-{commons}" for commons in (geo, maps)
    }
    assert provider.kept("acct_1GeoFoundation") == 750
    ledger = (await client.get(f"/v1/commons/{geo}/ledger")).json()
    assert [t["to_foundation_minor"] for t in ledger["totals"]] == [1000 - 400]
